"""STATIC_URL served from STATIC_ROOT by Rust; Django's finders in DEBUG."""

from __future__ import annotations

import httpx
from django_bolt.conf import BoltConfig


def test_static_file_served_with_validators(http: httpx.Client):
    r = http.get("/static/css/site.css")
    assert r.status_code == 200
    assert r.text == "body { color: red }\n"
    assert r.headers["content-type"] == "text/css"
    etag = r.headers["etag"]
    assert http.get("/static/css/site.css", headers={"if-none-match": etag}).status_code == 304
    part = http.get("/static/css/site.css", headers={"range": "bytes=0-3"})
    assert part.status_code == 206 and part.text == "body"
    head = http.head("/static/css/site.css")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "20"


def test_static_refuses_escapes_and_missing_files(http: httpx.Client):
    for path in ("/static/missing.css", "/static/css/../../hello.txt", "/static/%2e%2e/hello.txt", "/static/css/"):
        r = http.get(path)
        assert r.status_code == 404, path
        assert b"hello, files" not in r.content


def test_static_prefix_from_settings():
    assert BoltConfig.build(static_url="static/").static_prefix() == "/static/"
    assert BoltConfig.build(static_url="/assets").static_prefix() == "/assets/"
    assert BoltConfig.build(static_url="https://cdn.example.com/s/").static_prefix() is None
    assert BoltConfig.build().static_prefix() is None


def test_debug_uses_django_finders(server, debug_server):
    """App static directories are found by Django's finders in DEBUG only (collectstatic copies
    them to STATIC_ROOT for production)."""
    with debug_server.client() as client:
        r = client.get("/static/testapp/app.css")
        assert r.status_code == 200
        assert r.text.startswith("/* found by the app directories finder */")
        assert r.headers["content-type"] == "text/css"
        assert client.get("/static/testapp/missing.css").status_code == 404
        assert client.get("/static/../settings.py").status_code == 404
    with server.client() as client:
        assert client.get("/static/testapp/app.css").status_code == 404


def test_static_never_serves_dotfiles_and_forbids_sniffing(tmp_path):
    from django_bolt import BoltAPI
    from django_bolt.testing import TestClient

    (tmp_path / "page.html").write_text("<p>ok</p>")
    (tmp_path / ".env").write_text("SECRET=1")
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / ".hidden").write_text("SECRET=2")
    client = TestClient(BoltAPI(), static_files_config={"url_prefix": "/static", "directories": [str(tmp_path)]})
    page = client.get("/static/page.html")
    # Static files are the project's own: HTML stays inline (only uploads are disarmed).
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-content-type-options"] == "nosniff"
    for path in ("/static/.env", "/static/css/.hidden"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert b"SECRET" not in answer.content
