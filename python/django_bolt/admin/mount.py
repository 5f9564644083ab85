"""Serving Django's admin from a ``BoltAPI`` without the rest of ``ROOT_URLCONF``.

runbolt serves the whole URLconf (``mounts.serve_project_urls``); code written for the release
calls ``api._register_admin_routes()`` to get only the admin, which lands here."""

from __future__ import annotations

from typing import Any

from .admin_detection import detect_admin_url_prefix, should_enable_admin


def admin_mount_prefix() -> str | None:
    """``"/admin"`` (the prefix ``ROOT_URLCONF`` routes the admin under) when the admin can be
    served, else None."""
    if not should_enable_admin():
        return None
    prefix = detect_admin_url_prefix()
    return f"/{prefix}" if prefix else None


def serves_admin(api: Any) -> bool:
    """A Django mount of ``api`` answers the admin's paths (the admin's own, or the whole
    URLconf at ``/``)."""
    from ..mounts import LazyDjango

    prefix = admin_mount_prefix()
    if prefix is None:
        return False
    return any(isinstance(m.app, LazyDjango) and m.prefix in ("/", prefix) for m in api.asgi_mounts)


def mount_admin(api: Any) -> bool:
    """Mounts Django's request handling at the admin's prefix (its URL patterns include the
    prefix, hence ``clear_root_path``); False when the admin cannot be served. Nothing is added
    when a Django mount already answers the admin's paths."""
    prefix = admin_mount_prefix()
    if prefix is None:
        return False
    if not serves_admin(api):
        api.mount_django(prefix, clear_root_path=True)
    return True
