"""Fixtures that run the real server: ``python -m django runbolt`` in a subprocess on a free port.

* ``server``: one server for the whole session, with small limits (see ``LIMITS``) so the
  413/431/408 paths are quick to reach. Its teardown checks that it exits 0 after SIGTERM and
  never logged a Rust panic.
* ``debug_server``: the same API with ``DEBUG = True``.
* ``start_server``: a factory for servers owned by one test (signal tests); always stopped.

The server's stdout and stderr go to files (never pipes, which could fill up and block it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.support import LIMITS

REPO = Path(__file__).resolve().parents[2]
API = "tests.testapp.server_api.api"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


#: With BOLT_DB=postgres the server subprocesses share this database of the session's cluster.
SERVER_PG_DB = "bolt_server"


def _base_env(db_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOLT_TEST_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(BOLT_TEST_DB=str(db_path), BOLT_TEST_API=API, PYTHONUNBUFFERED="1")
    if env.get("BOLT_DB") == "postgres":
        env["BOLT_PG_NAME"] = SERVER_PG_DB
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class ServerProcess:
    """A running ``runbolt`` subprocess."""

    def __init__(self, proc: subprocess.Popen, port: int, stdout_path: Path, stderr_path: Path) -> None:
        self.proc = proc
        self.port = port
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def access_log(self) -> list[dict]:
        """The access-log lines on stderr so far, parsed. Only lines ended by their newline: the
        file may be read while the server is writing one."""
        text = self.stderr()
        whole = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in whole.splitlines() if line.startswith("{")]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def client(self, **kwargs) -> httpx.Client:
        kwargs.setdefault("timeout", 5.0)
        return httpx.Client(base_url=self.url, **kwargs)

    def send_signal(self, sig: int) -> None:
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        """The exit code; kills the process (and fails) if it is still running after ``timeout``."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            pytest.fail(f"server pid {self.pid} did not exit within {timeout}s; killed\n{self.stderr()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int | None:
        """Stops the server if it is running; never raises. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        return self.proc.returncode

    def describe(self) -> str:
        return f"--- stdout ---\n{self.stdout()}\n--- stderr ---\n{self.stderr()}"


def launch(
    db_path: Path,
    log_dir: Path,
    extra_env: dict[str, str] | None = None,
    name: str = "server",
    args: list[str] | None = None,
) -> ServerProcess:
    """Starts a server (``args``: extra runbolt options) and waits, bounded, until it accepts connections."""
    env = _base_env(db_path)
    env.update(extra_env or {})
    last_error = ""
    for _attempt in range(3):
        port = _free_port()
        out = log_dir / f"{name}-{port}.out"
        err = log_dir / f"{name}-{port}.err"
        with open(out, "wb") as fout, open(err, "wb") as ferr:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "django",
                    "runbolt",
                    "--settings",
                    "tests.settings",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    *(args or []),
                ],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=fout,
                stderr=ferr,
            )
        server = ServerProcess(proc, port, out, err)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if "listening on" in server.stdout() and _port_open(port):
                return server
            time.sleep(0.05)
        else:
            server.stop(signal.SIGKILL, timeout=5)
            pytest.fail(f"server did not start within {STARTUP_TIMEOUT}s\n{server.describe()}")
        last_error = server.describe()
        if "cannot listen" not in last_error:  # not a port race: a real startup failure
            break
    pytest.fail(f"server exited during startup\n{last_error}")


@pytest.fixture(scope="session")
def server_db(tmp_path_factory: pytest.TempPathFactory, postgres) -> Path:
    """A migrated SQLite file shared by the server subprocesses of this session (with
    BOLT_DB=postgres: the database ``SERVER_PG_DB`` of the session's cluster, migrated)."""
    db_path = tmp_path_factory.mktemp("bolt-db") / "server.sqlite3"
    # Several conftests re-export this fixture: each copy runs once, so the database may exist.
    if postgres is not None and not postgres.execute(f"SELECT 1 FROM pg_database WHERE datname = '{SERVER_PG_DB}'"):
        postgres.execute(f"CREATE DATABASE {SERVER_PG_DB}")
    result = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--settings", "tests.settings", "--noinput", "-v", "0"],
        cwd=REPO,
        env=_base_env(db_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"migrate failed:\n{result.stdout}\n{result.stderr}"
    return db_path


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bolt-logs")


def _shutdown_checked(server: ServerProcess) -> None:
    rc = server.stop()
    stderr = server.stderr()
    assert rc == 0, f"server exited with {rc} after SIGTERM\n{server.describe()}"
    assert "panicked" not in stderr, f"the server panicked during the session\n{stderr}"


@pytest.fixture(scope="session")
def _shared_server(server_db: Path, server_logs: Path) -> Iterator[ServerProcess]:
    server = launch(server_db, server_logs, LIMITS, name="shared")
    try:
        yield server
    finally:
        _shutdown_checked(server)


@pytest.fixture
def server(_shared_server: ServerProcess) -> ServerProcess:
    """The shared server, checked to be still running before each test."""
    assert _shared_server.alive(), f"the shared server died\n{_shared_server.describe()}"
    return _shared_server


@pytest.fixture(scope="session")
def _shared_debug_server(server_db: Path, server_logs: Path) -> Iterator[ServerProcess]:
    server = launch(server_db, server_logs, {**LIMITS, "BOLT_TEST_DEBUG": "1"}, name="debug")
    try:
        yield server
    finally:
        _shutdown_checked(server)


@pytest.fixture
def debug_server(_shared_debug_server: ServerProcess) -> ServerProcess:
    assert _shared_debug_server.alive(), f"the DEBUG server died\n{_shared_debug_server.describe()}"
    return _shared_debug_server


@pytest.fixture
def start_server(server_db: Path, server_logs: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Starts servers owned by the test; each is stopped (SIGTERM, then SIGKILL) afterwards."""
    started: list[ServerProcess] = []

    def start(*args: str, **extra_env: str) -> ServerProcess:
        server = launch(server_db, server_logs, {**LIMITS, **extra_env}, name="own", args=list(args))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c
