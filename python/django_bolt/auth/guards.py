"""Guards (permission classes). ``AllowAny``, ``IsAuthenticated`` and ``Requires`` (with its older
shorthands) compile to Rust claim checks; ``BasePermission`` subclasses run ``has_permission``
(sync or async) in Python after authentication."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .._schema import GuardRecord

Scalar = str | int | float | bool

#: How ``Requires`` quantifies its values, as numbers in ``to_metadata()`` (the release's
#: constants): any of them (or, with none, a truthy claim), all of them, none of them.
QUANT_ANY = 0
QUANT_ALL = 1
QUANT_NONE = 2


class BasePermission:
    """A custom guard: override ``has_permission(request)`` (``def`` or ``async def``); returning
    false answers 403, or 401 when the request is not authenticated."""

    #: Message of the 403 response.
    message = "Permission denied"

    def has_permission(self, request: Any) -> Any:
        return True

    @property
    def denial(self) -> str:
        """The detail of the 403 this guard answers (``message``, else ``"Permission denied"``)."""
        return self.message or "Permission denied"

    def _describe(self) -> GuardRecord | None:
        """The Rust form of this guard; ``None`` means it runs in Python."""
        return None

    def to_metadata(self) -> dict[str, Any]:
        """What this guard checks, as plain data (for logs, docs and tests): ``{"type": ...}``
        plus the guard's settings. A custom guard is ``{"type": "custom", "class": <dotted name>}``."""
        return {"type": "custom", "class": f"{type(self).__module__}.{type(self).__qualname__}"}


class AllowAny(BasePermission):
    """Everyone may call the route (authentication still fills ``request.context`` when present)."""

    def _describe(self) -> GuardRecord:
        return {"kind": "allow_any"}

    def to_metadata(self) -> dict[str, Any]:
        return {"type": "allow_any"}

    def _allows(self, claims: dict[str, Any] | None) -> bool:
        return True


class IsAuthenticated(BasePermission):
    """Any authenticated caller; 401 otherwise."""

    def _describe(self) -> GuardRecord:
        return {"kind": "authenticated"}

    def to_metadata(self) -> dict[str, Any]:
        return {"type": "is_authenticated"}

    def _allows(self, claims: dict[str, Any] | None) -> bool:
        return claims is not None


class Requires(BasePermission):
    """A claim check, run in Rust: ``Requires("permissions", "blog.add")`` (any of the values),
    ``Requires("roles", all_of=[...])``, ``Requires("role", none_of=[...])``,
    ``Requires("is_staff", True)``; ``Requires("claim")`` alone needs a truthy claim. A dotted
    claim (``"realm_access.roles"``) looks inside objects; a ``scope`` string is split on spaces."""

    def __init__(
        self,
        claim: str,
        *values: Scalar,
        all_of: Iterable[Scalar] | None = None,
        none_of: Iterable[Scalar] | None = None,
        message: str | None = None,
    ) -> None:
        from django.core.exceptions import ImproperlyConfigured

        if not isinstance(claim, str) or not claim:
            raise ImproperlyConfigured(f"Requires() needs a claim name (a non-empty string), got {claim!r}")
        if sum((bool(values), all_of is not None, none_of is not None)) > 1:
            raise ImproperlyConfigured("Requires() takes values, all_of= or none_of=: one of them, not both")
        for name, given in (("all_of", all_of), ("none_of", none_of)):
            # A string would be taken character by character; an empty list checks nothing.
            if given is not None and not isinstance(given, (list, tuple, set, frozenset)):
                raise ImproperlyConfigured(f"Requires({name}=) must be a list/tuple of values, got {given!r}")
            if given is not None and not given:
                raise ImproperlyConfigured(f"Requires({name}=) must not be empty")
        if message is not None and (not isinstance(message, str) or not message):
            raise ImproperlyConfigured(f"Requires(message=) must be a non-empty string, got {message!r}")
        self.claim = claim
        if values:
            self.quantifier, self.values = "any_of", list(values)
        elif all_of is not None:
            self.quantifier, self.values = "all_of", list(all_of)
        elif none_of is not None:
            self.quantifier, self.values = "none_of", list(none_of)
        else:
            self.quantifier, self.values = "truthy", []
        for v in self.values:
            if not isinstance(v, (str, int, float, bool)):
                raise ImproperlyConfigured(f"Requires() values must be str, int, float, or bool, got {v!r}")
        #: The 403 detail; ``None`` (not given) answers ``"Permission denied"``, which tells a
        #: caller nothing about the claims the route reads.
        self.message = message

    def _describe(self) -> GuardRecord:
        return {
            "kind": "requires",
            "claim": self.claim,
            "quantifier": self.quantifier,
            "values": json.dumps(self.values),
            "message": self.denial,
        }

    def to_metadata(self) -> dict[str, Any]:
        """``{"type": "requires", "claim", "values", "quantifier", "message"}``; ``quantifier`` is
        ``QUANT_ANY`` for any of the values (or, with no values, a truthy claim), ``QUANT_ALL``
        for all of them, ``QUANT_NONE`` for none of them, as in the release."""
        return {
            "type": "requires",
            "claim": self.claim,
            "values": list(self.values),
            "quantifier": _QUANTIFIER_NUMBERS[self.quantifier],
            "message": self.message,
        }

    def _allows(self, claims: dict[str, Any] | None) -> bool:
        """The same check in Python, for identities only Python knows (sessions)."""
        if claims is None:
            return False
        value: Any = claims
        for part in self.claim.split("."):
            if not isinstance(value, dict) or part not in value:
                return self.quantifier == "none_of"
            value = value[part]
        if self.quantifier == "truthy":
            return bool(value)
        if isinstance(value, list):
            have = value
        elif isinstance(value, str) and self.claim.split(".")[-1] in ("scope", "scp"):
            have = value.split()
        else:
            have = [value]

        def same(a: Any, b: Any) -> bool:
            return (
                type(a) is type(b)
                and a == b
                or (not isinstance(a, bool) and not isinstance(b, bool) and isinstance(a, (int, float)) and a == b)
            )

        def has(w: Any) -> bool:
            return any(same(w, h) for h in have)

        if self.quantifier == "any_of":
            return any(has(w) for w in self.values)
        if self.quantifier == "all_of":
            return all(has(w) for w in self.values)
        return not any(has(w) for w in self.values)

    def __repr__(self) -> str:
        """The call that builds this guard."""
        if self.quantifier in ("all_of", "none_of"):
            args = [repr(self.claim), f"{self.quantifier}={self.values!r}"]
        else:
            args = [repr(v) for v in (self.claim, *self.values)]
        if self.message is not None:
            args.append(f"message={self.message!r}")
        return f"Requires({', '.join(args)})"


_QUANTIFIER_NUMBERS = {"any_of": QUANT_ANY, "truthy": QUANT_ANY, "all_of": QUANT_ALL, "none_of": QUANT_NONE}

#: The built-in guards, which compile to Rust claim checks (a ``BasePermission`` subclass of
#: anything else runs ``has_permission`` in Python).
GUARD_TYPES = (AllowAny, IsAuthenticated, Requires)


def IsAdminUser(message: str | None = None) -> Requires:  # noqa: N802 - public class-like name
    """Superusers: ``Requires("is_superuser", True)``."""
    return Requires("is_superuser", True, message=message or "Administrator access required")


def IsStaff(message: str | None = None) -> Requires:  # noqa: N802
    """Staff: ``Requires("is_staff", True)``."""
    return Requires("is_staff", True, message=message or "Staff access required")


def HasPermission(permission: str, message: str | None = None) -> Requires:  # noqa: N802
    """``Requires("permissions", permission)``."""
    return Requires("permissions", permission, message=message or f"Missing permission {permission!r}")


def HasAnyPermission(*permissions: str, message: str | None = None) -> Requires:  # noqa: N802
    """``Requires("permissions", *permissions)``."""
    return Requires("permissions", *permissions, message=message or "Missing permission")


def HasAllPermissions(*permissions: str, message: str | None = None) -> Requires:  # noqa: N802
    """``Requires("permissions", all_of=permissions)``."""
    return Requires("permissions", all_of=permissions, message=message or "Missing permission")


def get_default_permission_classes() -> list[Any]:
    from ..conf import BoltConfig

    return list(BoltConfig.from_settings().default_permission_classes)


__all__ = [
    "BasePermission",
    "AllowAny",
    "IsAuthenticated",
    "Requires",
    "IsAdminUser",
    "IsStaff",
    "HasPermission",
    "HasAnyPermission",
    "HasAllPermissions",
    "get_default_permission_classes",
    "GUARD_TYPES",
    "QUANT_ANY",
    "QUANT_ALL",
    "QUANT_NONE",
]
