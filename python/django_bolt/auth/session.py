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
    """Why an unsafe request may come from another site (``None`` when it does not): it passes
    with a valid Django CSRF token (cookie plus ``X-CSRFToken`` or form field), else with the
    browser's ``Sec-Fetch-Site`` (``same-origin``, or ``none`` for a typed URL), else with an
    ``Origin`` (or ``Referer``) of this server, as token cookies do (``csrf_passes`` in Rust)."""
    if _django_token_passes(request):
        return None
    headers = request.headers
    site = headers.get("sec-fetch-site")
    if site is not None:
        if site.strip().lower() in ("same-origin", "none"):
            return None
        return "CSRF verification failed: cross-site request"
    if _from_this_server(request, headers):
        return None
    return "CSRF verification failed: no CSRF token, Sec-Fetch-Site or Origin of this site"


def _django_token_passes(request: Any) -> bool:
    from django.middleware.csrf import CsrfViewMiddleware

    dj = _django_request(request)
    dj.is_secure = lambda: request.scheme == "https"  # type: ignore[method-assign]

    def view(*args: Any, **kwargs: Any) -> None:
        return None

    return CsrfViewMiddleware(lambda r: None).process_view(dj, view, (), {}) is None


def _from_this_server(request: Any, headers: Any) -> bool:
    """``Origin`` (else ``Referer``) names this server: the ``Host`` with the request's scheme
    or the one a proxy gives in ``X-Forwarded-Proto`` (a cross-site page can set neither)."""
    host = (headers.get("host") or "").strip().lower()
    if not host:
        return False
    schemes = {request.scheme.lower()}
    forwarded = (headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
    if forwarded:
        schemes.add(forwarded)
    own = {f"{scheme}://{host}" for scheme in schemes}
    origin = headers.get("origin")
    if origin is not None:
        return origin.strip().lower() in own
    referer = (headers.get("referer") or "").strip().lower()
    return any(referer == o or referer.startswith((o + "/", o + "?")) for o in own)


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


#: The claims ``user_claims`` gives a session user; a ``none_of`` guard on another claim would
#: let every session user in.
SESSION_CLAIMS = frozenset({"sub", "username", "is_staff", "is_superuser", "is_active", "permissions"})

_SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


def session_middleware(specs: Any, route: str) -> list[Any]:
    """The Django middleware a ``SessionAuthentication`` route needs and ``specs`` (its
    middleware) lacks: ``[]`` when it runs Django's session and authentication middleware, one
    stack of both when it runs neither (so ``alogin``/``request.session`` work as in a Django
    view); refused when it runs only one of them (a second stack would load the session twice)."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.core.exceptions import ImproperlyConfigured

    from ..middleware.compile import DjangoMiddlewareSetting
    from ..middleware.django_adapter import DjangoMiddlewareStack

    classes: list[type] = []
    for entry in specs:
        stacks = entry.resolve() if isinstance(entry, DjangoMiddlewareSetting) else [entry]
        for stack in stacks:
            classes.extend(c for c in getattr(stack, "middleware_classes", ()) if isinstance(c, type))
    has_session = any(issubclass(c, SessionMiddleware) for c in classes)
    has_auth = any(issubclass(c, AuthenticationMiddleware) for c in classes)
    if has_session and has_auth:
        return []
    if has_session or has_auth:
        missing = "AuthenticationMiddleware" if has_session else "SessionMiddleware"
        raise ImproperlyConfigured(
            f"{route}: SessionAuthentication needs Django's SessionMiddleware and AuthenticationMiddleware "
            f"together; the API's django_middleware has one without {missing}. Add {missing}, or remove "
            "both and the route adds them itself"
        )
    return [DjangoMiddlewareStack([_SESSION_MIDDLEWARE, _AUTH_MIDDLEWARE])]


def with_session_middleware(configured: tuple[Any, ...], where: str) -> tuple[Any, ...]:
    """The middleware of a ``SessionAuthentication`` route: ``configured`` after what
    ``session_middleware`` adds."""
    return (*session_middleware(configured, where), *configured)


def check_declared_session_route(auth: Any, middleware: tuple[Any, ...], where: str) -> None:
    """When a route is declared with ``SessionAuthentication`` in ``auth=``: the API's Django
    middleware must not have only one of the session and authentication middleware (checked
    again, with the default backends too, when the route is compiled)."""
    from django.conf import settings

    from .backends import SessionAuthentication

    entries = auth if isinstance(auth, (list, tuple)) else [auth]
    if settings.configured and any(isinstance(b, SessionAuthentication) for b in entries):
        with_session_middleware(middleware, where)


__all__ = [
    "session_user",
    "csrf_failure",
    "user_claims",
    "session_middleware",
    "with_session_middleware",
    "SESSION_CLAIMS",
]
