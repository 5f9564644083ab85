"""The test clients lend the test's database connection to the threads that run handlers.

pytest-django's ``@pytest.mark.django_db`` and Django's ``TestCase`` run each test inside a
transaction that is never committed. Handlers run on server threads, each with a connection of
its own, so they could not see the test's rows (PostgreSQL) or waited on its write lock (SQLite:
"database table is locked"). While a client is open (or, unentered, during each request), every
thread resolves an alias whose connection the test's thread holds inside a transaction to that
one connection, as Django's live-server tests share theirs; the connection lifecycle of the
server leaves it alone (``_bolt_shared``).

One connection, several threads: each cursor holds the connection's lock (a ``_Gate``) from
its creation to its close, so two threads never interleave their queries. The test's thread,
blocked while its request runs, gives back the locks of the cursors it keeps open (an
``iterator()`` loop) for that time (``park``/``unpark``). A lock that another thread keeps past
``DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT`` seconds is a ``SharedTestConnectionError`` naming the fix.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_LOCK_TIMEOUT = 10.0
_TIMEOUT_VARIABLE = "DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT"


class SharedTestConnectionError(RuntimeError):
    """The shared test connection could not be used: another thread keeps it, or another
    thread's client already shares its own."""


def lock_timeout() -> float:
    """Seconds a thread waits for the shared connection: ``DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT``,
    or ``DEFAULT_LOCK_TIMEOUT`` when unset or empty. Anything but a finite number above zero is
    refused (``-1`` would wait for ever, ``nan``/``inf`` break the lock)."""
    raw = os.environ.get(_TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{_TIMEOUT_VARIABLE} must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{_TIMEOUT_VARIABLE} must be a finite number of seconds above zero, got {raw!r}")
    return seconds


class _Gate:
    """The lock of one shared connection. Each thread counts the cursors it holds it for
    (``depth``) and the holds it could not take back after a request (``lost``): closing such a
    cursor must not release a lock this thread no longer has."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._mine = threading.local()

    def depth(self) -> int:
        return getattr(self._mine, "depth", 0)

    def took(self) -> None:
        self._mine.depth = self.depth() + 1

    def gave_back(self) -> None:
        self._mine.depth = self.depth() - 1

    def lost(self) -> int:
        return getattr(self._mine, "lost", 0)

    def lose(self, count: int) -> None:
        self._mine.lost = self.lost() + count

    def found(self) -> None:
        self._mine.lost = self.lost() - 1

    def release_one(self) -> None:
        """What closing a cursor does: one hold less."""
        self.gave_back()
        if self.lost():
            self.found()
        else:
            self.lock.release()


class _GuardedCursor:
    """A cursor that gives its connection's lock back when closed (once)."""

    def __init__(self, cursor: Any, gate: _Gate) -> None:
        self._cursor = cursor
        self._gate: _Gate | None = gate

    def close(self) -> None:
        try:
            self._cursor.close()
        finally:
            gate, self._gate = self._gate, None
            if gate is not None:
                gate.release_one()

    def __enter__(self) -> _GuardedCursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


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
    """The calling thread's connections that are inside a transaction, by alias."""
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


#: Methods of a connection that open a cursor; each is guarded by the connection's gate.
_CURSOR_METHODS = ("cursor", "chunked_cursor")


class SharedConnections:
    """The sharing of the calling thread's open-transaction connections with every thread:
    ``install()`` replaces Django's connection store and guards each cursor with its
    connection's lock, ``uninstall()`` puts both back."""

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = lock_timeout() if timeout is None else timeout
        self._gates: list[_Gate] = []
        self._shared: dict[str, Any] = {}
        self._saved_store: Any = None
        self._saved_methods: list[tuple[Any, str, Any]] = []
        self._conflict: str | None = None

    def install(self) -> bool:
        """Shares the calling thread's connections that are in a transaction; False (and nothing
        changed) when there is none."""
        self._shared = _open_test_transactions()
        if not self._shared:
            return False
        from django.db import connections

        self._saved_store = connections._connections
        connections._connections = _SharedStore(self._shared, self._saved_store)
        for connection in self._shared.values():
            gate = _Gate()
            self._gates.append(gate)
            for name in _CURSOR_METHODS:
                own = connection.__dict__.get(name, _ABSENT)
                self._saved_methods.append((connection, name, own))
                setattr(connection, name, self._guarded(connection, getattr(connection, name), gate))
            connection.inc_thread_sharing()
            connection._bolt_shared = True
        return True

    def uninstall(self) -> None:
        if not self._shared:
            return
        from django.db import connections

        connections._connections = self._saved_store
        for connection, name, own in reversed(self._saved_methods):
            if own is _ABSENT:
                connection.__dict__.pop(name, None)
            else:
                setattr(connection, name, own)
        for connection in self._shared.values():
            connection.dec_thread_sharing()
            connection._bolt_shared = False
        self._shared, self._saved_store, self._saved_methods, self._gates = {}, None, [], []

    def _guarded(self, connection: Any, open_cursor: Callable[..., Any], gate: _Gate) -> Callable[..., Any]:
        def guarded_cursor(*args: Any, **kwargs: Any) -> _GuardedCursor:
            if not gate.lock.acquire(timeout=self.timeout):
                self._conflict = self._conflict_message(connection.alias)
                raise SharedTestConnectionError(self._conflict)
            gate.took()
            try:
                return _GuardedCursor(open_cursor(*args, **kwargs), gate)
            except BaseException:
                gate.release_one()
                raise

        return guarded_cursor

    def park(self) -> list[int]:
        """Gives back every hold the calling thread has, before it waits for a request whose
        handler needs the connection; returns the counts for ``unpark``."""
        counts = []
        for gate in self._gates:
            held = gate.depth() - gate.lost()
            for _ in range(held):
                gate.lock.release()
            counts.append(held)
        return counts

    def unpark(self, counts: list[int] | None) -> None:
        """Takes the holds of ``park`` back. A hold another thread keeps past the timeout is
        marked lost (its cursor's close then releases nothing) and reported."""
        failed = None
        for gate, count in zip(self._gates, counts or (), strict=False):
            for taken in range(count):
                if not gate.lock.acquire(timeout=self.timeout):
                    gate.lose(count - taken)
                    failed = failed or self._conflict_message("the shared connection")
                    break
        if failed:
            raise SharedTestConnectionError(failed)

    def raise_if_conflict(self) -> None:
        """Raises, in the test's thread, the conflict a handler's thread met."""
        conflict, self._conflict = self._conflict, None
        if conflict:
            raise SharedTestConnectionError(conflict)

    def _conflict_message(self, alias: str) -> str:
        return (
            f"Another thread holds a cursor open on the test's database connection ({alias}) for "
            f"more than {self.timeout:g} s while a request needs it. The test client lends the "
            "test's connection (and its open transaction) to the handlers, and one connection "
            "runs one query at a time. Let that thread finish its query (an iterator() loop of a "
            "background thread, say) before the request, raise DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT, "
            "or give the handlers connections of their own with TestClient(api, "
            "share_db_connection=False) in a test with committed rows "
            "(@pytest.mark.django_db(transaction=True) or TransactionTestCase)."
        )


_ABSENT = object()

_owner_lock = threading.Lock()
_owner: int | None = None
_depth = 0
_active: SharedConnections | None = None


def active_sharing() -> SharedConnections | None:
    """The sharing in place (the calling thread's, or another's), if any."""
    return _active


@contextmanager
def test_connections_shared() -> Iterator[SharedConnections | None]:
    """While the block runs, other threads use the calling thread's connections that are inside
    a transaction (a test's). Nested blocks of one thread share the outer one's; a block of
    another thread while one is open is refused (two tests' rows would mix)."""
    global _owner, _depth, _active
    me = threading.get_ident()
    with _owner_lock:
        if _depth and _owner != me:
            raise SharedTestConnectionError(
                "Two threads use test clients at the same time: the connection store of Django is "
                "one per process, so the second client would lend the first test's connection to "
                "its own handlers and the rows of two tests would mix. Run the tests one after "
                "the other (pytest-xdist and manage.py test --parallel use processes), share one "
                "client between the threads, or pass share_db_connection=False."
            )
        if _depth == 0:
            sharing = SharedConnections()
            if sharing.install():
                _owner, _active = me, sharing
        if _active is not None:
            _depth += 1
        entered = _active
    if entered is None:
        yield None
        return
    try:
        yield entered
    finally:
        with _owner_lock:
            _depth -= 1
            if _depth == 0:
                sharing, _active, _owner = _active, None, None
                if sharing is not None:
                    sharing.uninstall()


__all__ = ["DEFAULT_LOCK_TIMEOUT", "SharedConnections", "SharedTestConnectionError", "lock_timeout"]
