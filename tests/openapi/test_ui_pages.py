"""The Swagger UI and ReDoc pages carry the document in their inline script (allowed by the page's
CSP by hash), load a bundle from another origin with ``crossorigin``, and take their bundle from
jsDelivr when a ``version`` is asked for (the local copy is whatever version the docs extra
ships)."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from django_bolt import BoltAPI
from django_bolt.openapi import OpenAPIConfig, RedocRenderPlugin, SwaggerRenderPlugin

TRICKY = "A </script><!-- description"


def _api(*plugins) -> BoltAPI:
    api = BoltAPI(openapi_config=OpenAPIConfig(title="Pages", version="1", render_plugins=list(plugins)))

    @api.get("/items")
    async def list_items() -> list:
        return []

    api.get("/tricky", description=TRICKY)(list_items)
    return api


def _inline_script(page: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1, page
    return scripts[0]


def _allowed_by_hash(script: str, csp: str) -> bool:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'" in csp


@pytest.mark.parametrize(
    ("plugin", "path", "call"),
    [(RedocRenderPlugin(), "/docs/redoc", "Redoc.init("), (SwaggerRenderPlugin(), "/docs/swagger", "{spec: ")],
    ids=["redoc", "swagger"],
)
def test_the_page_carries_the_document_in_its_hashed_inline_script(client_for, plugin, path, call):
    client = client_for(_api(plugin))
    document = client.get("/docs/openapi.json").json()
    response = client.get(path)
    assert response.status_code == 200
    script = _inline_script(response.text)
    assert _allowed_by_hash(script, response.headers["content-security-policy"])
    assert "</script" not in script and "<!--" not in script  # "<" is written \u003c in the JSON
    start = script.index(call) + len(call)
    inline, _ = json.JSONDecoder().raw_decode(script[start:])
    assert inline == document
    assert inline["paths"]["/tricky"]["get"]["description"] == TRICKY


def test_a_given_redoc_bundle_url_is_loaded_with_crossorigin(client_for):
    client = client_for(_api(RedocRenderPlugin(js_url="https://static.example.com/redoc.js")))
    response = client.get("/docs/redoc")
    assert '<script src="https://static.example.com/redoc.js" crossorigin></script>' in response.text
    assert "https://static.example.com" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("plugin", "path", "bundle"),
    [
        (RedocRenderPlugin(version="2.5.1"), "/docs/redoc", "https://cdn.jsdelivr.net/npm/redoc@2.5.1/bundles/"),
        (
            SwaggerRenderPlugin(version="5.32.0"),
            "/docs/swagger",
            "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.32.0/",
        ),
    ],
    ids=["redoc", "swagger"],
)
def test_a_version_asked_for_comes_from_the_cdn_even_with_local_assets(client_for, plugin, path, bundle):
    client = client_for(_api(plugin))
    response = client.get(path)
    assert f'<script src="{bundle}' in response.text
    assert "/docs/assets/" not in response.text
    assert "https://cdn.jsdelivr.net" in response.headers["content-security-policy"]


def test_without_a_version_the_local_bundle_is_used_when_installed(client_for):
    pytest.importorskip("drf_spectacular_sidecar", reason="the django-bolt[docs] extra is not installed")
    client = client_for(_api(RedocRenderPlugin()))
    page = client.get("/docs/redoc").text
    assert re.search(r'<script src="/docs/assets/[^"]+/redoc\.standalone\.js" crossorigin></script>', page)
    assert RedocRenderPlugin().version == "2.5.3" and SwaggerRenderPlugin().version == "5.32.9"
