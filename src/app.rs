//! The compiled application: routes, router, settings and Python references, built once.

use crate::auth::RouteAuth;
use crate::config::ServerConfig;
use crate::middleware::{rate_limit::Limiter, AppMiddleware, RouteMiddleware};
use crate::params::spec::ParamSpec;
use crate::params::Needs;
use crate::python::refs::PyRefs;
use crate::python::response as convert;
use crate::request::Method;
use crate::response::Response;
use crate::router::{Router, TrailingSlash};
use crate::schema::{
    self, config::ServerConfigRecord, middleware::CompressionRecord, route::RouteRecord,
    runtime::RuntimeRecord,
};
use pyo3::prelude::*;
use pyo3::types::PyList;
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
    /// A static route's response: converted once at startup (like a handler result) and served
    /// without entering Python.
    pub fixed_response: Option<Response>,
    pub middleware: RouteMiddleware,
    /// Authentication and guards checked before parameters are extracted.
    pub auth: Option<RouteAuth>,
    /// The route's Python stage chain, `chain(request, handler, args, kwargs)`: Python auth,
    /// Python guards, dependencies, then the handler. `None`: the handler is called directly.
    pub chain: Option<Py<PyAny>>,
}

pub struct App {
    pub routes: Vec<Route>,
    pub router: Router,
    pub config: ServerConfig,
    pub refs: Arc<PyRefs>,
    pub middleware: AppMiddleware,
    /// Open WebSockets of this process (`BOLT_WS_MAX_CONNECTIONS`).
    pub websockets: crate::middleware::websocket_slots::Slots,
}

impl Route {
    fn from_record(
        py: Python<'_>,
        r: RouteRecord,
        index: usize,
        policy: TrailingSlash,
        refs: &PyRefs,
        mw: &mut AppMiddleware,
    ) -> PyResult<Route> {
        let method = match r.kind.as_str() {
            "websocket" => Method::WebSocket,
            // A mounted app's WebSocket side (`AsgiMount.takes_websockets`).
            "mount" if r.method.eq_ignore_ascii_case("websocket") => Method::WebSocket,
            "http" | "mount" => Method::parse(&r.method.to_ascii_uppercase()),
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "{} {}: RouteRecord.kind: expected \"http\", \"websocket\" or \"mount\", not {other:?}",
                    r.method, r.path
                )))
            }
        };
        let path = policy.normalize(&r.path);
        let whose = format!("{} {path}", method.as_str());
        let fail = |e: PyErr| schema::within(py, &whose, e);
        let params = r
            .params
            .into_iter()
            .map(ParamSpec::from_record)
            .collect::<PyResult<Vec<_>>>()
            .map_err(fail)?;
        let fixed_response = r
            .fixed_response
            .map(|f| convert::fixed(py, refs, r.status_code, f.into_bound(py)))
            .transpose()
            .map_err(fail)?;
        let auth = r
            .auth
            .map(|a| RouteAuth::from_record(py, a))
            .transpose()
            .map_err(fail)?;
        let middleware = mw
            .route(index, &method, &path, r.middleware)
            .map_err(fail)?;
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
            chain: r.chain,
            method,
            path,
            middleware,
            handler: r.handler,
            is_async: r.is_async,
            never_suspends: r.never_suspends,
            needs: Needs::of(&params),
            params,
            status_code: r.status_code,
            fixed_response,
            shape_response: r.shape_response,
        })
    }
}

/// Global CORS (taken from the server config), the rate-limit backend and compression.
fn app_middleware(
    config: &mut ServerConfigRecord,
    compression: Option<CompressionRecord>,
) -> PyResult<AppMiddleware> {
    let limiter = Limiter::new(config.rate_limit_redis_url.as_deref())
        .map_err(pyo3::exceptions::PyValueError::new_err)?;
    AppMiddleware::new(config.cors.take(), compression, limiter)
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
        py: Python<'_>,
        routes: &Bound<'_, PyList>,
        runtime: &Bound<'_, PyAny>,
        config: &Bound<'_, PyAny>,
        trailing_slash: &str,
        compression: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyApp> {
        let policy = TrailingSlash::parse(trailing_slash)
            .map_err(pyo3::exceptions::PyValueError::new_err)?;
        let mut config: ServerConfigRecord = schema::read(config, || "server config".into())?;
        let compression: Option<CompressionRecord> = compression
            .map(|c| schema::read(c, || "compression config".into()))
            .transpose()?;
        let runtime: RuntimeRecord = schema::read(runtime, || "runtime".into())?;
        let mut middleware = app_middleware(&mut config, compression)
            .map_err(|e| schema::within(py, "settings", e))?;
        let refs = PyRefs::from_record(runtime).map_err(|e| schema::within(py, "runtime", e))?;
        crate::python::db::register(py, &refs);
        let server_config = ServerConfig::from_record(config)
            .map_err(|e| schema::within(py, "server config", e))?;
        let mut compiled = Vec::with_capacity(routes.len());
        let mut mounts: Vec<(String, usize)> = Vec::new();
        let mut websocket_mounts: Vec<(String, usize)> = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            let record: RouteRecord = schema::read(&r, || route_label(&r, i))?;
            if record.kind == "mount" {
                // Not in the route table: asked only when no route matches (`Router::find`).
                let prefix = record.path.trim_end_matches('/');
                let prefix = if prefix.is_empty() { "/" } else { prefix }.to_owned();
                if record.method.eq_ignore_ascii_case("websocket") {
                    websocket_mounts.push((prefix, i));
                } else {
                    mounts.push((prefix, i));
                }
            }
            compiled.push(Route::from_record(
                py,
                record,
                i,
                policy,
                &refs,
                &mut middleware,
            )?);
        }
        let table: Vec<(Method, String, usize)> = compiled
            .iter()
            .enumerate()
            .filter(|(i, _)| !mounts.iter().chain(&websocket_mounts).any(|(_, m)| m == i))
            .map(|(i, r)| (r.method.clone(), r.path.clone(), i))
            .collect();
        let router = Router::build(&table, policy)
            .and_then(|router| router.with_mounts(mounts, websocket_mounts))
            .map_err(pyo3::exceptions::PyValueError::new_err)?;
        Ok(PyApp {
            inner: Arc::new(App {
                routes: compiled,
                router,
                config: server_config,
                refs: Arc::new(refs),
                middleware,
                websockets: Default::default(),
            }),
        })
    }

    #[getter]
    fn route_count(&self) -> usize {
        self.inner.routes.len()
    }

    /// Empties this process's rate-limit buckets (not Redis): a new test client starts as a
    /// new server does.
    fn clear_rate_limits(&self) {
        self.inner.middleware.limiter.clear_local();
    }
}

/// `routes[3] (GET /items)`: which route record an error is about.
fn route_label(record: &Bound<'_, PyAny>, index: usize) -> String {
    let text = |key: &str| {
        record
            .get_item(key)
            .ok()
            .and_then(|v| v.extract::<String>().ok())
            .unwrap_or_else(|| "?".into())
    };
    format!(
        "route record routes[{index}] ({} {})",
        text("method"),
        text("path")
    )
}
