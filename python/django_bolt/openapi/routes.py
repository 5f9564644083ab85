"""The docs as fixed routes: the document and every UI page rendered once when the API is compiled,
then served by Rust without calling Python (``RouteDef(fixed=True)``, like ``api.static``).
``OpenAPIRouteRegistrar`` is the API's entry point (the release's name)."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..middleware.decorators import no_compress
from ..router import RouteDef, join_paths
from .config import OpenAPIConfig, default_render_plugins
from .plugins import JsonRenderPlugin, OpenAPIRenderPlugin, YamlRenderPlugin

if TYPE_CHECKING:
    from ..api import BoltAPI

#: The browser may keep versioned asset files for a year (their URL changes with the version).
ASSET_CACHE = "public, max-age=31536000, immutable"
_ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@functools.cache
def sidecar_root() -> tuple[Path, str] | None:
    """(directory, version) of drf-spectacular-sidecar's Swagger UI and ReDoc builds, when the
    ``django-bolt[docs]`` extra is installed."""
    try:
        from importlib.metadata import version

        import drf_spectacular_sidecar
    except ImportError:
        return None
    root = Path(drf_spectacular_sidecar.__file__).parent / "static" / "drf_spectacular_sidecar"
    if not root.is_dir():
        return None
    try:
        release = version("drf-spectacular-sidecar")
    except Exception:  # noqa: BLE001 - a copy without metadata: any stable token will do
        release = "local"
    return root, release


class OpenAPIRouteRegistrar:
    """The docs routes of ``api``: the document generated from its compiled routes, and the UI
    pages. ``middleware``: what the docs run through instead of the API's own middleware (runbolt
    gives an API merged from several ``BOLT_API`` entries the first one's)."""

    def __init__(self, api: BoltAPI, *, middleware: Any = None) -> None:
        self.api = api
        self._middleware = middleware

    def register_routes(self) -> None:
        """The release adds its docs routes to the API here, before serving. Here they are made
        each time the API is compiled (the document describes the routes as compiled, mounted
        routers included), so registering only records ``middleware`` for them; without it,
        nothing changes."""
        if self._middleware is not None:
            self.api.docs_middleware = tuple(self._middleware)
        # Read by ``api._routes``: the release's route table lists the docs routes once registered.
        self.api._openapi_routes_registered = True

    def served_routes(self) -> list[RouteDef]:
        """The docs routes compiling the API now would add to its routes."""
        from ..conf import BoltConfig

        api = self.api
        config = api.server_config(BoltConfig.from_settings())
        return self.routes([api._compile_parts(route, config) for route in api.routes])

    def routes(self, parts: list[tuple[Any, Any, RouteDef]]) -> list[RouteDef]:
        """The docs routes for the compiled ``(record, compiled, route)`` of every API route;
        none when docs are off. Sets ``api.openapi_schema`` to the document (None without one)."""
        from .schema_generator import RouteEntry, SchemaGenerator

        api = self.api
        config = api._openapi_config_in_effect()
        if config is None:
            api.openapi_schema = None
            return []
        entries = [RouteEntry(route, compiled, record) for record, compiled, route in parts]
        try:
            generator = SchemaGenerator(config, api.trailing_slash, api.error_formatter)
            api.openapi_schema = generator.generate(entries)
        except Exception:
            if config.strict:
                raise
            # The API must not fail to start because its documentation could not be made.
            import logging

            logging.getLogger("django_bolt").exception("OpenAPI document not generated; /docs is not served")
            api.openapi_schema = None
            return []
        taken = [r.path for r in api.routes if r.method == "GET"]
        # The docs pages run through the middleware of the API that owns them: this one, or for
        # APIs merged by runbolt (BOLT_API lists), the first one.
        middleware = self._middleware if self._middleware is not None else api.docs_middleware
        owner_middleware = middleware if middleware is not None else api.middleware
        routes = docs_routes(config, api.openapi_schema, api.trailing_slash, taken, bool(owner_middleware))
        if middleware is None:
            return routes
        return [route.with_middleware(tuple(middleware)) for route in routes]


def _fixed(
    path: str,
    body: Any,
    media_type: str,
    headers: dict[str, str],
    config: OpenAPIConfig | None = None,
    through_middleware: bool = False,
) -> RouteDef:
    """A docs route. Fixed (served by Rust alone) unless ``config`` protects the docs with
    ``auth``/``guards`` or the API has middleware (Django's debug toolbar on the pages, say): then
    a route like any other, so the checks and middleware run as on the API's routes."""
    from ..responses import Response

    checked = config is not None and (config.auth is not None or config.guards is not None)
    dynamic = through_middleware or checked
    response = Response(body, 200, headers, media_type)

    def docs_response():  # no annotations: compiled like any handler
        # A new response per request where middleware may change it.
        return Response(body, 200, dict(headers), media_type) if dynamic else response

    docs_response.__qualname__ = f"docs {path}"
    # Compression runs on every response (fixed ones included): brotli on the 1.5 MB Swagger UI
    # bundle took about 0.6 s of CPU per request, which anyone could make the server repeat.
    no_compress(docs_response)
    if config is not None and dynamic:
        return RouteDef(
            method="GET",
            path=path,
            handler=docs_response,
            include_in_schema=False,
            # Neither given: public, whatever the API's defaults (as fixed docs are).
            auth=config.auth if checked else [],
            guards=config.guards if checked else [],
        )
    return RouteDef(method="GET", path=path, handler=docs_response, fixed=True, include_in_schema=False)


def _url(path: str, trailing_slash: str) -> str:
    """The URL the router answers ``path`` at without a redirect."""
    return path + "/" if trailing_slash == "append" and not path.endswith("/") else path


def docs_routes(
    config: OpenAPIConfig,
    document: dict[str, Any],
    trailing_slash: str,
    taken: Iterable[str] = (),
    through_middleware: bool = False,
) -> list[RouteDef]:
    """Every docs route; a path some API route already serves (``taken``) is left to it.
    ``through_middleware``: the API's middleware runs around the document and the pages."""
    base = config.path.rstrip("/")
    # Copies: the docs path and local asset URLs are set on them, never on the caller's objects.
    plugins: list[OpenAPIRenderPlugin] = [copy.copy(p) for p in config.render_plugins] or default_render_plugins()
    for plugin in plugins:
        plugin.paths = list(plugin.paths)
    given = list(plugins)
    # The document is always at openapi.json and openapi.yaml, whatever other paths are given.
    if not any(isinstance(p, JsonRenderPlugin) and p.has_path("/openapi.json") for p in plugins):
        plugins.append(JsonRenderPlugin())
    if not any(isinstance(p, YamlRenderPlugin) for p in plugins):
        plugins.append(YamlRenderPlugin())
    uis = [p for p in plugins if p.is_ui]
    if not any(p.has_path("/") for p in plugins):
        # The docs path shows the first UI; with none, the first plugin given (the document).
        (uis or given or plugins)[0].paths.insert(0, "/")
    json_plugin = next(p for p in plugins if isinstance(p, JsonRenderPlugin))
    schema_url = _url(join_paths(base, json_plugin.paths[0]), trailing_slash)

    routes: list[RouteDef] = []
    assets = local_assets(base, trailing_slash, routes)
    taken = {t.rstrip("/") or "/" for t in taken}
    nosniff = {"X-Content-Type-Options": "nosniff"}
    for plugin in plugins:
        if plugin.is_ui:
            _use_local_assets(plugin, assets)
            body: Any = plugin.render(document, schema_url)
            script = plugin.script(document, schema_url) if hasattr(plugin, "script") else ""
            headers = {
                **nosniff,
                "Content-Security-Policy": plugin.content_security_policy(script),
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-cache",
            }
        else:
            rendered = plugin.render(document, schema_url)
            body = json.dumps(rendered, ensure_ascii=False) if isinstance(rendered, dict) else rendered
            headers = {**nosniff, "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"}
        for sub in plugin.paths:
            path = (base or "/") if sub == "/" else join_paths(base, sub)
            if (path.rstrip("/") or "/") in taken:
                continue
            taken.add(path.rstrip("/") or "/")
            routes.append(
                _fixed(
                    path,
                    body.encode() if isinstance(body, str) else body,
                    plugin.media_type,
                    headers,
                    config,
                    through_middleware,
                )
            )
    return routes


#: Set by ``local_assets``: the URL of each sidecar file served by this API.
_LOCAL = "local_asset_urls"


def local_assets(base: str, trailing_slash: str, routes: list[RouteDef]) -> dict[str, str]:
    """Adds a fixed route for each sidecar asset the UIs can use; returns {sidecar path: URL}."""
    found = sidecar_root()
    if found is None:
        return {}
    root, release = found
    from .plugins import RedocRenderPlugin, SwaggerRenderPlugin

    urls: dict[str, str] = {}
    for relative in {*SwaggerRenderPlugin.local_assets.values(), *RedocRenderPlugin.local_assets.values()}:
        file = root / relative
        body = _read(file)
        if body is None:
            continue
        # The version is in the URL, so a new sidecar release is never served from a stale cache.
        path = join_paths(base, f"/assets/{release}/{relative}")
        headers = {"Cache-Control": ASSET_CACHE, "X-Content-Type-Options": "nosniff"}
        routes.append(_fixed(path, body, _ASSET_TYPES.get(file.suffix, "application/octet-stream"), headers))
        urls[relative] = _url(path, trailing_slash)
    return urls


@functools.cache
def _read(file: Path) -> bytes | None:
    """An asset's bytes, read once per process (every compile of every API serves them)."""
    try:
        return file.read_bytes()
    except OSError:
        return None


def _use_local_assets(plugin: OpenAPIRenderPlugin, assets: dict[str, str]) -> None:
    """Points a UI at the local copies of its assets unless its URLs were given explicitly."""
    wanted: dict[str, str] = getattr(plugin, "local_assets", {})
    if not wanted or getattr(plugin, "user_urls", True):
        return
    if all(relative in assets for relative in wanted.values()):
        for attribute, relative in wanted.items():
            setattr(plugin, attribute, assets[relative])
