"""Python middleware around one route's handler, compiled once per route into the middleware slot
of its stage chain (``_chain.build_chain``). Routes without Python middleware never get here.

Each middleware is built once with ``get_response``: the next middleware, or the step that calls the
handler of the current request (found on the request) and turns its result into a ``Response``.
Sync and async middleware mix as in Django: where the next step runs in the other mode it is
wrapped with asgiref's ``sync_to_async``/``async_to_sync``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from types import AsyncGeneratorType, GeneratorType
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.http.response import HttpResponseBase

from .._results import NO_BODY_STATUSES, NONE_RESULT, shaped_response, stream_result
from ..responses import Response
from .base import FunctionMiddleware

#: Attribute of the request holding ``(handler, args, kwargs)`` of the call in progress.
CALL = "_bolt_handler_call"


def middleware_names(factory: Any) -> set[str]:
    """The names ``@skip_middleware`` knows ``factory`` by: its class or function name and dotted path."""
    target = factory.func if isinstance(factory, FunctionMiddleware) else factory
    name = getattr(target, "__name__", type(target).__name__)
    module = getattr(target, "__module__", "")
    qualname = getattr(target, "__qualname__", name)
    return {name, f"{module}.{qualname}"}


def _wants_async(factory: Any, current_is_async: bool) -> bool:
    if isinstance(factory, FunctionMiddleware):
        return True
    can_sync = getattr(factory, "sync_capable", None)
    can_async = getattr(factory, "async_capable", None)
    if can_sync is None and can_async is None:
        call = factory.__call__ if isinstance(factory, type) else type(factory).__call__
        return iscoroutinefunction(call) or inspect.iscoroutinefunction(call)
    if not can_async:
        return False
    if can_sync is False:
        return True
    return current_is_async


def _adapt(step: Callable[..., Any], is_async: bool, want_async: bool) -> Callable[..., Any]:
    if is_async == want_async:
        return step
    # Thread-sensitive, as Django runs sync code under async callers (database connections).
    if want_async:
        return sync_to_async(step, thread_sensitive=True)

    # async_to_sync calls its function before its loop runs; a middleware whose plain `def
    # __call__` returns a future (`asyncio.shield(...)`) needs the loop running when called.
    async def called_in_loop(*args: Any) -> Any:
        return await step(*args)

    return async_to_sync(called_in_loop)


def _as_response(status_code: int, shape: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """What turns a handler's result into the response middleware see (Rust does it otherwise)."""

    def to_response(result: Any) -> Any:
        # As Rust converts results (src/python/response.rs): the same checks and streams.
        if isinstance(result, Response):
            return shaped_response(result, shape, status_code) if shape is not None else result
        if isinstance(result, HttpResponseBase):
            return result
        if isinstance(result, (GeneratorType, AsyncGeneratorType)):
            return stream_result(result, status_code)
        if result is None and shape is None and status_code not in NO_BODY_STATUSES and status_code >= 200:
            raise TypeError(NONE_RESULT)
        if isinstance(result, bytes):
            return Response(result, status_code, media_type="application/octet-stream")
        if isinstance(result, str):
            return Response(result, status_code, media_type="text/plain")
        return Response(shape(result) if shape is not None else result, status_code, media_type="application/json")

    return to_response


def compile_middleware(
    factories: Sequence[Any],
    is_async: bool,
    status_code: int,
    shape: Callable[[Any], Any] | None,
    view: Callable[..., Any],
) -> Callable[[Any], Any]:
    """``run(request)`` in the route's mode: the middleware (first = outermost) around the call
    stored on the request under ``CALL``."""
    to_response = _as_response(status_code, shape)
    if is_async:

        async def call_handler(request: Any) -> Any:
            handler, args, kwargs = getattr(request, CALL)
            return to_response(await handler(*args, **kwargs))

        step: Callable[..., Any] = call_handler
    else:

        def call_handler_sync(request: Any) -> Any:
            handler, args, kwargs = getattr(request, CALL)
            return to_response(handler(*args, **kwargs))

        step = call_handler_sync
    step_is_async = is_async
    for factory in reversed(factories):
        if hasattr(factory, "bolt_django_stack"):
            step, step_is_async = factory.build(step, step_is_async, view)
            continue
        want_async = _wants_async(factory, step_is_async)
        step = factory(_adapt(step, step_is_async, want_async))
        step_is_async = want_async
    return _adapt(step, step_is_async, is_async)


__all__ = ["compile_middleware", "middleware_names", "CALL"]
