//! In-process requests for `django_bolt.testing`: the same pipeline as the server, no socket.

mod client_wire;
pub mod websocket;

use crate::app::PyApp;
use crate::pipeline;
use crate::request::{HttpRequest, Method};
use crate::response::{Body, Response};
use crate::response::{ChunkSource, Next};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

pub(crate) fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = crate::server::build_runtime(2, 16)?;
    Ok(RUNTIME.get_or_init(|| rt))
}

/// A streamed in-process response body: iterating pulls chunks through the same code the
/// server uses; `close()` (or dropping it) finalises the iterator like a client disconnect.
#[pyclass(module = "django_bolt._core")]
pub struct TestStream {
    body: std::sync::Mutex<Option<Box<dyn ChunkSource>>>,
}

#[pymethods]
impl TestStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyBytes>>> {
        let taken = self.body.lock().ok().and_then(|mut b| b.take());
        let Some(mut body) = taken else {
            return Ok(None);
        };
        let rt = runtime()?;
        // On a runtime thread, as in the server: handler code never runs on the caller's thread.
        let joined = py.detach(|| {
            rt.block_on(rt.spawn(async move {
                let next = body.next().await;
                (next, body)
            }))
        });
        let (next, body) = joined.map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("stream task failed: {e}"))
        })?;
        match next {
            Next::Data(chunk) => {
                if let Ok(mut slot) = self.body.lock() {
                    *slot = Some(body);
                }
                Ok(Some(PyBytes::new(py, &chunk).unbind()))
            }
            Next::End => Ok(None),
            Next::Failed => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "the response stream raised an exception (see the log)",
            )),
        }
    }

    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self.body.lock().ok().and_then(|mut b| b.take());
        if let Some(body) = taken {
            let rt = runtime()?;
            // Dropped inside the runtime so the close is scheduled there.
            py.detach(|| rt.block_on(async move { drop(body) }));
        }
        Ok(())
    }
}

/// Status, headers and body (bytes, or a `TestStream` for streamed responses).
type TestResponse = (u16, Vec<(String, String)>, Py<PyAny>);

/// Runs one request through the pipeline. `path` is percent-encoded and may carry a query.
#[pyfunction]
#[pyo3(signature = (app, method, path, headers, body, client=None))]
pub fn test_request(
    py: Python<'_>,
    app: &PyApp,
    method: &str,
    path: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    client: Option<(String, u16)>,
) -> PyResult<TestResponse> {
    let inner = Arc::clone(&app.inner);
    // The limits the server's head parser applies, so a test sees the server's 431.
    let over_limits = crate::server::head::check_head_limits(
        method,
        path,
        &headers,
        inner.config.max_headers,
        inner.config.max_header_bytes,
    )
    .err();
    // Refused before the pipeline, as the server's head parser refuses them.
    let start: Result<HttpRequest, Response> = match over_limits {
        Some(refused) => Err(refused),
        None if !path_is_utf8(path) => {
            Err(Response::detail(400, "Request path is not valid UTF-8"))
        }
        None => Ok(build_request(method, path, headers, body, client)?),
    };
    let rt = runtime()?;
    // Spawned rather than run on this thread: handler code must not run on the caller's thread.
    // A file body is read here too, as the server would write it.
    let resp = py.detach(|| {
        rt.block_on(rt.spawn(async move {
            let mut resp = match start {
                Err(refused) => refused,
                Ok(request) => match pipeline::check_host(&inner, &request) {
                    Err(refused) => refused,
                    Ok(()) => pipeline::handle(inner, request).await,
                },
            };
            let skip = resp.omit_body || resp.forbids_body();
            let len = resp.content_length();
            if let Body::File(file) = &mut resp.body {
                let mut data = Vec::new();
                while let Some(chunk) = file.next_chunk().await {
                    match chunk {
                        Ok(c) if !skip => data.extend_from_slice(&c),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                resp.body = Body::Full(data.into());
            }
            (resp, len)
        }))
    });
    let (mut resp, length) = resp.map_err(|e| {
        pyo3::exceptions::PyRuntimeError::new_err(format!("request task failed: {e}"))
    })?;
    let mut headers: Vec<(String, String)> = resp
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let no_body = resp.omit_body || resp.forbids_body();
    if !resp.forbids_body() {
        match length {
            Some(n) => headers.push(("content-length".into(), n.to_string())),
            None => headers.push(("transfer-encoding".into(), "chunked".into())),
        }
    }
    let body = std::mem::replace(&mut resp.body, Body::Full(bytes::Bytes::new()));
    let out = match body {
        Body::Stream(stream) if !no_body => Bound::new(
            py,
            TestStream {
                body: std::sync::Mutex::new(Some(stream)),
            },
        )?
        .into_any()
        .unbind(),
        Body::Full(b) if !no_body => PyBytes::new(py, &b).into_any().unbind(),
        other => {
            // Not sent: a stream's iterator is closed when dropped inside the runtime.
            py.detach(|| rt.block_on(async move { drop(other) }));
            PyBytes::new(py, b"").into_any().unbind()
        }
    };
    Ok((resp.status, headers, out))
}

/// Whether the path part of `path` (percent-encoded, maybe with a query) is UTF-8 once decoded.
fn path_is_utf8(path: &str) -> bool {
    let raw_path = path.split_once('?').map_or(path, |(p, _)| p);
    percent_encoding::percent_decode_str(raw_path)
        .decode_utf8()
        .is_ok()
}

/// An in-process request as the server would have parsed it. `path` is percent-encoded and
/// may carry a query.
pub(crate) fn build_request(
    method: &str,
    path: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    client: Option<(String, u16)>,
) -> PyResult<HttpRequest> {
    let (raw_path, query) = match path.split_once('?') {
        Some((p, q)) => (p, q.to_owned()),
        None => (path, String::new()),
    };
    let decoded = percent_encoding::percent_decode_str(raw_path)
        .decode_utf8()
        .map_err(|_| {
            pyo3::exceptions::PyValueError::new_err("path is not valid UTF-8 after decoding")
        })?
        .into_owned();
    let peer = match client {
        Some((host, port)) => format!("{host}:{port}").parse::<SocketAddr>().ok(),
        None => None,
    };
    // The server refuses a NUL; here it reaches the app, so it cannot stand for an encoded slash.
    let routing_path = match decoded.contains('\0') {
        true => None,
        false => crate::request::routing_path(raw_path),
    };
    Ok(HttpRequest {
        method: Method::parse(&method.to_ascii_uppercase()),
        path: decoded,
        routing_path,
        query,
        headers: headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        body: body.into(),
        peer,
        scheme: "http",
    })
}
