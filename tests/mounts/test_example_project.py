"""``examples/`` serves the Django admin next to its API (runbolt's ROOT_URLCONF fallback), over a
real socket, with the admin's static files and the API's route names in ``reverse()``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.openapi.conftest import EXAMPLES, _accepts, _free_port

PASSWORD = "example-admin-pw-3"
_SEED = f"""
from django.core.management import call_command
from django.urls import reverse
call_command("migrate", "--noinput", verbosity=0)
from django.contrib.auth.models import User
User.objects.create_superuser("admin", "admin@example.com", {PASSWORD!r})
print("reversed", reverse("get_note", args=[1]))
"""


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Iterator[str]:
    if not EXAMPLES.is_dir():
        pytest.skip("examples/ is not here (a packaged test run)")
    tmp = tmp_path_factory.mktemp("example-admin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOLT_TEST_", "DJANGO_SETTINGS"))}
    env.update(EXAMPLE_DB=str(tmp / "db.sqlite3"), PYTHONUNBUFFERED="1", DJANGO_DEBUG="1")
    seeded = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", _SEED], cwd=EXAMPLES, env=env, capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "reversed /notes/1" in seeded.stdout
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
    deadline = time.monotonic() + 30
    while not ("listening on" in log.read_text(errors="replace") and _accepts(port)):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the example server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(10) == 0, log.read_text(errors="replace")
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        pytest.fail("the example server ignored SIGTERM")


def test_the_example_serves_the_admin_next_to_its_api(example) -> None:
    with httpx.Client(base_url=example, timeout=5.0) as client:
        assert client.get("/").json() == {"message": "Hello from django-bolt"}
        login = client.get("/admin/login/")
        assert login.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        done = client.post(
            "/admin/login/?next=/admin/notes/note/",
            data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert done.status_code == 302
        notes = client.get("/admin/notes/note/")
        assert notes.status_code == 200
        assert "Select note to change" in notes.text
        assert client.get("/static/admin/css/base.css").status_code == 200
        assert client.get("/not/a/page").json() == {"detail": "Not Found"}
