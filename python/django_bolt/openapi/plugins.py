"""Render plugins: each serves the document, or a UI page for it, under one or more paths below
``OpenAPIConfig.path``. Pages are rendered once when the API is compiled and served by Rust as fixed
routes with a Content-Security-Policy that allows only the page's own inline script (by hash), its
asset origins and the document."""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any
from urllib.parse import urlsplit

#: Keeps the browser from asking the server for /favicon.ico.
DEFAULT_FAVICON = "<link rel='icon' href='data:,'>"
DEFAULT_STYLE = "<style>body { margin: 0; padding: 0 }</style>"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class OpenAPIRenderPlugin:
    """Base class: ``render(openapi_schema, schema_url)`` returns the page (a str) or, for the
    document plugins, the document itself; ``paths`` are relative to ``OpenAPIConfig.path``
    (``"/"`` is the docs path itself)."""

    #: Documents answer with the schema; UI pages with HTML.
    is_ui = True

    def __init__(
        self,
        *,
        path: str | list[str],
        media_type: str = "text/html; charset=utf-8",
        favicon: str = DEFAULT_FAVICON,
        style: str = DEFAULT_STYLE,
    ) -> None:
        self.paths = [path] if isinstance(path, str) else list(path)
        for p in self.paths:
            if not p.startswith("/"):
                raise ValueError(f"{type(self).__name__}: paths start with '/', not {p!r}")
        self.media_type = media_type
        self.favicon = favicon
        self.style = style

    def has_path(self, path: str) -> bool:
        return path in self.paths

    def render_json(self, openapi_schema: dict[str, Any]) -> str:
        return json.dumps(openapi_schema, ensure_ascii=False)

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> str | dict[str, Any]:
        raise NotImplementedError

    # What a UI page is made of; ``page()`` assembles it with its CSP.

    def asset_urls(self) -> list[str]:
        """Every URL the page loads scripts, styles or fonts from (for the CSP)."""
        return []

    def page(self, title: str, head: str, body: str, script: str = "") -> str:
        inline = f"<script>{script}</script>" if script else ""
        return (
            "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
            f"<title>{html.escape(title)}</title>\n{self.favicon}\n{self.style}\n{head}\n</head>\n"
            f"<body>\n{body}\n{inline}\n</body>\n</html>\n"
        )

    def content_security_policy(self, script: str = "", extra: dict[str, list[str]] | None = None) -> str:
        """Only this page's assets: scripts from their origins (or ``'self'``) and the inline
        script by its hash; no plugins, frames, forms or base-URL changes."""
        origins = sorted({o for o in map(_origin, self.asset_urls()) if o})
        scripts = ["'self'", *origins]
        if script:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            scripts.append(f"'sha256-{digest}'")
        # The UIs build their styles at run time (style elements and attributes).
        directives = {
            "default-src": ["'none'"],
            "script-src": scripts,
            "style-src": ["'self'", "'unsafe-inline'", *origins],
            "img-src": ["'self'", "data:", *origins],
            "font-src": ["'self'", "data:", *origins],
            "connect-src": ["'self'", *origins],
            # ReDoc runs its search in a worker made from a blob.
            "worker-src": ["'self'", "blob:"],
            "base-uri": ["'none'"],
            "form-action": ["'none'"],
            "frame-ancestors": ["'none'"],
            "object-src": ["'none'"],
        }
        for name, values in (extra or {}).items():
            directives[name] = [*directives.get(name, []), *values]
        return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _js(value: Any) -> str:
    # Compact JSON inside <script>: "<" only occurs in strings, where "\\u003c" means the same and
    # cannot end the element ("</script") or open a comment ("<!--").
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


def _script_tag(url: str) -> str:
    # ``crossorigin``: a bundle from another origin (the CDN, or a URL the user gives) is fetched
    # without cookies, and its errors are reported in full (the release does the same).
    return f'<script src="{_attr(url)}" crossorigin></script>'


class JsonRenderPlugin(OpenAPIRenderPlugin):
    """The document as JSON (``/openapi.json``)."""

    is_ui = False

    def __init__(
        self,
        *,
        path: str | list[str] = "/openapi.json",
        media_type: str = "application/vnd.oai.openapi+json",
        **kwargs: Any,
    ) -> None:
        super().__init__(path=path, media_type=media_type, **kwargs)

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> dict[str, Any]:
        return openapi_schema


class YamlRenderPlugin(OpenAPIRenderPlugin):
    """The document as YAML (``/openapi.yaml`` and ``/openapi.yml``)."""

    is_ui = False

    def __init__(
        self, *, path: str | list[str] | None = None, media_type: str = "text/yaml; charset=utf-8", **kwargs: Any
    ) -> None:
        super().__init__(path=path or ["/openapi.yaml", "/openapi.yml"], media_type=media_type, **kwargs)

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        from .yaml import dump

        return dump(openapi_schema)


class SwaggerRenderPlugin(OpenAPIRenderPlugin):
    """Swagger UI, with the document in the page. ``js_url``/``css_url`` default to the local copy
    (``django-bolt[docs]``) when the API serves one, unless ``version`` is given; else to jsDelivr
    at ``version``."""

    default_version = "5.32.9"

    def __init__(
        self,
        *,
        version: str | None = None,
        js_url: str | None = None,
        css_url: str | None = None,
        standalone_preset_js_url: str | None = None,
        path: str | list[str] = "/swagger",
        **kwargs: Any,
    ) -> None:
        super().__init__(path=path, **kwargs)
        self.version = version or self.default_version
        cdn = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{self.version}"
        # A version asked for is that version: the local copy is whatever the sidecar ships.
        self.user_urls = js_url is not None or css_url is not None or version is not None
        self.js_url = js_url or f"{cdn}/swagger-ui-bundle.js"
        self.css_url = css_url or f"{cdn}/swagger-ui.css"
        self.standalone_preset_js_url = standalone_preset_js_url

    #: Sidecar files this UI can load locally, by attribute.
    local_assets = {"js_url": "swagger-ui-dist/swagger-ui-bundle.js", "css_url": "swagger-ui-dist/swagger-ui.css"}

    def asset_urls(self) -> list[str]:
        return [u for u in (self.js_url, self.css_url, self.standalone_preset_js_url) if u]

    def script(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        # ``spec`` wins over ``url``; the URL stays for Swagger's own links to the document.
        options: dict[str, Any] = {"url": schema_url, "dom_id": "#swagger-ui", "deepLinking": True}
        preset = ", SwaggerUIStandalonePreset" if self.standalone_preset_js_url else ""
        layout = "StandaloneLayout" if self.standalone_preset_js_url else "BaseLayout"
        return (
            f"window.ui = SwaggerUIBundle(Object.assign({_js(options)}, {{spec: {_js(openapi_schema)}}}, "
            f"{{presets: [SwaggerUIBundle.presets.apis{preset}], layout: {_js(layout)}}}));"
        )

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        preset = _script_tag(self.standalone_preset_js_url) if self.standalone_preset_js_url else ""
        return self.page(
            openapi_schema.get("info", {}).get("title", "API") + " - Swagger UI",
            f"<link rel='stylesheet' href='{_attr(self.css_url)}'>",
            f"<div id='swagger-ui'></div>\n{_script_tag(self.js_url)}{preset}",
            self.script(openapi_schema, schema_url),
        )


class RedocRenderPlugin(OpenAPIRenderPlugin):
    """ReDoc, with the document in the page. ``js_url`` defaults to the local copy
    (``django-bolt[docs]``) when the API serves one, unless ``version`` is given; else to jsDelivr
    at ``version``."""

    default_version = "2.5.3"

    def __init__(
        self,
        *,
        version: str | None = None,
        js_url: str | None = None,
        google_fonts: bool = True,
        path: str | list[str] = "/redoc",
        **kwargs: Any,
    ) -> None:
        super().__init__(path=path, **kwargs)
        self.version = version or self.default_version
        self.user_urls = js_url is not None or version is not None
        self.js_url = js_url or f"https://cdn.jsdelivr.net/npm/redoc@{self.version}/bundles/redoc.standalone.js"
        self.google_fonts = google_fonts

    local_assets = {"js_url": "redoc/bundles/redoc.standalone.js"}
    _FONTS = "https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700"

    def asset_urls(self) -> list[str]:
        return [self.js_url, *([self._FONTS, "https://fonts.gstatic.com/"] if self.google_fonts else [])]

    def script(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        return f"Redoc.init({_js(openapi_schema)}, {{}}, document.getElementById('redoc-container'));"

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        fonts = f"<link rel='stylesheet' href='{_attr(self._FONTS)}'>" if self.google_fonts else ""
        return self.page(
            openapi_schema.get("info", {}).get("title", "API") + " - ReDoc",
            fonts,
            f"<div id='redoc-container'></div>\n{_script_tag(self.js_url)}",
            self.script(openapi_schema, schema_url),
        )


class ScalarRenderPlugin(OpenAPIRenderPlugin):
    """Scalar API reference (from jsDelivr unless ``js_url`` is given)."""

    def __init__(
        self,
        *,
        version: str = "latest",
        js_url: str | None = None,
        css_url: str | None = None,
        path: str | list[str] | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(path=path or ["/scalar"], **kwargs)
        self.version = version
        self.js_url = js_url or f"https://cdn.jsdelivr.net/npm/@scalar/api-reference@{version}"
        self.css_url = css_url
        self.options = options

    def asset_urls(self) -> list[str]:
        return [u for u in (self.js_url, self.css_url) if u]

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        css = f"<link rel='stylesheet' href='{_attr(self.css_url)}'>" if self.css_url else ""
        config = f" data-configuration='{_attr(json.dumps(self.options))}'" if self.options else ""
        return self.page(
            openapi_schema.get("info", {}).get("title", "API") + " - Scalar",
            css,
            f"<script id='api-reference' data-url='{_attr(schema_url)}'{config}></script>\n"
            f"<script src='{_attr(self.js_url)}'></script>",
        )


class RapidocRenderPlugin(OpenAPIRenderPlugin):
    """RapiDoc (from unpkg unless ``js_url`` is given)."""

    def __init__(
        self, *, version: str = "9.3.4", js_url: str | None = None, path: str | list[str] = "/rapidoc", **kwargs: Any
    ) -> None:
        super().__init__(path=path, **kwargs)
        self.version = version
        self.js_url = js_url or f"https://unpkg.com/rapidoc@{version}/dist/rapidoc-min.js"

    def asset_urls(self) -> list[str]:
        return [self.js_url]

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        return self.page(
            openapi_schema.get("info", {}).get("title", "API") + " - RapiDoc",
            f"<script type='module' src='{_attr(self.js_url)}'></script>",
            f"<rapi-doc spec-url='{_attr(schema_url)}' render-style='read'></rapi-doc>",
        )


class StoplightRenderPlugin(OpenAPIRenderPlugin):
    """Stoplight Elements (from unpkg unless ``js_url``/``css_url`` are given)."""

    def __init__(
        self,
        *,
        version: str = "7.7.18",
        js_url: str | None = None,
        css_url: str | None = None,
        path: str | list[str] = "/elements",
        **kwargs: Any,
    ) -> None:
        super().__init__(path=path, **kwargs)
        self.version = version
        base = f"https://unpkg.com/@stoplight/elements@{version}"
        self.js_url = js_url or f"{base}/web-components.min.js"
        self.css_url = css_url or f"{base}/styles.min.css"

    def asset_urls(self) -> list[str]:
        return [self.js_url, self.css_url]

    def render(self, openapi_schema: dict[str, Any], schema_url: str) -> str:
        return self.page(
            openapi_schema.get("info", {}).get("title", "API") + " - Stoplight Elements",
            f"<script src='{_attr(self.js_url)}'></script>\n<link rel='stylesheet' href='{_attr(self.css_url)}'>",
            f"<elements-api apiDescriptionUrl='{_attr(schema_url)}' router='hash' layout='sidebar'></elements-api>",
        )


__all__ = [
    "OpenAPIRenderPlugin",
    "JsonRenderPlugin",
    "YamlRenderPlugin",
    "SwaggerRenderPlugin",
    "RedocRenderPlugin",
    "ScalarRenderPlugin",
    "RapidocRenderPlugin",
    "StoplightRenderPlugin",
]
