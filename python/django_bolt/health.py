"""Health checks: ``register_health_checks(api)`` adds ``/health`` and ``/ready``.

``/health`` (liveness) is a static route served entirely in Rust. ``/ready`` checks the database
on the blocking thread that runs it, then every check given to ``add_health_check``
(concurrently), and answers the release's
report ``{"status": "healthy" | "unhealthy", "checks": {name: {"healthy": ..., "message": ...}}}``
with 200, or 503 when a check fails (the release answers 200 either way: a load balancer reads
the status code).

A check is a function, sync or async, that returns ``(healthy, message)`` as in the release, or
anything else: ``False`` fails, other values pass. A check that raises fails with its error.
Sync checks run on the blocking pool of ``django_bolt.concurrency`` (they may query the ORM).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from .concurrency import run_in_orm_executor, sync_to_thread
from .responses import JSON

Check = Callable[[], Any | Awaitable[Any]]


def _verdict(outcome: Any) -> tuple[bool, str]:
    """A check's result as ``(healthy, message)``."""
    if isinstance(outcome, tuple) and len(outcome) == 2:
        return bool(outcome[0]), str(outcome[1])
    if outcome is False:
        return False, "failed"
    return True, "ok"


async def _run(check: Check) -> tuple[bool, str]:
    try:
        if inspect.iscoroutinefunction(check):
            outcome = await check()
        else:
            outcome = await sync_to_thread(check)
            if inspect.isawaitable(outcome):
                outcome = await outcome
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return False, f"Check failed: {type(exc).__name__}: {exc}"
    return _verdict(outcome)


def _name(check: Check) -> str:
    return getattr(check, "__name__", repr(check))


class HealthCheck:
    """A list of readiness checks run together."""

    def __init__(self) -> None:
        self._checks: list[Check] = []

    def add_check(self, check_func: Check) -> None:
        self._checks.append(check_func)

    async def run_checks(self, *, first: tuple[Check, ...] = ()) -> dict[str, Any]:
        """Runs ``first`` and the added checks concurrently; the report of all of them."""
        checks = [*first, *self._checks]
        verdicts = await asyncio.gather(*(_run(check) for check in checks))
        results = {
            _name(c): {"healthy": ok, "message": message} for c, (ok, message) in zip(checks, verdicts, strict=True)
        }
        healthy = all(ok for ok, _ in verdicts)
        return {"status": "healthy" if healthy else "unhealthy", "checks": results}


#: The checks ``add_health_check`` registers, which ``/ready`` runs.
_health_check = HealthCheck()


def add_health_check(check_func: Check) -> Check:
    """Registers a readiness check (sync or async); returned, so that it works as a decorator."""
    _health_check.add_check(check_func)
    return check_func


def _query_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _database_on_this_thread() -> tuple[bool, str]:
    """``check_database`` for ``/ready``, on the server's blocking thread that runs it."""
    from . import _core

    # A failure here is answered (503), not raised: the server must still check the connection
    # after this request (django_bolt.db), or a connection that broke before any query would stay.
    _core.database_touched()
    try:
        _query_database()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return False, f"Database error: {exc}"
    return True, "Database connection OK"


async def check_database() -> tuple[bool, str]:
    """The default database answers a query: ``(True, "Database connection OK")``, else
    ``(False, "Database error: ...")``. It runs on the ORM pool as a request of its own, so a
    connection that broke is dropped afterwards and the next check connects again."""
    try:
        await run_in_orm_executor(_query_database)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return False, f"Database error: {exc}"
    return True, "Database connection OK"


async def health_handler() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def ready_handler() -> dict[str, Any]:
    """Readiness: the database check and the registered checks, as a report."""
    return await _health_check.run_checks(first=(check_database,))


def register_health_checks(api: Any, *, health_path: str = "/health", ready_path: str = "/ready") -> None:
    api.static(health_path, {"status": "ok"})

    @api.get(ready_path)
    def ready() -> JSON:
        # A sync route: the database is checked on this blocking thread, whose connection the
        # server then checks as after any request; the registered checks run concurrently.
        healthy, message = _database_on_this_thread()
        report = {"status": "healthy", "checks": {"check_database": {"healthy": healthy, "message": message}}}
        if _health_check._checks:
            from asgiref.sync import async_to_sync

            registered = async_to_sync(_health_check.run_checks)()
            report["checks"].update(registered["checks"])
            healthy = healthy and registered["status"] == "healthy"
        report["status"] = "healthy" if healthy else "unhealthy"
        return JSON(report, 200 if healthy else 503)


__all__ = [
    "HealthCheck",
    "add_health_check",
    "check_database",
    "health_handler",
    "ready_handler",
    "register_health_checks",
]
