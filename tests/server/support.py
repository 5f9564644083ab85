"""Numbers and checks shared by the real-server tests."""

from __future__ import annotations

from tests.server.wire import roundtrip

#: Limits of the shared ``server`` (tests refer to these numbers).
LIMITS = {
    "BOLT_TEST_MAX_UPLOAD": "4096",
    "BOLT_TEST_MAX_HEADER_SIZE": "4096",
    "BOLT_TEST_MAX_HEADERS": "30",
    "BOLT_TEST_HEADER_TIMEOUT": "1",
    "BOLT_TEST_BODY_TIMEOUT": "1",
    "BOLT_TEST_KEEP_ALIVE": "1",
    "BOLT_TEST_SHUTDOWN_GRACE": "5",
}
MAX_UPLOAD = int(LIMITS["BOLT_TEST_MAX_UPLOAD"])
MAX_HEADER_SIZE = int(LIMITS["BOLT_TEST_MAX_HEADER_SIZE"])
MAX_HEADERS = int(LIMITS["BOLT_TEST_MAX_HEADERS"])
HEADER_TIMEOUT = float(LIMITS["BOLT_TEST_HEADER_TIMEOUT"])
BODY_TIMEOUT = float(LIMITS["BOLT_TEST_BODY_TIMEOUT"])
KEEP_ALIVE = float(LIMITS["BOLT_TEST_KEEP_ALIVE"])


def assert_still_serving(port: int) -> None:
    """A normal request on a new connection still gets a normal answer."""
    r = roundtrip(port, "GET", "/hello")
    assert r.status == 200, (r.status, r.body)
    assert r.json() == {"message": "hello"}
