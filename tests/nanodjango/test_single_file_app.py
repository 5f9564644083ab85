"""A nanodjango single-file app served by ``python app.py runbolt``: nanodjango loads the plugin
before Django's settings exist, then django-bolt serves its routes and Django's on one port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytest.importorskip("nanodjango", reason="nanodjango is not installed")

APP = """\
import sys

from nanodjango import Django

from django_bolt.nanodjango import BoltAPI

app = Django()
bolt = BoltAPI()


@app.route("/")
def home(request):
    return "<h1>Hello from Django</h1>"


@bolt.get("/api/greet")
async def greet(name: str = "world"):
    return {"message": f"hello, {name}!"}


bolt.mount_django("/")

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(90)
def test_single_file_app_serves_bolt_and_django_routes(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}  # nanodjango configures
    proc = subprocess.Popen(
        [sys.executable, "app.py", "runbolt", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                greeting = httpx.get(f"{base}/api/greet", params={"name": "nano"}, timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start serving: {proc.communicate(timeout=10)}")
                time.sleep(0.1)
        assert greeting.status_code == 200
        assert greeting.json() == {"message": "hello, nano!"}
        home = httpx.get(f"{base}/", timeout=5)
        assert home.status_code == 200 and "Hello from Django" in home.text
        assert httpx.get(f"{base}/api/missing", timeout=5).status_code == 404
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert "ImproperlyConfigured" not in err and "Traceback" not in err, err
