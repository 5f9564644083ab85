//! `RuntimeRecord` and `LockedLoopRecord`: the Python objects the pipeline calls into.

use super::{nested_opt, record};
use pyo3::prelude::*;

record! {
    /// Classes and functions the pipeline uses (`_runtime.runtime`).
    pub struct RuntimeRecord {
        /// `encode(object) -> bytes` (JSON).
        pub json_encode: Py<PyAny>,
        pub uuid: Py<PyAny>,
        pub date: Py<PyAny>,
        pub datetime: Py<PyAny>,
        pub time: Py<PyAny>,
        pub timezone: Py<PyAny>,
        pub timedelta: Py<PyAny>,
        pub decimal: Py<PyAny>,
        pub int: Py<PyAny>,
        pub http_exception: Py<PyAny>,
        pub validation_error: Py<PyAny>,
        pub response: Py<PyAny>,
        pub upload_file: Py<PyAny>,
        /// `error_body(exc, traceback, debug) -> bytes`.
        pub error_body: Py<PyAny>,
        pub anonymous_user: Py<PyAny>,
        pub auser: Py<PyAny>,
        /// `first_step(coro, done)` for loops without the lock (uvloop).
        pub first_step: Py<PyAny>,
        #[pyo3(from_py_with = nested_opt::<LockedLoopRecord>)]
        pub locked_loop: Option<LockedLoopRecord>,
        pub file_response: Py<PyAny>,
        pub streaming_response: Py<PyAny>,
        pub open_stream: Py<PyAny>,
        /// The metaclass of `Serializer` classes.
        pub serializer_meta: Py<PyAny>,
        /// `serializer_output(value) -> value`: a serializer (or list of them) in output form.
        pub serializer_output: Py<PyAny>,
        /// `find(relative_path) -> path | None` (DEBUG with staticfiles).
        pub static_finder: Option<Py<PyAny>>,
        /// `render_error(status, body, headers, request, exception) -> Response | None`
        /// (`BoltAPI(error_formatter=)`), or None.
        pub error_renderer: Option<Py<PyAny>>,
        /// Django's `HttpResponseBase`: a handler may return any of its subclasses.
        pub django_response: Py<PyAny>,
        /// Django's `QuerySet`.
        pub queryset: Py<PyAny>,
        /// `to_bolt_response(django_response) -> Response` (streams and files stay streamed).
        pub to_bolt_response: Py<PyAny>,
        /// `translate_error(exc) -> exception | None`: Django's exceptions as HTTP errors.
        pub translate_error: Py<PyAny>,
        /// `db_request_finished()`: the calling thread's end-of-request connection handling.
        pub db_request_finished: Py<PyAny>,
        /// `orm_request_finished()`: queues the same on asgiref's ORM thread.
        pub orm_request_finished: Py<PyAny>,
        /// `types.GeneratorType`, `types.AsyncGeneratorType`: results that are streamed.
        pub generator: Py<PyAny>,
        pub async_generator: Py<PyAny>,
        /// `stream_result(generator, status) -> StreamingResponse`.
        pub stream_result: Py<PyAny>,
        /// `shaped_response(response, shape, status) -> response`.
        pub shaped_response: Py<PyAny>,
    }
}

record! {
    /// The lock-guarded asyncio loop (`_runtime.locked_loop`).
    pub struct LockedLoopRecord {
        pub event_loop: Py<PyAny>,
        /// Held by the loop whenever it runs callbacks.
        pub lock: Py<PyAny>,
        pub set_running_loop: Py<PyAny>,
        /// The loop's ready queue.
        pub ready: Py<PyAny>,
        /// `loop._write_to_self`.
        pub wake: Py<PyAny>,
        pub context: Py<PyAny>,
        pub context_run: Py<PyAny>,
        pub eager_task: Py<PyAny>,
    }
}
