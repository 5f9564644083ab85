"""OpenAPI 3.1 documents and interactive docs of a ``BoltAPI`` (``BoltAPI(openapi_config=...)``).

The document is generated once, when the API is compiled, from the compiled routes, and served with
the UI pages by Rust as fixed routes under ``OpenAPIConfig.path`` (``/docs``)."""

from .config import OpenAPIConfig
from .plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    RapidocRenderPlugin,
    RedocRenderPlugin,
    ScalarRenderPlugin,
    StoplightRenderPlugin,
    SwaggerRenderPlugin,
    YamlRenderPlugin,
)

__all__ = [
    "OpenAPIConfig",
    "OpenAPIRenderPlugin",
    "SwaggerRenderPlugin",
    "RedocRenderPlugin",
    "ScalarRenderPlugin",
    "RapidocRenderPlugin",
    "StoplightRenderPlugin",
    "JsonRenderPlugin",
    "YamlRenderPlugin",
]
