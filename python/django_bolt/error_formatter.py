"""``BoltAPI(error_formatter=fn)``: one function shapes every error answer the framework makes.

``fn(error: BoltError, request) -> Response`` (sync) gets errors of the Rust core (routing,
authentication, guards, parameter coercion, rate limits, size limits) and of Python
(``HTTPException``, validation errors, unhandled exceptions); the answers a handler returns
itself, and ``HTTPException(body=...)``, are sent as they are. The headers the error needs
(``WWW-Authenticate``, ``Retry-After``...) are added to the formatter's response unless it sets
them. A formatter that raises or returns something unusable is logged and the default answer
(``{"detail": ...}``) is sent. ``problem_details`` is the RFC 9457 formatter.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import msgspec

from .exceptions import HTTPException, RequestValidationError, ResponseValidationError
from .responses import Response

logger = logging.getLogger("django_bolt.error_handlers")

#: ``BoltError.kind`` by status; other statuses are ``"http_error"``.
KIND_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "rate_limited",
    500: "internal_error",
    501: "not_implemented",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}

#: RFC 9110's reason phrases (Python 3.12 still has some older names).
STATUS_TITLES: dict[int, str] = {
    **{s.value: s.phrase for s in HTTPStatus},
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}

VALIDATION_DETAIL = "Request validation failed"

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\r\n\0]")


class BoltError(msgspec.Struct, frozen=True, kw_only=True):
    """An error answer the framework is about to send.

    ``kind``: a stable name (``"not_found"``, ``"validation"``, ``"rate_limited"``,
    ``"response_validation"``, ``"internal_error"``...). ``detail``: a message for people
    (never internals). ``errors``: field errors (``loc``, ``msg``, ``type``). ``headers``: the
    headers the answer needs. ``extra``: an ``HTTPException``'s ``extra``, or
    ``{"retry_after": seconds}`` for a rate limit. ``exception``: the Python exception, None
    for an error of the Rust core.
    """

    status: int
    kind: str
    detail: str
    errors: list[dict[str, Any]] = msgspec.field(default_factory=list)
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    extra: Any = None
    exception: BaseException | None = None


ErrorFormatter = Callable[[BoltError, Any], Any]


class ErrorSchema(msgspec.Struct, frozen=True):
    """The body type and media type of a formatter's answers, for the OpenAPI document."""

    schema: Any
    media_type: str


def error_schema(schema: Any, *, media_type: str = "application/json") -> Callable[[Any], Any]:
    """Declares the body a formatter answers with (decorator), so the OpenAPI document shows
    it for the error responses; a formatter without it documents no error body."""

    def declare(formatter: Any) -> Any:
        formatter.__bolt_error_schema__ = ErrorSchema(schema, media_type)
        return formatter

    return declare


class ProblemFieldError(msgspec.Struct, kw_only=True):
    """A field error: where the value was, a message and the error type."""

    loc: list[str | int]
    msg: str
    type: str


class ProblemDetails(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem: ``errors`` for field errors; ``extra``'s keys as extension members."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemFieldError] = []


@error_schema(ProblemDetails, media_type="application/problem+json")
def problem_details(error: BoltError, request: Any) -> Response:
    """``BoltAPI(error_formatter=problem_details)``: RFC 9457 ``application/problem+json``."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": STATUS_TITLES.get(error.status, "Error"),
        "status": error.status,
        "detail": error.detail,
        "instance": request.path,
    }
    if error.errors:
        body["errors"] = error.errors
    if isinstance(error.extra, dict):
        for key, value in error.extra.items():
            if key != "errors":  # standard members and the field errors stay as they are
                body.setdefault(key, value)
    elif error.extra is not None:
        body.setdefault("extra", error.extra)
    return Response(body, status_code=error.status, media_type="application/problem+json")


def check_formatter(formatter: Any) -> ErrorFormatter | None:
    """``formatter`` if usable as ``error_formatter=``; a ``TypeError`` otherwise."""
    if formatter is None:
        return None
    if not callable(formatter):
        raise TypeError(f"error_formatter must be callable, not {type(formatter).__name__}")
    call = getattr(type(formatter), "__call__", None)  # noqa: B004 - an instance with async __call__
    if inspect.iscoroutinefunction(formatter) or (
        not inspect.isfunction(formatter) and inspect.iscoroutinefunction(call)
    ):
        raise TypeError("error_formatter must be a sync callable, not an async one")
    return formatter


def _error_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {k: v for k, v in headers if k not in ("content-type", "content-length")}


def _core_error(status: int, body: bytes, headers: list[tuple[str, str]]) -> BoltError:
    try:
        detail = msgspec.json.decode(body).get("detail") if body else None
    except (msgspec.DecodeError, AttributeError):
        detail = None
    errors: list[dict[str, Any]] = []
    if isinstance(detail, list):
        errors, detail = detail, VALIDATION_DETAIL
    needed = _error_headers(headers)
    extra = None
    if status == 429 and needed.get("retry-after", "").isdigit():
        extra = {"retry_after": int(needed["retry-after"])}
    exception = None
    if status == 422 and any(_in_body(e) for e in errors):
        # A JSON body that failed its type: the release decodes it in Python and hands the
        # formatter that error; Rust decoded it here, so the same exception is made for it.
        exception = RequestValidationError(errors)
    return BoltError(
        status=status,
        kind=KIND_BY_STATUS.get(status, "http_error"),
        detail=detail if isinstance(detail, str) else STATUS_TITLES.get(status, "Error"),
        errors=errors,
        headers=needed,
        extra=extra,
        exception=exception,
    )


def _in_body(error: Any) -> bool:
    loc = error.get("loc") if isinstance(error, dict) else None
    return isinstance(loc, list) and bool(loc) and loc[0] == "body"


def _raised_error(status: int, body: bytes, headers: list[tuple[str, str]], exc: BaseException) -> BoltError:
    needed = _error_headers(headers)
    if isinstance(exc, HTTPException):
        return BoltError(
            status=status,
            kind=KIND_BY_STATUS.get(status, "http_error"),
            detail=exc.detail if isinstance(exc.detail, str) else STATUS_TITLES.get(status, "Error"),
            headers=needed,
            extra=exc.extra,
            exception=exc,
        )
    if isinstance(exc, ResponseValidationError):
        return BoltError(
            status=status,
            kind="response_validation",
            detail="Response validation error",
            errors=list(exc.errors()) if callable(exc.errors) else list(exc.errors),
            headers=needed,
            exception=exc,
        )
    core = _core_error(status, body, headers)
    detail = core.detail if status < 500 else STATUS_TITLES.get(status, "Error")
    return BoltError(
        status=status,
        kind=core.kind,
        detail=detail,
        errors=core.errors,
        headers=needed,
        extra=core.extra,
        exception=exc,
    )


def _checked(response: Any, error: BoltError) -> Response:
    from .responses import FileResponse, StreamingResponse

    if not isinstance(response, Response) or isinstance(response, (StreamingResponse, FileResponse)):
        raise TypeError(f"error_formatter must return a Response with a body, not {type(response).__name__}")
    status = response.status_code
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise TypeError(f"error_formatter must return a status from 400 to 599, not {status!r}")
    if response.cookies:
        raise TypeError("error_formatter cannot set cookies on an error response")
    given = {str(name).lower() for name in response.headers}
    for name, value in error.headers.items():
        if name not in given:
            response.headers[name] = value
    for name, value in response.headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise TypeError(f"error_formatter returned an invalid header name: {name!r}")
        if not isinstance(value, str) or _BAD_VALUE.search(value):
            raise TypeError(f"error_formatter returned an invalid value for the header {name!r}: {value!r}")
    return response


def response_parts(response: Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """``(status, headers, body)`` of a ``Response`` with its body in memory, as the server sends
    it: the body encoded (bytes as they are, str as UTF-8, anything else as JSON), its content
    type (``charset=utf-8`` added to a ``text/`` type), then the response's headers."""
    from . import _json

    content = response.content
    default_type: str | None = None
    if content is None:
        body = b""
    elif isinstance(content, (bytes, bytearray, memoryview)):
        body = bytes(content)
    elif isinstance(content, str):
        body, default_type = content.encode(), "text/plain; charset=utf-8"
    else:
        body, default_type = _json.encode(content), "application/json"
    media_type = response.media_type
    if media_type and media_type.startswith("text/") and "charset" not in media_type:
        media_type += "; charset=utf-8"
    content_type = media_type or default_type
    headers = [("content-type", content_type)] if content_type else []
    for name, value in response.headers.items():
        if name.lower() == "content-type":
            headers = [h for h in headers if h[0] != "content-type"]
            headers.insert(0, ("content-type", value))
        else:
            headers.append((name, value))
    headers.extend(("set-cookie", cookie) for cookie in response.cookies)
    return response.status_code, headers, body


def render_error(
    formatter: ErrorFormatter, error: BoltError, request: Any
) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """The formatter's answer to ``error`` as ``(status, headers, body)``, with the headers the
    error needs that it did not set; None (logged) when the formatter raises or returns
    something unusable, and the default answer is sent."""
    try:
        return response_parts(_checked(formatter(error, request), error))
    except Exception:
        logger.exception(
            "error_formatter failed for a %d %s error; the default answer is sent", error.status, error.kind
        )
        return None


def error_renderer(formatter: ErrorFormatter) -> Callable[..., Response | None]:
    """What Rust calls with each framework error: ``render(status, body, headers, request,
    exception)``; None keeps the default answer."""

    def render(
        status: int, body: bytes, headers: list[tuple[str, str]], request: Any, exception: BaseException | None
    ) -> Response | None:
        if isinstance(exception, HTTPException) and exception.body is not None:
            return None  # the handler chose this body
        if exception is None:
            error = _core_error(status, body, headers)
        else:
            error = _raised_error(status, body, headers, exception)
        parts = render_error(formatter, error, request)
        if parts is None:
            return None
        status, headers, body = parts
        return Response(body, status, dict(headers))

    return render


__all__ = [
    "BoltError",
    "ErrorFormatter",
    "ProblemDetails",
    "ProblemFieldError",
    "check_formatter",
    "error_renderer",
    "error_schema",
    "problem_details",
    "render_error",
    "response_parts",
]
