"""One readable line for an error found while loading or compiling the API: which handler, which
file and line, and what is wrong (runbolt shows this instead of a traceback; ``--traceback`` and
``django-bolt doctor`` use the same words)."""

from __future__ import annotations

import inspect
import os
import traceback
from typing import Any

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def handler_location(handler: Any) -> tuple[str, int] | None:
    """(file, first line) of a handler's definition, through decorators that wrap it."""
    try:
        target = inspect.unwrap(handler)
        code = getattr(target, "__code__", None)
        if code is None and callable(target):
            code = getattr(type(target).__call__, "__code__", None)
        if code is None:
            return None
        return code.co_filename, code.co_firstlineno
    except (TypeError, ValueError):
        return None


def _user_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost frame of the exception outside django-bolt and the standard library."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename, exc.lineno or 0
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = os.path.abspath(frame.filename)
        if path.startswith(_PACKAGE_DIR) or "<frozen" in frame.filename or f"{os.sep}django{os.sep}" in path:
            continue
        found = (frame.filename, frame.lineno or 0)
    return found


def _relative(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def describe_route_error(exc: BaseException, route: Any = None) -> str:
    """``file:line: handler name (METHOD /path): what is wrong``, on one line."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, SyntaxError):
        message = f"SyntaxError: {exc.msg}"
    elif type(exc).__name__ != "RouteDefinitionError":
        message = f"{type(exc).__name__}: {message}"
    where = None
    subject = ""
    if route is not None:
        where = handler_location(route.handler)
        name = getattr(route.handler, "__qualname__", repr(route.handler))
        subject = f"handler {name} ({route.method} {route.path}): "
    if where is None:
        where = _user_frame(exc)
    prefix = f"{_relative(where[0])}:{where[1]}: " if where else ""
    return f"{prefix}{subject}{message}"
