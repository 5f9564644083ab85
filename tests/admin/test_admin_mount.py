"""``api._register_admin_routes()``: the release's way to serve Django's admin from an API, a
Django mount at the admin's URL prefix."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from django_bolt import BoltAPI

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"


def _admin_page(request):
    return HttpResponse(f"admin page at {request.path}")


def _other_page(request):
    return HttpResponse("not the admin")


class _Conf:
    urlpatterns = [
        path("manage/", include(([path("", _admin_page), path("login/", _admin_page)], "admin"))),
        path("other/", _other_page),
    ]


def test_register_admin_routes_mounts_django_at_the_admin_prefix(monkeypatch, client_for):
    monkeypatch.setattr(settings, "INSTALLED_APPS", [*settings.INSTALLED_APPS, "django.contrib.admin"])
    monkeypatch.setattr(settings, "MIDDLEWARE", [SESSION_MIDDLEWARE])
    api = BoltAPI()

    @api.get("/api/ping")
    async def ping():
        return {"ok": True}

    with override_settings(ROOT_URLCONF=_Conf, ALLOWED_HOSTS=["*"]):
        assert api._admin_routes_registered is False
        api._register_admin_routes("127.0.0.1", 8000)
        api._register_admin_routes()  # once is enough: no second mount
        assert api._admin_routes_registered is True
        assert [(m.prefix, m.clear_root_path) for m in api.asgi_mounts] == [("/manage", True)]
        client = client_for(api)
        login = client.get("/manage/login/")
        assert (login.status_code, login.text) == (200, "admin page at /manage/login/")
        assert client.get("/api/ping").json() == {"ok": True}
        # Only the admin is served: the rest of the URLconf is not.
        assert client.get("/other/").status_code == 404


def test_register_admin_routes_does_nothing_without_a_usable_admin(monkeypatch):
    api = BoltAPI()
    api._register_admin_routes()  # the admin app is not installed in the test settings
    assert api.asgi_mounts == [] and api._admin_routes_registered is False
    monkeypatch.setattr(settings, "INSTALLED_APPS", [*settings.INSTALLED_APPS, "django.contrib.admin"])
    monkeypatch.setattr(settings, "MIDDLEWARE", [])  # the admin needs a session middleware
    api._register_admin_routes()
    assert api.asgi_mounts == []


def test_admin_route_registrar_is_what_register_admin_routes_runs(monkeypatch):
    from django_bolt.admin.routes import AdminRouteRegistrar

    monkeypatch.setattr(settings, "INSTALLED_APPS", [*settings.INSTALLED_APPS, "django.contrib.admin"])
    monkeypatch.setattr(settings, "MIDDLEWARE", [SESSION_MIDDLEWARE])
    api = BoltAPI()
    with override_settings(ROOT_URLCONF=_Conf):
        registrar = AdminRouteRegistrar(api)
        assert (registrar.mount_prefix(), registrar.registered) == ("/manage", False)
        registrar.register_routes()
        assert registrar.registered and api._admin_routes_registered
        assert [m.prefix for m in api.asgi_mounts] == ["/manage"]
    # No session middleware: the admin cannot log anyone in, so it is not mounted.
    monkeypatch.setattr(settings, "MIDDLEWARE", [])
    other = BoltAPI()
    with override_settings(ROOT_URLCONF=_Conf):
        AdminRouteRegistrar(other).register_routes()
    assert other.asgi_mounts == []
