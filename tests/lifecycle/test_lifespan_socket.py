"""runbolt enters the API's lifespan before it serves and leaves it when it stops (SIGTERM)."""

from __future__ import annotations

import pytest


@pytest.mark.timeout(90)
def test_runbolt_runs_startup_then_shutdown(start_site, tmp_path) -> None:
    log = tmp_path / "lifespan.log"
    server = start_site("--no-admin", BOLT_TEST_LIFESPAN_LOG=str(log))
    assert log.read_text() == "startup\n"
    with server.client() as client:
        assert client.get("/hello").json() == {"hello": "bolt", "started": True}
    assert server.stop() == 0
    assert log.read_text() == "startup\nshutdown\n"
