"""``django_bolt.openapi.spec``: the document's objects and their JSON (``to_schema()``), and the
generated document, which is built from them and takes them from ``OpenAPIConfig``."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.openapi import OpenAPIConfig
from django_bolt.openapi.spec import (
    XML,
    Components,
    Contact,
    Discriminator,
    Encoding,
    Example,
    ExternalDocumentation,
    Info,
    License,
    Link,
    OAuthFlow,
    OAuthFlows,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
    SchemaDataContainer,
    SecurityScheme,
    Server,
    ServerVariable,
    Tag,
)
from django_bolt.openapi.spec.operation import Operation as OperationFromItsModule


def test_keys_are_the_documents_and_unset_fields_are_left_out():
    operation = Operation(
        operation_id="get_item",
        external_docs=ExternalDocumentation(url="https://docs.example/items"),
        parameters=[
            Parameter(name="id", param_in="path", required=True, schema=Schema(type=OpenAPIType.INTEGER)),
            Parameter(name="q", param_in="query", allow_empty_value=True, examples={"one": Example(value="x")}),
            Parameter(name="X-Token", param_in="header", allow_reserved=True),  # only query has it
        ],
        request_body=RequestBody(
            content={"application/json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Item"))},
            required=True,
        ),
        responses={
            "200": OpenAPIResponse(
                description="OK",
                headers={"X-Rate": OpenAPIHeader(schema=Schema(type=OpenAPIType.INTEGER), required=True)},
                links={"self": Link(operation_id="get_item", parameters={"id": "$response.body#/id"})},
            )
        },
    )
    assert operation.to_schema() == {
        "externalDocs": {"url": "https://docs.example/items"},
        "operationId": "get_item",
        "parameters": [
            {"name": "id", "in": "path", "schema": {"type": "integer"}, "required": True},
            {"name": "q", "in": "query", "allowEmptyValue": True, "examples": {"one": {"value": "x"}}},
            {"name": "X-Token", "in": "header"},
        ],
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
            "required": True,
        },
        "responses": {
            "200": {
                "description": "OK",
                # A header has no name or ``in``: its key names it.
                "headers": {"X-Rate": {"schema": {"type": "integer"}, "required": True}},
                "links": {"self": {"operationId": "get_item", "parameters": {"id": "$response.body#/id"}}},
            }
        },
    }
    assert OperationFromItsModule is Operation


def test_schema_keywords_default_and_hash():
    schema = Schema(
        type=[OpenAPIType.STRING, OpenAPIType.NULL],
        format=OpenAPIFormat.DATE_TIME,
        schema_not=Schema(const="never"),
        one_of=[Reference(ref="#/components/schemas/A")],
        discriminator=Discriminator(property_name="kind", mapping={"a": "#/components/schemas/A"}),
        max_length=10,
        read_only=True,
        xml=XML(name="when", attribute=True),
        default=None,  # stated: null is the default
        examples=[None],
    )
    assert schema.to_schema() == {
        "oneOf": [{"$ref": "#/components/schemas/A"}],
        "not": {"const": "never"},
        "type": ["string", "null"],
        "maxLength": 10,
        "format": "date-time",
        "default": None,
        "readOnly": True,
        "examples": [None],
        "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/A"}},
        "xml": {"name": "when", "attribute": True},
    }
    assert "default" not in Schema(type=OpenAPIType.STRING).to_schema()
    assert Schema.field_aliases()["not"] == "schema_not" and Schema.field_aliases()["maxLength"] == "max_length"
    # Same shape, same hash (examples aside): usable as a dict key / in a set.
    assert hash(Schema(type=OpenAPIType.STRING, examples=["a"])) == hash(Schema(type=OpenAPIType.STRING))
    assert hash(Schema(type=OpenAPIType.STRING)) != hash(Schema(type=OpenAPIType.INTEGER))
    container = SchemaDataContainer(type=OpenAPIType.OBJECT, data_container=dict)
    assert container.to_schema() == {"type": "object"}
    assert Reference(ref="#/components/schemas/Item").value == "Item"


def test_hand_written_json_inside_objects_is_kept_as_written():
    media = OpenAPIMediaType(schema={"type": "string", "default": None}, encoding={"f": Encoding(style="form")})
    assert media.to_schema() == {"schema": {"type": "string", "default": None}, "encoding": {"f": {"style": "form"}}}


def test_the_document_object():
    item = PathItem(get=Operation(operation_id="a"), query=Operation(operation_id="b"), extensions={"websocket": True})
    doc = OpenAPI(info=Info(title="T", version="1", contact=Contact(email="a@b.c")), paths={"/a": item})
    assert doc.to_schema() == {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1", "contact": {"email": "a@b.c"}},
        "servers": [{"url": "/"}],
        "paths": {"/a": {"get": {"operationId": "a"}, "query": {"operationId": "b"}, "x-websocket": True}},
    }
    assert next(iter(doc.to_schema())) == "openapi"
    assert Components().to_schema() == {}
    # The names these objects had here before keep working.
    assert Tag(name="t").to_dict() == {"name": "t"}


def _api(config: OpenAPIConfig) -> BoltAPI:
    api = BoltAPI(openapi_config=config)

    @api.get("/items", tags=["items"])
    async def list_items() -> list[int]:
        return []

    api.compile()
    return api


def test_the_generated_document_takes_the_configs_objects():
    oauth = SecurityScheme(
        type="oauth2",
        flows=OAuthFlows(client_credentials=OAuthFlow(token_url="/token", scopes={"read": "Read items"})),
    )
    config = OpenAPIConfig(
        title="Shop",
        version="3",
        contact=Contact(name="Ops", url="https://ops.example"),
        license=License(name="MIT", identifier="MIT"),
        servers=[Server(url="https://{region}.shop.example", variables={"region": ServerVariable(default="eu")})],
        tags=[Tag(name="items", description="The catalogue", external_docs=ExternalDocumentation(url="https://x"))],
        components=Components(
            schemas={"Money": Schema(type=OpenAPIType.STRING, pattern=r"^\d+\.\d\d$")},
            security_schemes={"OAuth": oauth},
        ),
        security=[{"OAuth": ["read"]}],
        webhooks={"restocked": PathItem(post=Operation(summary="An item is back"))},
    )
    doc = _api(config).openapi_schema
    assert doc["info"] == {
        "title": "Shop",
        "version": "3",
        "contact": {"name": "Ops", "url": "https://ops.example"},
        "license": {"name": "MIT", "identifier": "MIT"},
    }
    assert doc["servers"] == [{"url": "https://{region}.shop.example", "variables": {"region": {"default": "eu"}}}]
    assert doc["tags"] == [{"name": "items", "description": "The catalogue", "externalDocs": {"url": "https://x"}}]
    assert doc["components"]["schemas"]["Money"] == {"type": "string", "pattern": r"^\d+\.\d\d$"}
    assert doc["components"]["securitySchemes"]["OAuth"] == {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {"read": "Read items"}}},
    }
    assert doc["security"] == [{"OAuth": ["read"]}]
    assert doc["webhooks"] == {"restocked": {"post": {"summary": "An item is back"}}}
    assert doc["paths"]["/items"]["get"]["operationId"] == "get_list_items"


def test_components_given_as_their_json():
    config = OpenAPIConfig(
        title="T", version="1", components={"securitySchemes": {"Key": {"type": "apiKey", "in": "query", "name": "k"}}}
    )
    assert _api(config).openapi_schema["components"]["securitySchemes"] == {
        "Key": {"type": "apiKey", "in": "query", "name": "k"}
    }


def test_components_with_keys_openapi_does_not_have_are_refused():
    config = OpenAPIConfig(title="T", version="1", strict=True, components={"securitySchemas": {}})
    with pytest.raises(TypeError, match="securitySchemas"):
        _api(config)


def test_shared_json_and_subclasses_with_their_own_to_schema():
    error = {"description": "Bad", "content": {"application/json": {"schema": {"type": "object"}}}}
    shared = OpenAPIResponse(description="x", content={"a": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))})
    item = PathItem(get=Operation(responses={"400": error, "200": shared}), put=Operation(responses={"400": error}))
    out = item.to_schema()
    assert out["get"]["responses"]["400"] == out["put"]["responses"]["400"] == error
    assert out["get"]["responses"]["200"]["content"] == {"a": {"schema": {"type": "string"}}}

    class Stamped(Tag):
        def to_schema(self):
            return {**super().to_schema(), "x-stamp": True}

    doc = OpenAPI(info=Info(title="T", version="1"), tags=[Stamped(name="a")], servers=[])
    assert doc.to_schema()["tags"] == [{"name": "a", "x-stamp": True}]
    assert "servers" not in doc.to_schema()
