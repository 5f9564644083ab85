"""The route stage of ``BoltAPI(logging_config=...)``: logs around the route's Python chain.

Only routes of an API with ``logging_config=`` carry it. It sees what Python answers (the
handler's result, ``HTTPException``s, validation errors of Python stages, unhandled errors);
answers Rust gives by itself (404/405, Rust auth refusals, rate limits) are in the Rust access
log (``BOLT_ACCESS_LOG``) only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .middleware import LoggingMiddleware


class RequestView:
    """The request as ``LoggingMiddleware`` reads it: ``get(key)`` of the release's keys, each
    read from the server's request only when a configured field asks for it."""

    __slots__ = ("_request",)

    def __init__(self, request: Any) -> None:
        self._request = request

    def get(self, key: str, default: Any = None) -> Any:
        request = self._request
        if key == "method":
            return request.method
        if key == "path":
            return request.path
        if key == "query_params":
            return dict(request.query)
        if key == "headers":
            return dict(request.headers.items())
        if key == "body":
            return request.body
        return request.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    @property
    def META(self) -> Any:  # noqa: N802 - Django's name
        return self._request.META


def _status_of_error(exc: BaseException) -> int:
    from .._django_responses import translate_error
    from ..exceptions import RequestValidationError

    if isinstance(exc, RequestValidationError):
        return 422
    translated = translate_error(exc) if not hasattr(exc, "status_code") else exc
    status = getattr(translated, "status_code", 500)
    return int(status) if isinstance(status, int) else 500


def _direct(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    return handler(*args, **kwargs)


async def _adirect(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    return await handler(*args, **kwargs)


class _Recording:
    """One request's records: the request on entry, then the response (``done``) or the
    exception leaving the block with its status."""

    __slots__ = ("logger", "view", "default_status", "started")

    def __init__(self, logger: LoggingMiddleware, request: Any, default_status: int) -> None:
        self.logger = logger
        self.view = RequestView(request)
        self.default_status = default_status

    def __enter__(self) -> _Recording:
        self.logger.log_request(self.view)
        self.started = time.perf_counter()
        return self

    def done(self, result: Any) -> Any:
        status = getattr(result, "status_code", self.default_status)
        status = int(status) if isinstance(status, int) else self.default_status
        self.logger.log_response(self.view, status, time.perf_counter() - self.started)
        return result

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            return
        status = _status_of_error(exc)
        if status >= 500:
            self.logger.log_exception(self.view, exc)
        self.logger.log_response(self.view, status, time.perf_counter() - self.started)


def with_request_logging(
    chain: Callable[..., Any] | None, is_async: bool, logger: LoggingMiddleware, default_status: int
) -> Callable[..., Any]:
    """``chain`` (or a direct call of the handler) between a request record and a response
    (or exception) record."""
    if is_async:
        inner = chain or _adirect

        async def alogged(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
            with _Recording(logger, request, default_status) as recording:
                return recording.done(await inner(request, handler, args, kwargs))

        alogged.stages = ("request_logging", *getattr(chain, "stages", ()))  # type: ignore[attr-defined]
        return alogged

    inner_sync = chain or _direct

    def logged(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        with _Recording(logger, request, default_status) as recording:
            return recording.done(inner_sync(request, handler, args, kwargs))

    logged.stages = ("request_logging", *getattr(chain, "stages", ()))  # type: ignore[attr-defined]
    return logged


__all__ = ["RequestView", "with_request_logging"]
