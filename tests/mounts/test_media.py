"""``MEDIA_URL`` files are served from ``MEDIA_ROOT`` by Rust, like static files (in process; the
socket test is in test_admin_socket.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_bolt import BoltAPI
from django_bolt.conf import BoltConfig
from django_bolt.testing import TestClient


@pytest.fixture
def media(tmp_path):
    (tmp_path / "avatars").mkdir()
    (tmp_path / "avatars" / "me.png").write_bytes(b"\x89PNG fake")
    (tmp_path.parent / f"{tmp_path.name}-secret.txt").write_text("not media")
    return tmp_path


def _api() -> BoltAPI:
    api = BoltAPI()

    @api.get("/media/route")
    async def route() -> dict:
        return {"route": True}

    return api


def test_media_files_are_served_with_validators_and_ranges(media) -> None:
    with override_settings(MEDIA_URL="/media/", MEDIA_ROOT=str(media)):
        client = TestClient(_api())
        answer = client.get("/media/avatars/me.png")
        assert answer.status_code == 200
        assert answer.content == b"\x89PNG fake"
        assert answer.headers["content-type"] == "image/png"
        again = client.get("/media/avatars/me.png", headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304
        part = client.get("/media/avatars/me.png", headers={"Range": "bytes=0-3"})
        assert (part.status_code, part.content) == (206, b"\x89PNG")


def test_paths_that_leave_media_root_are_refused(media) -> None:
    with override_settings(MEDIA_URL="/media/", MEDIA_ROOT=str(media)):
        client = TestClient(_api())
        assert client.get(f"/media/..%2F{media.name}-secret.txt").status_code == 404
        assert client.get("/media/avatars/missing.png").status_code == 404
        # A path under MEDIA_URL that is no file falls through to the routes.
        assert client.get("/media/route").json() == {"route": True}


def test_media_is_not_served_without_a_root_or_on_another_host(media) -> None:
    with override_settings(MEDIA_URL="/media/", MEDIA_ROOT=""):
        assert BoltConfig.from_settings().server_dict()["media_url"] is None
    with override_settings(MEDIA_URL="https://cdn.example.com/media/", MEDIA_ROOT=str(media)):
        assert BoltConfig.from_settings().server_dict()["media_url"] is None
    with override_settings(MEDIA_URL="/media/", MEDIA_ROOT=str(media)):
        assert BoltConfig.from_settings().server_dict()["media_url"] == "/media/"


def test_media_sends_scriptable_uploads_as_inert_downloads(media) -> None:
    # Stored XSS: an uploaded page or script must not run in the site's origin.
    (media / "evil.html").write_bytes(b"<script>alert(1)</script>")
    (media / "evil.SVG").write_bytes(b"<svg/>")
    with override_settings(MEDIA_URL="/media/", MEDIA_ROOT=str(media)):
        client = TestClient(_api())
        for name, body in (("evil.html", b"<script>alert(1)</script>"), ("evil.SVG", b"<svg/>")):
            answer = client.get(f"/media/{name}")
            assert answer.status_code == 200
            assert answer.content == body
            assert answer.headers["content-type"] == "application/octet-stream"
            assert answer.headers["content-disposition"] == "attachment"
            assert answer.headers["x-content-type-options"] == "nosniff"
        image = client.get("/media/avatars/me.png")
        assert image.headers["content-type"] == "image/png"
        assert "content-disposition" not in image.headers
        assert image.headers["x-content-type-options"] == "nosniff"


def test_media_never_serves_dotfiles(media) -> None:
    (media / ".env").write_text("SECRET=1")
    (media / "avatars" / ".git").mkdir()
    (media / "avatars" / ".git" / "config").write_text("SECRET=2")
    with override_settings(MEDIA_URL="/media/", MEDIA_ROOT=str(media)):
        client = TestClient(_api())
        for path in ("/media/.env", "/media/avatars/.git/config"):
            answer = client.get(path)
            assert answer.status_code == 404
            assert b"SECRET" not in answer.content
            assert answer.headers["x-content-type-options"] == "nosniff"
