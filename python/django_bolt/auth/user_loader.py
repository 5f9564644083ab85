"""Loading the user of an authenticated request, as functions (the release's module).

``request.user`` of a token route comes from the backend's ``user_loader`` (default: the active
user model by primary key). A ``JWTAuthentication`` subclass may instead override
``get_user_sync(user_id)`` and/or ``async get_user(user_id, auth_context)`` (the release's way):
``BackendMethodsLoader`` turns them into that loader. The functions below load users outside a
request, with the same rules."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..concurrency import run_in_orm_executor, run_orm_blocking
from .users import load_user_by_pk_sync

SyncLoader = Callable[[str, Any], Any]
AsyncLoader = Callable[[str, Any], Any]

_registry: dict[str, Any] = {}


def default_django_user_loader(user_id: str, auth_context: Any = None) -> Any:
    """The user model's row with this primary key, or ``None`` (missing, or not a valid key)."""
    from django.contrib.auth import get_user_model

    return run_orm_blocking(load_user_by_pk_sync, get_user_model(), user_id)


async def default_django_user_aloader(user_id: str, auth_context: Any = None) -> Any:
    """``default_django_user_loader`` without blocking the event loop."""
    from django.contrib.auth import get_user_model

    return await run_in_orm_executor(load_user_by_pk_sync, get_user_model(), user_id)


def _overrides(backend: Any, name: str) -> bool:
    from .backends import JWTAuthentication

    method = getattr(type(backend), name, None)
    return method is not None and method is not getattr(JWTAuthentication, name, None)


def context_from_claims(user_id: str, claims: Any, backend: str = "jwt") -> dict[str, Any]:
    """The release's ``auth_context`` of a token (or an API key's claims): what
    ``get_user(user_id, auth_context)`` gets."""
    claims = dict(claims or {})
    return {
        "user_id": user_id,
        "is_staff": bool(claims.get("is_staff", False)),
        "is_superuser": bool(claims.get("is_superuser", False)),
        "auth_backend": backend,
        "permissions": list(claims.get("permissions") or []),
        "auth_claims": claims,
    }


def _or_anonymous(user: Any) -> Any:
    if user is None:
        from .users import anonymous_user

        return anonymous_user()
    return user


class BackendMethodsLoader:
    """A ``user_loader`` calling a backend's overridden ``get_user_sync(user_id)`` (sync reads of
    ``request.user``) and ``get_user(user_id, auth_context)`` (``await request.auser()``). With
    only an async ``get_user``, a sync read of ``request.user`` raises ``RuntimeError`` naming
    the fix. ``None`` from them is ``AnonymousUser``, as for the default loader."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.scheme_name = backend.scheme_name
        self.sync_method = backend.get_user_sync if _overrides(backend, "get_user_sync") else None
        get_user = backend.get_user if _overrides(backend, "get_user") else None
        self.async_method = get_user if get_user is not None and inspect.iscoroutinefunction(get_user) else None
        self.plain_get_user = get_user if get_user is not None and self.async_method is None else None

    def load_user(self, user_id: str, claims: Any) -> Any:
        if self.sync_method is not None:
            return _or_anonymous(self.sync_method(user_id))
        if self.plain_get_user is not None:
            return _or_anonymous(self.plain_get_user(user_id, context_from_claims(user_id, claims, self.scheme_name)))
        raise RuntimeError(
            f"{type(self.backend).__qualname__}.get_user is async, so a sync read of request.user cannot "
            "run it: use `await request.auser()`, or define get_user_sync(user_id) on the backend"
        )

    async def aload_user(self, request: Any, user_id: str, claims: Any) -> Any:
        if self.async_method is not None:
            return _or_anonymous(
                await self.async_method(user_id, context_from_claims(user_id, claims, self.scheme_name))
            )
        return await run_in_orm_executor(self.load_user, user_id, claims)


def resolve_user_loader(backend: Any) -> tuple[SyncLoader, AsyncLoader] | None:
    """``(load(user_id, auth_context), async aload(user_id, auth_context))`` for a backend, or
    ``None`` when it loads no users (API keys)."""
    loader = getattr(backend, "user_loader", None)
    if loader is None:
        return None

    def load(user_id: str, auth_context: Any = None) -> Any:
        claims = (auth_context or {}).get("auth_claims") or {}
        return run_orm_blocking(loader.load_user, user_id, claims)

    async def aload(user_id: str, auth_context: Any = None) -> Any:
        claims = (auth_context or {}).get("auth_claims") or {}
        aload_user = getattr(loader, "aload_user", None)
        if aload_user is not None:
            return await aload_user(_Holder(), user_id, claims)
        return await run_in_orm_executor(loader.load_user, user_id, claims)

    return load, aload


class _Holder:
    """Stands in for the request a loader may store the user on (``request.user = ...``)."""

    user: Any = None


def register_auth_backend(backend_name: str, backend_instance: Any) -> None:
    """Names a backend for ``load_user``/``load_user_sync``."""
    _registry[backend_name] = backend_instance


def get_registered_backend(backend_name: str) -> Any | None:
    return _registry.get(backend_name)


async def load_user(user_id: str | None, backend_name: str | None, auth_context: Any = None) -> Any | None:
    """The user that the named backend would give ``request.user`` (``None`` without a user id or
    for a backend that was not registered or loads no users)."""
    if not user_id:
        return None
    backend = _registry.get(backend_name) if backend_name else None
    loaders = resolve_user_loader(backend) if backend is not None else None
    if loaders is None:
        return None
    return await loaders[1](user_id, auth_context)


def load_user_sync(user_id: str | None, backend_name: str | None, auth_context: Any = None) -> Any | None:
    """Sync form of ``load_user``; a backend that was not registered uses the default loader."""
    if not user_id:
        return None
    backend = _registry.get(backend_name) if backend_name else None
    if backend is None:
        return default_django_user_loader(user_id, auth_context)
    loaders = resolve_user_loader(backend)
    return None if loaders is None else loaders[0](user_id, auth_context)


__all__ = [
    "BackendMethodsLoader",
    "default_django_user_aloader",
    "default_django_user_loader",
    "get_registered_backend",
    "load_user",
    "load_user_by_pk_sync",
    "load_user_sync",
    "register_auth_backend",
    "resolve_user_loader",
]
