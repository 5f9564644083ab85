"""Turns a route's ``auth=``/``guards=`` into what Rust checks, plus the stages of the route's Python
chain for what only Python can check: Python backends (``SessionAuthentication``, custom
``authenticate(request)`` backends), custom ``BasePermission`` guards, and loading ``request.user``
before an async handler that reads it."""

from __future__ import annotations

import dis
import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any

from .._chain import Stage
from .._schema import AuthRecord
from ..exceptions import Forbidden, HTTPException, Unauthorized
from .backends import AuthenticationFailed, BaseAuthentication
from .guards import AllowAny, BasePermission


class AuthConfigurationError(TypeError):
    """An ``auth=``/``guards=`` entry that cannot be enforced (reported with the route at startup)."""


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
            raise AuthConfigurationError(f"{what} must be {kind.__name__} instances, got {item!r}")
        out.append(item)
    return out


def _python_backend(backend: BaseAuthentication, where: str) -> bool:
    """True for a backend that runs in the chain; refuses one that can run nowhere."""
    if backend._compiled() is not None:
        if callable(getattr(backend, "authenticate", None)):
            raise AuthConfigurationError(
                f"auth= of {where}: {type(backend).__name__} is verified in Rust; its authenticate() "
                "would never be called. Subclass BaseAuthentication for a custom backend"
            )
        return False
    if not callable(getattr(backend, "authenticate", None)):
        raise AuthConfigurationError(
            f"auth= of {where}: {type(backend).__name__} neither compiles to a Rust backend nor "
            "implements authenticate(request), so it could never authenticate anyone"
        )
    return True


def _guard_check(guard: BasePermission, where: str) -> None:
    if guard._describe() is None and type(guard).has_permission is BasePermission.has_permission:
        raise AuthConfigurationError(
            f"guards= of {where}: {type(guard).__name__} does not override has_permission(request), "
            "so it would allow everyone"
        )


def compile_route_auth(
    auth: Any, guards: Any, handler: Callable[..., Any], is_async: bool, where: str
) -> tuple[AuthRecord | None, list[Stage]]:
    """``(rust_config, python_stages)`` for one route; ``(None, [])`` when it has neither."""
    backends = _instances(auth, BaseAuthentication, f"auth= of {where}")
    guard_objs = _instances(guards, BasePermission, f"guards= of {where}")
    for guard in guard_objs:
        _guard_check(guard, where)
    if not backends and all(isinstance(g, AllowAny) for g in guard_objs):
        return None, []
    rust_guards = [g for g in guard_objs if g._describe() is not None]
    python_guards = [g for g in guard_objs if g._describe() is None]
    python_backends = [b for b in backends if _python_backend(b, where)]
    compiled = [b._compiled() for b in backends if b not in python_backends]
    schemes = list(dict.fromkeys(b.scheme for b in backends)) or ["Bearer"]
    challenge = ", ".join(f'{s} realm="api"' for s in schemes)
    config: AuthRecord = {
        "backends": compiled,
        "guards": [g._describe() for g in rust_guards],
        "python_backends": bool(python_backends),
        "challenge": challenge,
    }
    stages: list[Stage] = []
    if python_backends:
        anonymous_ok = any(isinstance(g, AllowAny) for g in guard_objs)
        stages.append(_backend_stage(python_backends, rust_guards, anonymous_ok, challenge))
    if python_guards:
        stages.append(_guard_stage(python_guards, challenge))
    if is_async and compiled and _reads_user(handler):
        stages.append(_user_stage())
    return config, stages


def _unauthorized(challenge: str, detail: str = "Authentication credentials were not provided") -> Unauthorized:
    return Unauthorized(detail, headers={"WWW-Authenticate": challenge})


def _with_challenge(exc: HTTPException, challenge: str) -> HTTPException:
    if exc.status_code == 401 and not any(k.lower() == "www-authenticate" for k in exc.headers or {}):
        exc.headers = {**(exc.headers or {}), "WWW-Authenticate": challenge}
    return exc


def _identity_of(backend: BaseAuthentication, identity: Any) -> Any:
    """``identity`` checked: ``None`` for nobody (an anonymous user counts as nobody)."""
    if identity is None or isinstance(identity, dict):
        return identity
    if isinstance(identity, (str, bytes, int, float, bool, list, tuple)):
        raise TypeError(
            f"{type(backend).__name__}.authenticate() must return a user, a dict of claims or None, "
            f"not {type(identity).__name__}"
        )
    return identity if getattr(identity, "is_authenticated", True) else None


def _identify(request: Any, identity: Any) -> dict[str, Any]:
    """Puts a Python backend's identity on the request; returns the claims guards check."""
    if isinstance(identity, dict):
        request.context = identity
        return identity
    from .session import user_claims

    request.user = identity
    claims = user_claims(identity)
    request.context = claims
    return claims


def _backend_stage(
    backends: Sequence[BaseAuthentication], rust_guards: Sequence[Any], anonymous_ok: bool, challenge: str
) -> Stage:
    """Python backends, tried in order when Rust found no credential, then the claim guards Rust
    skipped for that reason, checked against the identity found."""
    calls = [(b, b.authenticate, inspect.iscoroutinefunction(b.authenticate)) for b in backends]

    def settle(request: Any, identity: Any) -> Any:
        """The claims of ``identity`` put on the request (sync: may read the user's permissions)."""
        if identity is None:
            if not anonymous_ok:
                raise _unauthorized(challenge)
            claims = None
        else:
            claims = _identify(request, identity)
        for guard in rust_guards:
            if not guard._allows(claims):
                if claims is None:
                    raise _unauthorized(challenge)
                raise Forbidden(guard.message)

    def run(request: Any, kwargs: dict) -> None:
        if request.auth_backend is not None:
            return  # Rust verified a credential and checked the claim guards
        identity = None
        try:
            for backend, authenticate, is_coroutine in calls:
                if is_coroutine:
                    from asgiref.sync import async_to_sync

                    identity = async_to_sync(authenticate)(request)
                else:
                    identity = authenticate(request)
                identity = _identity_of(backend, identity)
                if identity is not None:
                    break
        except AuthenticationFailed as exc:
            raise _with_challenge(exc, challenge) from None
        settle(request, identity)

    async def arun(request: Any, kwargs: dict) -> None:
        if request.auth_backend is not None:
            return
        from asgiref.sync import sync_to_async

        identity = None
        try:
            for backend, authenticate, is_coroutine in calls:
                if is_coroutine:
                    identity = await authenticate(request)
                else:
                    # Sync backends (sessions, custom) may query the database: not on the loop.
                    identity = await sync_to_async(authenticate)(request)
                identity = _identity_of(backend, identity)
                if identity is not None:
                    break
        except AuthenticationFailed as exc:
            raise _with_challenge(exc, challenge) from None
        if identity is None or isinstance(identity, dict):
            settle(request, identity)
        else:
            await sync_to_async(settle)(request, identity)  # the user's permissions are a query

    return Stage("python_auth", run, arun)


def _guard_stage(guards: Sequence[BasePermission], challenge: str) -> Stage:
    """Custom ``BasePermission``s: false answers 403, or 401 when nobody is authenticated."""

    def deny(request: Any, guard: BasePermission) -> None:
        if request.context is None:
            raise _unauthorized(challenge)
        raise Forbidden(getattr(guard, "message", "Permission denied"))

    checks = [(g, inspect.iscoroutinefunction(g.has_permission)) for g in guards]

    def run(request: Any, kwargs: dict) -> None:
        for guard, _ in checks:
            verdict = guard.has_permission(request)
            if inspect.isawaitable(verdict):
                from asgiref.sync import async_to_sync

                verdict = async_to_sync(_await)(verdict)
            if not verdict:
                deny(request, guard)

    async def arun(request: Any, kwargs: dict) -> None:
        from asgiref.sync import sync_to_async

        for guard, is_coroutine in checks:
            if is_coroutine:
                verdict = await guard.has_permission(request)
            else:
                verdict = await sync_to_async(guard.has_permission)(request)
                if inspect.isawaitable(verdict):
                    verdict = await verdict
            if not verdict:
                deny(request, guard)

    return Stage("python_guards", run, arun)


def _user_stage() -> Stage:
    """Loads the token's user off the event loop before an async handler that reads
    ``request.user`` (a sync read on the loop would make the loop wait for the query)."""

    def run(request: Any, kwargs: dict) -> None:  # sync handlers read request.user directly
        return None

    async def arun(request: Any, kwargs: dict) -> None:
        if request.user_id is not None:
            await request.auser()

    return Stage("load_user", run, arun)


def _reads_user(fn: Callable[..., Any]) -> bool:
    """Whether ``fn``'s own code (or a function nested in it) reads an attribute named ``user``.
    Only decides whether to load the user early: a read elsewhere still works, on a loader thread."""
    fn = inspect.unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    pending: list[types.CodeType] = [code]
    while pending:
        current = pending.pop()
        if "user" in current.co_names:
            for ins in dis.get_instructions(current):
                if ins.argval == "user" and ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                    return True
        pending.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return False


async def _await(awaitable: Any) -> Any:
    return await awaitable


__all__ = ["compile_route_auth", "AuthConfigurationError"]
