"""Turns a route's ``auth=``/``guards=`` into what Rust checks, plus the Python stage for what only
Python can check (session authentication, custom ``BasePermission``s)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from .._schema import AuthRecord
from ..exceptions import Forbidden, Unauthorized
from .backends import BaseAuthentication, SessionAuthentication
from .guards import AllowAny, BasePermission


def _instances(items: Any, kind: type, what: str) -> list[Any]:
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, str):
            from django.utils.module_loading import import_string

            item = import_string(item)
        if isinstance(item, type):
            item = item()
        if not isinstance(item, kind):
            raise TypeError(f"{what} must be {kind.__name__} instances, got {item!r}")
        out.append(item)
    return out


def compile_route_auth(auth: Any, guards: Any, is_async: bool, where: str) -> tuple[AuthRecord | None, Callable | None]:
    """``(rust_config, python_stage)`` for one route; ``(None, None)`` when it has neither."""
    backends = _instances(auth, BaseAuthentication, f"auth= of {where}")
    guard_objs = _instances(guards, BasePermission, f"guards= of {where}")
    if not backends and all(isinstance(g, AllowAny) for g in guard_objs):
        return None, None
    rust_guards = [g for g in guard_objs if g._describe() is not None]
    python_guards = [g for g in guard_objs if g._describe() is None]
    compiled = [b._compiled() for b in backends]
    sessions = [b for b in backends if isinstance(b, SessionAuthentication)]
    schemes = list(dict.fromkeys(b.scheme for b in backends)) or ["Bearer"]
    config: AuthRecord = {
        "backends": [c for c in compiled if c is not None],
        "guards": [g._describe() for g in rust_guards],
        "python_backends": bool(sessions),
        "challenge": ", ".join(f'{s} realm="api"' for s in schemes),
    }
    stage = None
    if sessions or python_guards:
        stage = _stage(sessions, rust_guards, python_guards, is_async, config["challenge"])
    return config, stage


def _unauthorized(challenge: str, detail: str = "Authentication credentials were not provided") -> Unauthorized:
    return Unauthorized(detail, headers={"WWW-Authenticate": challenge})


def _stage(
    sessions: Sequence[SessionAuthentication],
    rust_guards: Sequence[Any],
    python_guards: Sequence[BasePermission],
    is_async: bool,
    challenge: str,
) -> Callable:
    from .session import csrf_failure, session_user, user_claims

    def authenticate_session(request: Any) -> None:
        """When Rust found no credential: the session, then the claim guards Rust skipped."""
        if not sessions or request.auth_backend is not None:
            return
        user = session_user(request)
        claims = None
        if user is not None:
            if any(s.csrf for s in sessions) and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE", "QUERY"):
                reason = csrf_failure(request)
                if reason:
                    raise Forbidden(reason)
            request.user = user
            claims = user_claims(user)
            request.context = claims
        for guard in rust_guards:
            if not guard._allows(claims):
                if claims is None:
                    raise _unauthorized(challenge)
                raise Forbidden(guard.message)

    def deny(request: Any, guard: BasePermission) -> None:
        if request.context is None:
            raise _unauthorized(challenge)
        raise Forbidden(getattr(guard, "message", "Permission denied"))

    if not is_async:
        from asgiref.sync import async_to_sync

        def stage(request: Any, handler: Callable, args: tuple, kwargs: dict) -> Any:
            authenticate_session(request)
            for guard in python_guards:
                verdict = guard.has_permission(request)
                if inspect.isawaitable(verdict):
                    verdict = async_to_sync(_await)(verdict)
                if not verdict:
                    deny(request, guard)
            return handler(*args, **kwargs)

        return stage

    from asgiref.sync import sync_to_async

    async def astage(request: Any, handler: Callable, args: tuple, kwargs: dict) -> Any:
        if sessions and request.auth_backend is None:
            await sync_to_async(authenticate_session)(request)
        for guard in python_guards:
            if inspect.iscoroutinefunction(guard.has_permission):
                verdict = await guard.has_permission(request)
            else:
                verdict = await sync_to_async(guard.has_permission)(request)
                if inspect.isawaitable(verdict):
                    verdict = await verdict
            if not verdict:
                deny(request, guard)
        return await handler(*args, **kwargs)

    return astage


async def _await(awaitable: Any) -> Any:
    return await awaitable


__all__ = ["compile_route_auth"]
