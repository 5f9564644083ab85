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
    pub loop_: Py<PyAny>,
    pub call_soon_threadsafe: Py<PyAny>,
    /// `resume(coro, pending, context, done)`: continues a suspended coroutine as a task.
    pub resume: Py<PyAny>,
    pub set_running_loop: Py<PyAny>,
    pub context_cls: Py<PyAny>,
    /// Installed as the running loop during a coroutine's first step on a Rust thread.
    pub step_loop: Py<PyAny>,
}

fn item(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Py<PyAny>> {
    d.get_item(key)?
        .map(Bound::unbind)
        .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(format!("runtime is missing {key:?}")))
}

impl PyRefs {
    pub fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<PyRefs> {
        let loop_ = item(d, "loop")?;
        let call_soon_threadsafe = loop_.bind(d.py()).getattr("call_soon_threadsafe")?.unbind();
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
            call_soon_threadsafe,
            loop_,
            resume: item(d, "resume")?,
            set_running_loop: item(d, "set_running_loop")?,
            context_cls: item(d, "context")?,
            step_loop: item(d, "step_loop")?,
        })
    }
}
