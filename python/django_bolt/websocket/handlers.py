"""``@api.websocket`` handlers: how one is recognised, which argument takes the ``WebSocket``,
how it is called per connection, and how it compiles into what the Rust router runs.

The handler's own parameters (path, query, headers, cookies, ``Depends``...) compile exactly as
an HTTP handler's; the ``WebSocket`` argument is left out of that and filled per connection.
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

#: The attribute ``@api.websocket`` sets on the function it registers (the release's name).
_MARK = "_is_websocket_handler"


def mark_websocket_handler(func: Callable[..., Any]) -> Callable[..., Any]:
    """Marks ``func`` as a WebSocket handler (``@api.websocket`` does it); returns ``func``."""
    setattr(getattr(func, "__func__", func), _MARK, True)  # a bound method: on its function
    return func


def is_websocket_handler(func: Callable[..., Any]) -> bool:
    """Whether ``func`` was registered with ``@api.websocket`` (or marked as such)."""
    return getattr(func, _MARK, False) is True


def _websocket_params(func: Callable[..., Any], hints: dict[str, Any]) -> list[str]:
    parameters = inspect.signature(func).parameters
    names = [n for n in parameters if hints.get(n) is WebSocket]
    return names or [n for n in parameters if n in ("websocket", "ws") and n not in hints]


def get_websocket_param_name(func: Callable[..., Any]) -> str | None:
    """The argument of ``func`` that receives the ``WebSocket``: the one annotated ``WebSocket``,
    else an unannotated ``websocket`` or ``ws``. ``None`` when there is none or more than one
    (``@api.websocket`` refuses such a handler when the API compiles)."""
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations: only the names can tell
        hints = {}
    names = _websocket_params(func, hints)
    return names[0] if len(names) == 1 else None


#: One signature inspection per handler, not per connection.
_param_name_of = functools.lru_cache(maxsize=4096)(get_websocket_param_name)


async def run_websocket_handler(
    handler: Callable[..., Any],
    websocket: WebSocket,
    path_params: dict[str, Any] | None = None,
    **extra_kwargs: Any,
) -> None:
    """Calls ``handler`` for one connection: ``websocket`` as its WebSocket argument, the
    ``path_params`` it takes as arguments, and ``extra_kwargs`` (our compiled route passes the
    converted parameters and dependencies here); awaits it when it is a coroutine."""
    name = _param_name_of(handler)
    if name is None:
        raise TypeError(f"{handler!r} takes no (single) WebSocket argument")
    kwargs: dict[str, Any] = {}
    if path_params:
        accepted = inspect.signature(handler).parameters
        kwargs.update((k, v) for k, v in path_params.items() if k in accepted and k != name)
    kwargs.update(extra_kwargs)
    kwargs[name] = websocket
    result = handler(**kwargs)
    if inspect.isawaitable(result):
        await result


def compile_websocket(fn: Callable[..., Any], path: str, where: str) -> CompiledHandler:
    """``fn(websocket, **params)`` → a handler Rust calls as ``entry(conn, **params)``."""
    if not inspect.iscoroutinefunction(fn):
        raise RouteDefinitionError(f"{where}: a WebSocket handler must be `async def`")
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # noqa: BLE001 - report unresolved annotations with the route
        raise RouteDefinitionError(f"{where}: cannot resolve type hints: {exc}") from exc
    names = _websocket_params(fn, hints)
    if len(names) != 1:
        raise RouteDefinitionError(f"{where}: a WebSocket handler takes exactly one `WebSocket` parameter")
    ws_name = names[0]
    signature = inspect.signature(fn)
    if signature.parameters[ws_name].kind is inspect.Parameter.POSITIONAL_ONLY:
        raise RouteDefinitionError(f"{where}: the WebSocket parameter cannot be positional-only")
    rest = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for n, p in signature.parameters.items()
        if n != ws_name and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]

    @functools.wraps(fn)
    async def with_websocket(**kwargs: Any) -> None:
        await run_websocket_handler(fn, _current.get(), **kwargs)

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
