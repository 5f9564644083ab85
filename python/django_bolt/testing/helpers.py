"""``create_test_client(api)``: a ``TestClient`` with the release's defaults for a helper."""

from __future__ import annotations

from typing import Any

from .. import _core
from ..api import BoltAPI
from .client import TestClient


def _setup_django() -> None:
    """Loads the installed apps when a settings module is configured but ``django.setup()`` has
    not run yet (a script or a test runner without pytest-django): handlers can then use models
    and ``request.user``. Without settings the client runs on the defaults, as it does anyway."""
    from django.apps import apps  # noqa: PLC0415 - only when asked
    from django.conf import settings  # noqa: PLC0415

    if settings.configured and not apps.ready:
        import django  # noqa: PLC0415

        django.setup()


def create_test_client(
    api: BoltAPI | _core.App,
    base_url: str = "http://testserver",
    raise_server_exceptions: bool = True,
    bootstrap_django: bool = True,
    **kwargs: Any,
) -> TestClient:
    """A ``TestClient`` for ``api``; unlike the class, a handler's exception is raised in the test
    by default. ``bootstrap_django``: run ``django.setup()`` first when the settings are
    configured but the apps are not loaded. Other keywords go to ``TestClient`` (and httpx).

    ::

        with create_test_client(api) as client:
            assert client.get("/users/1").json() == {"id": 1}
    """
    if bootstrap_django:
        _setup_django()
    return TestClient(api, base_url=base_url, raise_server_exceptions=raise_server_exceptions, **kwargs)


__all__ = ["create_test_client"]
