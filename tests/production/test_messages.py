"""What runbolt says: the startup banner, one line for a route error, ``--routes``, and ``--dev``
with a module that does not import (a 500 showing the error, one traceback, a restart only
when a file changes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tests.production.test_processes import _free_port, children, wait_for

REPO = Path(__file__).resolve().parents[2]
#: The first four lines of the --dev test's API module; line 5 is the handler's `def`.
HEADER = 'from django_bolt import BoltAPI\napi = BoltAPI()\n\n@api.get("/v")\n'

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are Linux-only")


def runbolt(*args: str, api: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOLT_TEST_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if api:
        env["BOLT_TEST_API"] = api
    return subprocess.run(
        [sys.executable, "-m", "django", "runbolt", "--settings", "tests.settings", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_banner_names_django_settings_and_debug(server):
    import django

    out = server.stdout()
    assert f"Django version {django.get_version()}, using settings 'tests.settings'" in out
    assert "DEBUG = False" in out
    assert "Quit with CONTROL-C." in out
    assert out.index("listening on") < out.index("Quit with CONTROL-C.")


def test_a_route_definition_error_is_one_line_naming_handler_file_and_line():
    done = runbolt("--port", str(_free_port()), api="tests.testapp.broken_route_api")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    from tests.testapp import broken_route_api

    line = broken_route_api.list_items.__code__.co_firstlineno
    where = f"tests/testapp/broken_route_api.py:{line}"
    assert lines[0].startswith(f"CommandError: {where}: handler list_items (GET /items): ")
    assert "'item_id' is marked Path() but the path has no {item_id}" in lines[0]


def test_traceback_flag_shows_the_full_traceback():
    done = runbolt("--port", str(_free_port()), "--traceback", api="tests.testapp.broken_route_api")
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "RouteDefinitionError" in done.stderr


def test_routes_lists_method_path_handler_and_auth():
    done = runbolt("--routes", api="tests.testapp.server_api.api")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.strip().splitlines()]
    assert rows[0] == ["METHOD", "PATH", "HANDLER", "AUTH"]
    assert ["GET", "/hello", "tests.testapp.server_api.hello", "public"] in rows
    from tests.testapp.server_api import api

    assert len(rows) == 1 + len(api.routes)


def test_dev_with_a_broken_module_answers_500_with_the_error_and_restarts_on_a_change(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    db = str(tmp_path / "db.sqlite3")
    (project / "settings.py").write_text(
        textwrap.dedent(
            f"""
            SECRET_KEY = "x"
            DEBUG = True
            ALLOWED_HOSTS = ["127.0.0.1"]
            INSTALLED_APPS = ["django_bolt"]
            DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
            BOLT_API = "devapi.api"
            BASE_DIR = {str(project)!r}
            """
        )
    )
    module = project / "devapi.py"
    module.write_text(HEADER + "async def v(:\n    return 1\n")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(project), "DJANGO_SETTINGS_MODULE": "settings"}
    log_path = tmp_path / "out.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "django", "runbolt", "--port", str(port), "--dev"],
            cwd=project,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v"

    def answer():
        try:
            return httpx.get(url, timeout=5)
        except httpx.HTTPError:
            return None

    try:
        broken = wait_for(answer, 30)
        assert broken is not None, log_path.read_text()
        assert broken.status_code == 500
        detail = broken.json()["detail"]
        assert detail.startswith("The API cannot be loaded: devapi.py:5: SyntaxError"), detail
        worker = children(proc.pid)
        # Still the same worker a while later: no restart loop while nothing changes.
        assert wait_for(lambda: children(proc.pid) != worker, 2.0) is False
        output = log_path.read_text()
        assert output.count("Traceback (most recent call last)") == 1, output
        time.sleep(1.1)  # a new mtime
        module.write_text(HEADER + "async def v():\n    return 2\n")
        fixed = wait_for(lambda: (r := answer()) is not None and r.status_code == 200 and r, 30)
        assert fixed and fixed.json() == 2, log_path.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    assert code == 0, log_path.read_text()
