"""The release's ways of reaching the document: ``SchemaGenerator(api, config).generate()`` with
attribute access and ``to_schema()``, ``SecurityScheme`` in ``Components``, docstring summary and
description."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI, OpenAPIConfig
from django_bolt.openapi.schema_generator import SchemaGenerator, _extract_path_param_names
from django_bolt.openapi.spec import Components, SecurityScheme


def test_generator_from_the_api_reads_like_spec_objects():
    api = BoltAPI()

    @api.post("/items/{item_id}", tags=["Items"])
    async def make(item_id: int, name: str):
        """Make an item.

        With a name."""
        return {}

    assert SchemaGenerator(api, api._openapi_config).generate().info.title == api._openapi_config.title
    schema = SchemaGenerator(api, OpenAPIConfig(title="T", version="1")).generate()
    operation = schema.paths["/items/{item_id}"].post
    assert (operation.tags, operation.summary, operation.description) == (["Items"], "Make an item.", "With a name.")
    assert operation.request_body is None and operation.get is None
    assert [(p.name, p.param_in) for p in operation.parameters] == [("item_id", "path"), ("name", "query")]
    assert schema.info.title == "T"
    document = schema.to_schema()
    assert document["openapi"] == "3.1.0"
    validate = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed").validate
    validate(document)
    assert _extract_path_param_names("/a/{x}/b/{y:int}") == ["x", "y"]


def test_security_scheme_objects_in_components():
    scheme = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT", description="d")
    key = SecurityScheme(type="apiKey", name="X-Key", security_scheme_in="header")
    api = BoltAPI(
        openapi_config=OpenAPIConfig(
            title="T", version="1", components=Components(security_schemes={"Custom": scheme, "Key": key})
        )
    )

    @api.get("/x")
    async def x():
        return {}

    api.compile()
    schemes = api.openapi_schema["components"]["securitySchemes"]
    assert schemes["Custom"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "d"}
    assert schemes["Key"] == {"type": "apiKey", "name": "X-Key", "in": "header"}
