"""``LoggingMiddleware``: the records ``BoltAPI(logging_config=...)`` writes for each request.

Its methods take the request as a mapping (``method``, ``path``, ``query_params``,
``headers``, ``body``) or anything with ``get(key, default)``; a ``META`` attribute (the
server's request) gives the client address, which then wins over client-sent headers.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from django.core.exceptions import SuspiciousOperation

from .config import LoggingConfig, get_default_logging_config

MASK = "***"


def _level_for(status_code: int) -> int:
    if status_code >= 500:
        return logging.ERROR
    if status_code >= 400:
        return logging.WARNING
    return logging.INFO


class LoggingMiddleware:
    """Writes request (DEBUG), response (by status) and exception (``error_log_level``)
    records as ``LoggingConfig`` says, with the logged fields also as record attributes."""

    def __init__(self, config: LoggingConfig | None = None) -> None:
        self.config = config if config is not None else get_default_logging_config()
        self.logger = self.config.get_logger()

    def obfuscate_headers(self, headers: dict[str, str]) -> dict[str, str]:
        hidden = self.config.obfuscate_headers
        return {k: MASK if k.lower() in hidden else v for k, v in headers.items()}

    def obfuscate_cookies(self, cookies: dict[str, str]) -> dict[str, str]:
        hidden = self.config.obfuscate_cookies
        return {k: MASK if k in hidden else v for k, v in cookies.items()}

    def _body_text(self, body: bytes) -> str | None:
        if not body or len(body) > self.config.max_body_log_size:
            return None
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<binary data, {len(body)} bytes>"

    def _client_ip(self, request: Any, headers: dict[str, str]) -> str:
        meta = getattr(request, "META", None)
        if meta is not None:
            # The server's address for the peer (trusted proxies applied); headers a client
            # sends itself cannot be trusted here.
            return meta.get("REMOTE_ADDR", "") or ""
        forwarded = headers.get("x-forwarded-for", "").split(",")[0].strip()
        return forwarded or headers.get("x-real-ip", "")

    def extract_request_data(self, request: Any) -> dict[str, Any]:
        """The configured request fields, secrets masked."""
        fields = self.config.request_log_fields
        data: dict[str, Any] = {}
        if "method" in fields:
            data["method"] = request.get("method", "")
        if "path" in fields:
            data["path"] = request.get("path", "")
        if "query" in fields:
            query = request.get("query_params", None)
            if query:
                data["query"] = dict(query)
        headers = request.get("headers", None) or {}
        if "headers" in fields and headers:
            data["headers"] = self.obfuscate_headers(dict(headers))
        if "body" in fields and self.config.log_request_body:
            text = self._body_text(request.get("body", b"") or b"")
            if text is not None:
                data["body"] = text
        if "client_ip" in fields:
            client_ip = self._client_ip(request, headers)
            if client_ip:
                data["client_ip"] = client_ip
        if "user_agent" in fields:
            user_agent = headers.get("user-agent", "")
            if user_agent:
                data["user_agent"] = user_agent
        return data

    def log_request(self, request: Any) -> None:
        """``METHOD path`` at DEBUG (when the logger takes DEBUG and the path is not skipped)."""
        path = request.get("path", "")
        if not self.config.should_log_request(path) or not self.logger.isEnabledFor(logging.DEBUG):
            return
        data = self.extract_request_data(request)
        words = [data[k] for k in ("method", "path") if k in data]
        self.logger.debug(" ".join(words) if words else f"Request: {path}", extra=data)

    def wants_response(self, status_code: int, duration: float) -> bool:
        """Whether a response with this status and duration (seconds) is logged: errors always,
        successes when the level, ``sample_rate`` and ``min_duration_ms`` let them through."""
        if status_code >= 400:
            return self.logger.isEnabledFor(_level_for(status_code))
        if not self.logger.isEnabledFor(logging.INFO):
            return False
        rate = self.config.sample_rate
        if rate is not None and random.random() >= rate:
            return False
        slow_ms = self.config.min_duration_ms
        return slow_ms is None or duration * 1000.0 >= slow_ms

    def log_response(self, request: Any, status_code: int, duration: float, response_size: int | None = None) -> None:
        """``METHOD path status (ms)`` at INFO/WARNING/ERROR by status; ``duration`` in seconds."""
        path = request.get("path", "")
        if not self.config.should_log_request(path, status_code) or not self.wants_response(status_code, duration):
            return
        request_fields = self.config.request_log_fields
        response_fields = self.config.response_log_fields
        data: dict[str, Any] = {}
        words: list[str] = []
        if "method" in request_fields:
            data["method"] = request.get("method", "")
            words.append(data["method"])
        if "path" in request_fields:
            data["path"] = path
            words.append(path)
        if "status_code" in response_fields:
            data["status_code"] = status_code
            words.append(str(status_code))
        if "duration" in response_fields:
            data["duration_ms"] = round(duration * 1000, 2)
            words.append(f"({data['duration_ms']}ms)")
        if "size" in response_fields and response_size is not None:
            data["response_size"] = response_size
        self.logger.log(_level_for(status_code), " ".join(words) if words else f"Response: {status_code}", extra=data)

    def log_exception(self, request: Any, exc: BaseException, exc_info: bool = True) -> None:
        """One record for an exception a handler raised (with its traceback by default)."""
        if isinstance(exc, SuspiciousOperation):
            # Django logs these to ``django.security.*`` already; clients can cause one per request.
            return
        if self.config.exception_logging_handler is not None:
            self.config.exception_logging_handler(self.logger, request, exc, exc_info)
            return
        method, path = request.get("method", ""), request.get("path", "")
        data = {"method": method, "path": path, "exception_type": type(exc).__name__, "exception": str(exc)}
        level = logging.getLevelName(self.config.error_log_level.upper())
        self.logger.log(
            level,
            f"Exception in {method} {path}: {type(exc).__name__}: {exc}",
            extra=data,
            exc_info=exc if exc_info else None,
        )


def create_logging_middleware(
    logger_name: str | None = None, log_level: str | None = None, **options: Any
) -> LoggingMiddleware:
    """A ``LoggingMiddleware`` with the default config changed by the given fields; an unknown
    field is a ``TypeError``."""
    config = get_default_logging_config()
    if logger_name:
        config.logger_name = logger_name
    if log_level:
        config.log_level = log_level
    for name, value in options.items():
        if not hasattr(config, name):
            raise TypeError(f"create_logging_middleware() got an unknown LoggingConfig field {name!r}")
        setattr(config, name, value)
    return LoggingMiddleware(config)


__all__ = ["LoggingMiddleware", "create_logging_middleware"]
