"""``mount_django(prefix, urlconf=...)``: Django views get a real Django request and their
``HttpResponse`` is sent faithfully (in process; the admin over a socket is in
test_admin_socket.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django_bolt import BoltAPI
from django_bolt.testing import TestClient

from tests.server.conftest import REPO

# Django's handler sends request_started/finished: close_old_connections looks at connections.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def client():
    download = Path(settings.BOLT_TEST_FILES_ROOT) / "mount-download.txt"
    download.parent.mkdir(parents=True, exist_ok=True)
    download.write_bytes(b"file body\n" * 1000)
    api = BoltAPI()

    @api.get("/site/bolt")
    async def bolt_route() -> dict:
        return {"bolt": True}

    api.mount_django("/site", urlconf="tests.mounts.django_views")
    # The test settings have no ROOT_URLCONF: the mount's URLconf is all Django needs.
    with TestClient(api) as c:
        yield c
    download.unlink()


def test_a_view_gets_a_real_django_request(client) -> None:
    answer = client.post(
        "/site/echo/?a=1",
        data={"name": "bolt"},
        headers={"X-Thing": "thing", "Cookie": "k=v"},
    )
    assert answer.status_code == 200
    seen = json.loads(answer.content)
    assert seen == {
        "method": "POST",
        "path": "/site/echo/",
        "path_info": "/echo/",
        "script_name": "/site",
        "query": {"a": "1"},
        "form": {"name": "bolt"},
        "cookies": {"k": "v"},
        "header": "thing",
        "host": "testserver",
        "remote_addr": "127.0.0.1",
        "secure": False,
    }


def test_status_headers_and_every_cookie_are_sent(client) -> None:
    answer = client.get("/site/cookies/")
    assert answer.status_code == 201
    assert answer.text == "made"
    assert answer.headers["content-type"] == "text/plain"
    assert answer.headers["x-custom"] == "yes"
    cookies = answer.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("first=1;") and "HttpOnly" in cookies[0]
    assert cookies[1].startswith("second=2;") and "SameSite=Strict" in cookies[1]


# Django's own note that it iterates a file in a thread under ASGI.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
def test_streaming_and_file_responses_are_streamed(client) -> None:
    with client.stream("GET", "/site/stream/") as answer:
        assert answer.status_code == 200
        assert "".join(answer.iter_text()) == "part0;part1;part2;"
    download = client.get("/site/download/")
    assert download.status_code == 200
    assert download.content == b"file body\n" * 1000


def test_reverse_in_a_view_includes_the_mount_prefix(client) -> None:
    answer = client.get("/site/home/", follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == "/site/echo/"


def test_django_404s_and_unknown_paths(client) -> None:
    # A view raising Http404 is Django's answer; a path the URLconf does not know is bolt's.
    assert client.get("/site/missing/").status_code == 404
    unknown = client.get("/site/not-a-view/")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not Found"}


def test_bolt_routes_under_the_prefix_win(client) -> None:
    assert client.get("/site/bolt").json() == {"bolt": True}


def test_a_module_mounting_itself_by_dotted_path_answers_while_it_is_imported() -> None:
    """The view thread must not import the URLconf: the importing thread holds its import lock
    while it waits for the answer (a deadlock, before the URLconf was imported at compile time)."""
    script = "import django; django.setup(); from tests.mounts import self_mounted as m; print(m.ANSWER.text)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout.strip()) == (0, "hello from /site/hello/"), done.stderr
