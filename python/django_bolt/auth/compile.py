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

from django.core.exceptions import ImproperlyConfigured

from .._chain import Stage
from .._schema import AuthRecord
from ..exceptions import Forbidden, HTTPException, Unauthorized
from .backends import AuthenticationFailed, BaseAuthentication
from .guards import GUARD_TYPES, AllowAny, BasePermission, Requires


class AuthConfigurationError(ImproperlyConfigured, TypeError):
    """An ``auth=``/``guards=`` entry that cannot be enforced (reported with the route at startup)."""


#: What a wrong entry should have been, in the refusal.
_EXPECTED = {
    BaseAuthentication: "not an authentication backend: auth= takes BaseAuthentication instances "
    "(JWTAuthentication(...), APIKeyAuthentication(...), SessionAuthentication() or your subclass)",
    BasePermission: "not a guard: guards= takes AllowAny(), IsAuthenticated(), Requires(claim, ...) "
    "or a BasePermission subclass",
}


def _refused(item: Any, kind: type, what: str) -> AuthConfigurationError:
    return AuthConfigurationError(f"{what}: {item!r} is {_EXPECTED[kind]}")


def check_entries(items: Any, kind: type, what: str) -> None:
    """Refuses, when the route is declared, an entry that can never be a ``kind`` (dotted paths
    are imported, and classes instantiated, when the route is compiled), and a built-in guard
    subclass that overrides ``to_metadata()``: what is checked is the built-in's rule, so the
    override would be silently ignored."""
    for item in _listed(items):
        if isinstance(item, str):
            continue
        cls = item if isinstance(item, type) else type(item)
        if not issubclass(cls, kind):
            raise _refused(item, kind, what)
        if kind is BasePermission and _overrides_builtin_metadata(cls):
            raise AuthConfigurationError(
                f"{what}: {cls.__name__} overrides to_metadata() of a built-in guard (AllowAny, "
                "IsAuthenticated, Requires), which does not change what is checked; use Requires(...) "
                "or subclass BasePermission and implement has_permission(request)"
            )


def check_route_entries(auth: Any, guards: Any, where: str) -> None:
    """The declaration-time check of a route's ``auth=`` and ``guards=`` (``check_entries``)."""
    _check_guard_forms(guards, where)
    check_entries(auth, BaseAuthentication, f"auth= of {where}")
    check_entries(guards, BasePermission, f"guards= of {where}")
    _refuse_open_session_exclusions(
        [b for b in _listed(auth) if isinstance(b, BaseAuthentication)],
        [g for g in _listed(guards) if isinstance(g, BasePermission)],
        where,
    )


def _check_guard_forms(guards: Any, where: str) -> None:
    """Refuses, with the release's wording, a name that cannot be a dotted path and a guard
    class that cannot be made without arguments (it is instantiated when the route compiles)."""
    for guard in _listed(guards):
        if isinstance(guard, str) and "." not in guard:
            raise AuthConfigurationError(
                f"Guard str on {where} is not a guard. Give an instance (IsAuthenticated()), a class or a "
                f'dotted path; declare a custom check as a named Requires: str = Requires("<claim>", ...) or a '
                "BasePermission subclass."
            )
        if isinstance(guard, type) and issubclass(guard, BasePermission):
            try:
                inspect.signature(guard).bind()
            except TypeError as exc:
                raise AuthConfigurationError(
                    f"Guard {guard.__name__} on {where} could not be instantiated: {exc}. Guards that take "
                    f"arguments must be passed as instances, e.g. guards=[{guard.__name__}(...)]."
                ) from None
            except ValueError:
                pass  # no signature to read (a builtin): made when the route compiles


def _listed(items: Any) -> list[Any]:
    if items is None:
        return []
    return list(items) if isinstance(items, (list, tuple)) else [items]


def _refuse_open_session_exclusions(
    backends: Sequence[BaseAuthentication], guards: Sequence[BasePermission], where: str
) -> None:
    """``Requires(claim, none_of=...)`` on a claim a session user does not have would let every
    session user in."""
    from .backends import SessionAuthentication
    from .session import SESSION_CLAIMS

    if not any(isinstance(b, SessionAuthentication) for b in backends):
        return
    for guard in guards:
        if isinstance(guard, Requires) and guard.quantifier == "none_of":
            if guard.claim.split(".")[0] not in SESSION_CLAIMS:
                raise AuthConfigurationError(
                    f"guards= of {where}: {guard!r} excludes values of {guard.claim!r}, a claim session users "
                    f"do not have (they have {', '.join(sorted(SESSION_CLAIMS))}), so none_of would let every "
                    "session user in"
                )


def uses_session(auth: Any, where: str) -> bool:
    """Whether the route's backends (``auth=`` or the default ones) include ``SessionAuthentication``."""
    from .backends import SessionAuthentication

    return any(isinstance(b, SessionAuthentication) for b in _instances(auth, BaseAuthentication, f"auth= of {where}"))


def _overrides_builtin_metadata(cls: type) -> bool:
    for builtin in GUARD_TYPES:
        if issubclass(cls, builtin) and cls.to_metadata is not builtin.to_metadata:
            return True
    return False


def _instances(items: Any, kind: type, what: str) -> list[Any]:
    if items is None:
        return []
    check_entries(items, kind, what)
    if not isinstance(items, (list, tuple)):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, str):
            from django.utils.module_loading import import_string

            item = import_string(item)
        if isinstance(item, type):
            if not issubclass(item, kind):
                raise _refused(item, kind, what)
            item = item()
        if not isinstance(item, kind):
            raise _refused(item, kind, what)
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
    _refuse_open_session_exclusions(backends, guard_objs, where)
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
        login_url = next((b.login_url for b in python_backends if getattr(b, "login_url", None)), None)
        stages.append(_backend_stage(python_backends, rust_guards, anonymous_ok, challenge, login_url))
    if python_guards:
        stages.append(_guard_stage(python_guards, challenge))
    if is_async and compiled and _reads_user(handler):
        stages.append(_user_stage())
    return config, stages


def _unauthorized(challenge: str, detail: str = "Authentication required") -> Unauthorized:
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


def _login_redirect(request: Any, login_url: str) -> HTTPException:
    """Django's ``redirect_to_login``: a 302 to ``login_url`` with ``?next=`` the page asked for."""
    from django.contrib.auth.views import redirect_to_login

    location = redirect_to_login(request.get_full_path(), login_url)["Location"]
    return HTTPException(302, "Login required", headers={"Location": location})


def _backend_stage(
    backends: Sequence[BaseAuthentication],
    rust_guards: Sequence[Any],
    anonymous_ok: bool,
    challenge: str,
    login_url: str | None = None,
) -> Stage:
    """Python backends, tried in order when Rust found no credential, then the claim guards Rust
    skipped for that reason, checked against the identity found. Nobody identified on a route
    that needs someone: 401, or the redirect to ``login_url`` when a session backend has one."""
    calls = [(b, b.authenticate, inspect.iscoroutinefunction(b.authenticate)) for b in backends]

    def nobody(request: Any) -> HTTPException:
        return _unauthorized(challenge) if login_url is None else _login_redirect(request, login_url)

    def settle(request: Any, identity: Any) -> Any:
        """The claims of ``identity`` put on the request (sync: may read the user's permissions)."""
        if identity is None:
            if not anonymous_ok:
                raise nobody(request)
            claims = None
        else:
            claims = _identify(request, identity)
        for guard in rust_guards:
            if not guard._allows(claims):
                if claims is None:
                    raise nobody(request)
                raise Forbidden(guard.denial)

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
        raise Forbidden(guard.denial)

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


__all__ = ["compile_route_auth", "check_entries", "check_route_entries", "uses_session", "AuthConfigurationError"]
