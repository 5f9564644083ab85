"""Health checks: ``register_health_checks(api)`` adds ``/health`` and ``/ready``.

``/health`` (liveness) is a static route served entirely in Rust. ``/ready`` runs the checks:
the default database connection plus every function given to ``add_health_check``; any failure
answers 503 with the failing check's message.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from .responses import JSON

HealthCheck = Callable[[], Any | Awaitable[Any]]

_checks: list[HealthCheck] = []


def add_health_check(check: HealthCheck) -> HealthCheck:
    """Registers a readiness check (sync or async); it fails by raising or returning False."""
    _checks.append(check)
    return check


def _database() -> bool:
    from django.db import connection

    from . import _core

    # A failure here is answered (503), not raised: the server must still check the connection
    # after this request (django_bolt.db), or a connection that broke before any query would stay.
    _core.database_touched()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True


def register_health_checks(api: Any, *, health_path: str = "/health", ready_path: str = "/ready") -> None:
    api.static(health_path, {"status": "ok"})

    @api.get(ready_path)
    def ready() -> JSON:
        results: dict[str, str] = {}
        healthy = True
        for check in [_database, *_checks]:
            name = getattr(check, "__name__", repr(check)).lstrip("_")
            try:
                outcome = check()
                if inspect.isawaitable(outcome):
                    from asgiref.sync import async_to_sync

                    async def wait(awaitable: Any = outcome) -> Any:
                        return await awaitable

                    outcome = async_to_sync(wait)()
                ok = outcome is not False
                results[name] = "ok" if ok else "failed"
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                ok = False
                results[name] = f"failed: {type(exc).__name__}: {exc}"
            healthy = healthy and ok
        return JSON({"status": "ok" if healthy else "unavailable", "checks": results}, 200 if healthy else 503)
