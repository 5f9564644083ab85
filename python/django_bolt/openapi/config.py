"""``OpenAPIConfig``: what ``BoltAPI(openapi_config=...)`` documents and where it serves it."""

from __future__ import annotations

import dataclasses
from typing import Any

from .plugins import (
    OpenAPIRenderPlugin,
    RapidocRenderPlugin,
    RedocRenderPlugin,
    ScalarRenderPlugin,
    StoplightRenderPlugin,
    SwaggerRenderPlugin,
)
from .spec import Components, Contact, ExternalDocumentation, License, SecurityRequirement, Server, Tag


def default_render_plugins() -> list[OpenAPIRenderPlugin]:
    """Every UI, Swagger UI also at the docs path itself (as the release serves them)."""
    return [
        SwaggerRenderPlugin(path=["/", "/swagger"]),
        RedocRenderPlugin(),
        ScalarRenderPlugin(),
        RapidocRenderPlugin(),
        StoplightRenderPlugin(path=["/stoplight", "/elements"]),
    ]


@dataclasses.dataclass
class OpenAPIConfig:
    """The document's ``info``, servers, tags and security, and where it is served.

    ``path`` is where the UIs live (the first UI plugin, or one with the path ``"/"``, answers at
    ``path`` itself); the document is at ``{path}/openapi.json`` and ``{path}/openapi.yaml``.
    ``render_plugins`` empty: every UI (Swagger UI at ``path``). ``exclude_paths``: routes under
    these prefixes are left out. ``enabled=False``: nothing is generated or served.
    """

    title: str
    version: str
    contact: Contact | None = None
    description: str | None = None
    external_docs: ExternalDocumentation | None = None
    license: License | None = None
    #: The document-wide security requirement (operations list their own from their auth).
    security: list[SecurityRequirement] | None = None
    components: Components = dataclasses.field(default_factory=Components)
    servers: list[Server] = dataclasses.field(default_factory=lambda: [Server(url="/")])
    summary: str | None = None
    tags: list[Tag] | None = None
    terms_of_service: str | None = None
    #: Descriptions (and summaries) from handler docstrings when the route sets none.
    use_handler_docstrings: bool = True
    webhooks: dict[str, Any] | None = None
    path: str = "/docs"
    render_plugins: list[OpenAPIRenderPlugin] = dataclasses.field(default_factory=list)
    exclude_paths: list[str] = dataclasses.field(default_factory=lambda: ["/admin", "/static"])
    #: Document the error answers a route can produce (422, 401/403, 413, 429, other errors).
    include_error_responses: bool = True
    #: Refuse (``OpenAPIStrictError``) a route whose types cannot be described, instead of
    #: documenting them as any value.
    strict: bool = False
    enabled: bool = True
    #: Protect the document and the UI pages as a route's ``guards=``/``auth=`` would (the
    #: asset files stay public). Unset: the docs are public and served by Rust alone.
    guards: Any = None
    auth: Any = None

    def __post_init__(self) -> None:
        if not self.path.startswith("/") or (self.path != "/" and self.path.endswith("/")):
            raise ValueError(f"OpenAPIConfig(path={self.path!r}) must start with '/' and not end with one")


def default_config() -> OpenAPIConfig:
    return OpenAPIConfig(title="API", version="1.0.0")


__all__ = ["OpenAPIConfig"]
