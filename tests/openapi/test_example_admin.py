"""``examples/`` serves the Django admin next to its API (runbolt's ROOT_URLCONF fallback), over a
real socket, and ``reverse()`` knows the API's route names (``django_bolt.urls`` in its URLconf)."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

from tests.openapi.conftest import EXAMPLES

PASSWORD = "example-admin-pw-3"
_SEED = f"""
from django.contrib.auth.models import User
from django.urls import reverse
User.objects.filter(username="admin").delete()
User.objects.create_superuser("admin", "admin@example.com", {PASSWORD!r})
print("reversed", reverse("get_note", args=[1]))
"""


def test_the_example_serves_the_admin_next_to_its_api(example_server) -> None:
    seeded = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", _SEED],
        cwd=EXAMPLES,
        env=example_server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "reversed /notes/1" in seeded.stdout
    with httpx.Client(base_url=example_server.url, timeout=5.0) as client:
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
        assert client.get("/not/a/page").json() == {"detail": "Not Found"}
