"""The release's module ``django_bolt.middleware.middleware``: checking middleware lists.

``normalize_middleware_specs`` is the check ``BoltAPI(middleware=)``, ``Router(middleware=)`` and
``@middleware`` apply to each entry (``check_middleware``), over a whole list;
``FunctionMiddlewareSpec`` is the wrapper an ``async def fn(request, call_next)`` becomes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .base import FunctionMiddleware, check_middleware

#: The release's name for a function middleware's wrapper (``.func`` is the function).
FunctionMiddlewareSpec = FunctionMiddleware


def normalize_middleware_specs(
    middleware_specs: Iterable[Any] | None, *, context: str, allow_function_middleware: bool = False
) -> list[Any]:
    """Every entry as a middleware factory: classes, Django middleware stacks and function
    wrappers as they are, an ``async def fn(request, call_next)`` wrapped when
    ``allow_function_middleware`` (route level), the release's dict settings (``{"cors": ...}``) as
    they are; an instance, or anything else, is a ``TypeError`` naming ``context``."""
    normalized: list[Any] = []
    for spec in middleware_specs or ():
        if isinstance(spec, FunctionMiddleware) and not allow_function_middleware:
            raise TypeError(f"{context}: function middleware is only accepted on a route (@middleware)")
        if isinstance(spec, dict):
            normalized.append(spec)
        else:
            normalized.append(check_middleware(spec, context, allow_functions=allow_function_middleware))
    return normalized


__all__ = ["FunctionMiddlewareSpec", "normalize_middleware_specs"]
