"""The document in the shapes code written for the release (and its code generators) expect:
typed enums and formats, query model fields with their constraints, flattened form models, named
paging envelopes, redirects, strict mode, WebSocket and QUERY operations, protected docs."""

from __future__ import annotations

import datetime
import enum
import time
from typing import Annotated, Any, Literal

import jwt
import msgspec
import pytest
from django_bolt import BoltAPI, OpenAPIConfig, UploadFile
from django_bolt.auth import APIKeyAuthentication, IsAuthenticated, JWTAuthentication
from django_bolt.openapi import JsonRenderPlugin
from django_bolt.openapi.schema_generator import OpenAPIStrictError
from django_bolt.pagination import PageNumberPagination, paginate
from django_bolt.param_functions import File, Form, Header, Path, Query
from django_bolt.responses import Redirect
from django_bolt.testing import TestClient

from .test_mapping import document, operation, params


class Color(str, enum.Enum):
    """A color."""

    RED = "red"
    BLUE = "blue"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


class Filters(msgspec.Struct):
    page: Annotated[int, msgspec.Meta(ge=1)] = 1
    ratio: Annotated[float, msgspec.Meta(gt=0, lt=1)] | None = None
    code: Annotated[str, msgspec.Meta(max_length=5, description="Short code")] = "AB"
    color: Color | None = None
    size: Literal[10, 25] = 10


class Event(msgspec.Struct):
    at: datetime.datetime
    start: datetime.time
    color: Color
    level: Level
    extra: dict[str, Any]


def ok_content(doc: dict, path: str, method: str = "get", status: str = "200") -> dict:
    return operation(doc, path, method)["responses"][status].get("content", {})


def test_query_model_fields_carry_their_constraints_enums_and_null():
    api = BoltAPI()

    @api.get("/items")
    async def items(filters: Annotated[Filters, Query()]) -> list[int]:
        return []

    fields = {name: p["schema"] for name, p in params(operation(document(api), "/items")).items()}
    assert fields["page"] == {"type": "integer", "minimum": 1, "default": 1}
    assert fields["ratio"]["anyOf"] == [
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        {"type": "null"},
    ]
    assert fields["code"] == {"type": "string", "maxLength": 5, "description": "Short code", "default": "AB"}
    # A parameter's enum is written out (no reference), with its type.
    color = fields["color"]["anyOf"][0]
    assert (color["type"], color["enum"], "$ref" in color) == ("string", ["blue", "red"], False)
    assert fields["size"] == {"type": "integer", "enum": [10, 25], "default": 10}


def test_body_types_carry_formats_enum_types_and_any_values():
    api = BoltAPI()

    @api.post("/events")
    async def create(event: Event) -> Event:
        return event

    schemas = document(api)["components"]["schemas"]
    props = schemas["Event"]["properties"]
    assert props["at"] == {"type": "string", "format": "date-time"}
    assert props["start"] == {"type": "string", "format": "time"}
    assert props["color"] == {"$ref": "#/components/schemas/Color"}
    assert props["extra"] == {"type": "object", "additionalProperties": True}
    assert schemas["Color"] == {"title": "Color", "description": "A color.", "enum": ["blue", "red"], "type": "string"}
    assert schemas["Level"]["type"] == "integer"


class Opaque:
    pass


class Holder(msgspec.Struct):
    thing: Opaque = msgspec.field(default_factory=Opaque)
    name: str = ""


def test_a_type_msgspec_cannot_describe_is_any_value_and_strict_mode_names_the_route():
    api = BoltAPI()

    @api.get("/holder")
    async def holder() -> Holder:
        return Holder()

    component = document(api)["components"]["schemas"]["Holder"]
    assert component["properties"] == {"thing": {}, "name": {"type": "string", "default": ""}}
    strict = BoltAPI(openapi_config=OpenAPIConfig(title="t", version="1", strict=True))
    strict.routes = api.routes
    with pytest.raises(OpenAPIStrictError, match="GET /holder: cannot describe"):
        strict.compile()


def test_strict_mode_lists_every_untyped_response_and_qualified_name():
    first = msgspec.defstruct("Thing", [("id", int)], module="shop.a")
    second = msgspec.defstruct("Thing", [("name", str)], module="shop.b")
    api = BoltAPI(openapi_config=OpenAPIConfig(title="t", version="1", strict=True))

    @api.get("/untyped")
    async def untyped():
        return {}

    @api.get("/one", response_model=first)
    async def one():
        return first(id=1)

    @api.get("/two", response_model=second)
    async def two():
        return second(name="x")

    with pytest.raises(OpenAPIStrictError) as raised:
        api.compile()
    message = str(raised.value)
    assert "GET /untyped" in message and "shop.a.Thing" in message and "shop.b.Thing" in message
    assert "/one" not in message
    loose = BoltAPI()
    loose.routes = api.routes
    # Not strict: an untyped answer is documented as the JSON object most such handlers return.
    assert ok_content(document(loose), "/untyped") == {"application/json": {"schema": {"type": "object"}}}


class SignUp(msgspec.Struct):
    username: str
    height: Annotated[float, msgspec.Meta(ge=100)]
    attachments: list[UploadFile] = []


def test_a_form_model_is_flattened_into_the_form_fields():
    api = BoltAPI()

    @api.post("/signup")
    async def signup(form: Annotated[SignUp, Form()], avatar: Annotated[UploadFile, File()]) -> dict:
        return {}

    body = operation(document(api), "/signup", "post")["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"] == {
        "username": {"type": "string"},
        "height": {"type": "number", "minimum": 100},
        "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}, "default": []},
        "avatar": {"type": "string", "format": "binary"},
    }
    assert body["required"] == ["username", "height", "avatar"]


class Row(msgspec.Struct):
    id: int


class Cat(msgspec.Struct, tag=True):
    name: str


class Dog(msgspec.Struct, tag=True):
    name: str


def test_envelopes_redirects_and_tagged_unions():
    api = BoltAPI()

    @api.get("/rows")
    @paginate(PageNumberPagination)
    async def rows(request) -> list[Row]:
        return []

    @api.get("/go", response_class=Redirect)
    async def go():
        return Redirect("/rows")

    @api.get("/pet")
    async def pet() -> Cat | Dog:
        return Cat(name="x")

    doc = document(api)
    assert ok_content(doc, "/rows")["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedResponse_Row_"
    }
    envelope = doc["components"]["schemas"]["PaginatedResponse_Row_"]
    assert envelope["properties"]["items"] == {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}
    redirect = operation(doc, "/go")["responses"]
    assert "200" not in redirect and "content" not in redirect["307"]
    assert redirect["307"]["headers"]["Location"]["schema"] == {"type": "string"}
    union = ok_content(doc, "/pet")["application/json"]["schema"]
    # Arms told apart by their tag are exclusive.
    assert [arm["$ref"].rsplit("/", 1)[1] for arm in union["oneOf"]] == ["Cat", "Dog"]
    assert doc["components"]["schemas"]["Cat"]["properties"]["type"] == {"enum": ["Cat"], "type": "string"}
    # One example per arm, so a UI offers each shape.
    assert ok_content(doc, "/pet")["application/json"]["examples"] == {
        "Cat": {"value": {"type": "Cat", "name": "string"}},
        "Dog": {"value": {"type": "Dog", "name": "string"}},
    }


def test_websocket_routes_are_documented_as_their_upgrade_request():
    child = BoltAPI(include_in_schema=False)

    @child.websocket("/ws/hidden")
    async def hidden(websocket) -> None:
        pass

    @child.websocket("/ws/shown", include_in_schema=True, tags=["live"], summary="Prices")
    async def shown(websocket) -> None:
        """Ignored: the decorator's summary wins."""

    api = BoltAPI()

    @api.websocket("/ws/plain")
    async def plain(websocket) -> None:
        pass

    @api.get("/items", tags=[])
    async def items() -> list[int]:
        return []

    api.mount("/v1", child)
    doc = document(api)
    assert "/v1/ws/hidden" not in doc["paths"]
    shown_op = operation(doc, "/v1/ws/shown")
    assert (shown_op["summary"], shown_op["tags"]) == ("WebSocket: Prices", ["live"])
    assert "101" in shown_op["responses"]
    plain_op = operation(doc, "/ws/plain")
    assert (plain_op["summary"], plain_op["tags"]) == ("WebSocket Connection", ["WebSocket"])
    assert operation(doc, "/items")["tags"] == []  # tags=[] stays empty


def test_a_query_route_makes_an_openapi_3_2_document():
    api = BoltAPI()

    @api.query("/search")
    async def search(q: str) -> list[str]:
        return []

    doc = document(api)
    assert doc["openapi"] == "3.2.0"
    assert "jsonSchemaDialect" not in doc
    # Checked against the OpenAPI 3.2 schema by test_every_document_of_the_session_is_valid.
    assert params(operation(doc, "/search", "query"))["q"]["in"] == "query"


def test_api_key_scheme_has_the_release_name():
    api = BoltAPI()

    @api.get("/keyed", auth=[APIKeyAuthentication(api_keys={"k"})], guards=[IsAuthenticated()])
    async def keyed() -> dict:
        return {}

    doc = document(api)
    assert operation(doc, "/keyed")["security"] == [{"ApiKeyAuth": []}]
    assert doc["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "x-api-key"


def test_docs_protected_by_auth_and_guards(client_for):
    api = BoltAPI(
        openapi_config=OpenAPIConfig(
            title="t",
            version="1",
            auth=[JWTAuthentication(secret="docs-secret-of-at-least-32-bytes!")],
            guards=[IsAuthenticated()],
        )
    )

    @api.get("/open")
    async def open_route() -> dict:
        return {"ok": True}

    client = client_for(api)
    token = jwt.encode(
        {"sub": "1", "exp": int(time.time()) + 60}, "docs-secret-of-at-least-32-bytes!", algorithm="HS256"
    )
    for path in ("/docs", "/docs/openapi.json", "/docs/openapi.yaml", "/docs/redoc"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200, path
    assert client.get("/open").json() == {"ok": True}
    assert "/docs" not in client.get("/docs/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()["paths"]


def test_only_a_json_plugin_serves_the_document_at_the_docs_path(client_for):
    api = BoltAPI(
        openapi_config=OpenAPIConfig(title="J", version="1", render_plugins=[JsonRenderPlugin(path="/schema.json")])
    )
    client = client_for(api)
    for path in ("/docs", "/docs/schema.json", "/docs/openapi.json"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.json()["info"]["title"] == "J"


class Refused(msgspec.Struct):
    reason: str


class VendorError(msgspec.Struct):
    code: str


def _vendor_error(error, request):
    from django_bolt.responses import Response

    return Response({"code": error.kind}, status_code=error.status, media_type="application/vnd.error+json")


def _plain_error(error, request):
    from django_bolt.responses import PlainText

    return PlainText(error.detail, status_code=error.status)


def test_the_error_formatters_body_is_documented():
    from django_bolt.error_handlers import error_schema

    def make(formatter, **config) -> BoltAPI:
        api = BoltAPI(error_formatter=formatter, openapi_config=OpenAPIConfig(title="t", version="1", **config))

        @api.post("/reviews", response_model={200: Row, 422: Refused})
        async def review(row: Row):
            return row

        return api

    plain = operation(document(make(None)), "/reviews", "post")["responses"]["422"]
    # The route's own 422 and the validation 422 (made before the handler runs): both bodies.
    assert plain["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/Refused"},
        {"$ref": "#/components/schemas/HTTPValidationError"},
    ]
    vendor = error_schema(VendorError, media_type="application/vnd.error+json")(_vendor_error)
    doc = document(make(vendor))
    answers = operation(doc, "/reviews", "post")["responses"]
    assert answers["422"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Refused"}},
        "application/vnd.error+json": {"schema": {"$ref": "#/components/schemas/VendorError"}},
    }
    assert answers["413"]["content"] == {
        "application/vnd.error+json": {"schema": {"$ref": "#/components/schemas/VendorError"}}
    }
    # A formatter that declares no body: the answers are listed without one; strict refuses it.
    assert "content" not in operation(document(make(_plain_error)), "/reviews", "post")["responses"]["413"]
    with pytest.raises(OpenAPIStrictError, match="error_formatter _plain_error has no error_schema"):
        make(_plain_error, strict=True).compile()


def test_yaml_writes_word_like_strings_plain(client_for):
    from django_bolt.openapi import YamlRenderPlugin
    from django_bolt.openapi.yaml import dump

    api = BoltAPI(openapi_config=OpenAPIConfig(title="Shop API", version="1.0", render_plugins=[YamlRenderPlugin()]))
    page = client_for(api).get("/docs")  # the only plugin given: at the docs path
    assert page.status_code == 200 and "  title: Shop API\n" in page.text
    # Anything YAML could read as another type, or that needs escaping, stays quoted.
    assert dump({"a": "yes", "b": "1.0", "c": "x: y", "d": "No", "e": "trailing ", "f": "ok-1.2_x"}) == (
        'a: "yes"\nb: "1.0"\nc: "x: y"\nd: "No"\ne: "trailing "\nf: ok-1.2_x\n'
    )


class StampPages:
    """Adds a header to every answer (the docs' too, once the API has middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    async def __call__(self, request):
        response = await self.get_response(request)
        response.headers["x-stamped"] = "1"
        return response


def test_the_apis_middleware_runs_around_the_docs_which_stay_public(client_for):
    api = BoltAPI(
        middleware=[StampPages],
        auth=[JWTAuthentication(secret="docs-secret-of-at-least-32-bytes!")],
        guards=[IsAuthenticated()],
    )

    @api.get("/closed")
    async def closed() -> dict:
        return {}

    client = client_for(api)
    assert client.get("/closed").status_code == 401
    for path in ("/docs", "/docs/openapi.json"):
        page = client.get(path)
        assert (page.status_code, page.headers.get("x-stamped")) == (200, "1"), path


def test_operation_ids_are_method_and_handler_name_and_unique():
    api = BoltAPI()
    other = BoltAPI()

    @api.get("/items")
    async def items() -> list[int]:
        return []

    @other.get("/items")
    async def items_again() -> list[int]:
        return []

    items_again.__name__ = "items"  # the same handler name on another path

    @api.websocket("/feed")
    async def feed(websocket) -> None:
        pass

    api.mount("/v2", other)
    doc = document(api)
    ids = {path: next(iter(item.values()))["operationId"] for path, item in doc["paths"].items()}
    assert ids == {"/items": "get_items", "/v2/items": "get_v2_items", "/feed": "websocket_feed"}


def test_a_header_is_named_as_its_alias_is_written():
    api = BoltAPI()

    @api.get("/headers")
    async def headers(x_request_id: Annotated[str, Header()], token: Annotated[str, Header(alias="X-Token")]):
        return {"request_id": x_request_id, "token": token}

    op = operation(document(api), "/headers")
    assert [(p["in"], p["name"]) for p in op["parameters"]] == [("header", "x-request-id"), ("header", "X-Token")]
    # Read without regard to case, whatever the document calls it.
    answer = TestClient(api).get("/headers", headers={"x-token": "t", "X-Request-ID": "r"}).json()
    assert answer == {"request_id": "r", "token": "t"}


def test_sequence_parameters_document_what_the_server_takes(client_for):
    api = BoltAPI()

    @api.post("/items/{ids}")
    async def items(
        ids: Annotated[list[int], Path()],
        unique: Annotated[set[int], Query()],
        point: Annotated[tuple[int, str], Query()],
        x_ids: Annotated[list[int], Header(alias="x-ids")],
        tags: Annotated[frozenset[int], Form()],
        pair: Annotated[tuple[int, int], Form()],
    ):
        return {"ids": ids, "unique": sorted(unique), "point": point, "x": x_ids, "tags": sorted(tags), "pair": pair}

    op = operation(document(api), "/items/{ids}", "post")
    ps = params(op)
    integer = {"type": "integer"}
    # One path segment is one item; a set's items are unique; a fixed tuple types each item.
    assert ps["ids"]["schema"] == {"type": "array", "items": integer, "minItems": 1, "maxItems": 1}
    assert ps["unique"]["schema"] == {"type": "array", "items": integer, "uniqueItems": True}
    assert ps["point"]["schema"] == {
        "type": "array",
        "prefixItems": [integer, {"type": "string"}],
        "minItems": 2,
        "maxItems": 2,
    }
    # Each repeated header is an item.
    assert ps["x-ids"]["schema"] == {"type": "array", "items": integer}
    form = op["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert form["tags"] == {"type": "array", "items": integer, "uniqueItems": True}
    assert form["pair"] == {"type": "array", "prefixItems": [integer, integer], "minItems": 2, "maxItems": 2}
    answer = client_for(api).post(
        "/items/7?unique=2&unique=2&point=1&point=a",
        headers=[("x-ids", "1"), ("x-ids", "2")],
        files=[("tags", (None, "3")), ("tags", (None, "3")), ("pair", (None, "4")), ("pair", (None, "5"))],
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ids": [7], "unique": [2], "point": [1, "a"], "x": [1, 2], "tags": [3], "pair": [4, 5]}
