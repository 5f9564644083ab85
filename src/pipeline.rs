//! The one request pipeline, used by the socket server and the in-process test client alike:
//! route → parameters (Rust) → one GIL hold to build arguments and call the handler → response.

use crate::app::{App, Route};
use crate::auth::Identity;
use crate::middleware::{self, rate_limit, Origin};
use crate::params::errors::validation_body;
use crate::params::{self, ExtractError, Extracted, Slot};
use crate::python::convert::to_py;
use crate::python::coro::{self, Outcome, Step};
use crate::request::pyrequest::PyRequest;
use crate::request::{HttpRequest, Method};
use crate::response::convert::{errors_from_python, from_error, from_result};
use crate::response::{Body, Response, JSON};
use crate::router::Lookup;
use crate::streaming::upload;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use std::sync::Arc;

/// Characters escaped when a decoded path is put back into a `Location` header.
const PATH_ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%');

pub async fn handle(app: Arc<App>, mut req: HttpRequest) -> Response {
    crate::server::proxy::apply_forwarded(&mut req, &app.config.trusted_proxies);
    let is_head = req.method == Method::Head;
    let info = middleware::RequestInfo::of(&app, &req);
    if let Some(mut resp) = crate::streaming::static_files::serve(&app, &req).await {
        middleware::finish(&app, middleware::Origin::Unrouted, &info, &mut resp);
        resp.omit_body = is_head;
        return resp;
    }
    let conditions = crate::streaming::file::Conditions::capture(&req);
    let (mut resp, from) = dispatch(&app, req).await;
    if let Body::FileRequest(_) = resp.body {
        let body = std::mem::replace(&mut resp.body, Body::Full(bytes::Bytes::new()));
        if let Body::FileRequest(file) = body {
            resp = crate::streaming::file::respond(
                resp,
                *file,
                conditions,
                app.config.allowed_file_roots.clone(),
            )
            .await;
        }
    }
    middleware::finish(&app, from, &info, &mut resp);
    if is_head {
        resp.omit_body = true;
    }
    resp
}

async fn dispatch(app: &Arc<App>, req: HttpRequest) -> (Response, Origin) {
    if let Some(resp) = middleware::preflight(app, &req) {
        return (resp, Origin::Preflight);
    }
    let too_large = req.body.len() > app.config.max_body_bytes;
    match app.router.lookup(&req.method, &req.path) {
        Lookup::Route { route, .. } if too_large => (
            body_too_large(app.config.max_body_bytes),
            Origin::Route(route),
        ),
        _ if too_large => (body_too_large(app.config.max_body_bytes), Origin::Unrouted),
        Lookup::NotFound => (Response::detail(404, "Not Found"), Origin::Unrouted),
        Lookup::MethodNotAllowed { allow } => {
            if crate::websocket::is_websocket_path(app, &req) {
                return (crate::websocket::upgrade_required(), Origin::Unrouted);
            }
            (
                Response::detail(405, "Method Not Allowed").with_header("allow", allow),
                Origin::Unrouted,
            )
        }
        Lookup::Options { allow } => (
            Response::empty(204).with_header("allow", allow),
            Origin::Unrouted,
        ),
        Lookup::Redirect(path) => {
            let mut location = utf8_percent_encode(&path, PATH_ESCAPE).to_string();
            if !req.query.is_empty() {
                location.push('?');
                location.push_str(&req.query);
            }
            (
                Response::empty(308).with_header("location", location),
                Origin::Unrouted,
            )
        }
        Lookup::Route { route, params } => (
            run_route(app, route, req, params).await,
            Origin::Route(route),
        ),
    }
}

/// `ALLOWED_HOSTS`: a 400 for a `Host` the settings do not allow, checked by each transport
/// before anything else looks at the request (routing, static files, auth, body, upgrade).
pub fn check_host(app: &App, req: &HttpRequest) -> Result<(), Response> {
    app.config
        .allowed_hosts
        .check(req.header("host"))
        .map_err(|refused| {
            let mut resp = Response::detail(400, &refused.0);
            resp.omit_body = req.method == Method::Head;
            resp
        })
}

pub fn body_too_large(limit: usize) -> Response {
    Response::detail(
        413,
        &format!("Request body is larger than the limit of {limit} bytes"),
    )
}

/// A route's rate limit and authentication, passed before the request's body was read.
#[derive(Clone)]
pub struct Admission {
    route: usize,
    identity: Option<Arc<Identity>>,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("route", &self.route)
            .field("identified", &self.identity.is_some())
            .finish()
    }
}

/// Rate limit, authentication with claim guards, then the identity-keyed rate limit (failed
/// attempts count too): what a route checks before it looks at parameters or the body. Static
/// routes stay public.
async fn admit(
    app: &App,
    route: &Route,
    req: &HttpRequest,
) -> Result<Option<Arc<Identity>>, Response> {
    rate_limit::check_before_auth(app, route, req).await?;
    let auth = match &route.fixed_response {
        Some(_) => None,
        None => route.auth.as_ref(),
    };
    let identity = match auth {
        Some(auth) => match crate::auth::authenticate(auth, &req.method, &req.headers).await {
            Ok(identity) => identity,
            Err(resp) => {
                rate_limit::check_after_auth(app, route, req, Err(())).await?;
                return Err(resp);
            }
        },
        None => None,
    };
    rate_limit::check_after_auth(app, route, req, Ok(identity.as_deref())).await?;
    Ok(identity)
}

/// For a request whose body is still unread: runs its route's `admit` checks now, so a client
/// that is refused cannot make the server receive (or spool to disk) a body it would discard.
/// `Err` is the finished answer, CORS headers included.
pub async fn admit_before_body(app: &App, req: &mut HttpRequest) -> Result<(), Response> {
    // Preflights are answered before routing, without auth.
    if req.method == Method::Options {
        return Ok(());
    }
    crate::server::proxy::apply_forwarded(req, &app.config.trusted_proxies);
    let Lookup::Route { route: index, .. } = app.router.lookup(&req.method, &req.path) else {
        return Ok(());
    };
    let route = &app.routes[index];
    if route.auth.is_none() && route.middleware.rate_limit.is_none() {
        return Ok(());
    }
    match admit(app, route, req).await {
        Ok(identity) => {
            req.admission = Some(Admission {
                route: index,
                identity,
            });
            Ok(())
        }
        Err(mut resp) => {
            let info = middleware::RequestInfo::of(app, req);
            middleware::finish(app, Origin::Route(index), &info, &mut resp);
            Err(resp)
        }
    }
}

async fn run_route(
    app: &Arc<App>,
    index: usize,
    mut req: HttpRequest,
    path_params: Vec<(String, String)>,
) -> Response {
    let route = &app.routes[index];
    let identity = match req.admission.take() {
        Some(admitted) if admitted.route == index => admitted.identity,
        _ => match admit(app, route, &req).await {
            Ok(identity) => identity,
            Err(resp) => return resp,
        },
    };
    if let Some(fixed) = &route.fixed_response {
        return fixed.copy_full();
    }
    let form = if route.needs.form {
        let limits = upload::Limits::of(app, route);
        match upload::receive(&mut req, limits).await {
            Ok(f) => Some(f),
            Err(e) => return upload::error_response(e),
        }
    } else {
        None
    };
    // Kept until the response exists: spooled uploads are removed when these drop.
    let _temp_files = form.as_ref().map(|f| f.temp_files()).unwrap_or_default();
    let extracted = match params::extract(&route.params, route.needs, &req, &path_params, form) {
        Ok(e) => e,
        Err(ExtractError::BadRequest(m)) => return Response::detail(400, &m),
        Err(ExtractError::UnsupportedMediaType(m)) => return Response::detail(415, &m),
    };
    let req = Arc::new(req);
    if route.is_async {
        let step = Python::attach(|py| {
            let coroutine =
                match call_handler(py, app, route, &req, path_params, extracted, None, identity) {
                    Ok(c) => c,
                    Err(resp) => return Err(resp),
                };
            if let (true, Some(locked)) = (route.never_suspends, &app.refs.locked_loop) {
                return Err(finish(py, app, route, locked.run_to_end(py, coroutine)));
            }
            match coro::start(py, &app.refs, coroutine) {
                Step::Done(outcome) => Err(finish(py, app, route, outcome)),
                Step::Pending(rx) => Ok(rx),
            }
        });
        match step {
            Err(resp) => resp,
            Ok(rx) => match rx.await {
                Ok(outcome) => Python::attach(|py| finish(py, app, route, outcome)),
                Err(_) => Response::detail(500, "Internal Server Error"),
            },
        }
    } else {
        let app = Arc::clone(app);
        let joined = tokio::task::spawn_blocking(move || {
            let route = &app.routes[index];
            Python::attach(|py| {
                match call_handler(
                    py,
                    &app,
                    route,
                    &req,
                    path_params,
                    extracted,
                    None,
                    identity,
                ) {
                    Ok(result) => finish(py, &app, route, Ok(result.unbind())),
                    Err(resp) => resp,
                }
            })
        })
        .await;
        joined.unwrap_or_else(|_| Response::detail(500, "Internal Server Error"))
    }
}

fn finish(py: Python<'_>, app: &Arc<App>, route: &Route, outcome: Outcome) -> Response {
    match outcome {
        Ok(obj) => from_result(py, app, route, obj.into_bound(py))
            .unwrap_or_else(|e| from_error(py, app, e)),
        Err(e) => from_error(py, app, e),
    }
}

/// Builds the arguments and calls the handler. `Err` is a finished error response.
/// `leading` goes before the parameters (a WebSocket handler's connection).
#[allow(clippy::too_many_arguments)]
pub(crate) fn call_handler<'py>(
    py: Python<'py>,
    app: &Arc<App>,
    route: &Route,
    req: &Arc<HttpRequest>,
    path_params: Vec<(String, String)>,
    extracted: Extracted,
    leading: Option<Bound<'py, PyAny>>,
    identity: Option<Arc<Identity>>,
) -> Result<Bound<'py, PyAny>, Response> {
    let Extracted {
        slots,
        mut errors,
        form,
    } = extracted;
    let fail = |e: PyErr| from_error(py, app, e);
    let mut request_obj: Option<Bound<'py, PyAny>> = None;
    let mut path_params = Some(path_params);
    let mut identity = Some(identity);
    let mut new_request = |path_params: &mut Option<Vec<(String, String)>>| {
        let params = path_params.take().unwrap_or_default();
        let request = PyRequest::new(Arc::clone(req), Arc::clone(app), params)
            .with_identity(identity.take().flatten());
        Bound::new(py, request).map(Bound::into_any)
    };
    let mut positional: Vec<Bound<'py, PyAny>> = Vec::with_capacity(slots.len() + 1);
    positional.extend(leading);
    let mut keywords: Option<Bound<'py, PyDict>> = None;
    for (spec, slot) in route.params.iter().zip(slots) {
        let value: Bound<'py, PyAny> = match slot {
            Slot::Value(v) => to_py(py, &app.refs, &v).map_err(fail)?,
            Slot::Default => match &spec.default {
                Some(d) => d.bind(py).clone(),
                None => py.None().into_bound(py),
            },
            Slot::JsonBody | Slot::FormModel => {
                let decoder = match &spec.decoder {
                    Some(d) => d.bind(py),
                    None => return Err(Response::detail(500, "Internal Server Error")),
                };
                let input = if matches!(slot, Slot::JsonBody) {
                    PyBytes::new(py, &req.body).into_any()
                } else {
                    form_dict(py, app, form.as_ref()).map_err(fail)?.into_any()
                };
                match decoder.call1((input,)) {
                    Ok(v) => v,
                    Err(e) if e.is_instance(py, app.refs.validation_error.bind(py)) => {
                        let listed = e
                            .value(py)
                            .getattr("errors")
                            .and_then(|l| errors_from_python(&l))
                            .map_err(fail)?;
                        errors.extend(listed);
                        py.None().into_bound(py)
                    }
                    Err(e) => return Err(fail(e)),
                }
            }
            Slot::Files(files) => {
                let objs = files
                    .iter()
                    .map(|f| upload_file(py, app, f))
                    .collect::<PyResult<Vec<_>>>()
                    .map_err(fail)?;
                if spec.is_list {
                    PyList::new(py, objs).map_err(fail)?.into_any()
                } else {
                    objs.into_iter()
                        .next()
                        .unwrap_or_else(|| py.None().into_bound(py))
                }
            }
            Slot::Request => match &request_obj {
                Some(r) => r.clone(),
                None => {
                    let obj = new_request(&mut path_params).map_err(fail)?;
                    request_obj = Some(obj.clone());
                    obj
                }
            },
        };
        if spec.keyword_only {
            let kw = match &keywords {
                Some(k) => k.clone(),
                None => {
                    let k = PyDict::new(py);
                    keywords = Some(k.clone());
                    k
                }
            };
            kw.set_item(&spec.name, value).map_err(fail)?;
        } else {
            positional.push(value);
        }
    }
    if !errors.is_empty() {
        return Err(Response::new(422, JSON, validation_body(&errors)));
    }
    let args = PyTuple::new(py, positional).map_err(fail)?;
    if let Some(chain) = &route.chain {
        let request = match request_obj {
            Some(r) => r,
            None => new_request(&mut path_params).map_err(fail)?,
        };
        let kwargs = keywords.unwrap_or_else(|| PyDict::new(py));
        return chain
            .bind(py)
            .call1((request, route.handler.bind(py), args, kwargs))
            .map_err(fail);
    }
    route
        .handler
        .bind(py)
        .call(args, keywords.as_ref())
        .map_err(fail)
}

fn upload_file<'py>(
    py: Python<'py>,
    app: &App,
    f: &params::form::UploadedFile,
) -> PyResult<Bound<'py, PyAny>> {
    let headers = PyDict::new(py);
    for (k, v) in &f.headers {
        headers.set_item(k, v)?;
    }
    let upload = app.refs.upload_file.bind(py);
    match &f.spooled {
        Some(path) => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("path", path.as_os_str())?;
            kwargs.set_item("size", f.size)?;
            upload.call(
                (
                    f.filename.as_str(),
                    f.content_type.as_str(),
                    py.None(),
                    headers,
                ),
                Some(&kwargs),
            )
        }
        None => upload.call1((
            f.filename.as_str(),
            f.content_type.as_str(),
            PyBytes::new(py, &f.data),
            headers,
        )),
    }
}

/// Form fields and files as a dict for model decoders; repeated keys become lists.
fn form_dict<'py>(
    py: Python<'py>,
    app: &App,
    form: Option<&params::form::FormData>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let Some(form) = form else { return Ok(d) };
    let put = |k: &str, v: Bound<'py, PyAny>| -> PyResult<()> {
        match d.get_item(k)? {
            Some(prev) => {
                if let Ok(list) = prev.cast::<PyList>() {
                    list.append(v)?;
                } else {
                    d.set_item(k, PyList::new(py, [prev, v])?)?;
                }
            }
            None => d.set_item(k, v)?,
        }
        Ok(())
    };
    for (k, v) in &form.fields {
        put(k, pyo3::types::PyString::new(py, v).into_any())?;
    }
    for (k, f) in &form.files {
        put(k, upload_file(py, app, f)?)?;
    }
    Ok(d)
}
