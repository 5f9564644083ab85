"""``request.user`` for token-authenticated requests: the Django user named by the token's
``user_id``/``sub`` claim, loaded on first access only."""

from __future__ import annotations

import asyncio
import time
from typing import Any

#: Users are loaded for ``await request.auser()`` on the ORM pool of ``concurrency``: a plain
#: executor hop costs less than ``sync_to_async`` (measured in bench/RESULTS.md), and the
#: database work is one indexed SELECT.
from ..concurrency import _running_loop, report_slow_loop_read, run_in_orm_executor, run_orm_blocking

#: (model, database alias) → the compiled ``SELECT ... WHERE pk = %s`` plan, or None when the
#: model's default manager changes ``get_queryset`` (its filters may differ per call).
_PLANS: dict[tuple[type, str], Any] = {}


def _anonymous() -> Any:
    return anonymous_user()


_ANONYMOUS_CLASS: type | None = None


def anonymous_user() -> Any:
    """``request.user`` for nobody: Django's ``AnonymousUser`` (``is_authenticated`` is False),
    and also false in a boolean test, because the release's ``request.user`` is ``None`` then and
    code written for it checks ``if not request.user``."""
    global _ANONYMOUS_CLASS
    if _ANONYMOUS_CLASS is None:
        from django.contrib.auth.models import AnonymousUser

        class FalsyAnonymousUser(AnonymousUser):
            __doc__ = anonymous_user.__doc__

            def __bool__(self) -> bool:
                return False

        FalsyAnonymousUser.__name__ = FalsyAnonymousUser.__qualname__ = "AnonymousUser"
        _ANONYMOUS_CLASS = FalsyAnonymousUser
    return _ANONYMOUS_CLASS()


class _PkPlan:
    """``model._default_manager.get(pk=...)`` compiled once: the SQL, the selected columns and the
    value converters of the backend. Per request only the SELECT runs."""

    def __init__(self, model: type, alias: str) -> None:
        compiler = model._default_manager.db_manager(alias).filter(pk=0).query.get_compiler(alias)
        self.sql, params = compiler.as_sql()
        if len(params) != 1:
            raise ValueError("unexpected parameters in the pk query")
        self.converters = sorted(compiler.get_converters([col for col, _, _ in compiler.select]).items())
        self.columns = [f.attname for f in model._meta.concrete_fields]
        self.model = model
        self.alias = alias

    def fetch(self, user_id: Any) -> Any:
        from django.core.exceptions import ValidationError
        from django.db import connections

        connection = connections[self.alias]
        pk = self.model._meta.pk
        try:
            value = pk.get_db_prep_value(pk.to_python(user_id), connection)
        except (ValidationError, ValueError, TypeError):
            return None
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [value])
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = list(row)
            for position, (functions, expression) in self.converters:
                for convert in functions:
                    row[position] = convert(row[position], expression, connection)
        return self.model.from_db(self.alias, self.columns, row)


def _compiled_pk_query(model: type, alias: str) -> _PkPlan | None:
    """The compiled plan of ``model`` on database ``alias`` (made on first use), or ``None`` when
    its default manager overrides ``get_queryset`` and is asked on every load instead."""
    key = (model, alias)
    if key not in _PLANS:
        from django.db import models

        stock = type(model._default_manager).get_queryset is models.Manager.get_queryset
        _PLANS[key] = _PkPlan(model, alias) if stock else None
    return _PLANS[key]


def load_user_by_pk_sync(model: type, user_id: Any) -> Any:
    """``model._default_manager.get(pk=user_id)``, or ``None`` for a missing row or a value that
    is no valid key. For a stock manager the SELECT is compiled once per model and database; a
    manager overriding ``get_queryset`` (its filters may change per call) is asked every time."""
    from django.db import router

    alias = router.db_for_read(model)
    plan = _compiled_pk_query(model, alias)
    if plan is not None:
        return plan.fetch(user_id)
    from django.core.exceptions import ValidationError

    try:
        return model._default_manager.db_manager(alias).get(pk=user_id)
    except (model.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def _user_by_pk(user_id: Any) -> Any:
    """The active user with this primary key, else ``AnonymousUser``."""
    from django.contrib.auth import get_user_model

    user = load_user_by_pk_sync(get_user_model(), user_id)
    if user is None or not getattr(user, "is_active", True):
        return _anonymous()
    return user


class DjangoUserLoader:
    """Loads users with the active user model; a missing or inactive user is ``AnonymousUser``."""

    def load_user(self, user_id: str, claims: Any) -> Any:
        return _user_by_pk(user_id)

    async def aload_user(self, request: Any, user_id: str, claims: Any) -> Any:
        user = await run_in_orm_executor(_user_by_pk, user_id)
        request.user = user
        return user


class LoopSafeUserLoader:
    """What Rust calls to load ``request.user``: the project's loader, kept off the event loop.

    ``request.user`` read in an ``async def`` handler (on the event loop thread, where Django
    refuses ORM queries) runs the loader on a loader thread and waits for it, as the release does;
    async routes that read ``request.user`` themselves get it loaded before the handler instead
    (see ``auth.compile``), so the loop does not wait there. ``aload_user`` falls back to
    ``load_user`` on a loader thread for loaders that only define that."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self._aload = getattr(loader, "aload_user", None)

    def load_user(self, user_id: str, claims: Any) -> Any:
        started = time.perf_counter()
        user = run_orm_blocking(self.loader.load_user, user_id, claims)
        if _running_loop() is not None:  # the loop waited for this load: a hint in dev mode
            report_slow_loop_read(time.perf_counter() - started)
        return user

    async def aload_user(self, request: Any, user_id: str, claims: Any) -> Any:
        # Calls of one request that overlap (``asyncio.gather(request.auser(), request.auser())``)
        # share one load: one query, and one user object for the whole request.
        loading = getattr(request, "_bolt_user_loading", None)
        if loading is None:
            loading = asyncio.ensure_future(self._load_once(request, user_id, claims))
            request._bolt_user_loading = loading
        return await asyncio.shield(loading)

    async def _load_once(self, request: Any, user_id: str, claims: Any) -> Any:
        if self._aload is not None:
            user = await self._aload(request, user_id, claims)
        else:
            user = await run_in_orm_executor(self.loader.load_user, user_id, claims)
        if getattr(request, "user_loaded", False):
            # A sync read loaded the user while this load waited: keep that object, so
            # ``request.user`` does not change (and lose writes) in the middle of the request.
            return request.user
        request.user = user  # later reads must not load it again
        return user


def _authenticated(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


async def get_current_user(request: Any) -> Any:
    """Dependency: the authenticated Django user, loaded without blocking the loop, or ``None``
    when nobody is authenticated or the token's user does not exist (as in the release)."""
    return _authenticated(await request.auser())


def get_current_user_sync(request: Any) -> Any:
    """Sync form of ``get_current_user``."""
    return _authenticated(request.user)


__all__ = [
    "load_user_by_pk_sync",
    "DjangoUserLoader",
    "LoopSafeUserLoader",
    "get_current_user",
    "get_current_user_sync",
]
