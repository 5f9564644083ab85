"""``request.META``, ``request.form`` and ``request.files``: built in Python on first access (the
Rust ``Request`` calls these), so requests that never read them pay nothing."""

from __future__ import annotations

import io
from typing import Any

# Headers WSGI names without the HTTP_ prefix.
_UNPREFIXED = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


def _server_name_and_port(host: str, scheme: str) -> tuple[str, str]:
    default = "443" if scheme == "https" else "80"
    if host.startswith("["):  # [IPv6]:port
        end = host.find("]")
        name, rest = host[: end + 1], host[end + 1 :]
        return name, rest[1:] if rest.startswith(":") and rest[1:].isdigit() else default
    name, _, port = host.partition(":")
    return name, port if port.isdigit() else default


def build_meta(request: Any) -> dict[str, Any]:
    """The WSGI environ keys Django code reads from ``request.META``."""
    headers = request.headers
    scheme = request.scheme
    server_name, server_port = _server_name_and_port(headers.get("host", "localhost"), scheme)
    client = request.client
    meta: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        # WSGI carries the UTF-8 bytes of the path as Latin-1 characters.
        "PATH_INFO": request.path.encode().decode("latin-1"),
        "QUERY_STRING": request.query_string,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": client[0] if client else "127.0.0.1",
        "REMOTE_HOST": "",
        "wsgi.url_scheme": scheme,
    }
    if client:
        meta["REMOTE_PORT"] = str(client[1])
    for name, value in headers.items():
        key = _UNPREFIXED.get(name) or "HTTP_" + name.upper().replace("-", "_")
        meta[key] = value
    return meta


def parse_form(request: Any) -> tuple[Any, Any]:
    """``(form, files)`` of an urlencoded or multipart body, parsed by Django's own parsers (its
    ``DATA_UPLOAD_MAX_*`` limits apply); empty for any other body."""
    from django.http import QueryDict
    from django.http.multipartparser import MultiPartParser, MultiPartParserError
    from django.utils.datastructures import MultiValueDict

    from .exceptions import HTTPException

    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    body = request.body
    if media_type == "application/x-www-form-urlencoded":
        return QueryDict(body, encoding="utf-8"), MultiValueDict()
    if media_type == "multipart/form-data":
        meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
        try:
            from django.conf import settings
            from django.core.files.uploadhandler import load_handler

            handlers = [load_handler(path) for path in settings.FILE_UPLOAD_HANDLERS]
            form, files = MultiPartParser(meta, io.BytesIO(body), handlers, "utf-8").parse()
        except MultiPartParserError as exc:
            raise HTTPException(400, f"Invalid multipart body: {exc}") from None
        return form, files
    return QueryDict(encoding="utf-8"), MultiValueDict()


__all__ = ["build_meta", "parse_form"]
