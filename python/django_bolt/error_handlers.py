"""Exception → response helpers: each returns ``(status, [(header, value), ...], body bytes)``.

The server converts handler exceptions itself (the same shapes as these); these functions are for
code that builds error responses by hand, such as custom error handling around a handler.
``render_error`` is the step the server runs for ``BoltAPI(error_formatter=)``;
``bolt_error_from_exception``, ``handle_exception_with_formatter`` and ``render_core_error`` are
entry points into it.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

import msgspec
from django.views.debug import ExceptionReporter

from . import _json
from ._compile import _msgspec_error
from ._django_responses import to_bolt_response, translate_error
from .error_formatter import (
    BoltError,
    ErrorFormatter,
    ProblemDetails,
    ProblemFieldError,
    _raised_error,
    error_schema,
    logger,
    problem_details,
    render_error,
    response_parts,
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
    translated = translate_error(exc)  # Django's Http404, PermissionDenied... as the server answers them
    if translated is not None:
        return handle_exception(translated, debug=debug, request=request)
    if debug is None:
        from django.conf import settings  # noqa: PLC0415

        debug = bool(getattr(settings, "DEBUG", False))
    return generic_exception_handler(exc, debug=debug, request=request)


def serialize_django_response(response: Any) -> ErrorResponse:
    """A Django ``HttpResponse`` (not streaming) as ``(status, headers, body)``, as the server sends it
    when a handler or a Django middleware returns it (``Set-Cookie`` headers included)."""
    if getattr(response, "streaming", False):
        raise TypeError("a streaming Django response has no body in memory; return it from a handler instead")
    return response_parts(to_bolt_response(response))


def bolt_error_from_exception(exc: BaseException) -> BoltError:
    """The ``BoltError`` an ``error_formatter`` gets for ``exc`` raised by a handler (status, kind,
    detail, field errors and headers of the answer ``handle_exception`` makes without DEBUG)."""
    status, headers, body = handle_exception(exc, debug=False)
    # Header names in lower case, as the server hands them over.
    return _raised_error(status, body, [(name.lower(), value) for name, value in headers], exc)


def handle_exception_with_formatter(
    formatter: ErrorFormatter | None, exc: BaseException, request: Any
) -> ErrorResponse:
    """``exc`` answered as the server answers it with ``BoltAPI(error_formatter=formatter)``:
    the formatter's response, or ``handle_exception``'s when there is no formatter, it fails, or
    ``exc`` is an ``HTTPException`` with a ``body`` (the handler chose that answer)."""
    if formatter is not None and not (isinstance(exc, HTTPException) and exc.body is not None):
        parts = render_error(formatter, bolt_error_from_exception(exc), request)
        if parts is not None:
            return parts
    return handle_exception(exc, request=request)


def render_core_error(
    formatter: ErrorFormatter,
    status: int,
    kind: str,
    detail: str,
    errors_json: bytes | None,
    extra_json: bytes | None,
    headers: list[tuple[str, str]],
    request: Any,
    exception: BaseException | None,
    reason: str | None,
) -> ErrorResponse | None:
    """The formatter's answer to an error the framework made (errors and extra given as JSON), or
    to ``exception`` when one was raised; None when the formatter fails or for an
    ``HTTPException`` with a ``body`` (the default answer is sent). ``reason``, the cause of a
    500, is logged, never shown to the formatter."""
    if exception is not None:
        if isinstance(exception, HTTPException) and exception.body is not None:
            return None
        error = bolt_error_from_exception(exception)
    else:
        error = BoltError(
            status=status,
            kind=kind,
            detail=detail,
            errors=_json.decode(errors_json) if errors_json is not None else [],
            headers=dict(headers),
            extra=_json.decode(extra_json) if extra_json is not None else None,
        )
    parts = render_error(formatter, error, request)
    if parts is not None and reason is not None:
        logger.error("Internal Server Error: %s", reason)
    return parts


__all__ = [
    "BoltError",
    "ErrorFormatter",
    "ProblemDetails",
    "ProblemFieldError",
    "error_schema",
    "problem_details",
    "bolt_error_from_exception",
    "format_error_response",
    "generic_exception_handler",
    "handle_exception",
    "handle_exception_with_formatter",
    "http_exception_handler",
    "msgspec_validation_error_to_dict",
    "render_core_error",
    "render_error",
    "request_validation_error_handler",
    "response_validation_error_handler",
    "serialize_django_response",
]
