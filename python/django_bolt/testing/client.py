"""httpx clients whose transport hands each request to the Rust pipeline, with no socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from .. import _core
from ..api import BoltAPI
from .shared_db import test_connections_shared

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


def _call(app: _core.App, request: httpx.Request, asynchronous: bool = False) -> httpx.Response:
    body = request.read()
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    path = request.url.raw_path.decode("ascii")
    status, out_headers, content = _core.test_request(app, request.method, path, headers, body, _CLIENT)
    return _response(request, status, out_headers, content, asynchronous)


def _response(
    request: httpx.Request, status: int, out_headers: Any, content: Any, asynchronous: bool
) -> httpx.Response:
    if isinstance(content, bytes):
        return httpx.Response(status, headers=out_headers, content=content, request=request)
    stream: httpx.SyncByteStream | httpx.AsyncByteStream = _AsyncChunks(content) if asynchronous else _Chunks(content)
    return httpx.Response(status, headers=out_headers, stream=stream, request=request)


class _Transport(httpx.BaseTransport):
    def __init__(self, app: _core.App, share_db: bool = True) -> None:
        self.app = app
        self.share_db = share_db

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.share_db:
            return _call(self.app, request)
        with test_connections_shared():
            return _call(self.app, request)


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: _core.App, share_db: bool = True) -> None:
        self.app = app
        self.share_db = share_db

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        loop = asyncio.get_running_loop()
        if not self.share_db:
            return await loop.run_in_executor(None, _call, self.app, request, True)
        with test_connections_shared():  # entered here: the test's connections are this thread's
            return await loop.run_in_executor(None, _call, self.app, request, True)


def _app_of(api: BoltAPI | _core.App, cors_allowed_origins: Any = None, read_django_settings: bool = True) -> _core.App:
    """The compiled app. The release's client options: ``cors_allowed_origins`` stands in for
    ``CORS_ALLOWED_ORIGINS``; ``read_django_settings=False`` leaves out the project's CORS and
    static-file settings (the rest, ALLOWED_HOSTS and limits included, still apply)."""
    if cors_allowed_origins is None and read_django_settings:
        return api if isinstance(api, _core.App) else api.compile()
    if isinstance(api, _core.App):
        raise TypeError("cors_allowed_origins=/read_django_settings=False need the BoltAPI, not a compiled app")
    import dataclasses  # noqa: PLC0415

    from ..conf import BoltConfig  # noqa: PLC0415

    origins = None if cors_allowed_origins is None else list(cors_allowed_origins)
    config = BoltConfig.from_settings(cors_allowed_origins=origins)
    if not read_django_settings:
        unset = {
            f.name: f.default
            for f in dataclasses.fields(BoltConfig)
            if f.name.startswith(("cors_", "static", "media"))
            and not (origins is not None and f.name == "cors_allowed_origins")
        }
        config = config.replace(**unset)
    return api.compile(config)


#: The release's client options: the value each one may take here (our client's behaviour), and
#: why another value is refused instead of ignored.
_RELEASE_OPTIONS: dict[str, tuple[Any, str]] = {
    "raise_server_exceptions": (False, "a handler's exception is answered as the server answers it (500)"),
    "use_http_layer": (True, "requests always go through the Rust HTTP pipeline"),
    "static_files_config": (None, "set STATIC_URL/STATIC_ROOT (override_settings) instead"),
}


def _release_options(kwargs: dict[str, Any]) -> None:
    """Takes the release's client options out of ``kwargs`` (httpx does not know them)."""
    for name, (allowed, reason) in _RELEASE_OPTIONS.items():
        if name in kwargs and kwargs.pop(name) != allowed:
            raise TypeError(f"TestClient({name}=) can only be {allowed!r} here: {reason}")


def _lifespans(api: BoltAPI | _core.App) -> list[tuple[BoltAPI, Any]]:
    return list(api.lifespans) if isinstance(api, BoltAPI) else []


def _bolt_loop() -> asyncio.AbstractEventLoop:
    from .._runtime import event_loop  # noqa: PLC0415
    from ..conf import BoltConfig  # noqa: PLC0415

    return event_loop(BoltConfig.from_settings().event_loop)


class TestClient(httpx.Client):
    """``TestClient(api)``: ``client.get("/items/1", params=..., headers=...)`` and so on.

    Used as a context manager (``with TestClient(api) as client:``), it runs the API's
    ``lifespan`` startup on entry and its shutdown on exit, as the server does."""

    __test__ = False  # not a pytest test class

    def __init__(self, api: BoltAPI | _core.App, base_url: str = "http://testserver", **kwargs: Any) -> None:
        app = _app_of(api, kwargs.pop("cors_allowed_origins", None), kwargs.pop("read_django_settings", True))
        share_db = bool(kwargs.pop("share_db_connection", True))
        _release_options(kwargs)
        kwargs.setdefault("follow_redirects", False)
        super().__init__(transport=_Transport(app, share_db), base_url=base_url, **kwargs)
        self._lifespans = _lifespans(api)
        self._lifespan_stack: Any = None

    def query(self, url: Any, **kwargs: Any) -> httpx.Response:
        """A request with the HTTP QUERY method (a safe GET with a body): ``json=``, ``content=``
        and the other ``request()`` keywords."""
        return self.request("QUERY", url, **kwargs)

    def __enter__(self) -> TestClient:
        super().__enter__()
        if self._lifespans:
            from ..lifespan import enter_lifespans, run_on  # noqa: PLC0415

            try:
                self._lifespan_stack = run_on(_bolt_loop(), enter_lifespans(self._lifespans))
            except BaseException:
                super().__exit__(None, None, None)
                raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if self._lifespan_stack is not None:
                from ..lifespan import run_on  # noqa: PLC0415

                stack, self._lifespan_stack = self._lifespan_stack, None
                run_on(_bolt_loop(), stack.aclose())
        finally:
            super().__exit__(*exc_info)


class AsyncTestClient(httpx.AsyncClient):
    """``async with AsyncTestClient(api) as client: await client.get(...)``."""

    __test__ = False

    def __init__(self, api: BoltAPI | _core.App, base_url: str = "http://testserver", **kwargs: Any) -> None:
        app = _app_of(api, kwargs.pop("cors_allowed_origins", None), kwargs.pop("read_django_settings", True))
        share_db = bool(kwargs.pop("share_db_connection", True))
        _release_options(kwargs)
        kwargs.setdefault("follow_redirects", False)
        super().__init__(transport=_AsyncTransport(app, share_db), base_url=base_url, **kwargs)
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
