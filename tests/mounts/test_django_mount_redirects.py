"""``mount_django``: a root-relative redirect of the mounted app stays under the mount, and
Django gets its scope with the mount prefix in ``path`` whatever form the caller sent."""

from __future__ import annotations

import asyncio
import json

import pytest
from django_bolt import BoltAPI
from django_bolt.mounts import LazyDjango, redirect_under_mount, scope_with_full_path
from django_bolt.testing import TestClient


def redirecting_to(location: bytes):
    """An app that redirects every path to ``location``, and says 200 at that location."""

    async def app(scope, receive, send):
        await receive()
        if scope["path"].endswith("/done/"):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": scope["path"].encode()})
            return
        await send({"type": "http.response.start", "status": 302, "headers": [(b"location", location)]})
        await send({"type": "http.response.body", "body": b""})

    return app


@pytest.mark.parametrize(
    ("location", "seen"),
    [
        (b"/done/", "/site/done/"),  # the app's own page: under the mount
        (b"/site/done/", "/site/done/"),  # already under the mount
        (b"/done/?next=/x", "/site/done/?next=/x"),
        (b"https://example.com/done/", "https://example.com/done/"),  # absolute: kept
        (b"//example.com/done/", "//example.com/done/"),  # scheme-relative: kept
        (b"done/", "done/"),  # relative to the page: kept
    ],
)
def test_mount_django_keeps_root_relative_redirects_under_the_mount(location, seen):
    api = BoltAPI()
    api.mount_django("/site", app=redirecting_to(location))
    with TestClient(api, follow_redirects=False) as client:
        answer = client.get("/site/start")
    assert (answer.status_code, answer.headers["location"]) == (302, seen)


def test_the_client_follows_the_rewritten_redirect_to_the_mounted_page():
    api = BoltAPI()
    api.mount_django("/site", app=redirecting_to(b"/done/"))
    with TestClient(api) as client:
        answer = client.get("/site/start")
    assert (answer.status_code, answer.text) == (200, "/site/done/")
    assert [r.headers["location"] for r in answer.history] == ["/site/done/"]


def test_mount_asgi_and_clear_root_path_leave_locations_alone():
    # A plain ASGI app, and a Django app whose own paths include the prefix, mean what they say.
    api = BoltAPI()
    api.mount_asgi("/plain", redirecting_to(b"/done/"))
    api.mount_django("/whole", app=redirecting_to(b"/done/"), clear_root_path=True)
    with TestClient(api, follow_redirects=False) as client:
        assert client.get("/plain/start").headers["location"] == "/done/"
        assert client.get("/whole/start").headers["location"] == "/done/"


def test_redirect_under_mount_keeps_the_header_types_and_other_messages():
    as_bytes = {"type": "http.response.start", "status": 301, "headers": [(b"Location", b"/a"), (b"x", b"/b")]}
    as_text = {"type": "http.response.start", "status": 301, "headers": [("location", "/a")]}
    assert redirect_under_mount(as_bytes, "/m")["headers"] == [(b"Location", b"/m/a"), (b"x", b"/b")]
    assert redirect_under_mount(as_text, "/m/")["headers"] == [("location", "/m/a")]
    body = {"type": "http.response.body", "body": b"/a"}
    assert redirect_under_mount(body, "/m") is body
    assert redirect_under_mount(as_text, "/") is as_text
    assert as_bytes["headers"][0] == (b"Location", b"/a")  # the app's message is not changed


def test_scope_with_full_path_puts_the_prefix_in_front_once():
    below = {"type": "http", "root_path": "/site", "path": "/a b/", "raw_path": b"/a%20b/"}
    assert scope_with_full_path(below) == {**below, "path": "/site/a b/", "raw_path": b"/site/a%20b/"}
    full = {"type": "http", "root_path": "/site", "path": "/site/a/", "raw_path": b"/site/a/"}
    assert scope_with_full_path(full) is full
    assert scope_with_full_path({**full, "path": "/site"})["path"] == "/site"
    no_raw = scope_with_full_path({"type": "http", "root_path": "/site", "path": "/x"})
    assert (no_raw["path"], no_raw["raw_path"]) == ("/site/x", b"/site/x")
    # "/sitemap" is not under "/site": the prefix goes in front.
    assert scope_with_full_path({**full, "path": "/sitemap", "raw_path": None})["path"] == "/site/sitemap"


async def test_django_resolves_a_scope_sent_with_the_path_below_the_mount():
    # An outer ASGI router that strips its prefix from ``path`` (the older convention): Django
    # still sees PATH_INFO below the mount and SCRIPT_NAME as the mount.
    django = LazyDjango("tests.mounts.django_views")
    sent = []
    events = [{"type": "http.request", "body": b"", "more_body": False}]
    answered = asyncio.Event()

    async def receive():
        if events:
            return events.pop()
        await answered.wait()  # the client stays until the answer is sent
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)
        if not message.get("more_body", False) and message["type"] == "http.response.body":
            answered.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/echo/",
        "raw_path": b"/echo/",
        "root_path": "/site",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "scheme": "http",
    }
    await django(scope, receive, send)
    assert sent[0]["status"] == 200, sent
    seen = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert (seen["path"], seen["path_info"], seen["script_name"]) == ("/site/echo/", "/echo/", "/site")
