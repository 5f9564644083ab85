"""httpx clients whose transport hands each request to the Rust pipeline, with no socket."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from .. import _core
from ..api import BoltAPI

_CLIENT = ("127.0.0.1", 50000)


def _call(app: _core.App, request: httpx.Request) -> httpx.Response:
    body = request.read()
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    path = request.url.raw_path.decode("ascii")
    status, out_headers, content = _core.test_request(app, request.method, path, headers, body, _CLIENT)
    return httpx.Response(status, headers=out_headers, content=content, request=request)


class _Transport(httpx.BaseTransport):
    def __init__(self, app: _core.App) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _call(self.app, request)


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: _core.App) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, _call, self.app, request)


def _app_of(api: BoltAPI | _core.App) -> _core.App:
    return api if isinstance(api, _core.App) else api.compile()


class TestClient(httpx.Client):
    """``TestClient(api)``: ``client.get("/items/1", params=..., headers=...)`` and so on."""

    __test__ = False  # not a pytest test class

    def __init__(self, api: BoltAPI | _core.App, base_url: str = "http://testserver", **kwargs: Any) -> None:
        kwargs.setdefault("follow_redirects", False)
        super().__init__(transport=_Transport(_app_of(api)), base_url=base_url, **kwargs)


class AsyncTestClient(httpx.AsyncClient):
    """``async with AsyncTestClient(api) as client: await client.get(...)``."""

    __test__ = False

    def __init__(self, api: BoltAPI | _core.App, base_url: str = "http://testserver", **kwargs: Any) -> None:
        kwargs.setdefault("follow_redirects", False)
        super().__init__(transport=_AsyncTransport(_app_of(api)), base_url=base_url, **kwargs)
