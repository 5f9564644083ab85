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
        # RFC 3875: the address when the client's host name is not looked up.
        "REMOTE_HOST": client[0] if client else "127.0.0.1",
        "wsgi.url_scheme": scheme,
    }
    if client:
        meta["REMOTE_PORT"] = str(client[1])
    for name, value in headers.items():
        key = _UNPREFIXED.get(name) or "HTTP_" + name.upper().replace("-", "_")
        meta[key] = value
    return meta


def _scheme(request: Any) -> str:
    """Django's ``request.scheme``: ``SECURE_PROXY_SSL_HEADER`` when set and sent, else the
    connection's (``https`` behind a trusted proxy that says so, see ``BOLT_TRUSTED_PROXIES``)."""
    from django.conf import settings

    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_key, secure_value = proxy_header
        sent = request.META.get(meta_key)
        if sent is not None:
            return "https" if sent.split(",", 1)[0].strip() == secure_value else "http"
    return request.scheme


def build_absolute_uri(request: Any, location: str | None) -> str:
    """As Django's ``HttpRequest.build_absolute_uri``: ``location`` is joined to the request's
    URL as a browser would (relative paths, ``../``, ``?query``, ``//host/...``), and the result
    is percent-encoded (``iri_to_uri``). The host was checked against ``ALLOWED_HOSTS`` before
    the request was routed."""
    from urllib.parse import urljoin, urlsplit

    from django.utils.encoding import iri_to_uri

    if location is None:
        full_path = request.get_full_path()
        return iri_to_uri(f"{_scheme(request)}://{_host(request)}{full_path}")
    location = str(location)
    parts = urlsplit(location)
    if parts.scheme and parts.netloc:
        return iri_to_uri(location)
    base = f"{_scheme(request)}://{_host(request)}"
    # A plain absolute path is appended as it is (no dot segments to resolve); everything else
    # (relative, "?q", "//other-host/...") is resolved against the request URL.
    plain_path = parts.path.startswith("/") and "/./" not in parts.path and "/../" not in parts.path
    if not parts.scheme and not parts.netloc and plain_path:
        return iri_to_uri(base + location)
    return iri_to_uri(urljoin(base + request.path, location))


def _host(request: Any) -> str:
    host = request.headers.get("host")
    if host:
        return host
    meta = request.META
    port = meta["SERVER_PORT"]
    default = "443" if request.scheme == "https" else "80"
    return meta["SERVER_NAME"] if port == default else f"{meta['SERVER_NAME']}:{port}"


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
