"""Is Django's admin installed and usable, and under which URL prefix is it routed."""

from __future__ import annotations

from typing import Any

from django.conf import settings

_ADMIN_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
#: Apps the admin cannot work without (sessions may be replaced: only its middleware is needed).
_ADMIN_NEEDS = ("django.contrib.auth", "django.contrib.contenttypes")


def is_admin_installed() -> bool:
    """``django.contrib.admin`` is in ``INSTALLED_APPS``."""
    return settings.configured and "django.contrib.admin" in settings.INSTALLED_APPS


def _has_session_middleware() -> bool:
    """A ``SessionMiddleware`` (or a subclass: django-qsessions) is in ``MIDDLEWARE``, as Django's
    admin check ``admin.E410`` asks."""
    from django.contrib.sessions.middleware import SessionMiddleware  # noqa: PLC0415
    from django.utils.module_loading import import_string  # noqa: PLC0415

    for dotted in getattr(settings, "MIDDLEWARE", None) or ():
        try:
            middleware = import_string(dotted)
        except ImportError:
            continue  # Django reports an unimportable middleware itself
        if isinstance(middleware, type) and issubclass(middleware, SessionMiddleware):
            return True
    return False


def should_enable_admin() -> bool:
    """The admin is installed, with the apps and the session middleware it needs."""
    if not is_admin_installed():
        return False
    if any(app not in settings.INSTALLED_APPS for app in _ADMIN_NEEDS):
        return False
    return _has_session_middleware()


def _admin_prefix(patterns: Any, prefix: str) -> str | None:
    for entry in patterns:
        if getattr(entry, "app_name", None) == "admin":
            return prefix + str(entry.pattern)
        children = getattr(entry, "url_patterns", None) if hasattr(entry, "urlconf_name") else None
        if children is not None:
            found = _admin_prefix(children, prefix + str(entry.pattern))
            if found is not None:
                return found
    return None


def detect_admin_url_prefix() -> str | None:
    """The path under which ``ROOT_URLCONF`` includes ``admin.site.urls`` (``"admin"``), or None
    when the admin is not installed or not routed."""
    if not is_admin_installed():
        return None
    from django.urls import get_resolver  # noqa: PLC0415

    found = _admin_prefix(get_resolver().url_patterns, "")
    if found is None:
        return None
    return found.strip("^$/") or None


def get_admin_route_patterns() -> list[tuple[str, list[str]]]:
    """``[("/admin", methods), ("/admin/", methods), ("/admin/{path:path}", methods)]``: the paths
    the admin answers; empty when it is not installed or not routed."""
    prefix = detect_admin_url_prefix()
    if prefix is None:
        return []
    return [
        (f"/{prefix}", list(_ADMIN_METHODS)),
        (f"/{prefix}/", list(_ADMIN_METHODS)),
        (f"/{prefix}/{{path:path}}", list(_ADMIN_METHODS)),
    ]


def get_static_url_prefix() -> str | None:
    """``STATIC_URL`` without its slashes (``"/static/"`` -> ``"static"``), or None when it is
    not set (or settings are not configured)."""
    static_url = getattr(settings, "STATIC_URL", None) if settings.configured else None
    return static_url.strip("/") if static_url else None


def get_admin_info() -> dict[str, Any]:
    """What is known of the admin: installed, enabled, URL prefix and ``STATIC_URL`` prefix."""
    return {
        "installed": is_admin_installed(),
        "enabled": should_enable_admin(),
        "url_prefix": detect_admin_url_prefix(),
        "static_url": get_static_url_prefix(),
    }


__all__ = [
    "detect_admin_url_prefix",
    "get_admin_info",
    "get_admin_route_patterns",
    "get_static_url_prefix",
    "is_admin_installed",
    "should_enable_admin",
]
