//! Stage 4, `run`: parameters are coerced in Rust, then one GIL hold builds the arguments,
//! runs the route's Python stage chain and the handler, and turns the result into a response.
//! Sync handlers run on the blocking pool; async ones are stepped from Rust (`python::coro`).

use super::admit::Admitted;
use crate::app::{App, Route};
use crate::auth::Identity;
use crate::params::errors::{validation_body, FieldError};
use crate::params::form::FormData;
use crate::params::spec::Source;
use crate::params::{self, ExtractError, Extracted, Slot};
use crate::python::convert::to_py;
use crate::python::coro::{self, Outcome, Step};
use crate::python::db;
use crate::python::request::PyRequest;
use crate::python::response::{errors_from_python, from_error, from_result};
use crate::request::HttpRequest;
use crate::response::{Body, ErrorOrigin, Response, JSON};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use std::sync::Arc;

/// Runs route `index` for an admitted request whose body has been received (`form`: a form the
/// transport parsed while receiving it). Static routes are answered by [`fixed`] instead.
pub async fn run(
    app: &Arc<App>,
    index: usize,
    path_params: Vec<(String, String)>,
    identity: Admitted,
    req: &Arc<HttpRequest>,
    form: Option<FormData>,
) -> Response {
    let route = &app.routes[index];
    let form = match super::body::form(app, route, req, form).await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    // Kept until the response exists: spooled uploads are removed when these drop.
    let _temp_files = form.as_ref().map(|f| f.temp_files()).unwrap_or_default();
    let extracted = match params::extract(&route.params, route.needs, req, &path_params, form) {
        Ok(e) => e,
        Err(ExtractError::BadRequest(m)) => return Response::detail(400, &m),
        Err(ExtractError::UnsupportedMediaType(m)) => return Response::detail(415, &m),
    };
    // The handler's `UploadFile`s, closed once its response exists (as the release does).
    let mut uploads: Vec<Py<PyAny>> = Vec::new();
    let resp = if route.is_async {
        let step = Python::attach(|py| {
            let coroutine = match call_handler(
                py,
                app,
                route,
                req,
                path_params,
                extracted,
                None,
                identity,
                &mut uploads,
            ) {
                Ok(c) => c,
                Err(resp) => return Err(Ready::Answered(resp)),
            };
            if let (true, Some(locked)) = (route.never_suspends, &app.refs.locked_loop) {
                let outcome = locked.run_to_end(py, coroutine);
                return Err(answer_or_lazy(py, outcome, (app, route, req)));
            }
            match coro::start(py, &app.refs, coroutine) {
                Step::Done(outcome) => Err(answer_or_lazy(py, outcome, (app, route, req))),
                Step::Pending(rx) => Ok(rx),
            }
        });
        let ready = match step {
            Err(ready) => ready,
            Ok(rx) => match rx.await {
                Ok(outcome) => Python::attach(|py| {
                    let ready = answer_or_lazy(py, outcome, (app, route, req));
                    if let Ready::Answered(resp) = &ready {
                        db::finish_async(py, &app.refs, resp.status == 500);
                    }
                    ready
                }),
                Err(_) => Ready::Answered(Response::detail(500, "Internal Server Error")),
            },
        };
        match ready {
            Ready::Answered(resp) => resp,
            Ready::Lazy(value) => convert_on_blocking_pool(app, index, req, value).await,
        }
    } else {
        let app = Arc::clone(app);
        let req = Arc::clone(req);
        let joined = tokio::task::spawn_blocking(move || {
            let route = &app.routes[index];
            Python::attach(|py| {
                db::start_sync(py, &app.refs);
                let mut uploads = Vec::new();
                let resp = match call_handler(
                    py,
                    &app,
                    route,
                    &req,
                    path_params,
                    extracted,
                    None,
                    identity,
                    &mut uploads,
                ) {
                    Ok(result) => convert(py, &app, route, &req, Ok(result.unbind())),
                    Err(resp) => resp,
                };
                close_uploads(py, uploads);
                db::finish_sync(py, &app.refs, resp.status == 500);
                resp
            })
        })
        .await;
        joined.unwrap_or_else(|_| Response::detail(500, "Internal Server Error"))
    };
    if !uploads.is_empty() {
        Python::attach(|py| close_uploads(py, uploads));
    }
    open_file(app, resp, req).await
}

/// `close_sync()` on each upload the handler was given; a failure is printed, not answered.
fn close_uploads(py: Python<'_>, uploads: Vec<Py<PyAny>>) {
    for upload in uploads {
        if let Err(e) = upload.bind(py).call_method0("close_sync") {
            e.print(py);
        }
    }
}

/// A static route's response, rendered at startup: no parameters, no Python.
pub fn fixed(route: &Route) -> Option<Response> {
    route.fixed_response.as_ref().map(Response::copy_full)
}

/// A `File`/`FileResponse` result: its path checked, the file opened and sized, off the GIL,
/// with the request's conditional and range headers.
async fn open_file(app: &App, mut resp: Response, req: &HttpRequest) -> Response {
    if !matches!(resp.body, Body::FileRequest(_)) {
        return resp;
    }
    let body = std::mem::replace(&mut resp.body, Body::Full(bytes::Bytes::new()));
    let Body::FileRequest(file) = body else {
        return resp;
    };
    let conditions = crate::response::file::Conditions::capture(req);
    crate::response::file::respond(
        resp,
        *file,
        conditions,
        app.config.allowed_file_roots.clone(),
    )
    .await
}

/// The app, route and request a result is converted for.
type Context<'a> = (&'a Arc<App>, &'a Route, &'a HttpRequest);

/// An async handler's result: its response, or a QuerySet whose query has not run yet.
enum Ready {
    Answered(Response),
    Lazy(Py<PyAny>),
}

/// Converting an unevaluated QuerySet runs its query: not on an async worker (nor on the event
/// loop, where Django refuses it), so it goes to the blocking pool, as sync handlers do.
fn answer_or_lazy(py: Python<'_>, outcome: Outcome, (app, route, req): Context<'_>) -> Ready {
    match outcome {
        Ok(value) if is_lazy_queryset(py, app, value.bind(py)) => Ready::Lazy(value),
        outcome => Ready::Answered(convert(py, app, route, req, outcome)),
    }
}

fn is_lazy_queryset(py: Python<'_>, app: &App, value: &Bound<'_, PyAny>) -> bool {
    if value.is_exact_instance_of::<PyDict>() || value.is_exact_instance_of::<PyList>() {
        return false; // the common results, decided without an isinstance walk
    }
    value
        .is_instance(app.refs.queryset_cls.bind(py))
        .unwrap_or(false)
        && value
            .getattr(pyo3::intern!(py, "_result_cache"))
            .is_ok_and(|cache| cache.is_none())
}

/// Converts `value` (a lazy QuerySet) on the blocking pool, with a sync handler's connection
/// handling around it.
async fn convert_on_blocking_pool(
    app: &Arc<App>,
    index: usize,
    req: &Arc<HttpRequest>,
    value: Py<PyAny>,
) -> Response {
    let app = Arc::clone(app);
    let req = Arc::clone(req);
    tokio::task::spawn_blocking(move || {
        let route = &app.routes[index];
        Python::attach(|py| {
            db::start_sync(py, &app.refs);
            let resp = convert(py, &app, route, &req, Ok(value));
            db::finish_sync(py, &app.refs, resp.status == 500);
            resp
        })
    })
    .await
    .unwrap_or_else(|_| Response::detail(500, "Internal Server Error"))
}

fn convert(
    py: Python<'_>,
    app: &Arc<App>,
    route: &Route,
    req: &HttpRequest,
    outcome: Outcome,
) -> Response {
    match outcome {
        Ok(obj) => from_result(
            py,
            &app.refs,
            route.status_code,
            route.shape_response.as_ref(),
            obj.into_bound(py),
        )
        .unwrap_or_else(|e| from_error(py, &app.refs, app.config.debug, e, req)),
        Err(e) => from_error(py, &app.refs, app.config.debug, e, req),
    }
}

/// A decoder's or converter's result; its `RequestValidationError` becomes field errors (and
/// `None` stands in for the argument), any other exception stays an error.
fn or_field_errors<'py>(
    py: Python<'py>,
    app: &App,
    result: PyResult<Bound<'py, PyAny>>,
    errors: &mut Vec<FieldError>,
) -> PyResult<Bound<'py, PyAny>> {
    match result {
        Err(e) if e.is_instance(py, app.refs.validation_error.bind(py)) => {
            errors.extend(errors_from_python(&e.value(py).getattr("errors")?)?);
            Ok(py.None().into_bound(py))
        }
        other => other,
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
    uploads: &mut Vec<Py<PyAny>>,
) -> Result<Bound<'py, PyAny>, Response> {
    let Extracted {
        slots,
        mut errors,
        form,
    } = extracted;
    let fail = |e: PyErr| from_error(py, &app.refs, app.config.debug, e, req);
    let mut request_obj: Option<Bound<'py, PyAny>> = None;
    let mut path_params = Some(path_params);
    let mut identity = Some(identity);
    let mut new_request = |path_params: &mut Option<Vec<(String, String)>>| {
        let params = path_params.take().unwrap_or_default();
        let list_keys = route
            .params
            .iter()
            .filter(|p| p.is_list && p.source == Source::Query)
            .map(|p| p.key.clone())
            .collect();
        let request = PyRequest::new(Arc::clone(req), Arc::clone(&app.refs), params)
            .with_identity(identity.take().flatten())
            .with_list_keys(list_keys);
        Bound::new(py, request).map(Bound::into_any)
    };
    // No allocation for a handler without arguments (its args are the shared empty tuple).
    let mut positional: Vec<Bound<'py, PyAny>> = match (slots.len(), &leading) {
        (0, None) => Vec::new(),
        (n, _) => Vec::with_capacity(n + 1),
    };
    positional.extend(leading);
    let mut keywords: Option<Bound<'py, PyDict>> = None;
    for (spec, slot) in route.params.iter().zip(slots) {
        let value: Bound<'py, PyAny> = match slot {
            Slot::Value(v) => {
                let value = to_py(py, &app.refs, &v).map_err(fail)?;
                match &spec.convert {
                    None => value,
                    Some(convert) => {
                        let converted = convert.bind(py).call1((value,));
                        or_field_errors(py, app, converted, &mut errors).map_err(fail)?
                    }
                }
            }
            Slot::Default => match &spec.default {
                Some(d) => d.bind(py).clone(),
                None => py.None().into_bound(py),
            },
            slot @ (Slot::JsonBody | Slot::FormModel | Slot::Model(_)) => {
                let decoder = match &spec.decoder {
                    Some(d) => d.bind(py),
                    None => return Err(Response::detail(500, "Internal Server Error")),
                };
                let input = match &slot {
                    Slot::JsonBody => PyBytes::new(py, &req.body).into_any(),
                    Slot::Model(values) => model_dict(py, app, spec, values).map_err(fail)?,
                    _ => form_dict(py, app, form.as_ref(), uploads)
                        .map_err(fail)?
                        .into_any(),
                };
                or_field_errors(py, app, decoder.call1((input,)), &mut errors).map_err(fail)?
            }
            Slot::Files(files) => {
                let objs = files
                    .iter()
                    .map(|f| upload_file(py, app, f, uploads))
                    .collect::<PyResult<Vec<_>>>()
                    .map_err(fail)?;
                let value = if spec.is_list {
                    PyList::new(py, objs).map_err(fail)?.into_any()
                } else {
                    objs.into_iter()
                        .next()
                        .unwrap_or_else(|| py.None().into_bound(py))
                };
                match &spec.convert {
                    None => value,
                    // `dict`/`bytes` annotations: the release's file info dicts or the content.
                    Some(convert) => convert.bind(py).call1((value,)).map_err(fail)?,
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
        return Err(Response::new(422, JSON, validation_body(&errors)).as_error(ErrorOrigin::Core));
    }
    // The shared empty tuple for handlers without positional arguments: no allocation.
    let args = if positional.is_empty() {
        PyTuple::empty(py)
    } else {
        PyTuple::new(py, positional).map_err(fail)?
    };
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
    uploads: &mut Vec<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let upload = new_upload_file(py, app, f)?;
    uploads.push(upload.clone().unbind());
    Ok(upload)
}

fn new_upload_file<'py>(
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
/// `{field name: coerced value}` of the fields of a query/header/cookie model the request has.
fn model_dict<'py>(
    py: Python<'py>,
    app: &App,
    spec: &params::spec::ParamSpec,
    values: &[(usize, params::coerce::Value)],
) -> PyResult<Bound<'py, PyAny>> {
    let present = PyDict::new(py);
    for (i, v) in values {
        present.set_item(&spec.fields[*i].name, to_py(py, &app.refs, v)?)?;
    }
    Ok(present.into_any())
}

fn form_dict<'py>(
    py: Python<'py>,
    app: &App,
    form: Option<&params::form::FormData>,
    uploads: &mut Vec<Py<PyAny>>,
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
        put(k, upload_file(py, app, f, uploads)?)?;
    }
    Ok(d)
}
