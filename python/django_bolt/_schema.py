"""The records Python hands the Rust core (``django_bolt._core.App``) when an app is compiled.

Each is declared once here and read in Rust by a struct of the same name
(``src/python/schema/``). Rust refuses keys a record does not declare and names the ones it
misses; ``tests/boundary/test_schema.py`` checks that both sides declare the same keys. These are
built once at startup; nothing here is read per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

# Optional keys: a ``total=False`` subclass of the required ones (``NotRequired`` needs 3.11).


class RouteRecord(TypedDict):
    """One route (``BoltAPI._compile_route``)."""

    #: HTTP method, uppercase; ``WEBSOCKET`` for WebSocket routes.
    method: str
    #: ``"mount"``: an app answering every method of the paths under ``path`` no route matches.
    kind: Literal["http", "websocket", "mount"]
    #: As registered; Rust puts it in canonical form (``trailing_slash``).
    path: str
    handler: Callable[..., Any]
    is_async: bool
    #: An ``async def`` without any await point (run without an asyncio task).
    never_suspends: bool
    params: list[ParamRecord]
    #: Status of plain (non-``Response``) results.
    status_code: int
    #: ``shape(result) -> result``, validating against ``response_model``.
    shape_response: Callable[[Any], Any] | None
    #: A static route's value: converted once by Rust like a handler result, then served as is.
    fixed_response: Any
    middleware: MiddlewareRecord | None
    auth: AuthRecord | None
    #: ``chain(request, handler, args, kwargs)``: the route's Python stage chain (auth backends,
    #: guards, dependencies) around the handler, or None: Rust calls the handler directly.
    chain: Callable[..., Any] | None


class _ParamRequired(TypedDict):
    #: The handler's argument name.
    name: str
    source: Literal["path", "query", "header", "cookie", "body", "form", "form_model", "file", "request"]


class ParamRecord(_ParamRequired, total=False):
    """One handler argument (``_compile.compile_param``)."""

    #: Where the value is looked up (alias, lowercase header name); ``name`` when missing.
    key: str
    #: ``any`` when missing.
    kind: Literal["int", "float", "str", "bool", "uuid", "date", "datetime", "time", "decimal", "bytes", "any"]
    is_list: bool
    #: Missing: required unless ``default`` is present.
    required: bool
    #: Present (even ``None``): the value when the request has none.
    default: Any
    keyword_only: bool
    #: ``decoder(raw) -> object`` for ``body`` and ``form_model``; raises ``RequestValidationError``.
    decoder: Callable[[Any], Any]
    #: ``convert(value) -> object``: the coerced list made into the declared ``set``,
    #: ``frozenset`` or ``tuple``; raises ``RequestValidationError``.
    convert: Callable[[Any], Any]
    gt: float
    ge: float
    lt: float
    le: float
    min_length: int
    max_length: int
    pattern: str
    #: ``Literal[...]`` / string ``Enum`` values: the only raw values accepted.
    choices: list[str]
    #: Files: bytes per file.
    max_size: int
    min_size: int
    allowed_types: list[str]
    max_files: int
    #: A query/header/cookie model: one record per field, coerced like simple parameters; the
    #: ``decoder`` builds the model from ``{field name: value}`` of the present fields.
    fields: list[ParamRecord]


class AuthRecord(TypedDict):
    """Authentication checked by Rust for one route (``auth.compile.compile_route_auth``)."""

    #: ``_core.JwtBackend`` / ``_core.ApiKeyBackend`` objects.
    backends: list[Any]
    guards: list[GuardRecord]
    #: Session authentication may identify the caller in Python when Rust backends did not.
    python_backends: bool
    #: ``WWW-Authenticate`` value of 401 answers.
    challenge: str


class _GuardRequired(TypedDict):
    kind: Literal["allow_any", "authenticated", "requires"]


class GuardRecord(_GuardRequired, total=False):
    """A guard checked by Rust (``BasePermission._describe``); the rest is for ``requires``."""

    #: Dotted claim path.
    claim: str
    quantifier: Literal["truthy", "any_of", "all_of", "none_of"]
    #: The values, as a JSON array.
    values: str
    #: The 403 detail.
    message: str


class CorsRecord(TypedDict):
    """A CORS policy: the ``CORS_*`` settings (``BoltConfig.cors_policy``) or a route's ``@cors``."""

    origins: list[str]
    origin_regexes: list[str]
    allow_all: bool
    credentials: bool
    methods: list[str]
    headers: list[str]
    expose_headers: list[str]
    #: Seconds a preflight may be cached; ``None``: no ``Access-Control-Max-Age``.
    max_age: int | None


class RateLimitRecord(TypedDict):
    """``@rate_limit``."""

    rps: float
    #: ``None``: twice ``rps``.
    burst: float | None
    #: ``ip``, ``user``, ``api_key`` or a lowercase header name.
    key: str


class MiddlewareRecord(TypedDict):
    """What the middleware decorators recorded on a handler (``middleware.decorators``)."""

    cors: CorsRecord | None
    rate_limit: RateLimitRecord | None
    #: Middleware turned off for the route: ``cors``, ``rate_limit``, ``compression``, ``*``.
    skip: list[str]


class CompressionRecord(TypedDict):
    """``CompressionConfig``."""

    backend: Literal["brotli", "gzip", "zstd"]
    minimum_size: int
    gzip_fallback: bool
    brotli_level: int
    brotli_lgwin: int
    gzip_level: int
    #: Accepted for compatibility: the zstd encoder always uses its fastest level.
    zstd_level: int


class ServerConfigRecord(TypedDict):
    """The part of ``BoltConfig`` the server reads (``BoltConfig.server_dict``)."""

    debug: bool
    #: The effective ``ALLOWED_HOSTS`` (with the DEBUG defaults applied).
    allowed_hosts: list[str]
    max_body_bytes: int
    max_header_bytes: int
    max_headers: int
    max_multipart_parts: int
    #: Seconds (the timeouts and the grace period).
    header_timeout: float
    body_timeout: float
    keep_alive_timeout: float
    blocking_threads: int
    workers: int
    backlog: int
    shutdown_grace: float
    max_connections: int
    access_log: bool
    ws_max_message_bytes: int
    #: Addresses or networks whose ``X-Forwarded-*`` headers are believed.
    trusted_proxies: list[str]
    memory_spool_threshold: int
    #: ``None``: file responses may serve any path.
    allowed_file_paths: list[str] | None
    #: ``STATIC_URL`` as a path prefix, or ``None``.
    static_url: str | None
    static_dirs: list[str]
    #: Django's staticfiles finders locate files (DEBUG).
    static_finders: bool
    #: ``MEDIA_URL`` as a path prefix (None: media not served) and ``MEDIA_ROOT``.
    media_url: str | None
    media_root: str | None
    #: ``Cache-Control`` of a served static / media file (``BOLT_STATIC_MAX_AGE``,
    #: ``BOLT_MEDIA_MAX_AGE``), or None.
    static_cache_control: str | None
    media_cache_control: str | None
    #: ``Content-Security-Policy`` (and ``-Report-Only``) of static and media answers
    #: (``SECURE_CSP``), or None.
    static_csp: str | None
    static_csp_report_only: str | None
    rate_limit_redis_url: str | None
    #: The global CORS policy.
    cors: CorsRecord | None
    ws_allowed_origins: list[str]
    #: Seconds; for the ping interval and the idle timeout 0 means never.
    ws_accept_timeout: float
    ws_ping_interval: float
    ws_ping_timeout: float
    ws_idle_timeout: float
    #: ``permessage-deflate`` offered by clients is accepted (routes with ``@no_compress`` excepted).
    ws_compression: bool
    #: Open WebSockets per process (0: no limit).
    ws_max_connections: int


class RuntimeRecord(TypedDict):
    """Classes and functions the pipeline calls into (``_runtime.runtime``)."""

    #: ``encode(object) -> bytes`` (JSON).
    json_encode: Callable[[Any], bytes]
    uuid: type
    date: type
    datetime: type
    time: type
    timezone: type
    timedelta: type
    decimal: type
    int: type
    http_exception: type
    validation_error: type
    response: type
    upload_file: type
    #: ``error_body(exc, traceback, debug, method, path) -> bytes``; logs the exception.
    error_body: Callable[[BaseException, Any, bool, str, str], bytes]
    anonymous_user: Callable[[], Any]
    auser: Callable[[Any], Any]
    #: ``first_step(coro, done)`` for loops without the lock (uvloop).
    first_step: Callable[[Any, Callable[[Any], None]], Any]
    locked_loop: LockedLoopRecord | None
    file_response: type
    streaming_response: type
    #: ``open_stream(response) -> (source, is_async, ping_seconds | None)``.
    open_stream: Callable[[Any], tuple[Any, bool, float | None]]
    #: The metaclass of ``Serializer`` classes.
    serializer_meta: type
    #: ``serializer_output(value) -> value``: a serializer (or a list of them) in output form.
    serializer_output: Callable[[Any], Any]
    #: ``find(relative_path) -> absolute path | None`` (DEBUG with staticfiles).
    static_finder: Callable[[str], str | None] | None
    #: ``render_error(status, body, headers, request, exception) -> Response | None``
    #: (``BoltAPI(error_formatter=)``), or None.
    error_renderer: Callable[..., Any] | None
    #: Django's ``HttpResponseBase``.
    django_response: type
    #: Django's ``QuerySet``: an async handler's unevaluated one is loaded off the async workers.
    queryset: type
    #: ``to_bolt_response(django_response) -> Response``.
    to_bolt_response: Callable[[Any], Any]
    #: ``translate_error(exc) -> exception | None`` (Django's exceptions as HTTP errors).
    translate_error: Callable[[BaseException], BaseException | None]
    #: ``db_request_finished() -> seconds | None``: connection handling on the calling thread;
    #: the seconds until its earliest kept connection is due.
    db_request_finished: Callable[[], float | None]
    #: ``orm_request_finished()``: queues it on asgiref's ORM thread (async handlers).
    orm_request_finished: Callable[[], None]
    #: ``types.GeneratorType`` and ``types.AsyncGeneratorType``: results that are streamed.
    generator: type
    async_generator: type
    #: ``stream_result(generator, status) -> StreamingResponse``.
    stream_result: Callable[[Any, int], Any]
    #: ``shaped_response(response, shape, status) -> response``: a ``Response`` with the route's
    #: status, its data checked by the route's shape.
    shaped_response: Callable[[Any, Callable[[Any], Any], int], Any]


class LockedLoopRecord(TypedDict):
    """The lock-guarded asyncio loop (``_runtime.locked_loop``, ``src/python/locked_loop.rs``)."""

    event_loop: Any
    #: Held by the loop whenever it runs callbacks.
    lock: Any
    #: ``asyncio.events._set_running_loop``.
    set_running_loop: Callable[[Any], None]
    #: The loop's ready queue.
    ready: Any
    #: ``loop._write_to_self``.
    wake: Callable[[], None]
    #: ``contextvars.Context`` and its ``run``.
    context: type
    context_run: Callable[..., Any]
    #: ``asyncio.Task`` (3.12+) or a function with its eager-start signature.
    eager_task: Callable[..., Any]


#: Every record, by the name Rust reads it under.
RECORDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        RouteRecord,
        ParamRecord,
        AuthRecord,
        GuardRecord,
        CorsRecord,
        RateLimitRecord,
        MiddlewareRecord,
        CompressionRecord,
        ServerConfigRecord,
        RuntimeRecord,
        LockedLoopRecord,
    )
}
