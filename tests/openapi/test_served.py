"""The docs served as fixed routes: the document (JSON and YAML), one page per UI, their headers,
local assets from django-bolt[docs], and docs turned off."""

from __future__ import annotations

import re

import pytest
from django_bolt import BoltAPI
from django_bolt.openapi import (
    OpenAPIConfig,
    RedocRenderPlugin,
    ScalarRenderPlugin,
    SwaggerRenderPlugin,
)
from django_bolt.openapi import routes as docs_routes


def make_api(**config) -> BoltAPI:
    # No options: openapi_config=None, the default config (docs on).
    api = BoltAPI(openapi_config=OpenAPIConfig(title="Docs", version="1", **config) if config else None)

    @api.get("/items/{item_id}", tags=["items"])
    async def get_item(item_id: int) -> dict:
        return {"id": item_id}

    return api


def test_docs_are_on_by_default_with_every_ui(client_for):
    client = client_for(make_api())
    spec = client.get("/docs/openapi.json")
    assert spec.status_code == 200
    assert spec.headers["content-type"] == "application/vnd.oai.openapi+json"
    assert spec.json()["paths"]["/items/{item_id}"]["get"]["operationId"] == "get_get_item"
    for path in ("/docs/openapi.yaml", "/docs/openapi.yml"):
        page = client.get(path)
        assert page.headers["content-type"] == "text/yaml; charset=utf-8"
        assert page.status_code == 200 and page.text.startswith('openapi: "3.1.0"')


def test_the_yaml_document_is_the_json_document(client_for):
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    api = make_api()

    @api.get("/tricky", summary="- yes: no # not a comment", tags=["", "null", "1.0"])
    async def tricky(q: str = "'\"\n\t\u2028é{}[]") -> dict:
        """Line one: 'quoted' "double" & *anchor !tag %directive

        \x00 \x7f ∑ — end"""
        return {}

    client = client_for(api)
    spec = client.get("/docs/openapi.json").json()
    assert yaml.safe_load(client.get("/docs/openapi.yaml").text) == spec
    assert spec["paths"]["/tricky"]["get"]["summary"] == "- yes: no # not a comment"
    expected = {
        "/docs": "swagger-ui",
        "/docs/swagger": "swagger-ui",
        "/docs/redoc": 'Redoc.init({"openapi":',
        "/docs/scalar": "data-url='/docs/openapi.json'",
        "/docs/rapidoc": "<rapi-doc spec-url='/docs/openapi.json'",
        "/docs/stoplight": "<elements-api apiDescriptionUrl='/docs/openapi.json'",
        "/docs/elements": "<elements-api",
    }
    for path, marker in expected.items():
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert marker in page.text, path


def test_pages_set_a_restrictive_content_security_policy(client_for):
    client = client_for(make_api())
    page = client.get("/docs")
    csp = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert (csp["frame-ancestors"], csp["base-uri"], csp["object-src"], csp["form-action"]) == ("'none'",) * 4
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    # The one inline script is allowed by its hash, and only it.
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp["script-src"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_local_assets_from_the_docs_extra(client_for):
    pytest.importorskip("drf_spectacular_sidecar", reason="the django-bolt[docs] extra is not installed")
    client = client_for(make_api())
    swagger = client.get("/docs").text
    redoc = client.get("/docs/redoc").text
    urls = re.findall(r"""(?:src|href)=['"](/docs/assets/[^'"]+)['"]""", swagger + redoc)
    assert len(urls) == 3  # Swagger UI's script and stylesheet, ReDoc's script
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 10_000
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-type"].startswith(("text/javascript", "text/css"))
    # Served as is: compressing 1.5 MB per request cost ~0.6 s of CPU each time (brotli).
    bundle = client.get(urls[0], headers={"Accept-Encoding": "br, gzip"})
    assert "content-encoding" not in bundle.headers
    csp = client.get("/docs").headers["content-security-policy"]
    assert "https:" not in csp and "cdn.jsdelivr.net" not in csp  # nothing from elsewhere


def test_without_the_extra_uis_load_from_a_cdn(client_for, monkeypatch):
    monkeypatch.setattr(docs_routes, "sidecar_root", lambda: None)
    client = client_for(make_api())
    page = client.get("/docs")
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.32.9/swagger-ui-bundle.js" in page.text
    assert "https://cdn.jsdelivr.net" in page.headers["content-security-policy"]
    assert client.get("/docs/assets/x/swagger-ui-dist/swagger-ui.css").status_code == 404


def test_asset_urls_and_paths_are_configurable(client_for):
    api = make_api(
        path="/api-docs",
        render_plugins=[
            RedocRenderPlugin(js_url="https://static.example.com/redoc.js", path="/read"),
            SwaggerRenderPlugin(js_url="/static/sw.js", css_url="/static/sw.css"),
            ScalarRenderPlugin(path="/"),
        ],
    )
    client = client_for(api)
    assert "data-url='/api-docs/openapi.json'" in client.get("/api-docs").text  # the UI with the path "/"
    read = client.get("/api-docs/read")
    assert "https://static.example.com/redoc.js" in read.text
    assert "https://static.example.com" in read.headers["content-security-policy"]
    assert "/static/sw.js" in client.get("/api-docs/swagger").text
    assert client.get("/docs").status_code == 404
    assert client.get("/api-docs/openapi.json").status_code == 200


def test_docs_turned_off(client_for):
    api = make_api(enabled=False)
    client = client_for(api)
    assert client.get("/docs").status_code == 404
    assert client.get("/docs/openapi.json").status_code == 404
    assert api.openapi_schema is None


def test_a_route_of_the_api_wins_over_a_docs_path(client_for):
    api = make_api()

    @api.get("/docs")
    async def own_docs() -> dict:
        return {"mine": True}

    client = client_for(api)
    assert client.get("/docs").json() == {"mine": True}
    assert client.get("/docs/openapi.json").status_code == 200
    assert "/docs" in client.get("/docs/openapi.json").json()["paths"]


def test_trailing_slash_append_serves_the_document_where_the_page_fetches_it(client_for):
    api = BoltAPI(trailing_slash="append")

    @api.get("/x")
    async def x() -> dict:
        return {}

    client = client_for(api)
    page = client.get("/docs/")
    assert "'/docs/openapi.json/'" in page.text or '"/docs/openapi.json/"' in page.text
    assert client.get("/docs/openapi.json/").status_code == 200


def test_config_is_checked():
    with pytest.raises(ValueError, match="path"):
        OpenAPIConfig(title="t", version="1", path="docs/")
    with pytest.raises(TypeError, match="OpenAPIConfig"):
        BoltAPI(openapi_config={"title": "t"}).compile()
    with pytest.raises(ValueError, match="start with '/'"):
        SwaggerRenderPlugin(path="swagger")


def test_a_document_that_cannot_be_made_leaves_the_api_serving(client_for, monkeypatch, caplog):
    from django_bolt.openapi.schema_generator import SchemaGenerator

    def broken(self, entries):
        raise RuntimeError("generator bug")

    monkeypatch.setattr(SchemaGenerator, "generate", broken)
    client = client_for(make_api())
    assert client.get("/items/3").json() == {"id": 3}
    assert client.get("/docs").status_code == 404
    assert "OpenAPI document not generated" in caplog.text
    with pytest.raises(RuntimeError, match="generator bug"):
        make_api(strict=True).compile()  # strict: the error is the startup's
