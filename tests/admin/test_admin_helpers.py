"""``django_bolt.admin``: the release's helpers that tell whether Django's admin is usable and
where it is routed, and ``find_static_file`` (Django's staticfiles finders)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from django_bolt.admin import (
    detect_admin_url_prefix,
    find_static_file,
    get_admin_info,
    get_admin_route_patterns,
    is_admin_installed,
    should_enable_admin,
)

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"


class SubclassedSessionMiddleware:  # stands in for django-qsessions' middleware
    pass


def _view(request):
    return HttpResponse("admin")


class _Conf:
    def __init__(self, urlpatterns: list) -> None:
        self.urlpatterns = urlpatterns


def _with_admin(monkeypatch, middleware: list[str]) -> None:
    monkeypatch.setattr(settings, "INSTALLED_APPS", [*settings.INSTALLED_APPS, "django.contrib.admin"])
    monkeypatch.setattr(settings, "MIDDLEWARE", middleware)


def test_admin_is_enabled_only_with_a_session_middleware(monkeypatch):
    assert is_admin_installed() is False
    assert should_enable_admin() is False
    _with_admin(monkeypatch, [SESSION_MIDDLEWARE])
    assert is_admin_installed() is True
    assert should_enable_admin() is True
    monkeypatch.setattr(settings, "MIDDLEWARE", ["django.middleware.common.CommonMiddleware"])
    assert should_enable_admin() is False


def test_a_subclass_of_the_session_middleware_counts(monkeypatch):
    from django.contrib.sessions.middleware import SessionMiddleware

    global SubclassedSessionMiddleware
    original = SubclassedSessionMiddleware
    SubclassedSessionMiddleware = type("SubclassedSessionMiddleware", (SessionMiddleware,), {})
    try:
        _with_admin(monkeypatch, [f"{__name__}.SubclassedSessionMiddleware", "no.such.Middleware"])
        assert should_enable_admin() is True
    finally:
        SubclassedSessionMiddleware = original


def test_admin_prefix_is_read_from_the_urlconf(monkeypatch):
    admin_patterns = ([path("", _view)], "admin")
    conf = _Conf([path("api/", _view), path("backoffice/manage/", include(admin_patterns))])
    _with_admin(monkeypatch, [SESSION_MIDDLEWARE])
    with override_settings(ROOT_URLCONF=conf):
        assert detect_admin_url_prefix() == "backoffice/manage"
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        assert get_admin_route_patterns() == [
            ("/backoffice/manage", methods),
            ("/backoffice/manage/", methods),
            ("/backoffice/manage/{path:path}", methods),
        ]
        info = get_admin_info()
        assert info["installed"] is True and info["enabled"] is True
        assert info["url_prefix"] == "backoffice/manage"
    with override_settings(ROOT_URLCONF=_Conf([path("api/", _view)])):
        assert detect_admin_url_prefix() is None
        assert get_admin_route_patterns() == []


def test_find_static_file_asks_the_finders_only(tmp_path, settings):
    (tmp_path / "site.css").write_text("body {}")
    settings.STATICFILES_DIRS = [str(tmp_path)]
    settings.STATIC_ROOT = None
    found = find_static_file("site.css")
    assert found is not None and found.endswith("site.css")
    assert find_static_file("missing.css") is None
    assert find_static_file("site.css\x00.txt") is None
    with pytest.raises(SuspiciousFileOperation):
        find_static_file("../etc/passwd")
    settings.STATICFILES_DIRS = []
    settings.STATIC_ROOT = str(tmp_path)  # collected files are served by Rust, not found here
    assert find_static_file("site.css") is None


def test_static_url_prefix_is_static_url_without_slashes(settings):
    from django_bolt.admin.admin_detection import get_static_url_prefix

    settings.STATIC_URL = "/assets/v2/"
    assert get_static_url_prefix() == "assets/v2"
    assert get_admin_info()["static_url"] == "assets/v2"
    settings.STATIC_URL = None
    assert get_static_url_prefix() is None
