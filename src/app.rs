//! The compiled application: routes, router, settings and Python references, built once.

use crate::auth::RouteAuth;
use crate::config::ServerConfig;
use crate::middleware::{rate_limit::Limiter, AppMiddleware, RouteMiddleware};
use crate::params::spec::ParamSpec;
use crate::params::Needs;
use crate::python::refs::PyRefs;
use crate::request::Method;
use crate::response::{Body, HeaderList, Response};
use crate::router::{Router, TrailingSlash};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::borrow::Cow;
use std::sync::Arc;

pub struct Route {
    pub method: Method,
    pub path: String,
    pub handler: Py<PyAny>,
    pub is_async: bool,
    /// An `async def` without any `await`: it cannot suspend, so it runs without a task.
    pub never_suspends: bool,
    pub params: Vec<ParamSpec>,
    pub needs: Needs,
    /// Status for plain (non-`Response`) return values.
    pub status_code: u16,
    /// `shape(result) -> result`, validating against `response_model`.
    pub shape_response: Option<Py<PyAny>>,
    /// A response rendered once at startup and served without entering Python.
    pub fixed_response: Option<Response>,
    pub middleware: RouteMiddleware,
    /// Authentication and guards checked before parameters are extracted.
    pub auth: Option<RouteAuth>,
    /// `stage(request, handler, args, kwargs)`: calls the handler after the checks only Python
    /// can do (session authentication, custom `BasePermission`s).
    pub auth_stage: Option<Py<PyAny>>,
}

pub struct App {
    pub routes: Vec<Route>,
    pub router: Router,
    pub config: ServerConfig,
    pub refs: Arc<PyRefs>,
    pub middleware: AppMiddleware,
}

fn req<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(key)?
        .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(format!("route is missing {key:?}")))
}

impl Route {
    fn from_dict(d: &Bound<'_, PyDict>, index: usize, mw: &mut AppMiddleware) -> PyResult<Route> {
        let mut params = Vec::new();
        for p in req(d, "params")?.cast::<PyList>()?.iter() {
            params.push(ParamSpec::from_dict(p.cast::<PyDict>()?)?);
        }
        let shape = req(d, "shape_response")?;
        let fixed = match d.get_item("fixed_response")? {
            Some(f) if !f.is_none() => Some(fixed_response(f.cast::<PyDict>()?)?),
            _ => None,
        };
        let auth = match d.get_item("auth")? {
            Some(a) if !a.is_none() => Some(RouteAuth::from_dict(a.cast::<PyDict>()?)?),
            _ => None,
        };
        let auth_stage = d
            .get_item("auth_stage")?
            .filter(|s| !s.is_none())
            .map(Bound::unbind);
        let is_websocket = match d.get_item("kind")? {
            Some(k) => k.extract::<String>()? == "websocket",
            None => false,
        };
        let method = if is_websocket {
            Method::WebSocket
        } else {
            Method::parse(&req(d, "method")?.extract::<String>()?.to_ascii_uppercase())
        };
        let path: String = req(d, "path")?.extract()?;
        let middleware = match d.get_item("middleware")? {
            Some(m) if !m.is_none() => {
                mw.route(index, &method, &path, Some(m.cast::<PyDict>()?))?
            }
            _ => mw.route(index, &method, &path, None)?,
        };
        if let Some(limit) = &middleware.rate_limit {
            let verified = auth.as_ref().is_some_and(|a| !a.backends.is_empty());
            if limit.keyed_by_identity() && !verified {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "{} {path}: rate_limit(key={:?}) needs JWTAuthentication or \
                     APIKeyAuthentication on the route (or the API): without a verified identity \
                     every client would pick its own budget",
                    method.as_str(),
                    limit.key.name()
                )));
            }
        }
        Ok(Route {
            auth,
            auth_stage,
            method,
            path,
            middleware,
            handler: req(d, "handler")?.unbind(),
            is_async: req(d, "is_async")?.extract()?,
            never_suspends: match d.get_item("never_suspends")? {
                Some(v) => v.extract()?,
                None => false,
            },
            needs: Needs::of(&params),
            params,
            status_code: req(d, "status_code")?.extract()?,
            fixed_response: fixed,
            shape_response: if shape.is_none() {
                None
            } else {
                Some(shape.unbind())
            },
        })
    }
}

/// `{"status": int, "headers": [(name, value)], "body": bytes}` → a ready response.
fn fixed_response(d: &Bound<'_, PyDict>) -> PyResult<Response> {
    let status: u16 = req(d, "status")?.extract()?;
    let body: Vec<u8> = req(d, "body")?.extract()?;
    let mut headers: HeaderList = Vec::new();
    for (name, value) in req(d, "headers")?.extract::<Vec<(String, String)>>()? {
        let name = name.to_ascii_lowercase();
        if !crate::response::valid_header(&name, &value) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "invalid header {name:?} in a static response"
            )));
        }
        headers.push((Cow::Owned(name), value));
    }
    Ok(Response {
        status,
        headers,
        body: Body::Full(body.into()),
        omit_body: false,
    })
}

/// Global CORS (`config["cors"]`), the rate-limit backend and compression.
fn app_middleware(
    config: &Bound<'_, PyDict>,
    compression: Option<&Bound<'_, PyDict>>,
) -> PyResult<AppMiddleware> {
    let cors = match config.get_item("cors")? {
        Some(c) if !c.is_none() => Some(c.cast_into::<PyDict>()?),
        _ => None,
    };
    let redis_url: Option<String> = match config.get_item("rate_limit_redis_url")? {
        Some(u) if !u.is_none() => Some(u.extract()?),
        _ => None,
    };
    let limiter =
        Limiter::new(redis_url.as_deref()).map_err(pyo3::exceptions::PyValueError::new_err)?;
    AppMiddleware::new(cors.as_ref(), compression, limiter)
}

/// The Python handle on a compiled app, shared by the server and the test client.
#[pyclass(module = "django_bolt._core", name = "App", frozen)]
pub struct PyApp {
    pub inner: Arc<App>,
}

#[pymethods]
impl PyApp {
    #[new]
    #[pyo3(signature = (routes, runtime, config, trailing_slash="strip", compression=None))]
    fn new(
        routes: &Bound<'_, PyList>,
        runtime: &Bound<'_, PyDict>,
        config: &Bound<'_, PyDict>,
        trailing_slash: &str,
        compression: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyApp> {
        let policy = TrailingSlash::parse(trailing_slash)
            .map_err(pyo3::exceptions::PyValueError::new_err)?;
        let mut middleware = app_middleware(config, compression)?;
        let mut compiled = Vec::with_capacity(routes.len());
        for (i, r) in routes.iter().enumerate() {
            compiled.push(Route::from_dict(r.cast::<PyDict>()?, i, &mut middleware)?);
        }
        let table: Vec<(Method, String, usize)> = compiled
            .iter()
            .enumerate()
            .map(|(i, r)| (r.method.clone(), r.path.clone(), i))
            .collect();
        let router =
            Router::build(&table, policy).map_err(pyo3::exceptions::PyValueError::new_err)?;
        Ok(PyApp {
            inner: Arc::new(App {
                routes: compiled,
                router,
                config: ServerConfig::from_dict(config)?,
                refs: Arc::new(PyRefs::from_dict(runtime)?),
                middleware,
            }),
        })
    }

    #[getter]
    fn route_count(&self) -> usize {
        self.inner.routes.len()
    }
}
