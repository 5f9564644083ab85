"""httpx clients whose transport hands each request to the Rust pipeline, with no socket."""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx

from .. import _core
from .._runtime import unhandled_exception_sinks
from ..api import BoltAPI
from .dbshare import SharedConnections, active_sharing, test_connections_shared
from .streamed import send_streamed

_CLIENT = ("127.0.0.1", 50000)


class _Chunks(httpx.SyncByteStream):
    """A streamed body pulled chunk by chunk; closing it early acts like a client disconnect."""

    def __init__(self, stream: _core.TestStream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        self._stream.close()


class _AsyncChunks(httpx.AsyncByteStream):
    def __init__(self, stream: _core.TestStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        while True:
            chunk = await loop.run_in_executor(None, next, self._stream, None)
            if chunk is None:
                return
            yield chunk

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._stream.close)


def _call(
    app: _core.App, request: httpx.Request, asynchronous: bool = False, raise_server_exceptions: bool = False
) -> httpx.Response:
    body = request.read()
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    path = request.url.raw_path.decode("ascii")
    if not raise_server_exceptions:
        status, out_headers, content = _core.test_request(app, request.method, path, headers, body, _CLIENT)
        return _response(request, status, out_headers, content, asynchronous)
    raised: list[BaseException] = []
    unhandled_exception_sinks.append(raised)
    try:
        status, out_headers, content = _core.test_request(app, request.method, path, headers, body, _CLIENT)
    finally:
        unhandled_exception_sinks[:] = [sink for sink in unhandled_exception_sinks if sink is not raised]
    if raised:
        raise raised[0]
    return _response(request, status, out_headers, content, asynchronous)


def _wire_headers(headers: Any) -> Any:
    """The headers as the server writes them: a value with non-ASCII text goes out as its UTF-8
    bytes (httpx would refuse the str; it decodes the bytes back for ``response.headers``)."""
    if all(value.isascii() for _, value in headers):
        return headers
    return [(name, value if value.isascii() else value.encode()) for name, value in headers]


def _response(
    request: httpx.Request, status: int, out_headers: Any, content: Any, asynchronous: bool
) -> httpx.Response:
    out_headers = _wire_headers(out_headers)
    if isinstance(content, bytes):
        return httpx.Response(status, headers=out_headers, content=content, request=request)
    stream: httpx.SyncByteStream | httpx.AsyncByteStream = _AsyncChunks(content) if asynchronous else _Chunks(content)
    return httpx.Response(status, headers=out_headers, stream=stream, request=request)


def _call_parked(
    sharing: SharedConnections | None, app: _core.App, request: httpx.Request, asynchronous: bool, raise_exc: bool
) -> httpx.Response:
    """``_call`` with the calling thread's holds on the shared connection given back while it
    waits (its handler may need the connection), and a conflict a handler met raised here."""
    if sharing is None:
        return _call(app, request, asynchronous, raise_exc)
    counts = sharing.park()
    try:
        response = _call(app, request, asynchronous, raise_exc)
    finally:
        sharing.unpark(counts)
    sharing.raise_if_conflict()
    return response


class BoltTestTransport(httpx.BaseTransport):
    """The transport of ``TestClient``: each request goes through the compiled app's Rust
    pipeline on the in-process test server, the calling thread waiting for the answer.

    ``app`` is a ``BoltAPI`` (compiled here) or its compiled app (the release takes the id of its
    test app instead). ``raise_server_exceptions``: a handler's unhandled exception is raised in
    the caller instead of answered 500. ``share_db``: handlers use the test's database
    connection (see ``dbshare``)."""

    def __init__(self, app: BoltAPI | _core.App, raise_server_exceptions: bool = True, share_db: bool = True) -> None:
        self.app = _app_of(app)
        self.share_db = share_db
        self.raise_server_exceptions = raise_server_exceptions
        #: The sharing the entered client holds (from ``__enter__`` to ``__exit__``).
        self.held_sharing: AbstractContextManager[SharedConnections | None] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.share_db:
            return _call(self.app, request, False, self.raise_server_exceptions)
        # Any thread may use an entered client, whose sharing is in place already.
        held = active_sharing() if self.held_sharing is not None else None
        if held is not None:
            return _call_parked(held, self.app, request, False, self.raise_server_exceptions)
        with test_connections_shared() as sharing:
            return _call_parked(sharing, self.app, request, False, self.raise_server_exceptions)


class AsyncBoltTestTransport(httpx.AsyncBaseTransport):
    """The transport of ``AsyncTestClient``: as ``BoltTestTransport``, the wait for the answer
    in an executor thread so that the event loop keeps running."""

    def __init__(self, app: BoltAPI | _core.App, raise_server_exceptions: bool = True, share_db: bool = True) -> None:
        self.app = _app_of(app)
        self.share_db = share_db
        self.raise_server_exceptions = raise_server_exceptions

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        loop = asyncio.get_running_loop()
        if not self.share_db:
            return await loop.run_in_executor(None, _call, self.app, request, True, self.raise_server_exceptions)
        with test_connections_shared() as sharing:  # entered here: the test's connections are this thread's
            return await loop.run_in_executor(
                None, _call_parked, sharing, self.app, request, True, self.raise_server_exceptions
            )


class BoltTestClientWarning(RuntimeWarning):
    """A test setup the test client cannot serve as the test expects (its own category, so
    ``warnings.simplefilter("ignore", BoltTestClientWarning)`` silences it)."""


#: Set once the advisory was given: it explains a failure mode once per process, not per test.
_atomic_block_warning_emitted = threading.Event()
_atomic_block_warning_lock = threading.Lock()


def _warn_unshared_transaction() -> None:
    """``share_db_connection=False`` in a test whose thread holds an open transaction: the
    handlers, on connections of their own, cannot see its rows (and on SQLite wait on its
    lock, a 500). Advisory only: handlers that use no database are right in such a test."""
    if _atomic_block_warning_emitted.is_set():
        return
    try:
        from django.conf import settings  # noqa: PLC0415
        from django.db import connections  # noqa: PLC0415

        if not settings.configured:
            return
        open_aliases = [c.alias for c in connections.all(initialized_only=True) if c.in_atomic_block]
    except Exception:  # noqa: BLE001 - no Django, or DATABASES unusable: nothing to advise about
        return
    if not open_aliases:
        return
    with _atomic_block_warning_lock:
        if _atomic_block_warning_emitted.is_set():
            return
        _atomic_block_warning_emitted.set()
    warnings.warn(
        f"TestClient(share_db_connection=False) started inside an open transaction on "
        f"{', '.join(open_aliases)}: the handlers use connections of their own, so they do not "
        "see this test's uncommitted rows (on SQLite they wait on its lock). Leave "
        "share_db_connection on, or commit the rows: TransactionTestCase or "
        "@pytest.mark.django_db(transaction=True).",
        BoltTestClientWarning,
        stacklevel=3,
    )


#: The keys of the release's ``static_files_config``.
_STATIC_CONFIG_KEYS = ("url_prefix", "directories", "csp_header", "cache_control")


def _static_overrides(static_files_config: Any) -> dict[str, Any]:
    """``static_files_config={"url_prefix": "/static", "directories": [...], "csp_header": ...}``
    as config fields: these directories (and this policy) in place of ``STATIC_ROOT``/
    ``STATICFILES_DIRS``/``BOLT_STATIC_MAX_AGE``/``SECURE_CSP``."""
    if not isinstance(static_files_config, dict):
        raise TypeError(f"static_files_config must be a dict, got {type(static_files_config).__name__}")
    unknown = sorted(set(static_files_config) - set(_STATIC_CONFIG_KEYS))
    if unknown:
        raise TypeError(f"static_files_config: unknown keys {unknown}; known: {list(_STATIC_CONFIG_KEYS)}")
    if static_files_config.get("cache_control") is not None:
        raise TypeError(
            "static_files_config['cache_control'] is not supported here; it can only be None "
            "(BOLT_STATIC_MAX_AGE sets Cache-Control)"
        )
    csp = static_files_config.get("csp_header")
    if csp is not None and (not isinstance(csp, str) or any(not 0x20 <= ord(c) < 0x7F for c in csp)):
        raise TypeError(f"static_files_config['csp_header'] must be a header value (printable ASCII), got {csp!r}")
    prefix = static_files_config.get("url_prefix")
    if not isinstance(prefix, str) or not prefix.startswith("/") or not prefix.strip("/"):
        raise TypeError(f"static_files_config['url_prefix'] must be a path like '/static', got {prefix!r}")
    directories = static_files_config.get("directories") or ()
    if isinstance(directories, (str, bytes)):
        raise TypeError("static_files_config['directories'] must be a list of directories, not one string")
    return {
        "static_url": prefix,
        "static_root": None,
        "staticfiles_dirs": tuple(str(d) for d in directories),
        "static_max_age": None,
        "static_csp": csp or None,
        "static_csp_report_only": None,
    }


def _app_of(
    api: BoltAPI | _core.App,
    cors_allowed_origins: Any = None,
    read_django_settings: bool = True,
    static_files_config: Any = None,
) -> _core.App:
    """The compiled app. The release's client options: ``cors_allowed_origins`` stands in for
    ``CORS_ALLOWED_ORIGINS`` (a ``"*"`` in it allows every origin); ``read_django_settings=False``
    leaves out the project's CORS and static-file settings (the rest, ALLOWED_HOSTS and limits
    included, still apply); ``static_files_config`` stands in for the static-file settings."""
    if cors_allowed_origins is None and read_django_settings and static_files_config is None:
        return api if isinstance(api, _core.App) else api.compile()
    if isinstance(api, _core.App):
        raise TypeError(
            "cors_allowed_origins=/read_django_settings=False/static_files_config= need the BoltAPI, not a compiled app"
        )
    import dataclasses  # noqa: PLC0415

    from ..conf import BoltConfig  # noqa: PLC0415

    origins = None if cors_allowed_origins is None else list(cors_allowed_origins)
    allow_all = origins is not None and "*" in origins
    if allow_all:
        # The release's client option: "*" allows every origin (CORS_ALLOW_ALL_ORIGINS), where the
        # setting refuses it as not an origin.
        origins = [o for o in origins if o != "*"]
    config = BoltConfig.from_settings(cors_allowed_origins=origins)
    if not read_django_settings:
        unset = {
            f.name: f.default
            for f in dataclasses.fields(BoltConfig)
            if f.name.startswith(("cors_", "static", "media"))
            and not (origins is not None and f.name == "cors_allowed_origins")
            and not (allow_all and f.name == "cors_allow_all_origins")
        }
        config = config.replace(**unset)
    if allow_all:
        config = config.replace(cors_allow_all_origins=True)
    if static_files_config is not None:
        config = config.replace(**_static_overrides(static_files_config))
    # Clients with the same options share one compiled app (and its rate-limit buckets), as
    # clients without options do and as the connections to one server do.
    if api._compiled is not None and api._compiled_config == api.server_config(config):
        return api._compiled
    return api.compile(config)


#: The release's client options: the value each one may take here (our client's behaviour), and
#: why another value is refused instead of ignored.
_RELEASE_OPTIONS: dict[str, tuple[Any, str]] = {
    "use_http_layer": (True, "requests always go through the Rust HTTP pipeline"),
}


def _release_options(kwargs: dict[str, Any]) -> None:
    """Takes the release's client options out of ``kwargs`` (httpx does not know them)."""
    for name, (allowed, reason) in _RELEASE_OPTIONS.items():
        if name in kwargs and kwargs.pop(name) != allowed:
            raise TypeError(f"TestClient({name}=) can only be {allowed!r} here: {reason}")


def _client_options(api: BoltAPI | _core.App, kwargs: dict[str, Any]) -> tuple[_core.App, bool, bool]:
    """Takes the options of ours and of the release out of ``kwargs`` (the rest go to httpx):
    the compiled app, ``share_db_connection`` and ``raise_server_exceptions``."""
    app = _app_of(
        api,
        kwargs.pop("cors_allowed_origins", None),
        kwargs.pop("read_django_settings", True),
        kwargs.pop("static_files_config", None),
    )
    # A new client starts with empty rate-limit buckets, as a new server does: the result of a
    # test does not depend on the tests that used the same (cached) app before it.
    app.clear_rate_limits()
    share_db = bool(kwargs.pop("share_db_connection", True))
    raise_exceptions = bool(kwargs.pop("raise_server_exceptions", False))
    _release_options(kwargs)
    # As the release's client (and a browser): a redirect is followed; the 3xx answers are in
    # ``response.history``. ``follow_redirects=False`` (per client or per request) stops at it.
    kwargs.setdefault("follow_redirects", True)
    return app, share_db, raise_exceptions


def _lifespans(api: BoltAPI | _core.App) -> list[tuple[BoltAPI, Any]]:
    return list(api.lifespans) if isinstance(api, BoltAPI) else []


def _bolt_loop() -> asyncio.AbstractEventLoop:
    from .._runtime import event_loop  # noqa: PLC0415
    from ..conf import BoltConfig  # noqa: PLC0415

    return event_loop(BoltConfig.from_settings().event_loop)


def _method_with_stream(method: str) -> Any:
    """``client.get(url, stream=False, **httpx options)`` and the other methods: httpx's, with the
    release's ``stream=`` passed on to ``TestClient.request``."""

    def send(self: TestClient, url: Any, *, stream: bool = False, **kwargs: Any) -> httpx.Response:
        return self.request(method, url, stream=stream, **kwargs)

    send.__name__ = send.__qualname__ = method.lower()
    return send


class TestClient(httpx.Client):
    """``TestClient(api)``: ``client.get("/items/1", params=..., headers=...)`` and so on.

    Used as a context manager (``with TestClient(api) as client:``), it runs the API's
    ``lifespan`` startup on entry and its shutdown on exit, as the server does."""

    __test__ = False  # not a pytest test class

    def __init__(self, api: BoltAPI | _core.App, base_url: str = "http://testserver", **kwargs: Any) -> None:
        app, share_db, raise_exceptions = _client_options(api, kwargs)
        if not share_db:
            _warn_unshared_transaction()
        self._transport_of_bolt = BoltTestTransport(app, raise_exceptions, share_db)
        super().__init__(transport=self._transport_of_bolt, base_url=base_url, **kwargs)
        self._lifespans = _lifespans(api)
        self._lifespan_stack: Any = None

    def request(self, method: str, url: Any, *, stream: bool = False, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        """``stream=True``: the body is left unread, to iterate as it arrives (``iter_content``)."""
        if stream:
            return send_streamed(self, method, url, **kwargs)
        return super().request(method, url, **kwargs)

    get = _method_with_stream("GET")
    head = _method_with_stream("HEAD")
    options = _method_with_stream("OPTIONS")
    post = _method_with_stream("POST")
    put = _method_with_stream("PUT")
    patch = _method_with_stream("PATCH")
    delete = _method_with_stream("DELETE")

    def query(self, url: Any, **kwargs: Any) -> httpx.Response:
        """A request with the HTTP QUERY method (a safe GET with a body): ``json=``, ``content=``
        and the other ``request()`` keywords."""
        return self.request("QUERY", url, **kwargs)

    def __enter__(self) -> TestClient:
        super().__enter__()
        transport = self._transport_of_bolt
        try:
            if transport.share_db and transport.held_sharing is None:
                # Shared from here to __exit__: the test's own queries between requests and
                # threads it starts are serialized with the handlers' (see dbshare).
                held = test_connections_shared()
                held.__enter__()
                transport.held_sharing = held
            if self._lifespans:
                from ..lifespan import enter_lifespans, run_on  # noqa: PLC0415

                self._lifespan_stack = run_on(_bolt_loop(), enter_lifespans(self._lifespans))
        except BaseException:
            self._end_sharing()
            super().__exit__(None, None, None)
            raise
        return self

    def _end_sharing(self) -> None:
        held, self._transport_of_bolt.held_sharing = self._transport_of_bolt.held_sharing, None
        if held is not None:
            held.__exit__(None, None, None)

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if self._lifespan_stack is not None:
                from ..lifespan import run_on  # noqa: PLC0415

                stack, self._lifespan_stack = self._lifespan_stack, None
                run_on(_bolt_loop(), stack.aclose())
        finally:
            try:
                self._end_sharing()
            finally:
                super().__exit__(*exc_info)


class AsyncTestClient(httpx.AsyncClient):
    """``async with AsyncTestClient(api) as client: await client.get(...)``."""

    __test__ = False

    def __init__(self, api: BoltAPI | _core.App, base_url: str = "http://testserver", **kwargs: Any) -> None:
        app, share_db, raise_exceptions = _client_options(api, kwargs)
        transport = AsyncBoltTestTransport(app, raise_exceptions, share_db)
        super().__init__(transport=transport, base_url=base_url, **kwargs)
        self._lifespans = _lifespans(api)
        self._lifespan_stack: Any = None

    async def query(self, url: Any, **kwargs: Any) -> httpx.Response:
        """A request with the HTTP QUERY method (see ``TestClient.query``)."""
        return await self.request("QUERY", url, **kwargs)

    async def __aenter__(self) -> AsyncTestClient:
        await super().__aenter__()
        if self._lifespans:
            from ..lifespan import enter_lifespans  # noqa: PLC0415

            future = asyncio.run_coroutine_threadsafe(enter_lifespans(self._lifespans), _bolt_loop())
            try:
                self._lifespan_stack = await asyncio.wrap_future(future)
            except BaseException:
                await super().__aexit__(None, None, None)
                raise
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            if self._lifespan_stack is not None:
                stack, self._lifespan_stack = self._lifespan_stack, None
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(stack.aclose(), _bolt_loop()))
        finally:
            await super().__aexit__(*exc_info)
