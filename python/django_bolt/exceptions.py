"""HTTP errors raised by handlers; each becomes a ``{"detail": ...}`` JSON response."""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


class BoltException(Exception):
    """Base of django-bolt's exceptions; ``detail`` is the message."""

    def __init__(self, *args: Any, detail: str = "") -> None:
        super().__init__(*args)
        self.detail = detail or (str(args[0]) if args else "")

    def __str__(self) -> str:
        return self.detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r})"


class HTTPException(BoltException):
    """An error response: ``raise HTTPException(409, "Already exists")``.

    The response is ``{"detail": detail}`` plus ``"extra": extra`` when given; ``body=`` (a
    dict, a msgspec Struct, ...) replaces that envelope and is sent as JSON as it is.
    """

    status_code: int = 500

    def __init__(
        self,
        status_code: int | None = None,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        extra: Any = None,
        *,
        body: Any = None,
    ) -> None:
        if status_code is not None:
            self.status_code = int(status_code)
        detail = _phrase(self.status_code) if detail is None else detail
        Exception.__init__(self, detail)
        self.detail = detail
        self.headers: dict[str, str] = dict(headers) if headers else {}
        self.extra = extra
        self.body = body

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, detail={self.detail!r})"


class ClientException(HTTPException):
    """Base of the 4xx exceptions."""

    status_code = 400


class ServerException(HTTPException):
    """Base of the 5xx exceptions."""


def _fixed(name: str, code: int) -> type[HTTPException]:
    # The status is fixed, so the first argument is the detail: NotFound("No such item").
    def __init__(
        self,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        extra: Any = None,
        *,
        body: Any = None,
    ) -> None:
        HTTPException.__init__(self, code, detail, headers, extra, body=body)

    base = ClientException if code < 500 else ServerException
    return type(name, (base,), {"status_code": code, "__init__": __init__, "__module__": __name__})


BadRequest = _fixed("BadRequest", 400)
Unauthorized = _fixed("Unauthorized", 401)
Forbidden = _fixed("Forbidden", 403)
NotFound = _fixed("NotFound", 404)
MethodNotAllowed = _fixed("MethodNotAllowed", 405)
NotAcceptable = _fixed("NotAcceptable", 406)
Conflict = _fixed("Conflict", 409)
Gone = _fixed("Gone", 410)
UnprocessableEntity = _fixed("UnprocessableEntity", 422)
TooManyRequests = _fixed("TooManyRequests", 429)
InternalServerError = _fixed("InternalServerError", 500)
NotImplemented = _fixed("NotImplemented", 501)  # noqa: A001 - public name of the API
BadGateway = _fixed("BadGateway", 502)
ServiceUnavailable = _fixed("ServiceUnavailable", 503)
GatewayTimeout = _fixed("GatewayTimeout", 504)


class AuthenticationFailed(Unauthorized):  # type: ignore[valid-type,misc]
    """Raised by a custom backend's ``authenticate(request)`` for credentials that are present but
    wrong: 401 with this detail and the route's ``WWW-Authenticate`` challenge; no other backend is
    tried."""

    def __init__(
        self, detail: Any = "Invalid credentials", headers: Mapping[str, str] | None = None, extra: Any = None
    ) -> None:
        super().__init__(detail, headers, extra)


class _ErrorList(list):
    """The errors as a list (``exc.errors``, read by the server) that can also be called
    (``exc.errors()``, the release's spelling)."""

    def __call__(self) -> list[Any]:
        return list(self)


def _describe(error: Any) -> str:
    if isinstance(error, Mapping):
        loc = ".".join(str(part) for part in error.get("loc") or ())
        msg = error.get("msg", "")
        return f"{loc}: {msg}" if loc else str(msg)
    return str(error)


class ValidationException(BoltException, ValueError):
    """Invalid input; ``errors`` (or ``errors()``) is a list of ``{"loc", "msg", "type"}`` dicts."""

    def __init__(self, errors: Any) -> None:
        self.errors = _ErrorList(errors)
        Exception.__init__(self, self.errors)
        self.detail = "; ".join(_describe(e) for e in self.errors)

    def errors_list(self) -> list[dict[str, Any]]:
        return list(self.errors)


class SerializationError(BoltException, ValueError):
    """A serializer could not be built or written (a model instance without a field it reads,
    nesting deeper than allowed, ...): a server-side error, not the client's."""


class UnloadedRelationError(SerializationError):
    """Output needs a relation that is not loaded where the ORM cannot run (the event loop)."""


class RequestValidationError(ValidationException):
    """Raised for invalid request data; answered with 422 and every error listed."""

    def __init__(self, errors: Any, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class ResponseValidationError(ValidationException):
    """A handler returned data that does not match its ``response_model`` (a server bug: 500)."""

    def __init__(self, errors: Any, *, body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


#: msgspec names the place of a syntax error as ``... (byte 78)``.
_DECODE_ERROR_BYTE = re.compile(r"\(byte (\d+)\)")
#: Characters of the failing line shown on each side of the column (a one-line body can be large).
_LINE_WINDOW = 40


def _error_position(error: Exception) -> int | None:
    if isinstance(error, UnicodeDecodeError):
        return error.start
    match = _DECODE_ERROR_BYTE.search(str(error))
    return int(match.group(1)) if match else None


def parse_msgspec_decode_error(error: Exception, body_bytes: bytes) -> dict[str, Any]:
    """The ``json_invalid`` error of a body that msgspec could not decode (``msgspec.DecodeError``,
    or ``UnicodeDecodeError``), with its place: ``loc`` ``("body", line, column)`` (both from 1),
    ``msg`` naming them with a caret under the column in (at most 80 characters of) that line,
    ``input`` (the body's start) and ``ctx`` (``line``, ``column``, ``byte_position``, ``error``).
    Without a position in the error: ``loc`` ``("body",)`` and the error's message."""
    message = str(error)
    position = _error_position(error)
    if position is None:
        return {
            "type": "json_invalid",
            "loc": ("body",),
            "msg": message,
            "input": body_bytes[:100].decode("utf-8", errors="replace"),
        }
    line_start = body_bytes.rfind(b"\n", 0, position) + 1
    line = body_bytes.count(b"\n", 0, position) + 1
    column = position - line_start + 1
    line_end = body_bytes.find(b"\n", position)
    text = body_bytes[line_start : len(body_bytes) if line_end < 0 else line_end]
    shown_from = max(0, column - 1 - _LINE_WINDOW)
    shown = text[shown_from : column - 1 + _LINE_WINDOW].decode("utf-8", errors="replace")
    caret = " " * len(body_bytes[line_start + shown_from : position].decode("utf-8", errors="replace"))
    return {
        "type": "json_invalid",
        "loc": ("body", line, column),
        "msg": f"Invalid JSON at line {line}, column {column}: {message}\n  {shown}\n  {caret}^",
        "input": body_bytes[:200].decode("utf-8", errors="replace"),
        "ctx": {"line": line, "column": column, "byte_position": position, "error": message},
    }


def invalid_json_error(error: Exception, body: bytes | str, loc: list[Any]) -> dict[str, Any]:
    """The 422 entry at ``loc`` for a body that is not JSON: ``Invalid JSON at line L, column C:
    <msgspec's message>`` with the place in ``ctx`` (``parse_msgspec_decode_error``); the body
    itself is not echoed."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    parsed = parse_msgspec_decode_error(error, raw)
    ctx = parsed.get("ctx")
    if ctx is None:
        return {"loc": loc, "msg": f"Invalid JSON: {error}", "type": "json_invalid"}
    message = f"Invalid JSON at line {ctx['line']}, column {ctx['column']}: {ctx['error']}"
    return {"loc": loc, "msg": message, "type": "json_invalid", "ctx": ctx}


__all__ = [
    "BoltException",
    "ClientException",
    "ServerException",
    "HTTPException",
    "BadRequest",
    "Unauthorized",
    "AuthenticationFailed",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "NotAcceptable",
    "Conflict",
    "Gone",
    "UnprocessableEntity",
    "TooManyRequests",
    "InternalServerError",
    "NotImplemented",
    "BadGateway",
    "ServiceUnavailable",
    "GatewayTimeout",
    "ValidationException",
    "RequestValidationError",
    "ResponseValidationError",
    "SerializationError",
    "UnloadedRelationError",
    "parse_msgspec_decode_error",
]
