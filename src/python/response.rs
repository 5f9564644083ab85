//! Handler results and exceptions → `Response`, under the GIL.

use super::refs::PyRefs;
use super::stream::StreamBody;
use crate::params::errors::{FieldError, LocPart};
use crate::request::HttpRequest;
use crate::response::file::FileRequest;
use crate::response::{Body, ErrorOrigin, HeaderList, Response, JSON};
use bytes::Bytes;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

fn encode_json(py: Python<'_>, refs: &PyRefs, obj: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    let encoded = refs.json_encode.bind(py).call1((obj,))?;
    Ok(Bytes::copy_from_slice(
        encoded.cast::<PyBytes>()?.as_bytes(),
    ))
}

fn header_error(name: &str) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(format!(
        "response header {name:?} has an invalid name or a value containing CR, LF or NUL"
    ))
}

fn push_headers(out: &mut HeaderList, headers: &Bound<'_, PyAny>) -> PyResult<()> {
    if headers.is_none() {
        return Ok(());
    }
    let items = if let Ok(d) = headers.cast::<PyDict>() {
        if d.is_empty() {
            return Ok(());
        }
        d.items().into_any()
    } else {
        headers.clone()
    };
    for pair in items.try_iter()? {
        let (name, value): (String, String) = pair?.extract()?;
        if !crate::response::valid_header(&name, &value) {
            return Err(header_error(&name));
        }
        let lower = name.to_ascii_lowercase();
        // Framing and connection management belong to the server.
        if matches!(
            lower.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "keep-alive" | "upgrade"
        ) {
            continue;
        }
        out.push((Cow::Owned(lower), value.into()));
    }
    Ok(())
}

/// Whether `obj`'s type derives from `cls`. `isinstance` looks up the object's `__class__` too
/// whenever the type alone does not match (an attribute lookup per check, and a response is
/// checked against three classes); response objects are plain instances, so their type decides.
fn instance_of(obj: &Bound<'_, PyAny>, cls: &Bound<'_, PyAny>) -> PyResult<bool> {
    obj.get_type().is_subclass(cls)
}

fn status_of(obj: &Bound<'_, PyAny>) -> PyResult<u16> {
    let status: u16 = obj.getattr(intern!(obj.py(), "status_code"))?.extract()?;
    // Interim (1xx) statuses cannot be a handler's final answer.
    if !(200..=599).contains(&status) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "invalid status code {status}"
        )));
    }
    Ok(status)
}

/// Turns a handler's return value into a response: `status_code` for plain values, `shape`
/// (the route's `shape(result) -> result`) applied before JSON encoding.
pub fn from_result(
    py: Python<'_>,
    refs: &Arc<PyRefs>,
    status_code: u16,
    shape: Option<&Py<PyAny>>,
    obj: Bound<'_, PyAny>,
) -> PyResult<Response> {
    let shape = shape.map(|s| s.bind(py));
    convert(py, refs, status_code, shape, obj, |o| {
        special_body(py, refs, o)
    })
}

/// A static route's value, converted once at startup by the same code as handler results and
/// then served as is: only an in-memory body can be.
pub fn fixed(
    py: Python<'_>,
    refs: &PyRefs,
    status_code: u16,
    obj: Bound<'_, PyAny>,
) -> PyResult<Response> {
    convert(py, refs, status_code, None, obj, |o| {
        if instance_of(o, refs.file_response_cls.bind(py))?
            || instance_of(o, refs.streaming_response_cls.bind(py))?
        {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "a static route serves a fixed body; files and streams need a handler",
            ));
        }
        Ok(None)
    })
}

/// `special` gives the body of responses that are not plain content (files, streams).
fn convert<'py>(
    py: Python<'py>,
    refs: &PyRefs,
    status_code: u16,
    shape: Option<&Bound<'py, PyAny>>,
    obj: Bound<'py, PyAny>,
    special: impl FnOnce(&Bound<'py, PyAny>) -> PyResult<Option<Body>>,
) -> PyResult<Response> {
    // Exactly a dict or list (the usual JSON result) cannot be a `Response`: skip the
    // isinstance check, which costs a `__instancecheck__` lookup per request.
    let plain = obj.is_exact_instance_of::<PyDict>() || obj.is_exact_instance_of::<PyList>();
    if !plain && instance_of(&obj, refs.response_cls.bind(py))? {
        // The route's type describes the body of its status: a `Response` carrying data is
        // checked as a plain result would be.
        let obj = match shape {
            Some(shape) => refs
                .shaped_response
                .bind(py)
                .call1((&obj, shape, status_code))?,
            None => obj,
        };
        let body = special(&obj)?;
        return from_response_object(py, refs, &obj, body);
    }
    // A Django response (HttpResponse, JsonResponse, redirects, streams, files) is sent as it
    // is: converted to the equivalent Response, so only results that are none of the above pay.
    if !plain && obj.is_instance(refs.django_response_cls.bind(py))? {
        let converted = refs.to_bolt_response.bind(py).call1((&obj,))?;
        let body = special(&converted)?;
        return from_response_object(py, refs, &converted, body);
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Response::new(
            status_code,
            "application/octet-stream",
            Bytes::copy_from_slice(b.as_bytes()),
        ));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Response::new(
            status_code,
            "text/plain; charset=utf-8",
            Bytes::copy_from_slice(s.to_str()?.as_bytes()),
        ));
    }
    if !plain {
        let ty = obj.get_type();
        if ty.is(refs.generator_cls.bind(py)) || ty.is(refs.async_generator_cls.bind(py)) {
            let stream = refs.stream_result.bind(py).call1((&obj, status_code))?;
            let body = special(&stream)?;
            return from_response_object(py, refs, &stream, body);
        }
        if shape.is_none() && obj.is_none() && response_has_body(status_code) {
            // Most likely a missing `return`: as the release, an error rather than `null`.
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "the handler returned None: return the response body, or declare a status without \
                 one (status_code=204)",
            ));
        }
    }
    let shaped;
    let value = match shape {
        Some(shape) => {
            shaped = shape.call1((&obj,))?;
            &shaped
        }
        // A serializer returned without a response model: msgspec would encode every struct
        // field, write-only ones too. Two pointer comparisons for other results.
        None if holds_serializer(py, refs, &obj) => {
            shaped = refs.serializer_output.bind(py).call1((&obj,))?;
            &shaped
        }
        None => &obj,
    };
    Ok(Response::new(
        status_code,
        JSON,
        encode_json(py, refs, value)?,
    ))
}

/// Whether an answer with `status` carries a body (not 1xx, 204, 205 or 304).
fn response_has_body(status: u16) -> bool {
    !(status < 200 || status == 204 || status == 205 || status == 304)
}

/// `obj` is a serializer, or a list whose first item is one.
fn holds_serializer(py: Python<'_>, refs: &PyRefs, obj: &Bound<'_, PyAny>) -> bool {
    let meta = refs.serializer_meta.bind(py);
    if let Ok(list) = obj.cast_exact::<PyList>() {
        return match list.get_item(0) {
            Ok(first) => first.get_type().get_type().is(meta),
            Err(_) => false,
        };
    }
    obj.get_type().get_type().is(meta)
}

/// The body of a `File`/`FileResponse` (checked and opened later, off the GIL) or of a
/// `StreamingResponse`; `None` for other responses.
fn special_body(
    py: Python<'_>,
    refs: &Arc<PyRefs>,
    obj: &Bound<'_, PyAny>,
) -> PyResult<Option<Body>> {
    if instance_of(obj, refs.file_response_cls.bind(py))? {
        let filename = obj.getattr(intern!(obj.py(), "filename"))?;
        return Ok(Some(Body::FileRequest(Box::new(FileRequest {
            path: obj.getattr(intern!(obj.py(), "path"))?.extract()?,
            filename: if filename.is_none() {
                None
            } else {
                Some(filename.extract()?)
            },
            media_type: None,
            in_memory: obj.getattr(intern!(obj.py(), "in_memory"))?.is_truthy()?,
        }))));
    }
    if instance_of(obj, refs.streaming_response_cls.bind(py))? {
        let (source, is_async, ping): (Py<PyAny>, bool, Option<f64>) =
            refs.open_stream.bind(py).call1((obj,))?.extract()?;
        let ping = ping
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64);
        return Ok(Some(Body::Stream(Box::new(StreamBody::new(
            source,
            is_async,
            ping,
            Arc::clone(refs),
        )))));
    }
    Ok(None)
}

pub(crate) fn from_response_object(
    py: Python<'_>,
    refs: &PyRefs,
    obj: &Bound<'_, PyAny>,
    special: Option<Body>,
) -> PyResult<Response> {
    let status = status_of(obj)?;
    let media_type = obj.getattr(intern!(obj.py(), "media_type"))?;
    let is_file = matches!(special, Some(Body::FileRequest(_)));
    let content = if special.is_some() {
        py.None().into_bound(py)
    } else {
        obj.getattr(intern!(obj.py(), "content"))?
    };
    let (body, default_type) = if content.is_none() {
        (Bytes::new(), None)
    } else if let Ok(b) = content.cast::<PyBytes>() {
        (Bytes::copy_from_slice(b.as_bytes()), None)
    } else if let Ok(s) = content.cast::<PyString>() {
        (
            Bytes::copy_from_slice(s.to_str()?.as_bytes()),
            Some("text/plain; charset=utf-8"),
        )
    } else {
        (encode_json(py, refs, &content)?, Some(JSON))
    };
    // Room for the content type and one more header without growing.
    let mut headers: HeaderList = Vec::with_capacity(2);
    if !media_type.is_none() {
        let given: Cow<'_, str> = media_type.extract()?;
        const CHARSET: &str = "; charset=utf-8";
        // A file's bytes are sent as they are: no charset is claimed for them.
        let add_charset = given.starts_with("text/") && !given.contains("charset") && !is_file;
        let mut mt = String::with_capacity(given.len() + CHARSET.len());
        mt.push_str(&given);
        if add_charset {
            mt.push_str(CHARSET);
        }
        if !crate::response::valid_header("content-type", &mt) {
            return Err(header_error("content-type"));
        }
        headers.push((Cow::Borrowed("content-type"), mt.into()));
    } else if let Some(t) = default_type {
        headers.push((Cow::Borrowed("content-type"), Cow::Borrowed(t)));
    }
    push_headers(&mut headers, &obj.getattr(intern!(obj.py(), "headers"))?)?;
    let cookies = obj.getattr(intern!(obj.py(), "cookies"))?;
    // Usually an empty list: no iterator for it.
    let no_cookies = cookies.is_none() || cookies.cast::<PyList>().is_ok_and(|l| l.is_empty());
    if !no_cookies {
        for c in cookies.try_iter()? {
            let c: String = c?.extract()?;
            if !crate::response::valid_header("set-cookie", &c) {
                return Err(header_error("set-cookie"));
            }
            headers.push((Cow::Borrowed("set-cookie"), c.into()));
        }
    }
    // A content-type given both ways keeps the explicit header.
    if headers.iter().filter(|(k, _)| k == "content-type").count() > 1 {
        if let Some(first) = headers.iter().position(|(k, _)| k == "content-type") {
            headers.remove(first);
        }
    }
    Ok(Response {
        status,
        headers,
        body: special.unwrap_or(Body::Full(body)),
        omit_body: false,
        error: ErrorOrigin::NotAnError,
    })
}

/// Turns an exception raised by a handler (or its argument decoding) into a response;
/// `debug` puts the traceback in a 500. An unhandled one is logged with `req`'s method and path.
pub fn from_error(
    py: Python<'_>,
    refs: &PyRefs,
    debug: bool,
    err: PyErr,
    req: &HttpRequest,
) -> Response {
    match convert_error(py, refs, debug, &err, req) {
        Ok(resp) => resp.as_error(ErrorOrigin::Raised(Box::new(
            err.value(py).clone().into_any().unbind(),
        ))),
        Err(inner) => {
            inner.print(py);
            Response::detail(500, "Internal Server Error")
        }
    }
}

fn convert_error(
    py: Python<'_>,
    refs: &PyRefs,
    debug: bool,
    err: &PyErr,
    req: &HttpRequest,
) -> PyResult<Response> {
    let exc = err.value(py);
    if exc.is_instance(refs.validation_error.bind(py))? {
        let errors = errors_from_python(&exc.getattr(intern!(exc.py(), "errors"))?)?;
        return Ok(Response::new(
            422,
            JSON,
            crate::params::errors::validation_body(&errors),
        ));
    }
    if exc.is_instance(refs.http_exception.bind(py))? {
        let status = status_of(exc)?;
        // `body=` is sent as it is; otherwise {"detail": ...}, plus "extra" when given.
        let typed = exc
            .getattr(intern!(exc.py(), "body"))
            .ok()
            .filter(|b| !b.is_none());
        let payload = match typed {
            Some(b) => b,
            None => {
                let body = PyDict::new(py);
                body.set_item("detail", exc.getattr(intern!(exc.py(), "detail"))?)?;
                if let Ok(extra) = exc.getattr(intern!(exc.py(), "extra")) {
                    if !extra.is_none() {
                        body.set_item("extra", extra)?;
                    }
                }
                body.into_any()
            }
        };
        let mut resp = Response::new(status, JSON, encode_json(py, refs, &payload)?);
        push_headers(
            &mut resp.headers,
            &exc.getattr(intern!(exc.py(), "headers"))?,
        )?;
        return Ok(resp);
    }
    // Django's exceptions (Http404, PermissionDenied, ...) map to HTTP errors.
    let translated = refs.translate_error.bind(py).call1((exc,))?;
    if !translated.is_none() {
        return convert_error(py, refs, debug, &PyErr::from_value(translated), req);
    }
    let body = refs.error_body.bind(py).call1((
        exc,
        err.traceback(py),
        debug,
        req.method.as_str(),
        req.path.as_str(),
    ))?;
    Ok(Response::new(
        500,
        JSON,
        Bytes::copy_from_slice(body.cast::<PyBytes>()?.as_bytes()),
    ))
}

/// Reads `[{"loc": [...], "msg": ..., "type": ...}, ...]` produced on the Python side.
pub fn errors_from_python(list: &Bound<'_, PyAny>) -> PyResult<Vec<FieldError>> {
    let mut out = Vec::new();
    for item in list.cast::<PyList>()?.iter() {
        let d = item.cast::<PyDict>()?;
        let mut loc = Vec::new();
        if let Some(parts) = d.get_item("loc")? {
            for p in parts.try_iter()? {
                let p = p?;
                match p.extract::<usize>() {
                    Ok(i) => loc.push(LocPart::Index(i)),
                    Err(_) => loc.push(LocPart::Key(p.str()?.to_string())),
                }
            }
        }
        let text = |k: &str| -> PyResult<String> {
            Ok(match d.get_item(k)? {
                Some(v) => v.str()?.to_string(),
                None => String::new(),
            })
        };
        out.push(FieldError {
            loc,
            msg: text("msg")?,
            kind: text("type")?,
            ctx: None,
            input: None,
        });
    }
    Ok(out)
}
