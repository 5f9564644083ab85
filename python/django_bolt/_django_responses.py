"""Django's responses and exceptions in bolt handlers.

A handler may return any ``HttpResponseBase`` (``HttpResponse``, ``JsonResponse``, redirects,
``StreamingHttpResponse``, Django's ``FileResponse``): Rust sends it as it is, through
``to_bolt_response``. Django's exceptions become the HTTP errors Django itself answers with
(``translate_error``), as ``{"detail": ...}`` JSON so that API clients see one error shape.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from django.core import exceptions as django_exceptions
from django.http import Http404
from django.http.response import HttpResponseBase

from .exceptions import HTTPException
from .responses import Response, StreamingResponse

# Computed by the server from the body it sends (a stream has none).
_DROPPED_HEADERS = frozenset({"content-length"})


def _headers_and_cookies(django_response: HttpResponseBase) -> tuple[dict[str, str], list[str]]:
    headers = {name: value for name, value in django_response.items() if name.lower() not in _DROPPED_HEADERS}
    cookies = [morsel.OutputString() for morsel in django_response.cookies.values()]
    return headers, cookies


def _release(django_response: HttpResponseBase) -> None:
    """Closes what the response holds (the file of a FileResponse, a stream's iterator) as Django's
    ``close()`` does, without its ``request_finished`` signal: that signal closes the database
    connection (CONN_MAX_AGE) and belongs to the request's end, not to one response object."""
    closers = getattr(django_response, "_resource_closers", None)
    if closers is None:  # not Django's HttpResponseBase layout: its own close()
        django_response.close()
        return
    for closer in closers:
        try:
            closer()
        except Exception:  # noqa: BLE001 - as Django: every closer runs
            logging.getLogger("django_bolt").exception("closing a Django response failed")
    closers.clear()
    django_response.closed = True


def _closing(django_response: HttpResponseBase, chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        _release(django_response)


async def _aclosing(django_response: HttpResponseBase, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        _release(django_response)


def to_bolt_response(django_response: HttpResponseBase) -> Response:
    """The ``Response`` that sends ``django_response`` unchanged: status, headers, cookies, body
    (streamed for streaming responses)."""
    headers, cookies = _headers_and_cookies(django_response)
    if getattr(django_response, "streaming", False):
        if getattr(django_response, "is_async", False):
            content: Any = _aclosing(django_response, django_response.streaming_content)  # type: ignore[attr-defined]
        else:
            content = _closing(django_response, iter(django_response.streaming_content))  # type: ignore[attr-defined]
        response: Response = StreamingResponse(content, status_code=django_response.status_code, headers=headers)
    else:
        response = Response(django_response.content, django_response.status_code, headers)  # type: ignore[attr-defined]
        _release(django_response)
    response.cookies = cookies
    return response


def _validation_detail(exc: django_exceptions.ValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return exc.messages


def translate_error(exc: BaseException) -> BaseException | None:
    """The HTTP error Django answers ``exc`` with, or None for any other exception (a 500)."""
    if isinstance(exc, Http404):
        return HTTPException(404, str(exc) or "Not Found")
    if isinstance(exc, django_exceptions.PermissionDenied):
        return HTTPException(403, str(exc) or "Permission denied")
    if isinstance(exc, django_exceptions.SuspiciousOperation):
        # As Django does: logged to django.security.<class>, the message kept out of the answer.
        logging.getLogger(f"django.security.{type(exc).__name__}").error(str(exc))
        return HTTPException(400, "Bad Request")
    if isinstance(exc, django_exceptions.ValidationError):
        return HTTPException(422, _validation_detail(exc))
    return None


__all__ = ["to_bolt_response", "translate_error"]
