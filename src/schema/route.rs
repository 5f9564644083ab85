//! `RouteRecord` and `ParamRecord`: one route as `BoltAPI._compile_route` compiles it.

use super::middleware::MiddlewareRecord;
use super::{auth::AuthRecord, nested_list, nested_opt, present, record};
use pyo3::prelude::*;

record! {
    /// One route.
    pub struct RouteRecord {
        /// HTTP method (uppercase); `WEBSOCKET` for WebSocket routes.
        pub method: String,
        /// `"http"`, `"websocket"`, or `"mount"`: an app answering every method of the paths under
        /// `path` that no route matches.
        pub kind: String,
        /// As registered; Rust puts it in canonical form (`trailing_slash`).
        pub path: String,
        pub handler: Py<PyAny>,
        pub is_async: bool,
        /// An `async def` without any await point.
        pub never_suspends: bool,
        #[pyo3(from_py_with = nested_list::<ParamRecord>)]
        pub params: Vec<ParamRecord>,
        /// Status of plain (non-`Response`) results.
        pub status_code: u16,
        /// `shape(result) -> result` (validates against `response_model`).
        pub shape_response: Option<Py<PyAny>>,
        /// A static route's value, converted once like a handler result.
        pub fixed_response: Option<Py<PyAny>>,
        #[pyo3(from_py_with = nested_opt::<MiddlewareRecord>)]
        pub middleware: Option<MiddlewareRecord>,
        #[pyo3(from_py_with = nested_opt::<AuthRecord>)]
        pub auth: Option<AuthRecord>,
        /// `stage(request, handler, args, kwargs)`: the Python checks around the handler.
        pub chain: Option<Py<PyAny>>,
    }
}

record! {
    /// One handler argument and where its value comes from.
    pub struct ParamRecord {
        /// The handler's argument name.
        pub name: String,
        /// `path`, `query`, `header`, `cookie`, `body`, `form`, `form_model`, `file`, `request`.
        pub source: String,
        /// Where the value is looked up (alias, header name); the name when missing.
        pub key: Option<String> = None,
        /// `int`, `float`, `str`, `bool`, `uuid`, `date`, `datetime`, `time`, `decimal`,
        /// `bytes`, `any`.
        pub kind: Option<String> = None,
        pub is_list: bool = false,
        /// Missing: required unless a default is given.
        pub required: Option<bool> = None,
        /// Present (even `None`): the value used when the request has none.
        #[pyo3(from_py_with = present)]
        pub default: Option<Py<PyAny>> = None,
        pub keyword_only: bool = false,
        /// `decoder(value) -> object` for bodies and form models.
        pub decoder: Option<Py<PyAny>> = None,
        /// `convert(value) -> object`: the coerced list made into the declared container.
        pub convert: Option<Py<PyAny>> = None,
        pub gt: Option<f64> = None,
        pub ge: Option<f64> = None,
        pub lt: Option<f64> = None,
        pub le: Option<f64> = None,
        pub min_length: Option<usize> = None,
        pub max_length: Option<usize> = None,
        pub pattern: Option<String> = None,
        /// `Literal[...]` / string `Enum` values: the only ones accepted.
        pub choices: Option<Vec<String>> = None,
        /// Files: bytes per file.
        pub max_size: Option<usize> = None,
        pub min_size: Option<usize> = None,
        pub allowed_types: Option<Vec<String>> = None,
        pub max_files: Option<usize> = None,
        /// A model read from the query, headers or cookies: one record per field (same source),
        /// each coerced like a simple parameter; `decoder(dict of the present fields)` builds it.
        #[pyo3(from_py_with = nested_list::<ParamRecord>)]
        pub fields: Vec<ParamRecord> = Vec::new(),
    }
}
