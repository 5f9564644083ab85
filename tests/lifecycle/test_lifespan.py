"""``BoltAPI(lifespan=)``: startup before the first request and shutdown after the last, run by
the test clients used as context managers (and by runbolt: test_lifespan_socket.py)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from django_bolt import BoltAPI
from django_bolt.testing import AsyncTestClient, TestClient


def _recording_api(log: list[str], name: str = "api") -> BoltAPI:
    @asynccontextmanager
    async def lifespan(api):
        log.append(f"{name} startup")
        # Runs on the loop handlers run on: what it makes there, they can use.
        api.state_loop = asyncio.get_running_loop()
        yield
        log.append(f"{name} shutdown")

    api = BoltAPI(lifespan=lifespan)

    @api.get("/same-loop")
    async def same_loop() -> dict:
        return {"same": asyncio.get_running_loop() is api.state_loop}

    return api


def test_the_client_as_a_context_manager_runs_startup_and_shutdown() -> None:
    log: list[str] = []
    api = _recording_api(log)
    with TestClient(api) as client:
        assert log == ["api startup"]
        assert client.get("/same-loop").json() == {"same": True}
    assert log == ["api startup", "api shutdown"]


def test_without_with_no_hook_runs() -> None:
    log: list[str] = []
    client = TestClient(_recording_api(log))
    client.close()
    assert log == []


def test_mounted_apis_lifespans_run_in_order() -> None:
    log: list[str] = []
    outer = _recording_api(log, "outer")
    outer.mount("/inner", _recording_api(log, "inner"))
    with TestClient(outer):
        assert log == ["outer startup", "inner startup"]
    assert log == ["outer startup", "inner startup", "inner shutdown", "outer shutdown"]


async def test_the_async_client_runs_them_too() -> None:
    log: list[str] = []
    async with AsyncTestClient(_recording_api(log)) as client:
        assert log == ["api startup"]
        assert (await client.get("/same-loop")).json() == {"same": True}
    assert log == ["api startup", "api shutdown"]


def test_a_failing_startup_leaves_the_started_ones_and_raises() -> None:
    log: list[str] = []

    @asynccontextmanager
    async def failing(api):
        raise RuntimeError("database unreachable")
        yield

    outer = _recording_api(log, "outer")
    outer.mount("/bad", BoltAPI(lifespan=failing))
    with pytest.raises(RuntimeError, match="database unreachable"):
        with TestClient(outer):
            pass
    assert log == ["outer startup", "outer shutdown"]


def test_lifespan_must_be_an_async_context_manager_factory() -> None:
    with pytest.raises(TypeError, match="lifespan"):
        BoltAPI(lifespan="not callable")

    def plain(api):
        return None

    with pytest.raises(TypeError, match="asynccontextmanager"):
        with TestClient(BoltAPI(lifespan=plain)):
            pass


def test_serve_with_lifespan_runs_the_server_inside_every_lifespan() -> None:
    from django_bolt.api import serve_with_lifespan

    log: list[str] = []
    outer = _recording_api(log, "outer")
    outer.mount("/inner", _recording_api(log, "inner"))
    answers: list[int] = []

    def serve() -> None:
        # A blocking server in a worker thread; the lifespans were entered before it started.
        log.append("serving")
        client = TestClient(outer)  # not as a context manager: serve_with_lifespan ran them
        answers.append(client.get("/").status_code)
        client.close()

    asyncio.run(serve_with_lifespan(outer.lifespans, serve))
    assert log == ["outer startup", "inner startup", "serving", "inner shutdown", "outer shutdown"]
    assert answers == [404]


def test_serve_with_lifespan_leaves_the_entered_lifespans_when_the_server_fails() -> None:
    from django_bolt.api import serve_with_lifespan

    log: list[str] = []

    @asynccontextmanager
    async def lifespan(api):
        log.append("startup")
        try:
            yield
        finally:
            log.append("shutdown")

    api = BoltAPI(lifespan=lifespan)

    def crash() -> None:
        raise OSError("address in use")

    with pytest.raises(OSError, match="address in use"):
        asyncio.run(serve_with_lifespan(api.lifespans, crash))
    assert log == ["startup", "shutdown"]
