import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django_bolt import BoltAPI
from django_bolt.testing import TestClient

from tests import temp_dirs
from tests.skips import STAGES

# The Django site served by runbolt (tests/mounts, tests/lifecycle): registered once, so its
# session-scoped database is migrated once.
pytest_plugins = ["tests.django_site.fixtures"]


@pytest.fixture(scope="session", autouse=True)
def _remove_temp_dirs():
    """tests/temp_dirs.py's directories go when the session ends (torn down last: set up first)."""
    yield
    temp_dirs.remove_all()


@pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down
def pytest_sessionfinish(session) -> None:
    """A directory of tests/temp_dirs.py still there means a process outlived the session or a
    cleanup failed: a run that otherwise passed fails, naming it."""
    leftovers = temp_dirs.leftovers()
    if not leftovers:
        return
    writer = session.config.get_terminal_writer()
    writer.line()
    writer.line(f"temporary directories left behind by this run: {', '.join(map(str, leftovers))}", red=True)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def api() -> BoltAPI:
    return BoltAPI()


@pytest.fixture
def client_for():
    """``client_for(api)``: an in-process client that is closed after the test."""
    clients = []

    def make(api: BoltAPI, **kwargs) -> TestClient:
        client = TestClient(api, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(binary: str, port: int) -> subprocess.Popen:
    """A redis-server on 127.0.0.1:``port``, answering PING (fails the test if it does not start)."""
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server did not start on port {port}")
        time.sleep(0.05)


def redis_binary() -> str:
    """redis-server's path; a failure where CI requires Redis, else a skip."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("BOLT_REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is not installed but BOLT_REQUIRE_REDIS=1")
        pytest.skip("redis-server is not installed")
    return binary


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis server on a free loopback port for the whole session, e.g. ``redis://127.0.0.1:N/0``.

    CI installs ``redis-server`` and sets ``BOLT_REQUIRE_REDIS=1`` so a missing binary fails there; elsewhere
    (the conda recipe's tests on hosted runners) Redis-backed tests are skipped.
    """
    binary = redis_binary()
    port = _free_port()
    proc = start_redis(binary, port)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


def postgres_required() -> bool:
    """ci/test.sh's PostgreSQL stage sets BOLT_REQUIRE_POSTGRES=1: a missing server fails there."""
    return os.environ.get("BOLT_REQUIRE_POSTGRES") == "1"


def postgres_or_skip():
    """tests/pg_server.py's module, or a skip (a failure where CI requires PostgreSQL)."""
    from tests import pg_server

    missing = None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = "psycopg is not installed"
    if missing is None and pg_server.binaries() is None:
        missing = "PostgreSQL (initdb) is not installed"
    if missing:
        if postgres_required():
            pytest.fail(f"{missing} but BOLT_REQUIRE_POSTGRES=1")
        pytest.skip(missing)
    return pg_server


@pytest.fixture(scope="session")
def postgres():
    """With BOLT_DB=postgres: the cluster tests/settings.py points Django at, started for the
    session; otherwise None (the suite runs on SQLite)."""
    if os.environ.get("BOLT_DB") != "postgres":
        yield None
        return
    pg_server = postgres_or_skip()
    from pathlib import Path

    server = pg_server.PostgresServer(Path(os.environ["BOLT_PG_ROOT"]), int(os.environ["BOLT_PG_PORT"])).init()
    server.start()
    server.execute("CREATE DATABASE bolt")
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres):
    """pytest-django creates its test database after the PostgreSQL cluster is up."""


class SkipBudget:
    """Fails the run on a skip (or xfail) that tests/skips.py does not allow in this CI stage."""

    def __init__(self, stage: str):
        self.stage = stage
        self.allowed = STAGES[stage]
        self.unexpected: list[tuple[str, str]] = []
        self.expected = 0

    def _record(self, report) -> None:
        if not report.skipped:
            return
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr or "")
        if hasattr(report, "wasxfail"):
            reason = f"xfail: {report.wasxfail}"  # an xfail is a test that cannot fail: never budgeted
        elif any(entry.matches(report.nodeid, reason) for entry in self.allowed):
            self.expected += 1
            return
        self.unexpected.append((report.nodeid, reason))

    def pytest_runtest_logreport(self, report) -> None:
        self._record(report)

    def pytest_collectreport(self, report) -> None:
        self._record(report)

    def pytest_sessionfinish(self, session) -> None:
        if self.unexpected and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        write = terminalreporter.write_line
        write(f"skip budget ({self.stage}, tests/skips.py): {self.expected} allowed skip(s)")
        if self.unexpected:
            terminalreporter.section(f"skips not allowed in stage {self.stage!r}", sep="!", red=True)
            for nodeid, reason in self.unexpected:
                write(f"{nodeid}: {reason}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config) -> None:
    # A run stopped by `timeout` or a CI job limit (SIGTERM) ends as Ctrl-C does: fixtures are torn
    # down, so servers are stopped and temporary directories removed.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    stage = os.environ.get("BOLT_TEST_STAGE")
    if not stage:
        return
    if stage not in STAGES:
        raise pytest.UsageError(f"BOLT_TEST_STAGE={stage!r} is not a stage of tests/skips.py: {sorted(STAGES)}")
    # CI runs must not hang: the per-test timeout of pyproject.toml needs the plugin.
    if not config.pluginmanager.hasplugin("timeout"):
        raise pytest.UsageError("BOLT_TEST_STAGE is set but pytest-timeout is not installed")
    config.pluginmanager.register(SkipBudget(stage), "bolt-skip-budget")
