"""runbolt serves the project's ROOT_URLCONF for paths no bolt route matches: the Django admin
works end to end over a real socket (log in, list a model, change and save a row), with its
static files; bolt routes keep winning; ``--no-admin`` turns the URLconf off."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.django_site.fixtures import ADMIN_PASSWORD


def _csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def _log_in(client: httpx.Client) -> None:
    page = client.get("/admin/login/", params={"next": "/admin/"})
    assert page.status_code == 200
    assert "csrftoken" in client.cookies
    answer = client.post(
        "/admin/login/?next=/admin/",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": _csrf_token(page.text)},
    )
    assert answer.status_code == 302, answer.text[:500]
    assert answer.headers["location"] == "/admin/"
    assert "sessionid" in client.cookies


def test_admin_log_in_list_and_save_a_change(site) -> None:
    with site.client() as client:
        anonymous = client.get("/admin/")
        assert anonymous.status_code == 302
        assert anonymous.headers["location"].startswith("/admin/login/")

        _log_in(client)
        index = client.get("/admin/")
        assert index.status_code == 200
        assert "Site administration" in index.text

        listing = client.get("/admin/testapp/article/")
        assert listing.status_code == 200
        assert "First article" in listing.text and "Second article" in listing.text
        first_id = re.search(r'href="/admin/testapp/article/(\d+)/change/[^"]*">First article', listing.text).group(1)

        change_url = f"/admin/testapp/article/{first_id}/change/"
        form = client.get(change_url)
        assert form.status_code == 200
        saved = client.post(
            change_url,
            data={
                "csrfmiddlewaretoken": _csrf_token(form.text),
                "title": "First article, edited over bolt",
                "body": "saved through the admin",
                "published": "on",
                "_save": "Save",
            },
        )
        assert saved.status_code == 302, saved.text[:2000]
        assert saved.headers["location"] == "/admin/testapp/article/"

        # The message framework's cookie/session carried the success message to the next page.
        after = client.get("/admin/testapp/article/")
        assert "First article, edited over bolt" in after.text
        assert "was changed successfully" in after.text
        again = client.get(change_url)
        assert 'value="First article, edited over bolt"' in again.text
        assert "saved through the admin" in again.text


def test_admin_refuses_a_post_without_csrf_token(site) -> None:
    with site.client() as client:
        refused = client.post("/admin/login/", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert refused.status_code == 403
        assert "CSRF" in refused.text


def test_admin_static_files_are_served(site) -> None:
    with site.client() as client:
        css = client.get("/static/admin/css/base.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert b"body" in css.content


def test_bolt_routes_win_and_other_paths_stay_json_404(site) -> None:
    with site.client() as client:
        assert client.get("/hello").json() == {"hello": "bolt", "started": True}
        assert client.get("/page/bolt").json() == {"served_by": "bolt"}
        page = client.get("/page/")
        assert page.status_code == 200
        assert page.text == "django view for AnonymousUser"
        # CommonMiddleware's APPEND_SLASH redirect for a path the URLconf has with a slash.
        assert client.get("/page").headers.get("location") == "/page/"
        missing = client.get("/nowhere/at/all")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "Not Found"}


def test_mounted_asgi_app_over_the_socket(site) -> None:
    with site.client() as client:
        answer = client.post("/tiny/echo", content=b"payload")
        assert answer.status_code == 200
        assert answer.text == "POST /tiny /tiny/echo payload"


def test_media_files_are_served_by_rust(site) -> None:
    with site.client() as client:
        note = client.get("/media/uploads/note.txt")
        assert note.status_code == 200
        assert note.content == b"uploaded by a user\n"
        assert "etag" in note.headers
        assert client.get("/media/uploads/missing.txt").status_code == 404
        assert client.get("/media/../settings.py").status_code == 404


@pytest.mark.timeout(90)
def test_no_admin_turns_the_urlconf_off(start_site) -> None:
    server = start_site("--no-admin")
    with server.client() as client:
        assert client.get("/hello").status_code == 200
        refused = client.get("/admin/login/")
        assert refused.status_code == 404
        assert refused.json() == {"detail": "Not Found"}
        # Explicit mounts stay: --no-admin only drops the ROOT_URLCONF fallback.
        assert client.post("/tiny/x", content=b"").status_code == 200
