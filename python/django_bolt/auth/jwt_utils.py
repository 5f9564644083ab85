"""Helpers for handlers of authenticated routes: the current user as a dependency
(``CurrentUser``, ``OptionalCurrentUser``), the auth context as one dict, token creation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from ..exceptions import Unauthorized
from ..params import Depends
from .tokens import create_jwt_for_user
from .users import get_current_user, get_current_user_sync


async def require_current_user(request: Any) -> Any:
    """Dependency: the authenticated user; a request without one is answered 401."""
    user = await get_current_user(request)
    if user is None:
        raise Unauthorized("Authentication required")
    return user


def require_current_user_sync(request: Any) -> Any:
    """Sync form of ``require_current_user``."""
    user = get_current_user_sync(request)
    if user is None:
        raise Unauthorized("Authentication required")
    return user


# A sync handler's dependencies call the sync forms: no event loop, the user is read on its thread.
require_current_user._sync_form = require_current_user_sync  # type: ignore[attr-defined]
get_current_user._sync_form = get_current_user_sync  # type: ignore[attr-defined]

#: ``def handler(user: CurrentUser)``: the Django user, or 401 without one.
CurrentUser = Annotated[Any, Depends(require_current_user)]
#: ``def handler(user: OptionalCurrentUser)``: the Django user or ``None``.
OptionalCurrentUser = Annotated[Any, Depends(get_current_user)]


def _context_of(request: Any) -> tuple[Mapping[str, Any], Any]:
    # A Request (ours) or a plain mapping with a "context" key (the release's tests build those).
    if isinstance(request, Mapping):
        return request.get("context") or {}, None
    context = request.get("context")
    return (context if isinstance(context, Mapping) else {}), request


def extract_user_id_from_context(request: Any) -> str | None:
    """The authenticated user's id (the token's ``user_id``/``sub``), or ``None``."""
    context, req = _context_of(request)
    user_id = context.get("user_id")
    if user_id is None and req is not None:
        user_id = req.user_id
    return None if user_id is None else str(user_id)


def get_auth_context(request: Any) -> dict[str, Any]:
    """The request's authentication as one dict: ``user_id``, ``is_staff``, ``is_superuser``,
    ``auth_backend`` (``"jwt"``, ``"api_key"``, ...), ``permissions`` (a list) and, for a token,
    ``auth_claims`` (its claims)."""
    context, req = _context_of(request)
    backend = context.get("auth_backend")
    if backend is None and req is not None:
        backend = req.auth_backend
    claims = context.get("auth_claims")
    if claims is None and backend == "jwt":
        claims = {k: v for k, v in context.items() if k not in _DERIVED}
    out: dict[str, Any] = {
        "user_id": extract_user_id_from_context(request),
        "is_staff": bool(context.get("is_staff", False)),
        "is_superuser": bool(context.get("is_superuser", False)),
        "auth_backend": backend,
        "permissions": list(context.get("permissions") or []),
    }
    if claims is not None:
        out["auth_claims"] = dict(claims)
    return out


# Keys the release's context adds next to a token's claims (not claims themselves).
_DERIVED = frozenset({"user_id", "auth_backend", "auth_claims"})

__all__ = [
    "CurrentUser",
    "OptionalCurrentUser",
    "create_jwt_for_user",
    "extract_user_id_from_context",
    "get_auth_context",
    "get_current_user",
    "get_current_user_sync",
    "require_current_user",
    "require_current_user_sync",
]
