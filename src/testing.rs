//! In-process requests for `django_bolt.testing`: the same pipeline as the server, no socket.

use crate::app::PyApp;
use crate::pipeline;
use crate::request::{HttpRequest, Method};
use crate::response::Body;
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

/// Status, headers and body of an in-process response.
type TestResponse = (u16, Vec<(String, String)>, Py<PyBytes>);

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
    let request = build_request(method, path, headers, body, client)?;
    let inner = Arc::clone(&app.inner);
    let rt = runtime()?;
    // Spawned rather than run on this thread: handler code must not run on the caller's thread.
    let resp = py.detach(|| rt.block_on(rt.spawn(pipeline::handle(inner, request))));
    let resp = resp.map_err(|e| {
        pyo3::exceptions::PyRuntimeError::new_err(format!("request task failed: {e}"))
    })?;
    let mut headers: Vec<(String, String)> = resp
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    if !resp.forbids_body() {
        headers.push(("content-length".into(), resp.body_len().to_string()));
    }
    let body = match (&resp.body, resp.omit_body || resp.forbids_body()) {
        (_, true) => PyBytes::new(py, b""),
        (Body::Full(b), false) => PyBytes::new(py, b),
    };
    Ok((resp.status, headers, body.unbind()))
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
    Ok(HttpRequest {
        method: Method::parse(&method.to_ascii_uppercase()),
        path: decoded,
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
