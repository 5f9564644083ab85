"""Types for annotating handlers: ``Request[UserType, JWTClaims, TimingState]`` and friends.

These describe what django-bolt hands a handler; they do not change behaviour (``Request[...]``
is the same runtime class as ``Request``).
"""

from __future__ import annotations

from typing import Any, Protocol, TypedDict, runtime_checkable

from .request import Request


@runtime_checkable
class RequestProtocol(Protocol):
    """What a handler can rely on from ``request``."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def headers(self) -> Any: ...
    @property
    def query(self) -> Any: ...
    @property
    def context(self) -> Any: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def __getitem__(self, key: str, /) -> Any: ...


@runtime_checkable
class UserType(Protocol):
    """The parts of Django's user model handlers usually use (``request.user``)."""

    id: Any
    pk: Any
    is_active: bool
    is_staff: bool
    is_superuser: bool

    @property
    def is_authenticated(self) -> bool: ...
    def get_username(self) -> str: ...
    def has_perm(self, perm: str, obj: Any = None) -> bool: ...


@runtime_checkable
class AuthContext(Protocol):
    """Authentication as one object: who, with which backend, which permissions and claims."""

    user_id: str | None
    is_staff: bool
    is_superuser: bool
    backend: str
    permissions: set[str] | None
    claims: dict[str, Any] | None


@runtime_checkable
class DjangoModel(Protocol):
    """A Django model instance's persistence methods, sync and async."""

    pk: Any

    def save(self, *args: Any, **kwargs: Any) -> None: ...
    def delete(self, *args: Any, **kwargs: Any) -> Any: ...
    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None: ...
    async def asave(self, *args: Any, **kwargs: Any) -> None: ...
    async def adelete(self, *args: Any, **kwargs: Any) -> Any: ...
    async def arefresh_from_db(self, *args: Any, **kwargs: Any) -> None: ...


class JWTClaims(TypedDict, total=False):
    """Claims of a token (RFC 7519 names plus the ones ``create_jwt_for_user`` writes)."""

    sub: str
    exp: int
    iat: int
    nbf: int
    iss: str
    aud: str
    jti: str
    user_id: int
    username: str
    email: str
    is_staff: bool
    is_superuser: bool
    permissions: list[str]
    groups: list[str]


# Optional keys live in a total=False subclass of the required ones (NotRequired needs 3.11).
class _APIKeyAuthRequired(TypedDict):
    key_id: str
    key_name: str
    permissions: list[str]


class APIKeyAuth(_APIKeyAuthRequired, total=False):
    """What an API key identifies."""

    rate_limit: int
    metadata: dict[str, Any]


class TimingState(TypedDict):
    """``request.state`` of a route that records timing."""

    start_time: float
    request_id: str


class _TracingStateRequired(TypedDict):
    trace_id: str
    span_id: str


class TracingState(_TracingStateRequired, total=False):
    """``request.state`` of a traced route."""

    parent_span_id: str
    baggage: dict[str, str]


__all__ = [
    "APIKeyAuth",
    "AuthContext",
    "DjangoModel",
    "JWTClaims",
    "Request",
    "RequestProtocol",
    "TimingState",
    "TracingState",
    "UserType",
]
