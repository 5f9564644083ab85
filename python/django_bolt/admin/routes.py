"""``AdminRouteRegistrar``: serving Django's admin from a ``BoltAPI`` without the rest of
``ROOT_URLCONF``.

runbolt serves the whole URLconf (``mounts.serve_project_urls``); code written for the release
calls ``api._register_admin_routes()`` to get only the admin, which lands here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .admin_detection import detect_admin_url_prefix, should_enable_admin

if TYPE_CHECKING:
    from ..api import BoltAPI


class AdminRouteRegistrar:
    """Mounts Django's request handling at the admin's URL prefix of ``api``."""

    def __init__(self, api: BoltAPI) -> None:
        self.api = api

    @staticmethod
    def mount_prefix() -> str | None:
        """``"/admin"`` (the prefix ``ROOT_URLCONF`` routes the admin under) when the admin can be
        served, else None."""
        if not should_enable_admin():
            return None
        prefix = detect_admin_url_prefix()
        return f"/{prefix.strip('/')}" if prefix else None

    @property
    def registered(self) -> bool:
        """A Django mount of the API answers the admin's paths (the admin's own, or the whole
        URLconf at ``/``)."""
        from ..mounts import LazyDjango

        prefix = self.mount_prefix()
        if prefix is None:
            return False
        return any(isinstance(m.app, LazyDjango) and m.prefix in ("/", prefix) for m in self.api.asgi_mounts)

    def register_routes(self, host: str = "localhost", port: int = 8000) -> None:
        """Mounts Django at the admin's prefix (its URL patterns include the prefix, hence
        ``clear_root_path``). Nothing when the admin cannot be served (not installed, no session
        middleware, not in ``ROOT_URLCONF``) or a Django mount already answers its paths.
        ``host`` and ``port`` are not used (as in the release)."""
        del host, port
        prefix = self.mount_prefix()
        if prefix is not None and not self.registered:
            self.api.mount_django(prefix, clear_root_path=True)


__all__ = ["AdminRouteRegistrar", "detect_admin_url_prefix", "should_enable_admin"]
