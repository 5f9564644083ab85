"""Compiles a ``@api.websocket`` handler into what the Rust router runs.

The handler's own parameters (path, query, headers, cookies, ``Depends``...) compile exactly as
an HTTP handler's; the ``WebSocket`` parameter is left out of that and filled per connection.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import typing
from collections.abc import Callable
from typing import Any

from .._compile import CompiledHandler, RouteDefinitionError, compile_handler
from ._sinks import report_unhandled
from .close_codes import CloseCode
from .exceptions import WebSocketClose, WebSocketDisconnect
from .types import WebSocket

logger = logging.getLogger("django_bolt")

_current: contextvars.ContextVar[WebSocket] = contextvars.ContextVar("bolt_websocket")


def _websocket_param(fn: Callable[..., Any], hints: dict[str, Any], where: str) -> str:
    names = [n for n in inspect.signature(fn).parameters if hints.get(n) is WebSocket]
    if not names:
        names = [n for n in inspect.signature(fn).parameters if n in ("websocket", "ws") and n not in hints]
    if len(names) != 1:
        raise RouteDefinitionError(f"{where}: a WebSocket handler takes exactly one `WebSocket` parameter")
    return names[0]


def compile_websocket(fn: Callable[..., Any], path: str, where: str) -> CompiledHandler:
    """``fn(websocket, **params)`` → a handler Rust calls as ``entry(conn, **params)``."""
    if not inspect.iscoroutinefunction(fn):
        raise RouteDefinitionError(f"{where}: a WebSocket handler must be `async def`")
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # noqa: BLE001 - report unresolved annotations with the route
        raise RouteDefinitionError(f"{where}: cannot resolve type hints: {exc}") from exc
    ws_name = _websocket_param(fn, hints, where)
    signature = inspect.signature(fn)
    if signature.parameters[ws_name].kind is inspect.Parameter.POSITIONAL_ONLY:
        raise RouteDefinitionError(f"{where}: the WebSocket parameter cannot be positional-only")
    rest = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for n, p in signature.parameters.items()
        if n != ws_name and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]

    @functools.wraps(fn)
    async def with_websocket(**kwargs: Any) -> Any:
        return await fn(**{ws_name: _current.get()}, **kwargs)

    with_websocket.__signature__ = signature.replace(parameters=rest)  # type: ignore[attr-defined]
    with_websocket.__annotations__ = {k: v for k, v in hints.items() if k not in (ws_name, "return")}
    del with_websocket.__wrapped__  # type: ignore[attr-defined]  # signature() must see ours
    compiled = compile_handler(with_websocket, path, where)
    target = compiled.handler

    async def entry(conn: Any, **kwargs: Any) -> int | None:
        websocket = WebSocket(conn)
        _current.set(websocket)  # the handler runs in a task (and context) of its own
        try:
            await target(**kwargs)
        except WebSocketClose as exc:
            await websocket.close(exc.code, exc.reason)
        except WebSocketDisconnect:
            pass
        except Exception as exc:
            report_unhandled(websocket, exc)
            if not websocket.accepted:
                raise  # answered as an HTTP error instead of the upgrade
            logger.exception("Unhandled exception in WebSocket handler %s", where)
            return CloseCode.INTERNAL_ERROR
        return None

    return CompiledHandler(entry, True, compiled.params, compiled.dependencies, hidden=compiled.hidden)
