"""Middleware: CORS, rate limits and compression (enforced in Rust; these only configure them),
Python middleware (``BoltAPI(middleware=[...])``, ``@middleware``) and Django's middleware
(``BoltAPI(django_middleware=True)``)."""

from typing import Any

# The release's submodule ``middleware.middleware``, loaded before the decorator of the same name
# is bound here, so that ``django_bolt.middleware.middleware`` stays the decorator.
from . import middleware as _normalize  # noqa: F401
from .base import BaseMiddleware, GetResponse, Middleware, MiddlewareProtocol, MiddlewareType, middleware
from .builtin import ErrorHandlerMiddleware, LoggingMiddleware, TimingMiddleware
from .compression import CompressionConfig
from .decorators import cors, no_compress, rate_limit, skip_middleware

_DJANGO_ADAPTER = (
    "DjangoMiddleware",
    "DjangoMiddlewareStack",
    "load_django_middleware",
    "get_django_middleware_setting",
    "DEFAULT_EXCLUDED_MIDDLEWARE",
)


def __getattr__(name: str) -> Any:
    # Imported on use: the adapter pulls in Django's request handling.
    if name in _DJANGO_ADAPTER:
        from . import django_adapter

        return getattr(django_adapter, name)
    raise AttributeError(name)


__all__ = [
    "CompressionConfig",
    "cors",
    "rate_limit",
    "skip_middleware",
    "no_compress",
    "middleware",
    "MiddlewareProtocol",
    "BaseMiddleware",
    "Middleware",
    "GetResponse",
    "MiddlewareType",
    "TimingMiddleware",
    "LoggingMiddleware",
    "ErrorHandlerMiddleware",
    *_DJANGO_ADAPTER,
]
