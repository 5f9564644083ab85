"""``django-bolt doctor --settings ...`` checks a project and exits 1 when runbolt would refuse to
start or requests would fail; it shows the settings runbolt reads, and says a BOLT_* environment
variable is not one of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.distribution.test_doctor import console_script

REPO = Path(__file__).resolve().parents[2]


def doctor(*args: str, pythonpath: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOLT_", "DJANGO_SETTINGS"))}
    environ.update(env)
    extra = ["--pythonpath", str(pythonpath)] if pythonpath else []
    return subprocess.run(
        [console_script(), "doctor", *extra, *args], cwd=REPO, env=environ, capture_output=True, text=True, timeout=60
    )


def checks(done: subprocess.CompletedProcess) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for item in json.loads(done.stdout)["project"]["checks"]:
        found.setdefault(item["check"], []).append((item["level"], item["message"]))
    return found


def project_settings(tmp_path: Path, body: str) -> Path:
    (tmp_path / "doctor_settings.py").write_text("from tests.settings import *  # noqa\n" + textwrap.dedent(body))
    return tmp_path


def test_a_healthy_project_passes_and_lists_what_runbolt_reads(tmp_path):
    done = doctor("--json", "--settings", "tests.settings", BOLT_TEST_DB=str(tmp_path / "db.sqlite3"))
    assert done.returncode == 0, done.stdout + done.stderr
    found = checks(done)
    assert found["settings"] == [("ok", "tests.settings loaded")]
    assert found["installed apps"][0][0] == "ok"
    assert found["api"][0][0] == "ok" and found["api"][0][1].endswith("routes found")
    assert found["database 'default'"] == [("ok", "sqlite reachable")]
    assert found["migrations"][0][0] == "warning"  # a fresh database: nothing applied yet
    settings = json.loads(done.stdout)["project"]["runbolt_settings"]
    assert settings["BOLT_MAX_UPLOAD_SIZE"] == 10 * 1024 * 1024 and "BOLT_BODY_TIMEOUT" in settings


def test_without_settings_it_is_an_error():
    done = doctor()
    assert done.returncode == 1
    assert "error    settings: no settings: pass --settings or set DJANGO_SETTINGS_MODULE" in done.stdout


def test_settings_that_do_not_import_are_an_error():
    done = doctor("--settings", "no_such_settings_module")
    assert done.returncode == 1
    assert "'no_such_settings_module' cannot be loaded: ModuleNotFoundError" in done.stdout


def test_debug_off_without_allowed_hosts_and_an_empty_secret_key_are_errors(tmp_path):
    path = project_settings(tmp_path, 'DEBUG = False\nALLOWED_HOSTS = []\nSECRET_KEY = ""\n')
    done = doctor("--json", "--settings", "doctor_settings", pythonpath=path)
    assert done.returncode == 1
    found = checks(done)
    assert found["ALLOWED_HOSTS"][0][0] == "error"
    assert found["SECRET_KEY"][0][0] == "error"


def test_a_broken_route_is_reported_with_its_file_and_line(tmp_path):
    path = project_settings(tmp_path, 'BOLT_API = "tests.testapp.broken_route_api.api"\n')
    done = doctor("--json", "--settings", "doctor_settings", pythonpath=path)
    assert done.returncode == 1
    (level, message), *_ = checks(done)["api"]
    assert level == "error"
    assert "broken_route_api.py:" in message and "handler list_items (GET /items)" in message


def test_unreachable_redis_and_an_ignored_environment_variable(tmp_path):
    path = project_settings(tmp_path, 'BOLT_RATE_LIMIT_REDIS_URL = "redis://127.0.0.1:1/0"\n')
    done = doctor("--json", "--settings", "doctor_settings", pythonpath=path, BOLT_PORT="9000")
    found = checks(done)
    if "redis" not in found:
        pytest.fail(done.stdout)
    if found["redis"][0][1].endswith("the redis package is not installed"):
        assert done.returncode == 1
    else:
        assert found["redis"][0][0] == "error" and "unreachable" in found["redis"][0][1]
    assert done.returncode == 1
    assert found["environment"][0][0] == "warning"
    assert "BOLT_PORT set in the environment, which runbolt does not read" in found["environment"][0][1]


def test_uvloop_is_reported_with_the_extra_that_installs_it():
    done = doctor("--json", "--settings", "tests.settings")
    (_, message), *_ = checks(done)["event loop"]
    try:
        import uvloop  # noqa: F401

        assert message.startswith("uvloop available")
    except ImportError:
        assert "pip install 'django-bolt[uvloop]'" in message
    assert sys.executable


def test_async_code_that_would_block_the_event_loop_is_a_warning(tmp_path):
    path = project_settings(tmp_path, 'BOLT_API = "tests.testapp.loop_blocking_api.api"\n')
    done = doctor("--json", "--settings", "doctor_settings", pythonpath=path, BOLT_TEST_DB=str(tmp_path / "db.sqlite3"))
    warnings = checks(done)["event loop blocking"]
    assert [level for level, _ in warnings] == ["warning"] * 3, warnings
    messages = sorted(message for _, message in warnings)
    assert messages[0].startswith("GET /count: async handler count_articles calls count on the event loop")
    assert messages[1].startswith("GET /slow: async dependency newest_title calls first on the event loop")
    assert messages[2].startswith("GET /slow: async handler slow calls time.sleep on the event loop")
    assert "sync_to_async" in messages[0]
    assert done.returncode == 0, done.stdout  # a warning, not an error: the routes still serve
