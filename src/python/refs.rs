//! Python objects the pipeline needs, looked up once when the app is compiled.

use pyo3::prelude::*;
use pyo3::types::PyDict;

pub struct PyRefs {
    /// `msgspec.json.Encoder(...).encode`: object → bytes.
    pub json_encode: Py<PyAny>,
    pub uuid_cls: Py<PyAny>,
    pub date_cls: Py<PyAny>,
    pub datetime_cls: Py<PyAny>,
    pub time_cls: Py<PyAny>,
    pub timezone_cls: Py<PyAny>,
    pub timedelta_cls: Py<PyAny>,
    pub decimal_cls: Py<PyAny>,
    pub int_cls: Py<PyAny>,
    pub http_exception: Py<PyAny>,
    pub validation_error: Py<PyAny>,
    pub response_cls: Py<PyAny>,
    pub upload_file: Py<PyAny>,
    /// `error_body(exc, traceback, debug) -> bytes` for unhandled exceptions (also logs them).
    pub error_body: Py<PyAny>,
    /// `anonymous_user() -> object` for `request.user` without authentication.
    pub anonymous_user: Py<PyAny>,
    /// `auser(request) -> coroutine`.
    pub auser: Py<PyAny>,
    /// `first_step(coro, done) -> task | None`, for loops without the lock (uvloop): starts the
    /// coroutine as an asyncio task; the task if it already finished, else None once `done` is
    /// registered.
    pub first_step: Py<PyAny>,
    /// Starts coroutines on the lock-guarded loop from Rust (`None` with uvloop).
    pub locked_loop: Option<super::locked_loop::LockedLoop>,
    /// Base class of `File` and `FileResponse`.
    pub file_response_cls: Py<PyAny>,
    pub streaming_response_cls: Py<PyAny>,
    /// `open_stream(response) -> (source, is_async, ping_seconds | None)`.
    pub open_stream: Py<PyAny>,
    /// `find(relative_path) -> absolute path | None` (Django's finders, DEBUG only).
    pub static_finder: Option<Py<PyAny>>,
}

fn item(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Py<PyAny>> {
    d.get_item(key)?
        .map(Bound::unbind)
        .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(format!("runtime is missing {key:?}")))
}

impl PyRefs {
    pub fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<PyRefs> {
        Ok(PyRefs {
            json_encode: item(d, "json_encode")?,
            uuid_cls: item(d, "uuid")?,
            date_cls: item(d, "date")?,
            datetime_cls: item(d, "datetime")?,
            time_cls: item(d, "time")?,
            timezone_cls: item(d, "timezone")?,
            timedelta_cls: item(d, "timedelta")?,
            decimal_cls: item(d, "decimal")?,
            int_cls: item(d, "int")?,
            http_exception: item(d, "http_exception")?,
            validation_error: item(d, "validation_error")?,
            response_cls: item(d, "response")?,
            upload_file: item(d, "upload_file")?,
            error_body: item(d, "error_body")?,
            anonymous_user: item(d, "anonymous_user")?,
            auser: item(d, "auser")?,
            first_step: item(d, "first_step")?,
            locked_loop: match d.get_item("locked_loop")? {
                Some(l) if !l.is_none() => {
                    Some(super::locked_loop::LockedLoop::from_dict(l.cast()?)?)
                }
                _ => None,
            },
            file_response_cls: item(d, "file_response")?,
            streaming_response_cls: item(d, "streaming_response")?,
            open_stream: item(d, "open_stream")?,
            static_finder: d
                .get_item("static_finder")?
                .filter(|f| !f.is_none())
                .map(Bound::unbind),
        })
    }
}
