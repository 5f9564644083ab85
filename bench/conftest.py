"""Fixtures for bench/suite_thresholds.py: the test suite's real-server fixtures, re-exported."""

from tests.server.conftest import (  # noqa: F401
    _shared_server,
    server,
    server_db,
    server_logs,
    start_server,
)
from tests.streaming.conftest import files_root  # noqa: F401
from tests.streaming.test_upload_streaming import tmpdir_server  # noqa: F401
