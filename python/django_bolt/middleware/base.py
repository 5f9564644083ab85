"""Python middleware in the release's forms: Django-style classes (``__init__(get_response)``,
sync or async ``__call__``), ``BaseMiddleware``/``Middleware`` (async ``process_request``) and
function middleware attached with ``@middleware``."""

from __future__ import annotations

import dataclasses
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from .decorators import attached

F = TypeVar("F", bound=Callable[..., Any])

#: ``get_response(request) -> response``: the next middleware or the handler.
GetResponse = Callable[[Any], Awaitable[Any]]


#: What ``middleware=[...]`` lists: middleware classes (the release's name).
MiddlewareType = type


@runtime_checkable
class MiddlewareProtocol(Protocol):
    """What a middleware class is: built once with the next step, called per request."""

    def __init__(self, get_response: GetResponse) -> None: ...

    async def __call__(self, request: Any) -> Any: ...


def _glob(pattern: str) -> str:
    return re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")


class BaseMiddleware(ABC):
    """Async middleware with ``exclude_paths`` (globs: ``*`` within a segment, ``**`` across) and
    ``exclude_methods``; subclasses implement ``process_request`` and call
    ``await self.get_response(request)`` to go on (or return a response to answer themselves)."""

    exclude_paths: list[str] | None = None
    exclude_methods: list[str] | None = None

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        # Read once: the per-request check is a set lookup and one regex match.
        self._excluded_path = (
            re.compile("|".join(f"^{_glob(p)}$" for p in self.exclude_paths)).match if self.exclude_paths else None
        )
        self._excluded_methods = frozenset(m.upper() for m in self.exclude_methods or ())

    async def __call__(self, request: Any) -> Any:
        if request.method in self._excluded_methods or (
            self._excluded_path is not None and self._excluded_path(request.path)
        ):
            return await self.get_response(request)
        return await self.process_request(request)

    @abstractmethod
    async def process_request(self, request: Any) -> Any: ...


class Middleware(ABC):
    """``BaseMiddleware`` without exclusions."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    async def __call__(self, request: Any) -> Any:
        return await self.process_request(request)

    @abstractmethod
    async def process_request(self, request: Any) -> Any: ...


@dataclasses.dataclass(frozen=True)
class FunctionMiddleware:
    """``async def fn(request, call_next)`` used as a middleware class."""

    func: Callable[[Any, GetResponse], Awaitable[Any]]

    @property
    def __name__(self) -> str:  # skip_middleware matches it by the function's name
        return self.func.__name__

    def __call__(self, get_response: GetResponse) -> Callable[[Any], Awaitable[Any]]:
        func = self.func

        async def call(request: Any) -> Any:
            return await func(request, get_response)

        call.__name__ = func.__name__
        return call


def _is_plain_function(value: Any) -> bool:
    import inspect

    return inspect.isfunction(value) or inspect.ismethod(value)


def check_middleware(entry: Any, where: str, allow_functions: bool = False) -> Any:
    """``entry`` as a middleware factory (called with ``get_response``), or TypeError."""
    if isinstance(entry, type) or isinstance(entry, FunctionMiddleware) or hasattr(entry, "bolt_django_stack"):
        return entry
    if allow_functions and _is_plain_function(entry):
        return FunctionMiddleware(entry)
    if isinstance(entry, (BaseMiddleware, Middleware)) or (callable(entry) and not _is_plain_function(entry)):
        # Each route builds its own chain, so each needs its own instance made with its get_response.
        raise TypeError(
            f"{where}: {type(entry).__name__}(...) is a middleware instance. Pass middleware classes instead"
        )
    raise TypeError(
        f"{where}: {entry!r} is not a middleware class"
        + (" or an async function(request, call_next)" if allow_functions else "")
    )


def middleware(*entries: Any, **settings: Any) -> Callable[[F], F]:
    """Per-route middleware: ``@middleware(A, B)`` on a handler (A outermost), or ``@middleware`` on an
    ``async def fn(request, call_next)`` to make a decorator that attaches it."""
    if settings:
        # The release's dict form (``@middleware(cors={...})``) configures Rust middleware.
        raise TypeError(
            f"@middleware takes middleware classes or functions, not settings {sorted(settings)}; "
            "use @cors, @rate_limit or @skip_middleware"
        )
    if len(entries) == 1 and _is_plain_function(entries[0]):
        spec = FunctionMiddleware(entries[0])

        def attach_function(handler: F) -> F:
            attached(handler).append(spec)
            return handler

        return attach_function
    checked = [check_middleware(e, "@middleware", allow_functions=True) for e in entries]

    def attach(handler: F) -> F:
        attached(handler).extend(checked)
        return handler

    return attach


def route_python_middleware(recorded: dict[str, Any] | None) -> tuple[Any, ...]:
    """The middleware ``@middleware`` attached to a route's handler (its ``recorded_settings``)."""
    return tuple(recorded.get("python", ())) if recorded else ()


__all__ = [
    "MiddlewareProtocol",
    "BaseMiddleware",
    "Middleware",
    "GetResponse",
    "MiddlewareType",
    "FunctionMiddleware",
    "middleware",
]
