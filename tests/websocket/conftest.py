"""A real ``runbolt`` server serving tests/websocket/ws_api.py, for the socket tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess, launch

MAX_MESSAGE = 4096
ALLOWED_ORIGIN = "http://allowed.test"


@pytest.fixture(scope="module")
def ws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    logs = tmp_path_factory.mktemp("ws-logs")
    env = {
        "BOLT_TEST_API": "tests.websocket.ws_api.api",
        "BOLT_TEST_WS_MAX_MESSAGE": str(MAX_MESSAGE),
        "BOLT_TEST_WS_ORIGINS": ALLOWED_ORIGIN,
    }
    # The routes use no database: the path only has to be a writable place.
    server = launch(Path(logs) / "unused.sqlite3", Path(logs), env, name="ws")
    try:
        yield server
    finally:
        rc = server.stop()
        assert rc == 0, f"server exited with {rc}\n{server.describe()}"
        assert "panicked" not in server.stderr(), server.describe()
