"""Every OpenAPI document any test of the session generates is recorded (``DOCUMENTS``) and checked
against the OpenAPI 3.1 specification by ``test_every_document_of_the_session_is_valid``, which this
hook runs after every other test."""

from __future__ import annotations

import json

from django_bolt.openapi.schema_generator import SchemaGenerator

#: Distinct documents by their JSON text, with the first route path of each (to name it).
DOCUMENTS: dict[str, str] = {}
LAST_TEST = "test_every_document_of_the_session_is_valid"

_generate = SchemaGenerator.generate


def _recording_generate(self, entries=None):
    document = _generate(self, entries)
    plain = document.to_schema() if hasattr(document, "to_schema") else document
    text = json.dumps(plain, sort_keys=True, default=repr)
    DOCUMENTS.setdefault(text, next(iter(plain["paths"]), "(no paths)"))
    return document


# Recording only: the generator itself runs unchanged.
SchemaGenerator.generate = _recording_generate


def pytest_collection_modifyitems(session, config, items):
    last = [item for item in items if item.name == LAST_TEST]
    items[:] = [item for item in items if item.name != LAST_TEST] + last


# ---------------------------------------------------------------- the example project, served

import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_KEY = "openapi-test-key"
STARTUP_TIMEOUT = 30.0


class ExampleServer:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path, env: dict[str, str]) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"
        #: The server's environment (its database), for ``manage.py`` commands on the same project.
        self.env = env

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def example_server(tmp_path_factory) -> ExampleServer:
    """``examples/`` served by ``manage.py runbolt`` on a free port, on a fresh SQLite database
    (one server for the session's modules)."""
    if not EXAMPLES.is_dir():
        # The conda recipe's tests ship tests/ alone; CI runs these from the repository.
        pytest.skip("examples/ is not here (a packaged test run)")
    tmp = tmp_path_factory.mktemp("example")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOLT_TEST_", "DJANGO_SETTINGS"))}
    env.update(EXAMPLE_DB=str(tmp / "db.sqlite3"), EXAMPLE_API_KEY=EXAMPLE_KEY, PYTHONUNBUFFERED="1", DJANGO_DEBUG="0")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=EXAMPLES, env=env, check=True, capture_output=True
    )
    port = _free_port()
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runbolt", "--host", "127.0.0.1", "--port", str(port)],
            cwd=EXAMPLES,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = ExampleServer(proc, port, log, env)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not ("listening on" in server.output() and _accepts(port)):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the example server did not start:\n{server.output()}")
        time.sleep(0.05)
    yield server
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        pytest.fail(f"the example server ignored SIGTERM:\n{server.output()}")
    assert code == 0, f"the example server exited with {code}:\n{server.output()}"
    assert "panicked" not in server.output()
