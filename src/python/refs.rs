//! Python objects the pipeline needs, read once from the runtime record when the app is compiled.

use crate::schema::runtime::RuntimeRecord;
use pyo3::prelude::*;

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
    /// `error_body(exc, traceback, debug, method, path) -> bytes` for unhandled exceptions (also
    /// logs them, naming the request).
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
    /// The metaclass of `Serializer` classes: a result whose type has it is a serializer.
    pub serializer_meta: Py<PyAny>,
    /// `serializer_output(value) -> value` (write-only fields left out, computed ones added).
    pub serializer_output: Py<PyAny>,
    /// `find(relative_path) -> absolute path | None` (Django's finders, DEBUG only).
    pub static_finder: Option<Py<PyAny>>,
    /// `render_error(status, body, headers, request, exception) -> Response | None`: the
    /// API's `error_formatter` applied to a framework error; None without a formatter.
    pub error_renderer: Option<Py<PyAny>>,
    /// Django's `HttpResponseBase`.
    pub django_response_cls: Py<PyAny>,
    /// Django's `QuerySet`: an async handler's result that is one still has its query to run.
    pub queryset_cls: Py<PyAny>,
    /// `to_bolt_response(django_response) -> Response`.
    pub to_bolt_response: Py<PyAny>,
    /// `translate_error(exc) -> exception | None`, asked only about otherwise unhandled errors.
    pub translate_error: Py<PyAny>,
    /// `db_request_finished()`: Django's end-of-request connection handling on this thread.
    pub db_request_finished: Py<PyAny>,
    /// `orm_request_finished()`: queues it on asgiref's ORM thread (async handlers).
    pub orm_request_finished: Py<PyAny>,
    /// `types.GeneratorType` and `types.AsyncGeneratorType`: a result of either is streamed.
    pub generator_cls: Py<PyAny>,
    pub async_generator_cls: Py<PyAny>,
    /// `stream_result(generator, status) -> StreamingResponse`.
    pub stream_result: Py<PyAny>,
    /// `shaped_response(response, shape, status) -> response`: a `Response` result of a route
    /// with a shape, its data checked when it has the route's status.
    pub shaped_response: Py<PyAny>,
}

impl PyRefs {
    pub fn from_record(r: RuntimeRecord) -> PyResult<PyRefs> {
        Ok(PyRefs {
            json_encode: r.json_encode,
            uuid_cls: r.uuid,
            date_cls: r.date,
            datetime_cls: r.datetime,
            time_cls: r.time,
            timezone_cls: r.timezone,
            timedelta_cls: r.timedelta,
            decimal_cls: r.decimal,
            int_cls: r.int,
            http_exception: r.http_exception,
            validation_error: r.validation_error,
            response_cls: r.response,
            upload_file: r.upload_file,
            error_body: r.error_body,
            anonymous_user: r.anonymous_user,
            auser: r.auser,
            first_step: r.first_step,
            locked_loop: r
                .locked_loop
                .map(super::locked_loop::LockedLoop::from_record)
                .transpose()?,
            file_response_cls: r.file_response,
            streaming_response_cls: r.streaming_response,
            open_stream: r.open_stream,
            serializer_meta: r.serializer_meta,
            serializer_output: r.serializer_output,
            static_finder: r.static_finder,
            error_renderer: r.error_renderer,
            django_response_cls: r.django_response,
            queryset_cls: r.queryset,
            to_bolt_response: r.to_bolt_response,
            translate_error: r.translate_error,
            db_request_finished: r.db_request_finished,
            orm_request_finished: r.orm_request_finished,
            generator_cls: r.generator,
            async_generator_cls: r.async_generator,
            stream_result: r.stream_result,
            shaped_response: r.shaped_response,
        })
    }
}
