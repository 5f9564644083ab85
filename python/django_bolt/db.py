"""Django's database connection lifecycle under the Bolt server.

Django's own servers call ``close_old_connections`` when a request starts and ends: a connection
past ``CONN_MAX_AGE``, one that saw an error and no longer answers, or one whose autocommit a
handler left changed is closed, so the next request opens a fresh one. Here the same happens
after each request that used the database, on the thread that used it:

* sync handlers run on the server's blocking threads. Each connection such a thread opens gets an
  execute wrapper that flags the thread (a Rust thread-local) on every query; after the handler
  the server reads the flag and, only when set, calls ``request_finished`` on that thread. A route
  that never queries pays one thread-local read.
* async handlers reach the ORM through asgiref's single ORM thread (``sync_to_async``); its
  connections flag a process-wide bit and the server queues ``request_finished`` on that thread
  after the async request.
* the user-loader threads (``request.auser()``) run it after each load.
* the lane of an async request with Django middleware (``lanes.py``) does the sync work of that
  request only; its connections flag the lane, which runs ``request_finished`` when the request
  ends, and closes them when it stops.

``request_finished`` also rolls back a transaction a handler left open (``atomic().__enter__()``
without exit, ``set_autocommit(False)``): the connection is closed rather than handed to the next
request in an unknown state. With ``CONN_HEALTH_CHECKS`` the next request's first query checks
the connection first, as under Django. psycopg's pool (``OPTIONS["pool"]``) gets its connections
back the same way: Django's ``close()`` returns them.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from . import _core
from .lanes import lane_of_this_thread

_orm_cleanup_queued = False
#: The ORM thread's connection objects (one per alias), read from other threads to decide
#: whether a check is due; Django keeps the object when it reconnects.
_orm_connections: list[Any] = []


def _runtime_thread_query(execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
    _core.database_touched()
    return execute(sql, params, many, context)


def _orm_thread_query(execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
    _core.orm_thread_touched()
    return execute(sql, params, many, context)


def _lane_thread_query(execute: Any, sql: Any, params: Any, many: bool, context: Any) -> Any:
    lane = lane_of_this_thread()
    if lane is not None:
        lane.touched = True
    return execute(sql, params, many, context)


def _orm_threads() -> Any:
    from asgiref.sync import SyncToAsync

    return getattr(SyncToAsync.single_thread_executor, "_threads", ())


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Gives a connection opened on a server thread the wrapper that reports its use."""
    thread = threading.current_thread()
    if isinstance(thread, threading._DummyThread):  # threads Python did not start: the server's
        wrapper = _runtime_thread_query
    elif thread in _orm_threads():
        wrapper = _orm_thread_query
        if connection not in _orm_connections:
            _orm_connections.append(connection)
    elif lane_of_this_thread() is not None:
        wrapper = _lane_thread_query
    else:
        return
    if wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, wrapper)


def install() -> None:
    """Connects the wrapper to ``connection_created`` (idempotent); called when an app compiles."""
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection_created, dispatch_uid="django_bolt.db")


def _discard_open_transaction(connection: Any) -> bool:
    """Closes a connection left inside a transaction; the server rolls it back."""
    if connection.connection is None:
        return False
    if not connection.in_atomic_block and connection.get_autocommit() == connection.settings_dict["AUTOCOMMIT"]:
        return False
    # Forget the abandoned atomic blocks so that the next query may connect again.
    connection.in_atomic_block = False
    connection.savepoint_ids = []
    connection.atomic_blocks = []
    connection.needs_rollback = False
    connection.closed_in_transaction = False
    connection.close()
    return True


def request_finished() -> float | None:
    """``close_old_connections`` for the calling thread's connections, after rolling back any
    transaction left open. Returns the seconds until the earliest connection it kept passes
    ``CONN_MAX_AGE`` (None: none kept, or kept for ever): the server runs this again before the
    thread's next handler once that time has come, as Django does at request start."""
    from django.db import connections

    due: float | None = None
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "_bolt_shared", False):  # a test's connection (testing.dbshare)
            continue
        try:
            if not _discard_open_transaction(connection):
                connection.close_if_unusable_or_obsolete()
        except Exception:  # noqa: BLE001 - a broken connection is dropped, never raised to the server
            connection.connection = None
        if connection.connection is not None and connection.close_at is not None:
            left = connection.close_at - time.monotonic()
            due = left if due is None else min(due, left)
    return due


def close_thread_connections() -> None:
    """Closes the calling thread's connections (a pooled one goes back to its pool): a thread
    that stops (a lane beyond the idle ones kept)."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if getattr(connection, "_bolt_shared", False):  # its test closes it
            continue
        try:
            _discard_open_transaction(connection)
            connection.close()
        except Exception:  # noqa: BLE001 - a broken connection is dropped, never raised to the server
            connection.connection = None


def _orm_thread_finish() -> None:
    global _orm_cleanup_queued
    _orm_cleanup_queued = False
    request_finished()  # the ORM thread's next check is decided by ``_check_due`` instead


def _check_due(connection: Any) -> bool:
    """Whether ``request_finished`` would do anything to this connection. Read from another
    thread without touching the connection: plain attributes, at worst one check late or extra."""
    if connection.connection is None:
        return False
    if connection.errors_occurred or connection.in_atomic_block or connection.health_check_enabled:
        return True
    if connection.autocommit != connection.settings_dict["AUTOCOMMIT"]:
        return True
    close_at = connection.close_at
    return close_at is not None and time.monotonic() >= close_at


def orm_request_finished() -> None:
    """Queues ``request_finished`` on asgiref's ORM thread (at most one queued at a time) when
    one of its connections is due for it; with persistent connections that answer, nothing is
    queued. Before the thread's first connection is known, always."""
    global _orm_cleanup_queued
    if _orm_cleanup_queued:
        return
    if _orm_connections and not any(_check_due(connection) for connection in _orm_connections):
        return
    from asgiref.sync import SyncToAsync

    _orm_cleanup_queued = True
    SyncToAsync.single_thread_executor.submit(_orm_thread_finish)


def in_own_request(function: Any, *args: Any) -> Any:
    """Runs ``function`` as a request of its own on a helper thread (user loading)."""
    try:
        return function(*args)
    finally:
        request_finished()


def atomic_request(handler: Any, declared: Any) -> Any:
    """``handler`` inside ``transaction.atomic`` for each database with ``ATOMIC_REQUESTS``, as
    Django's ``make_view_atomic`` does (``@transaction.non_atomic_requests`` on the declared
    handler opts out). Unchanged, at no cost, when no database asks for it. Async handlers are
    never wrapped: Django refuses atomic blocks around async views too."""
    from django.db import connections, transaction

    opted_out = getattr(declared, "_non_atomic_requests", set())
    for alias, settings in connections.settings.items():
        if settings.get("ATOMIC_REQUESTS") and alias not in opted_out:
            handler = transaction.atomic(using=alias)(handler)
    return handler
