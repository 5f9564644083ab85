"""Headers the settings add to static and media answers: ``Cache-Control`` from
``BOLT_STATIC_MAX_AGE`` (public) and ``BOLT_MEDIA_MAX_AGE`` (private), and the
``Content-Security-Policy`` built from ``SECURE_CSP`` with Django's rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django_bolt import BoltAPI
from django_bolt.testing import TestClient


@pytest.fixture
def roots(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body { color: red }\n")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "me.txt").write_text("an upload\n")
    return tmp_path


def _files(roots, **extra):
    return override_settings(
        STATIC_URL="/static/",
        STATIC_ROOT=str(roots / "static"),
        MEDIA_URL="/media/",
        MEDIA_ROOT=str(roots / "media"),
        **extra,
    )


def test_max_age_settings_give_cache_control_on_files_only(roots) -> None:
    with _files(roots, BOLT_STATIC_MAX_AGE=31536000, BOLT_MEDIA_MAX_AGE=60):
        client = TestClient(BoltAPI())
        css = client.get("/static/site.css")
        assert css.status_code == 200
        assert css.headers["cache-control"] == "public, max-age=31536000"
        # Uploads may be one user's: shared caches must not keep them.
        upload = client.get("/media/me.txt")
        assert upload.headers["cache-control"] == "private, max-age=60"
        # A revalidation and a range keep the freshness; a miss must not be cached (the file
        # may be uploaded next), but keeps nosniff.
        again = client.get("/media/me.txt", headers={"If-None-Match": upload.headers["etag"]})
        assert (again.status_code, again.headers["cache-control"]) == (304, "private, max-age=60")
        part = client.get("/static/site.css", headers={"Range": "bytes=0-3"})
        assert (part.status_code, part.headers["cache-control"]) == (206, "public, max-age=31536000")
        for path in ("/media/missing.txt", "/media/%2e%2e/secret", "/static/.env"):
            miss = client.get(path)
            assert miss.status_code == 404, path
            assert "cache-control" not in miss.headers, path
            assert miss.headers.get_list("x-content-type-options") == ["nosniff"], path


def test_no_cache_control_without_the_settings(roots) -> None:
    with _files(roots):
        client = TestClient(BoltAPI())
        assert "cache-control" not in client.get("/static/site.css").headers
        assert "cache-control" not in client.get("/media/me.txt").headers


def test_content_security_policy_follows_djangos_rules(roots) -> None:
    policy = {
        "default-src": ["'self'"],
        "img-src": {"data:", "'self'"},  # a set is sorted
        "script-src": "'self'",  # one string is one source
        "style-src": ["'self'", "<CSP_NONCE_SENTINEL>"],  # a file has no nonce
        "font-src": ["<CSP_NONCE_SENTINEL>"],  # nothing left: left out
        "object-src": None,
        "frame-src": False,
        "child-src": [],
        "upgrade-insecure-requests": True,
    }
    with _files(roots, SECURE_CSP=policy, SECURE_CSP_REPORT_ONLY={"default-src": ["'none'"]}):
        client = TestClient(BoltAPI())
        for path in ("/static/site.css", "/media/me.txt", "/media/.hidden", "/media/missing.txt"):
            answer = client.get(path)
            assert answer.headers["content-security-policy"] == (
                "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
                "upgrade-insecure-requests"
            ), path
            assert answer.headers["content-security-policy-report-only"] == "default-src 'none'"


@pytest.mark.parametrize("policy", [None, {}, {"default-src": None}])
def test_no_policy_no_header(roots, policy) -> None:
    with _files(roots, SECURE_CSP=policy):
        answer = TestClient(BoltAPI()).get("/static/site.css")
        assert answer.status_code == 200
        assert "content-security-policy" not in answer.headers


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("default-src 'self'", "SECURE_CSP must be a dict, got str"),
        ({"default-src": ["'self'", 1]}, "SECURE_CSP is not valid: "),
        ({"default-src": ["'self'\r\nSet-Cookie: a=1"]}, "SECURE_CSP gives a value that is not valid in an HTTP"),
    ],
)
def test_a_policy_that_cannot_be_sent_stops_startup(roots, policy, message) -> None:
    with _files(roots, SECURE_CSP=policy), pytest.raises(ImproperlyConfigured, match=message):
        TestClient(BoltAPI())


def test_test_client_static_config_replaces_the_settings(roots) -> None:
    config = {"url_prefix": "/assets", "directories": [str(roots / "static")], "csp_header": "default-src 'self'"}
    with _files(roots, BOLT_STATIC_MAX_AGE=60, SECURE_CSP={"default-src": ["'none'"]}):
        answer = TestClient(BoltAPI(), static_files_config=config).get("/assets/site.css")
    assert answer.status_code == 200
    assert "cache-control" not in answer.headers
    assert answer.headers["content-security-policy"] == "default-src 'self'"
    with pytest.raises(TypeError, match="cache_control"):
        TestClient(BoltAPI(), static_files_config={**config, "cache_control": "public, max-age=1"})
