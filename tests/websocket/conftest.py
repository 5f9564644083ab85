"""A real ``runbolt`` server serving tests/websocket/ws_api.py, for the socket tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess, launch

MAX_MESSAGE = 4096
ALLOWED_ORIGIN = "http://allowed.test"


def _launch_ws(tmp_path_factory: pytest.TempPathFactory) -> ServerProcess:
    logs = tmp_path_factory.mktemp("ws-logs")
    env = {
        "BOLT_TEST_API": "tests.websocket.ws_api.api",
        "BOLT_TEST_WS_MAX_MESSAGE": str(MAX_MESSAGE),
        "BOLT_TEST_WS_ORIGINS": ALLOWED_ORIGIN,
    }
    # The routes use no database: the path only has to be a writable place.
    return launch(Path(logs) / "unused.sqlite3", Path(logs), env, name="ws")


def _stop_ws(server: ServerProcess) -> None:
    rc = server.stop()
    assert rc == 0, f"server exited with {rc}\n{server.describe()}"
    assert "panicked" not in server.stderr(), server.describe()


@pytest.fixture(scope="module")
def ws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = _launch_ws(tmp_path_factory)
    try:
        yield server
    finally:
        _stop_ws(server)


@pytest.fixture
def own_ws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of the test's own, for a test that stops it (the module's stays up for the rest,
    whatever order the tests run in)."""
    server = _launch_ws(tmp_path_factory)
    try:
        yield server
    finally:
        _stop_ws(server)
