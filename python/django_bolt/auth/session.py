"""Session authentication with Django's session framework, run in Python for the routes that
use it: the session cookie names a session, the session names a user, and unsafe methods pass
Django's CSRF check."""

from __future__ import annotations

from typing import Any


def _django_request(request: Any) -> Any:
    """A ``django.http.HttpRequest`` carrying what Django's session and CSRF code read."""
    from django.http import HttpRequest

    dj = HttpRequest()
    dj.method = request.method
    dj.path = dj.path_info = request.path
    dj.COOKIES = dict(request.cookies)
    headers = request.headers
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        dj.META[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    host = headers.get("host", "localhost")
    dj.META["SERVER_NAME"], _, port = host.partition(":")
    dj.META["SERVER_PORT"] = port or ("443" if request.scheme == "https" else "80")
    dj.META["wsgi.url_scheme"] = request.scheme
    dj._dont_enforce_csrf_checks = False
    return dj


def csrf_failure(request: Any) -> str | None:
    """Django's CSRF verdict for an unsafe request: ``None`` when it passes, else the reason."""
    from django.middleware.csrf import CsrfViewMiddleware

    dj = _django_request(request)
    dj.is_secure = lambda: request.scheme == "https"  # type: ignore[method-assign]

    def view(*args: Any, **kwargs: Any) -> None:
        return None

    result = CsrfViewMiddleware(lambda r: None).process_view(dj, view, (), {})
    if result is None:
        return None
    return "CSRF verification failed"


def session_user(request: Any) -> Any:
    """The logged-in user of the request's session, or ``None``."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user

    key = request.cookies.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    dj = _django_request(request)
    dj.session = engine.SessionStore(key)
    user = get_user(dj)
    return user if user.is_authenticated else None


def user_claims(user: Any) -> dict[str, Any]:
    """The claims ``Requires`` sees for a user found in Python (session, custom backend), shaped
    like a token's. Users that are not Django users get what they have."""
    pk = getattr(user, "pk", getattr(user, "id", None))
    get_username = getattr(user, "get_username", None)
    get_permissions = getattr(user, "get_all_permissions", None)
    return {
        "sub": None if pk is None else str(pk),
        "username": get_username() if callable(get_username) else getattr(user, "username", None),
        "is_staff": bool(getattr(user, "is_staff", False)),
        "is_superuser": bool(getattr(user, "is_superuser", False)),
        "is_active": bool(getattr(user, "is_active", True)),
        "permissions": sorted(get_permissions()) if callable(get_permissions) else [],
    }


__all__ = ["session_user", "csrf_failure", "user_claims"]
