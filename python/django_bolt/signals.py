"""Django's ``request_started``/``request_finished`` around bolt handlers (``BOLT_EMIT_SIGNALS``).

Off by default, as in the release: a route then has no signal step at all. On, every route's
stage chain sends ``request_started`` before its first stage and ``request_finished`` once the
handler returned or raised, so Django's receivers run as under ``runserver``: among them
``close_old_connections``, which closes database connections past ``CONN_MAX_AGE`` or broken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished, request_started


def _scope(request: Any) -> dict[str, Any]:
    # Receivers written for Django's ASGI handler read an ASGI-like scope.
    return {
        "type": "http",
        "method": request.method,
        "path": request.path,
        "query_string": request.query_string.encode("utf-8"),
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()],
    }


def _direct(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    return handler(*args, **kwargs)


async def _adirect(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    return await handler(*args, **kwargs)


def with_request_signals(chain: Callable[..., Any] | None, is_async: bool) -> Callable[..., Any]:
    """``chain`` (or a direct call of the handler) between the two signals."""
    from .api import BoltAPI

    if is_async:
        inner = chain or _adirect

        async def achain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
            await request_started.asend(sender=BoltAPI, scope=_scope(request))
            try:
                return await inner(request, handler, args, kwargs)
            finally:
                await request_finished.asend(sender=BoltAPI)

        achain.stages = ("request_signals", *getattr(chain, "stages", ()))  # type: ignore[attr-defined]
        return achain

    inner_sync = chain or _direct

    def sync_chain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        request_started.send(sender=BoltAPI, scope=_scope(request))
        try:
            return inner_sync(request, handler, args, kwargs)
        finally:
            request_finished.send(sender=BoltAPI)

    sync_chain.stages = ("request_signals", *getattr(chain, "stages", ()))  # type: ignore[attr-defined]
    return sync_chain


__all__ = ["with_request_signals"]
