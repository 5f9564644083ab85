"""Handlers called through the test clients use the test's own database connection.

pytest-django's ``@pytest.mark.django_db`` and Django's ``TestCase`` run each test inside a
transaction that is never committed. The handlers run on server threads, each with a connection
of its own, so they could not see the test's rows (PostgreSQL) or waited on its write lock
(SQLite: "database table is locked"). While a client request is in flight, every thread
resolves an alias whose connection the calling thread holds inside a transaction to that one
connection (as Django's live-server tests share theirs), and the connection lifecycle leaves it
alone (``_bolt_shared``). The test waits for its request, so one thread at a time uses it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_depth = 0
_saved_store: Any = None


class _SharedStore:
    """Stands in for ``connections._connections``: shared aliases are the same object on every
    thread; the other aliases stay thread-local (the original store)."""

    def __init__(self, shared: dict[str, Any], own: Any) -> None:
        object.__setattr__(self, "_shared", shared)
        object.__setattr__(self, "_own", own)

    def __getattr__(self, alias: str) -> Any:
        shared = object.__getattribute__(self, "_shared")
        if alias in shared:
            return shared[alias]
        return getattr(object.__getattribute__(self, "_own"), alias)

    def __setattr__(self, alias: str, value: Any) -> None:
        shared = object.__getattribute__(self, "_shared")
        if alias in shared:
            shared[alias] = value
        else:
            setattr(object.__getattribute__(self, "_own"), alias, value)

    def __delattr__(self, alias: str) -> None:
        shared = object.__getattribute__(self, "_shared")
        if alias in shared:
            del shared[alias]
        else:
            delattr(object.__getattribute__(self, "_own"), alias)


def _open_test_transactions() -> dict[str, Any]:
    try:
        from django.conf import settings

        if not settings.configured:
            return {}
        from django.db import connections
    except ImportError:
        return {}
    found = {c.alias: c for c in connections.all(initialized_only=True) if c.in_atomic_block}
    # In an async test the loop's context has connections of its own (asgiref's thread-critical
    # Local); the test's transaction is on the thread's plain storage, where its sync fixtures ran.
    thread_storage = getattr(connections._connections, "_storage", None)
    for alias in connections:
        connection = getattr(thread_storage, alias, None)
        if alias not in found and connection is not None and connection.in_atomic_block:
            found[alias] = connection
    return found


@contextmanager
def test_connections_shared() -> Iterator[None]:
    """While the block runs, other threads use the calling thread's connections that are inside
    a transaction (a test's). Does nothing when there is none."""
    global _depth, _saved_store
    shared = _open_test_transactions()
    if not shared:
        yield
        return
    from django.db import connections

    with _lock:
        if _depth == 0:
            _saved_store = connections._connections
            connections._connections = _SharedStore(shared, _saved_store)
            for connection in shared.values():
                connection.inc_thread_sharing()
                connection._bolt_shared = True
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                connections._connections = _saved_store
                _saved_store = None
                for connection in shared.values():
                    connection.dec_thread_sharing()
                    connection._bolt_shared = False
