"""HTTP errors raised by handlers; each becomes a ``{"detail": ...}`` JSON response."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


class HTTPException(Exception):
    """An error response: ``raise HTTPException(409, "Already exists")``."""

    status_code: int = 500

    def __init__(
        self,
        status_code: int | None = None,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
        extra: Any = None,
    ) -> None:
        if status_code is not None:
            self.status_code = int(status_code)
        self.detail = _phrase(self.status_code) if detail is None else detail
        self.headers = dict(headers) if headers else None
        self.extra = extra
        super().__init__(self.detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, detail={self.detail!r})"


def _fixed(name: str, code: int) -> type[HTTPException]:
    def __init__(self, detail: Any = None, headers: Mapping[str, str] | None = None, extra: Any = None) -> None:
        HTTPException.__init__(self, code, detail, headers, extra)

    return type(name, (HTTPException,), {"status_code": code, "__init__": __init__, "__module__": __name__})


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


class ValidationException(Exception):
    """Invalid input; ``errors`` is a list of ``{"loc", "msg", "type"}`` dicts."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors)

    def errors_list(self) -> list[dict[str, Any]]:
        return self.errors


class RequestValidationError(ValidationException):
    """Raised for invalid request data; answered with 422 and every error listed."""

    def __init__(self, errors: list[dict[str, Any]], body: Any = None) -> None:
        super().__init__(errors)
        self.body = body


class ResponseValidationError(ValidationException):
    """A handler returned data that does not match its ``response_model`` (a server bug: 500)."""


__all__ = [
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
]
