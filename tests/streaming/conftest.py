"""Fixtures for file, static, streaming and SSE tests: the same endpoints in process and over a
real socket (``tests.testapp.streaming_api``, mounted under ``/streaming`` by the server API)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django_bolt import BoltAPI
from django_bolt.testing import TestClient

# The real-server fixtures (a runbolt subprocess); re-exported so pytest finds them here too.
from tests.server.conftest import (  # noqa: F401
    ServerProcess,
    _shared_debug_server,
    _shared_server,
    debug_server,
    server,
    server_db,
    server_logs,
    start_server,
)
from tests.testapp import streaming_api

#: 1 KiB of known bytes repeated: the content of ``data.bin`` files.
PATTERN = bytes(range(256)) * 4


# autouse: the directory must exist before this directory's session server starts, whichever test
# comes first (the server drops allowed roots that do not exist at its start: every file a 403).
@pytest.fixture(scope="session", autouse=True)
def files_root() -> Iterator[Path]:
    root = Path(settings.BOLT_TEST_FILES_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    (root / "hello.txt").write_text("hello, files\n")
    (root / "data.bin").write_bytes(PATTERN * 1024)  # 1 MiB: streamed in pieces
    (root / "page.html").write_text("<h1>hi</h1>")
    static = root / "static" / "css"
    static.mkdir(parents=True, exist_ok=True)
    (static / "site.css").write_text("body { color: red }\n")
    outside = Path(settings.BOLT_TEST_FILES_ROOT + "-outside")
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("secret")
    link = root / "escape.txt"
    if not link.is_symlink():
        os.symlink(outside / "secret.txt", link)
    yield root
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(outside, ignore_errors=True)


@pytest.fixture(params=["in-process", "socket"])
def http(request: pytest.FixtureRequest, files_root: Path) -> Iterator[httpx.Client]:
    """A client for the streaming endpoints: the in-process TestClient, then the real server."""
    if request.param == "in-process":
        api = BoltAPI()
        api.mount("/streaming", streaming_api.api)
        with TestClient(api) as client:
            yield client
    else:
        server: ServerProcess = request.getfixturevalue("server")
        with server.client() as client:
            yield client
