"""Mounted apps: any ASGI app (``mount_asgi``) or Django's own request handling
(``mount_django``, runbolt's ``ROOT_URLCONF`` fallback) answering the paths no bolt route matches.

Rust asks a mount only after the route table missed (``kind: "mount"`` route records), so routes
pay nothing for them. The bolt request is bridged to one ASGI ``http`` call: the app sees the
method, path, query, headers, client and body as sent, and what it sends back (status, every
header including repeated ``Set-Cookie``, the body, streamed when it sends ``more_body``) is the
response.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

from ._schema import RouteRecord
from .request import Request
from .responses import Response, StreamingResponse
from .router import join_paths


def normalize_prefix(prefix: str) -> str:
    """``"admin/"`` → ``"/admin"``; ``""`` and ``"/"`` → ``"/"`` (every path)."""
    if not isinstance(prefix, str):
        raise TypeError(f"a mount prefix is a path string, not {type(prefix).__name__}")
    if any(c in prefix for c in "{}?#"):
        raise ValueError(
            f"a mount prefix is a static path: a plain path without parameters, query or fragment: {prefix!r}"
        )
    stripped = prefix.strip("/")
    return "/" + stripped if stripped else "/"


class _MountedResponse(Response):
    """What the app sent, headers as ``(name, value)`` pairs so repeated ones survive."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        super().__init__(body, status)
        self.headers = headers  # type: ignore[assignment]


class _MountedStream(StreamingResponse):
    media_type = None  # type: ignore[assignment]

    def __init__(self, status: int, headers: list[tuple[str, str]], chunks: AsyncIterator[bytes]) -> None:
        super().__init__(chunks, status_code=status)
        self.headers = headers  # type: ignore[assignment]


def _decode_headers(raw: Any) -> list[tuple[str, str]]:
    return [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw or ()]


def http_scope(request: Any, root_path: str) -> dict[str, Any]:
    """The ASGI ``http`` scope of a bolt request, for an app mounted at ``root_path``."""
    path = request.path
    client = request.client
    host = request.headers.get("host", "")
    server_name, _, server_port = host.rpartition(":") if host.rpartition(":")[2].isdigit() else (host, "", "")
    default_port = 443 if request.scheme == "https" else 80
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": path,
        "raw_path": quote(path, safe="/:@!$&'()*+,;=-._~").encode("ascii"),
        # The query string is valid UTF-8 (Rust refuses others); header values are the bytes as
        # sent, read as latin-1 by Rust, so latin-1 gives the same bytes back.
        "query_string": request.query_string.encode("utf-8"),
        "root_path": root_path,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()],
        "client": tuple(client) if client else None,
        "server": (server_name or "localhost", int(server_port) if server_port else default_port),
        "state": {},
    }


async def call_asgi(app: Callable[..., Any], scope: dict[str, Any], body: bytes) -> Response:
    """Runs ``app`` for one request and returns its answer; a streamed answer keeps the app
    running while the client reads."""
    loop = asyncio.get_running_loop()
    started: asyncio.Future[tuple[int, list[tuple[str, str]]]] = loop.create_future()
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    body_parts: list[bytes] = []
    streaming = loop.create_future()
    received = False
    disconnected = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        # The body is all there; the next event is the end of the exchange (apps such as
        # Django listen for it to cancel a view whose client went away).
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "http.response.start":
            if started.done():
                raise RuntimeError("http.response.start sent more than once")
            started.set_result((int(message["status"]), _decode_headers(message.get("headers"))))
        elif kind == "http.response.body":
            if not started.done():
                raise RuntimeError("ASGI app sent a body before http.response.start")
            chunk = bytes(message.get("body", b""))
            more = bool(message.get("more_body", False))
            if streaming.done():
                if chunk:
                    await chunks.put(chunk)
                if not more:
                    await chunks.put(None)
            elif more:
                body_parts.append(chunk)
                await chunks.put(b"".join(body_parts))
                streaming.set_result(True)
            else:
                body_parts.append(chunk)
                streaming.set_result(False)

    async def run() -> None:
        try:
            await app(scope, receive, send)
        finally:
            if streaming.done() and streaming.result():
                await chunks.put(None)

    task = loop.create_task(run())
    await asyncio.wait([task, streaming], return_when=asyncio.FIRST_COMPLETED)
    if not streaming.done():
        disconnected.set()
        task.result()  # the app's exception, if it raised
        if not started.done():
            raise RuntimeError(f"ASGI app {app!r} returned without sending a response")
        streaming.set_result(False)  # started, then ended without a body message
    status, headers = started.result()
    if not streaming.result():
        disconnected.set()
        await task
        return _MountedResponse(status, headers, b"".join(body_parts))

    async def stream() -> AsyncIterator[bytes]:
        try:
            while (chunk := await chunks.get()) is not None:
                yield chunk
            await task
        finally:
            disconnected.set()
            if not task.done():
                task.cancel()

    return _MountedStream(status, headers, stream())


class AsgiMount:
    """Every request under ``prefix`` that no route matches goes to the ASGI ``app``, which sees
    ``prefix`` as its ``root_path`` (``""`` with ``clear_root_path``: its own paths include it)."""

    def __init__(
        self, prefix: str, app: Callable[..., Any], *, clear_root_path: bool = False, django: bool = False
    ) -> None:
        if not callable(app):
            raise TypeError(f"mount_asgi() takes an ASGI application (a callable), not {type(app).__name__}")
        self.prefix = normalize_prefix(prefix)
        self.app = app
        self.clear_root_path = clear_root_path
        self.root_path = "" if clear_root_path or self.prefix == "/" else self.prefix
        # mount_django: root-relative redirects of the app stay under the mount (see
        # ``redirect_under_mount``).
        self.django = django

    def moved_under(self, prefix: str) -> AsgiMount:
        """This mount as part of an API mounted at ``prefix``."""
        return AsgiMount(
            join_paths(prefix, self.prefix), self.app, clear_root_path=self.clear_root_path, django=self.django
        )

    @property
    def takes_websockets(self) -> bool:
        """Django's handler serves HTTP only; any other ASGI app also gets the upgrades no
        WebSocket route takes."""
        return not isinstance(self.app, LazyDjango)

    def handler(self) -> Callable[..., Any]:
        app, root_path = self.app, self.root_path
        if self.django and root_path:
            app = _redirects_kept_under(app, root_path)

        async def mounted_app(request: Request) -> Response:
            return await call_asgi(app, http_scope(request, root_path), request.body)

        mounted_app.__qualname__ = f"mount {self.prefix} ({app!r})"
        return mounted_app

    def __repr__(self) -> str:
        return f"AsgiMount({self.prefix!r}, {self.app!r})"


class LazyDjango:
    """Django's ASGI handler for ``mount_django``, made on the first request (the API module may
    be imported before Django's apps are ready).

    A path the URLconf cannot resolve (nor, with ``APPEND_SLASH``, its form with a slash, which
    ``CommonMiddleware`` redirects to) keeps bolt's JSON 404: clients of the API see one kind of
    404 whether or not Django views share the server."""

    def __init__(self, urlconf: Any = None) -> None:
        self.urlconf = urlconf
        self._app: Callable[..., Any] | None = None

    def import_urlconf(self) -> None:
        """Imports a dotted ``urlconf`` in the calling thread (the API's compile): the threads that
        serve requests then never import it. One of them importing it would wait for the import
        lock forever if the URLconf's module sends a request while it is being imported."""
        if isinstance(self.urlconf, str):
            from importlib import import_module

            self.urlconf = import_module(self.urlconf)

    def resolves(self, path_info: str) -> bool:
        from django.conf import settings
        from django.urls import Resolver404, get_resolver

        resolver = get_resolver(self.urlconf)
        candidates = [path_info]
        if getattr(settings, "APPEND_SLASH", True) and not path_info.endswith("/"):
            candidates.append(path_info + "/")
        for candidate in candidates:
            try:
                match = resolver.resolve(candidate)
            except Resolver404:
                continue
            # django_bolt.urls' patterns name bolt routes for reverse(); they serve nothing.
            if not getattr(match.func, "bolt_reverse_only", False):
                return True
        return False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = django_app(self.urlconf)
        scope = scope_with_full_path(scope)
        path_info = scope["path"][len(scope.get("root_path") or "") :]
        if not self.resolves(path_info or "/"):
            from .exceptions import HTTPException

            # Raised, not sent: the server answers it as its own 404 (error_formatter included).
            raise HTTPException(404, "Not Found")
        await self._app(scope, receive, send)

    def __repr__(self) -> str:
        name = getattr(self.urlconf, "__name__", self.urlconf)
        return f"Django({name or 'ROOT_URLCONF'})"


def scope_with_full_path(scope: dict[str, Any]) -> dict[str, Any]:
    """The scope with ``root_path`` at the start of ``path`` and ``raw_path``, as the ASGI spec
    (and Django, which takes ``path`` minus ``root_path`` as ``PATH_INFO``) reads them. Bolt's
    mounts send this form; an outer ASGI router may send the path below the mount instead."""
    root_path = (scope.get("root_path") or "").rstrip("/")
    path = scope.get("path") or "/"
    if not root_path or path == root_path or path.startswith(root_path + "/"):
        return scope
    full_path = root_path + (path if path.startswith("/") else "/" + path)
    raw_path = scope.get("raw_path")
    quoted_root = quote(root_path, safe="/:@!$&'()*+,;=-._~").encode("ascii")
    return {
        **scope,
        "path": full_path,
        "raw_path": quoted_root + raw_path if raw_path else quote(full_path, safe="/:@!$&'()*+,;=-._~").encode("ascii"),
    }


def redirect_under_mount(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    """An ``http.response.start`` whose ``Location`` is root-relative and outside ``prefix``,
    with ``prefix`` put in front: a Django project mounted at ``/django`` that redirects to
    ``settings.LOGIN_URL = "/accounts/login/"`` means its own page, ``/django/accounts/login/``.
    Absolute URLs, scheme-relative ``//host`` ones and paths already under ``prefix`` stay as
    they are; header names and values keep their type (``bytes`` or ``str``)."""
    prefix = prefix.rstrip("/")
    if message.get("type") != "http.response.start" or not prefix:
        return message
    headers = list(message.get("headers") or ())
    for index, (name, value) in enumerate(headers):
        text_name = name.decode("latin-1") if isinstance(name, (bytes, bytearray)) else str(name)
        if text_name.lower() != "location":
            continue
        location = value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)
        if not location.startswith("/") or location.startswith("//"):
            continue
        if location == prefix or location.startswith((prefix + "/", prefix + "?", prefix + "#")):
            continue
        moved = prefix + location
        headers[index] = (name, moved.encode("latin-1") if isinstance(value, (bytes, bytearray)) else moved)
        return {**message, "headers": headers}
    return message


def _redirects_kept_under(app: Callable[..., Any], prefix: str) -> Callable[..., Any]:
    """``app`` whose root-relative redirects stay under ``prefix`` (``redirect_under_mount``)."""

    async def mounted_django(scope: Any, receive: Any, send: Any) -> None:
        async def send_under_mount(message: dict[str, Any]) -> None:
            await send(redirect_under_mount(message, prefix))

        await app(scope, receive, send_under_mount)

    return mounted_django


def serve_project_urls(api: Any) -> bool:
    """runbolt's default: the project's ``ROOT_URLCONF`` (the admin, any Django view) answers the
    paths no route of ``api`` matches, unless ``api`` already mounted something at ``/``."""
    from django.conf import settings

    if not getattr(settings, "ROOT_URLCONF", None) or any(m.prefix == "/" for m in api.asgi_mounts):
        return False
    api._add_asgi_mount(AsgiMount("/", LazyDjango(), django=True))
    return True


def mount_record(mounted: AsgiMount, config: Any) -> RouteRecord:
    """The route record Rust consults when no route matches a path under the mount."""
    from ._compile import compile_handler
    from .signals import with_request_signals

    if isinstance(mounted.app, LazyDjango):
        mounted.app.import_urlconf()
    handler = mounted.handler()
    compiled = compile_handler(handler, mounted.prefix, handler.__qualname__)
    # Django's handler sends request_started/request_finished itself.
    signals = config.emit_signals and not isinstance(mounted.app, LazyDjango)
    return {
        "method": "GET",
        "kind": "mount",
        "path": mounted.prefix,
        "handler": compiled.handler,
        "is_async": True,
        "never_suspends": False,
        "params": compiled.params,
        "status_code": 200,
        "shape_response": None,
        "fixed_response": None,
        "middleware": None,
        "auth": None,
        "chain": with_request_signals(None, True) if signals else None,
    }


def websocket_mount_record(mounted: AsgiMount) -> RouteRecord:
    """The route record of a mount's WebSocket side: Rust asks it for an upgrade no
    ``@api.websocket`` route matches, under the mount's prefix."""
    from .websocket.asgi import asgi_websocket

    return {
        "method": "WEBSOCKET",
        "kind": "mount",
        "path": mounted.prefix,
        "handler": asgi_websocket(mounted.app, mounted.root_path, repr(mounted)),
        "is_async": True,
        "never_suspends": False,
        "params": [],
        "status_code": 200,
        "shape_response": None,
        "fixed_response": None,
        "middleware": None,
        "auth": None,
        "chain": None,
    }


def django_app(urlconf: str | Any | None = None) -> Callable[..., Any]:
    """Django's ASGI handler (middleware, URL resolving, views as ``manage.py runserver`` runs
    them), resolving against ``urlconf`` instead of ``ROOT_URLCONF`` when given."""
    from django.core.handlers.asgi import ASGIHandler

    if urlconf is None:
        from django.core.asgi import get_asgi_application

        return get_asgi_application()

    from asgiref.sync import sync_to_async
    from django.urls import set_urlconf
    from django.utils.log import log_response

    class UrlconfHandler(ASGIHandler):
        def create_request(self, scope: Any, body_file: Any) -> Any:
            request, error = super().create_request(scope, body_file)
            if request is not None:
                # BaseHandler.resolve_request reads request.urlconf, as URLconf-switching
                # middleware sets it; reverse() in the view then uses it too.
                request.urlconf = urlconf
            return request, error

        async def get_response_async(self, request: Any) -> Any:
            # Django's version starts from settings.ROOT_URLCONF, which a project that only
            # mounts URLconfs need not have; the rest is the same: middleware, then error logging.
            set_urlconf(urlconf)
            response = await self._middleware_chain(request)
            response._resource_closers.append(request.close)
            if response.status_code >= 400:
                log = sync_to_async(log_response, thread_sensitive=False)
                await log("%s: %s", response.reason_phrase, request.path, response=response, request=request)
            return response

    import django

    django.setup(set_prefix=False)
    return UrlconfHandler()


__all__ = [
    "AsgiMount",
    "LazyDjango",
    "call_asgi",
    "django_app",
    "http_scope",
    "mount_record",
    "websocket_mount_record",
    "normalize_prefix",
    "redirect_under_mount",
    "scope_with_full_path",
    "serve_project_urls",
]
