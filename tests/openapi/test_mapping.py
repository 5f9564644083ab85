"""The document generated from compiled routes: parameters with the constraints Rust enforces, bodies,
responses, the error answers a route can produce, security, tags and operation ids."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, Literal, TypedDict

import msgspec
import pytest
from django_bolt import BoltAPI, OpenAPIConfig, UploadFile
from django_bolt.auth import APIKeyAuthentication, IsAuthenticated, JWTAuthentication, SessionAuthentication
from django_bolt.auth.guards import AllowAny, Requires
from django_bolt.middleware import rate_limit
from django_bolt.openapi.spec import Server, Tag
from django_bolt.param_functions import Body, Cookie, File, Form, Header, Path, Query
from django_bolt.responses import HTML, Response, StreamingResponse


def document(api: BoltAPI) -> dict:
    """The API's document (checked against the OpenAPI schema by the session's last test)."""
    api.compile()
    assert api.openapi_schema is not None
    return api.openapi_schema


def operation(doc: dict, path: str, method: str = "get") -> dict:
    return doc["paths"][path][method]


def params(op: dict) -> dict[str, dict]:
    return {p["name"]: p for p in op.get("parameters", [])}


class Item(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    price: float
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


class Opaque:
    """Not a type msgspec can describe."""


class Color(str, enum.Enum):
    red = "red"
    blue = "blue"


def test_parameters_carry_every_constraint_the_validator_enforces():
    api = BoltAPI()

    @api.get("/items/{item_id}")
    async def get_item(
        item_id: Annotated[int, Path(ge=1, lt=1000, description="The item")],
        q: Annotated[str, Query(min_length=2, max_length=5, pattern="^[a-z]+$")] = "ab",
        ratio: Annotated[float, Query(gt=0, le=1)] = 0.5,
        finish: Literal["matt", "gloss"] = "matt",
        color: Color = Color.red,
        ids: Annotated[list[int], Query(min_length=1, max_length=3)] = [],  # noqa: B006
        page_size: Annotated[int, Query(alias="page-size", deprecated=True, example=20)] = 10,
        x_trace: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> Item:
        return Item(name="x", price=1)

    ps = params(operation(document(api), "/items/{item_id}"))
    assert ps["item_id"] == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "exclusiveMaximum": 1000},
        "description": "The item",
    }
    assert ps["q"]["schema"] == {
        "type": "string",
        "minLength": 2,
        "maxLength": 5,
        "pattern": "^[a-z]+$",
        "default": "ab",
    }
    assert ps["q"]["required"] is False
    assert ps["ratio"]["schema"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.5}
    assert ps["finish"]["schema"] == {"type": "string", "enum": ["matt", "gloss"], "default": "matt"}
    assert ps["color"]["schema"] == {"type": "string", "enum": ["red", "blue"], "default": "red"}
    # On a list the lengths count values; ?ids=1&ids=2 is one pair per value.
    assert ps["ids"]["schema"] == {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3}
    assert (ps["ids"]["style"], ps["ids"]["explode"]) == ("form", True)
    # The alias is the name on the wire; the marker's documentation options are kept.
    assert ps["page-size"]["deprecated"] is True and ps["page-size"]["example"] == 20
    assert ps["x-trace"]["in"] == "header" and ps["session"]["in"] == "cookie"


def test_documented_choices_are_the_ones_rejected(client_for):
    # One source of truth: the enum in the document is what the validator refuses outside of.
    api = BoltAPI()

    @api.get("/paint")
    async def paint(finish: Literal["matt", "gloss"]) -> dict:
        return {"finish": finish}

    schema = params(operation(document(api), "/paint"))["finish"]["schema"]
    client = client_for(api)
    for value in schema["enum"]:
        assert client.get("/paint", params={"finish": value}).status_code == 200
    assert client.get("/paint", params={"finish": "satin"}).status_code == 422


def test_json_bodies_become_components():
    api = BoltAPI()

    @api.post("/items", status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    @api.post("/points")
    async def add_point(point: Point) -> Point:
        return point

    @api.post("/movies")
    async def add_movie(movie: Movie) -> list[Movie]:
        return [movie]

    @api.post("/raw")
    async def raw(payload: dict) -> dict:
        return payload

    @api.post("/two")
    async def two(item: Item, point: Point, note: Annotated[str, Body()] = "") -> dict:
        return {}

    doc = document(api)
    create = operation(doc, "/items", "post")
    assert create["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
    }
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Item"}
    schemas = doc["components"]["schemas"]
    assert schemas["Item"]["properties"]["name"] == {"type": "string", "minLength": 1}
    assert schemas["Item"]["required"] == ["name", "price"]
    assert set(schemas) >= {"Item", "Point", "Movie"}
    assert operation(doc, "/movies", "post")["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Movie"},
    }
    # Any values: said explicitly (msgspec leaves additionalProperties implicit).
    assert operation(doc, "/raw", "post")["requestBody"]["content"]["application/json"]["schema"] == {
        "type": "object",
        "additionalProperties": True,
    }
    # Several bodies: each under its own key of one object.
    body = operation(doc, "/two", "post")["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"] == {
        "item": {"$ref": "#/components/schemas/Item"},
        "point": {"$ref": "#/components/schemas/Point"},
        "note": {"type": "string"},
    }
    assert body["required"] == ["item", "point"]


def test_forms_and_uploads():
    api = BoltAPI()

    @api.post("/login")
    async def login(username: Annotated[str, Form(min_length=3)], password: Annotated[str, Form()]) -> dict:
        return {}

    @api.post("/upload")
    async def upload(
        title: Annotated[str, Form()],
        file: Annotated[UploadFile, File(max_size=1000, allowed_types=["image/png"])],
        extra: Annotated[list[UploadFile], File(max_files=3)] = [],  # noqa: B006
    ) -> dict:
        return {}

    doc = document(api)
    login_body = operation(doc, "/login", "post")["requestBody"]
    assert set(login_body["content"]) == {"application/x-www-form-urlencoded", "multipart/form-data"}
    form = login_body["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["username"] == {"type": "string", "minLength": 3}
    assert form["required"] == ["username", "password"]
    upload_op = operation(doc, "/upload", "post")
    content = upload_op["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]  # files need multipart
    props = content["multipart/form-data"]["schema"]["properties"]
    assert props["file"]["format"] == "binary"
    assert "image/png" in props["file"]["description"]
    assert props["extra"] == {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "maxItems": 3,
    }
    assert {"413", "422"} <= set(upload_op["responses"])


def test_responses_from_response_model_annotation_and_status():
    api = BoltAPI()

    @api.get("/model", response_model=list[Item])
    async def with_model():
        return []

    @api.get("/page")
    async def page() -> HTML:
        return HTML("<p>hi</p>")

    @api.get("/bytes")
    async def raw_bytes() -> Response:
        return Response(b"x", media_type="application/octet-stream")

    @api.get("/stream")
    async def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"a"]), media_type="text/plain")

    @api.delete("/nothing", status_code=204)
    async def nothing() -> None:
        return None

    @api.get("/plain")
    async def plain():
        return {}

    doc = document(api)
    assert operation(doc, "/model")["responses"]["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/Item"
    }
    assert operation(doc, "/page")["responses"]["200"]["content"] == {"text/html": {"schema": {"type": "string"}}}
    # Found by schemathesis: these classes take their media type per response, so the document
    # must not promise the class default (it said application/json and application/octet-stream).
    for path in ("/bytes", "/stream"):
        assert operation(doc, path)["responses"]["200"]["content"] == {"*/*": {"schema": {}}}
    assert "204" in operation(doc, "/nothing", "delete")["responses"]
    plain_responses = operation(doc, "/plain")["responses"]
    # No parameters: it cannot answer 422; no auth: no 401.
    assert set(plain_responses) == {"200", "default"}


def test_error_answers_follow_auth_guards_and_rate_limits():
    api = BoltAPI()

    @api.get("/jwt", auth=[JWTAuthentication(secret="s" * 32)], guards=[IsAuthenticated()])
    async def jwt_only() -> dict:
        return {}

    @api.get("/claims", auth=[JWTAuthentication(secret="s" * 32)], guards=[Requires("staff")])
    async def staff_only() -> dict:
        return {}

    @api.get("/limited")
    @rate_limit(rps=5)
    async def limited() -> dict:
        return {}

    doc = document(api)
    assert {"401"} <= set(operation(doc, "/jwt")["responses"]) and "403" not in operation(doc, "/jwt")["responses"]
    assert {"401", "403"} <= set(operation(doc, "/claims")["responses"])
    assert "429" in operation(doc, "/limited")["responses"]
    validation = doc["components"]["schemas"]["ErrorResponse"]
    assert validation["required"] == ["detail"]


def test_security_schemes_from_the_backends():
    api = BoltAPI()

    @api.get("/jwt", auth=[JWTAuthentication(secret="s" * 32)])
    async def by_jwt() -> dict:
        return {}

    @api.get("/either", auth=[APIKeyAuthentication(api_keys=["k"]), SessionAuthentication()])
    async def by_key_or_session() -> dict:
        return {}

    @api.get("/custom-header", auth=[APIKeyAuthentication(api_keys=["k"], header="x-token")], guards=[AllowAny()])
    async def optional_key() -> dict:
        return {}

    @api.get("/open")
    async def open_route() -> dict:
        return {}

    doc = document(api)
    assert doc["components"]["securitySchemes"] == {
        "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "x-api-key"},
        "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
        "ApiKeyAuth_x-token": {"type": "apiKey", "in": "header", "name": "x-token"},
    }
    assert operation(doc, "/jwt")["security"] == [{"BearerAuth": []}]
    # Either backend lets the caller in: alternatives.
    assert operation(doc, "/either")["security"] == [{"ApiKeyAuth": []}, {"SessionAuth": []}]
    # AllowAny: anonymous callers too.
    assert operation(doc, "/custom-header")["security"] == [{"ApiKeyAuth_x-token": []}, {}]
    assert "security" not in operation(doc, "/open")


def test_document_wide_security_is_lifted_from_open_routes():
    api = BoltAPI(openapi_config=OpenAPIConfig(title="t", version="1", security=[{"BearerAuth": []}]))

    @api.get("/open")
    async def open_route() -> dict:
        return {}

    @api.get("/closed", auth=[JWTAuthentication(secret="s" * 32)])
    async def closed() -> dict:
        return {}

    doc = document(api)
    assert doc["security"] == [{"BearerAuth": []}]
    assert operation(doc, "/open")["security"] == []  # anyone may call it
    assert operation(doc, "/closed")["security"] == [{"BearerAuth": []}]


def test_tags_summary_description_ids_and_what_is_left_out():
    api = BoltAPI(
        openapi_config=OpenAPIConfig(
            title="Shop",
            version="2.0",
            description="A shop",
            servers=[Server(url="https://api.example.com")],
            tags=[Tag(name="items", description="Things for sale")],
            exclude_paths=["/internal"],
        )
    )

    @api.get("/items", tags=["items"])
    async def list_items() -> list[Item]:
        """List items.

        Every item, cheapest first."""
        return []

    @api.get("/items/{item_id}", tags=["items", "detail"], summary="One item", description="By id")
    async def get_item(item_id: int) -> Item:
        """Ignored: the decorator's texts win."""
        return Item(name="x", price=1)

    @api.get("/hidden", include_in_schema=False)
    async def hidden() -> dict:
        return {}

    @api.get("/internal/stats")
    async def stats() -> dict:
        return {}

    @api.route("/both", methods=["GET", "POST"])
    async def both() -> dict:
        return {}

    other = BoltAPI()

    @other.get("/items")
    async def list_items_again() -> dict:
        return {}

    api.mount("/v1", other)
    api.static("/robots.txt", "User-agent: *")

    doc = document(api)
    assert doc["info"] == {"title": "Shop", "version": "2.0", "description": "A shop"}
    assert doc["servers"] == [{"url": "https://api.example.com"}]
    assert doc["tags"] == [{"name": "items", "description": "Things for sale"}, {"name": "detail"}]
    listed = operation(doc, "/items")
    assert (listed["summary"], listed["description"]) == ("List items.", "Every item, cheapest first.")
    one = operation(doc, "/items/{item_id}")
    assert (one["summary"], one["description"], one["tags"]) == ("One item", "By id", ["items", "detail"])
    # Left out: include_in_schema=False, exclude_paths, static routes (WebSocket and QUERY routes:
    # test_release_shapes.py).
    assert set(doc["paths"]) == {"/items", "/items/{item_id}", "/both", "/v1/items"}
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert operation(doc, "/items")["operationId"] == "get_list_items"  # as the release names it
    # One handler for two methods: one id per method.
    assert (operation(doc, "/both")["operationId"], operation(doc, "/both", "post")["operationId"]) == (
        "get_both",
        "post_both",
    )
    # Stable: the same route table gives the same document.
    api._compiled = None
    assert document(api) == doc


def test_paths_follow_the_trailing_slash_policy_and_templates():
    api = BoltAPI(trailing_slash="append")

    @api.get("/files/{*rest}")
    async def files(rest: str) -> dict:
        return {}

    @api.get("/users/{user_id}")
    async def user(user_id: int) -> dict:
        return {}

    doc = document(api)
    assert set(doc["paths"]) == {"/files/{rest}", "/users/{user_id}/"}


class ErrorResponse(msgspec.Struct):
    """An API's own type with the name of django-bolt's error body."""

    code: int


def test_an_api_type_may_share_the_error_bodies_name():
    api = BoltAPI()

    @api.get("/items/{item_id}")
    async def get_item(item_id: int) -> ErrorResponse:
        return ErrorResponse(code=1)

    doc = document(api)
    responses = operation(doc, "/items/{item_id}")["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    assert responses["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/django_bolt.ErrorResponse"
    }
    schemas = doc["components"]["schemas"]
    assert schemas["ErrorResponse"]["properties"] == {"code": {"type": "integer"}}
    assert schemas["django_bolt.ErrorResponse"]["required"] == ["detail"]
    assert schemas["HTTPValidationError"]["properties"]["detail"]["items"] == {
        "$ref": "#/components/schemas/ValidationErrorItem"
    }


def test_strict_refuses_types_it_cannot_describe():
    from django_bolt.openapi.schema_generator import OpenAPIStrictError

    api = BoltAPI(openapi_config=OpenAPIConfig(title="t", version="1", strict=True))

    @api.get("/opaque", response_model=None)
    async def opaque() -> Opaque:
        return Opaque()

    with pytest.raises(OpenAPIStrictError, match="/opaque"):
        api.compile()
    loose = BoltAPI()
    loose.routes = api.routes
    assert operation(document(loose), "/opaque")["responses"]["200"]["content"]["application/json"]["schema"] == {}


def test_same_named_types_stay_apart_next_to_one_that_cannot_be_described():
    first = msgspec.defstruct("Thing", [("a", int)], module="shop")
    second = msgspec.defstruct("Thing", [("b", str)], module="stock")
    api = BoltAPI()

    async def make_a(body):
        return Opaque()

    async def make_b(body):
        return {}

    # Annotations set as objects: this module's postponed ones could not name local types.
    make_a.__annotations__ = {"body": first, "return": Opaque}
    make_b.__annotations__ = {"body": second, "return": dict}
    api.post("/a")(make_a)
    api.post("/b")(make_b)

    doc = document(api)
    refs = [operation(doc, p, "post")["requestBody"]["content"]["application/json"]["schema"] for p in ("/a", "/b")]
    assert refs == [{"$ref": "#/components/schemas/shop.Thing"}, {"$ref": "#/components/schemas/stock.Thing"}]
    assert operation(doc, "/a", "post")["responses"]["200"]["content"]["application/json"]["schema"] == {}


class Created(msgspec.Struct):
    """``id`` is filled by the server: declared ``int`` with a None default (as a serializer's
    read-only field is)."""

    name: str
    id: int = None  # type: ignore[assignment]


def test_a_none_default_the_field_type_refuses_is_left_out():
    api = BoltAPI()

    @api.post("/created")
    async def create(body: Created) -> Created:
        return body

    doc = document(api)
    prop = doc["components"]["schemas"]["Created"]["properties"]["id"]
    assert prop == {"type": "integer"}
    assert doc["components"]["schemas"]["Created"]["required"] == ["name"]
    validate = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed").validate
    validate(doc)


def test_path_parameters_read_from_the_request_are_documented():
    api = BoltAPI()

    @api.get("/shelves/{shelf}/books/{book_id}")
    async def book(request, book_id: int) -> dict:
        return {"shelf": request.params["shelf"], "book": book_id}

    doc = document(api)
    found = {p["name"]: p for p in params(operation(doc, "/shelves/{shelf}/books/{book_id}")).values()}
    assert found["shelf"] == {"name": "shelf", "in": "path", "required": True, "schema": {"type": "string"}}
    assert found["book_id"]["schema"]["type"] == "integer"
    validate = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed").validate
    validate(doc)


def test_every_document_of_the_session_is_valid():
    """Runs last (conftest): every document the session's APIs produced is valid OpenAPI 3.1."""
    import json

    from tests.openapi.conftest import DOCUMENTS

    validate = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed").validate

    assert DOCUMENTS, "no document was generated"
    failures = []
    for text, first_path in DOCUMENTS.items():
        try:
            validate(json.loads(text))
        except Exception as exc:  # noqa: BLE001 - collect them all
            failures.append(f"{first_path}: {str(exc).splitlines()[0]}")
    assert not failures, f"{len(failures)} of {len(DOCUMENTS)} documents are invalid:\n" + "\n".join(failures[:20])
