"""Exception → response helpers: each returns ``(status, [(header, value), ...], body bytes)``.

The server converts handler exceptions itself (the same shapes as these); these functions are for
code that builds error responses by hand, such as custom error handling around a handler.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

import msgspec
from django.views.debug import ExceptionReporter

from . import _json
from ._compile import _msgspec_error
from .error_formatter import (
    BoltError,
    ErrorFormatter,
    ProblemDetails,
    ProblemFieldError,
    error_schema,
    problem_details,
)
from .exceptions import HTTPException, RequestValidationError, ResponseValidationError, ValidationException

ErrorResponse = tuple[int, list[tuple[str, str]], bytes]

_JSON = ("content-type", "application/json")


def format_error_response(
    status_code: int,
    detail: Any,
    headers: Mapping[str, str] | None = None,
    extra: Any = None,
) -> ErrorResponse:
    """``{"detail": detail}`` (plus ``"extra"`` when given) as a JSON error response."""
    payload: dict[str, Any] = {"detail": detail}
    if extra is not None:
        payload["extra"] = extra
    return status_code, [_JSON, *(headers or {}).items()], _json.encode(payload)


def http_exception_handler(exc: HTTPException) -> ErrorResponse:
    """The response an ``HTTPException`` becomes: its ``body`` as it is, else detail/extra."""
    if getattr(exc, "body", None) is not None:
        return exc.status_code, [_JSON, *(exc.headers or {}).items()], _json.encode(exc.body)
    return format_error_response(exc.status_code, exc.detail, exc.headers, exc.extra)


def msgspec_validation_error_to_dict(exc: msgspec.ValidationError) -> list[dict[str, Any]]:
    """A msgspec validation error as ``[{"loc": [...], "msg": ..., "type": ...}]``."""
    return [_msgspec_error(exc, ["body"])]


def request_validation_error_handler(exc: ValidationException) -> ErrorResponse:
    """422 with every error listed under ``detail``."""
    return format_error_response(422, list(exc.errors))


def response_validation_error_handler(exc: ResponseValidationError) -> ErrorResponse:
    """500: the handler's return value did not match its declared response type."""
    return format_error_response(500, "Response validation error", extra={"validation_errors": list(exc.errors)})


def generic_exception_handler(exc: BaseException, debug: bool = False, request: Any = None) -> ErrorResponse:
    """500. With ``debug``: Django's technical error page (HTML), or, if that cannot be rendered,
    JSON with the exception type and traceback. Without: no detail at all."""
    if not debug:
        return format_error_response(500, "Internal Server Error")
    try:
        # The reporter reads request.META etc.; only a Django HttpRequest has those.
        django_request = request if hasattr(request, "META") else None
        reporter = ExceptionReporter(django_request, type(exc), exc, exc.__traceback__)
        html = reporter.get_traceback_html()
        return 500, [("content-type", "text/html; charset=utf-8")], str(html).encode()
    except Exception:  # noqa: BLE001 - the page itself failed: fall back to JSON
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        extra = {"exception_type": type(exc).__name__, "traceback": lines}
        return format_error_response(500, f"{type(exc).__name__}: {exc}", extra=extra)


def handle_exception(exc: BaseException, debug: bool | None = None, request: Any = None) -> ErrorResponse:
    """Any exception → its response; ``debug`` defaults to Django's ``DEBUG``."""
    if isinstance(exc, HTTPException):
        return http_exception_handler(exc)
    if isinstance(exc, ResponseValidationError):
        return response_validation_error_handler(exc)
    if isinstance(exc, (RequestValidationError, ValidationException)):
        return request_validation_error_handler(exc)
    if isinstance(exc, msgspec.ValidationError):
        return format_error_response(422, msgspec_validation_error_to_dict(exc))
    if debug is None:
        from django.conf import settings  # noqa: PLC0415

        debug = bool(getattr(settings, "DEBUG", False))
    return generic_exception_handler(exc, debug=debug, request=request)


__all__ = [
    "BoltError",
    "ErrorFormatter",
    "ProblemDetails",
    "ProblemFieldError",
    "error_schema",
    "problem_details",
    "format_error_response",
    "generic_exception_handler",
    "handle_exception",
    "http_exception_handler",
    "msgspec_validation_error_to_dict",
    "request_validation_error_handler",
    "response_validation_error_handler",
]
