"""``TimingMiddleware``, ``LoggingMiddleware`` and ``ErrorHandlerMiddleware``."""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from typing import Any

from ..exceptions import HTTPException, RequestValidationError
from .base import BaseMiddleware, GetResponse


class TimingMiddleware(BaseMiddleware):
    """Puts ``request_id`` and ``start_time`` in ``request.state``; answers with ``X-Request-ID`` and
    ``X-Response-Time`` (seconds)."""

    async def process_request(self, request: Any) -> Any:
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        request.state["request_id"] = request_id
        request.state["start_time"] = started
        response = await self.get_response(request)
        response.headers["X-Request-ID"] = request_id
        response.headers["X-Response-Time"] = f"{time.perf_counter() - started:.4f}s"
        return response


class LoggingMiddleware(BaseMiddleware):
    """Logs each request and its response status to ``django_bolt.requests`` (not for health,
    metrics and docs paths)."""

    exclude_paths = ["/health", "/metrics", "/docs", "/openapi.json"]

    def __init__(
        self,
        get_response: GetResponse,
        logger: logging.Logger | None = None,
        log_body: bool = False,
        log_headers: bool = False,
        log_level: int = logging.INFO,
    ) -> None:
        super().__init__(get_response)
        self.logger = logger or logging.getLogger("django_bolt.requests")
        self.log_body = log_body
        self.log_headers = log_headers
        self.log_level = log_level

    async def process_request(self, request: Any) -> Any:
        if not self.logger.isEnabledFor(self.log_level):
            return await self.get_response(request)
        described: dict[str, Any] = {"method": request.method, "path": request.path}
        if request.query_string:
            described["query"] = dict(request.query)
        if self.log_headers:
            # Credentials stay out of logs.
            described["headers"] = {
                k: ("***" if k in ("authorization", "cookie", "x-api-key") else v) for k, v in request.headers.items()
            }
        if self.log_body:
            described["body_size"] = len(request.body)
        self.logger.log(self.log_level, "Request: %s", described)
        started = time.perf_counter()
        response = await self.get_response(request)
        self.logger.log(
            self.log_level,
            "Response: %s for %s %s (%.4fs)",
            getattr(response, "status_code", "?"),
            request.method,
            request.path,
            time.perf_counter() - started,
        )
        return response


class ErrorHandlerMiddleware(BaseMiddleware):
    """Turns any exception other than an HTTP error into a logged 500 (with the traceback as
    ``detail`` when ``debug=True``)."""

    def __init__(self, get_response: GetResponse, debug: bool = False) -> None:
        super().__init__(get_response)
        self.debug = debug
        self.logger = logging.getLogger("django_bolt.errors")

    async def process_request(self, request: Any) -> Any:
        try:
            return await self.get_response(request)
        except (HTTPException, RequestValidationError):
            raise
        except Exception as exc:  # noqa: BLE001 - that is this middleware's purpose
            from .._django_responses import translate_error

            translated = translate_error(exc)
            if translated is not None:  # Http404, PermissionDenied, ...: their own status
                raise translated from None
            self.logger.exception("Unhandled exception: %s", exc)
            raise HTTPException(500, traceback.format_exc() if self.debug else "Internal Server Error") from None


__all__ = ["TimingMiddleware", "LoggingMiddleware", "ErrorHandlerMiddleware"]
