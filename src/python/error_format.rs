//! `BoltAPI(error_formatter=)`: an error answer the framework made (by Rust or from a Python
//! exception) handed to Python's `render_error`, whose response replaces it. Without a
//! formatter, or when it declines or fails (it logs why), the answer is sent as it was.

use super::refs::PyRefs;
use super::request::PyRequest;
use super::response::from_response_object;
use crate::request::HttpRequest;
use crate::response::{Body, ErrorOrigin, Response};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Arc;

pub fn reformat(refs: &Arc<PyRefs>, req: &HttpRequest, resp: Response) -> Response {
    let Some(renderer) = refs.error_renderer.as_ref() else {
        return resp;
    };
    let body = match &resp.body {
        Body::Full(body) => body.clone(),
        _ => return resp,
    };
    Python::attach(|py| {
        let exception = match &resp.error {
            ErrorOrigin::Raised(held) => held
                .downcast_ref::<Py<PyAny>>()
                .map(|e| e.clone_ref(py).into_bound(py)),
            _ => None,
        };
        let headers: Vec<(&str, &str)> = resp
            .headers
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        let request = PyRequest::new(Arc::new(req.clone()), Arc::clone(refs), Vec::new());
        let rendered = Bound::new(py, request).and_then(|request| {
            renderer.bind(py).call1((
                resp.status,
                PyBytes::new(py, &body),
                headers,
                request,
                exception,
            ))
        });
        match rendered {
            Ok(obj) if obj.is_none() => resp,
            Ok(obj) => match from_response_object(py, refs, &obj, None) {
                Ok(formatted) => formatted,
                Err(e) => {
                    e.print(py);
                    resp
                }
            },
            Err(e) => {
                e.print(py);
                resp
            }
        }
    })
}
