"""Serializers, paginated routes and viewsets in the document: request bodies without read-only
fields, responses without write-only ones, PATCH bodies with every field optional, the paginator's
envelope, and each viewset action with its body."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI, CursorPagination, LimitOffsetPagination, ModelViewSet, PageNumberPagination, paginate
from django_bolt.serializers import Serializer, computed_field, field

from tests.testapp.models import Author


def document(api: BoltAPI) -> dict:
    api.compile()
    doc = api.openapi_schema
    assert doc is not None
    validate = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed").validate
    validate(doc)
    return doc


def component(doc: dict, ref_holder: dict) -> dict:
    name = ref_holder["$ref"].rsplit("/", 1)[1]
    return doc["components"]["schemas"][name]


def body_schema(doc: dict, path: str, method: str) -> dict:
    return doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def ok_schema(doc: dict, path: str, method: str, status: str = "200") -> dict:
    return doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


class Address(Serializer):
    city: str
    code: str = field(write_only=True, default="")


class Account(Serializer):
    id: int = field(read_only=True)
    name: str
    password: str = field(write_only=True)
    address: Address | None = None

    @computed_field
    def label(self) -> str:
        return self.name.upper()


class Plain(Serializer):
    title: str
    pages: int


def test_request_and_response_components_split_by_direction():
    api = BoltAPI()

    @api.post("/accounts", response_model=Account)
    def create(data: Account):
        return data

    @api.post("/plain", response_model=Plain)
    def plain(data: Plain):
        return data

    doc = document(api)
    request = component(doc, body_schema(doc, "/accounts", "post"))
    response = component(doc, ok_schema(doc, "/accounts", "post"))
    assert set(request["properties"]) == {"name", "password", "address"}
    assert set(request["required"]) == {"name", "password"}
    assert set(response["properties"]) == {"id", "name", "address", "label"}
    assert set(response["required"]) == {"id", "name", "address", "label"}
    # Nested serializers follow the direction of their parent.
    nested_in = [s for s in request["properties"]["address"]["anyOf"] if "$ref" in s][0]
    nested_out = [s for s in response["properties"]["address"]["anyOf"] if "$ref" in s][0]
    assert set(component(doc, nested_in)["properties"]) == {"city", "code"}
    assert set(component(doc, nested_out)["properties"]) == {"city"}
    # A serializer that reads the same both ways is one component.
    assert body_schema(doc, "/plain", "post") == ok_schema(doc, "/plain", "post")


@pytest.mark.parametrize(
    ("paginator", "keys", "required"),
    [
        (
            PageNumberPagination,
            {"page", "page_size", "total_pages", "next_page", "previous_page"},
            {"page", "page_size", "total_pages"},
        ),
        (LimitOffsetPagination, {"limit", "offset"}, {"limit", "offset"}),
        (CursorPagination, {"page_size", "next_cursor", "previous_cursor"}, {"page_size"}),
    ],
)
def test_paginate_route_documents_its_envelope(paginator, keys, required):
    api = BoltAPI()

    @api.get("/items", response_model=list[Account])
    @paginate(paginator)
    def items(request):
        return []

    doc = document(api)
    # A named component, as msgspec would name PaginatedResponse[Account] (codegen gets a type).
    assert ok_schema(doc, "/items", "get") == {"$ref": "#/components/schemas/PaginatedResponse_Account_"}
    envelope = component(doc, ok_schema(doc, "/items", "get"))
    always = {"total", "has_next", "has_previous"}
    assert set(envelope["properties"]) == {"items"} | always | keys
    assert set(envelope["required"]) == {"items"} | always | required
    item = component(doc, envelope["properties"]["items"]["items"])
    assert "password" not in item["properties"]
    assert "label" in item["properties"]


class AuthorOut(Serializer):
    id: int = field(read_only=True)
    name: str
    email: str = ""


class AuthorIn(Serializer):
    name: str
    email: str
    secret: str = field(write_only=True, default="")


class Authors(ModelViewSet):
    queryset = Author.objects.all()
    serializer_class = AuthorOut
    pagination_class = LimitOffsetPagination


class AuthorsByAction(ModelViewSet):
    queryset = Author.objects.all()
    serializer_class = AuthorOut

    def get_serializer_class(self, action=None):
        if (action or self.action) in ("create", "update", "partial_update"):
            return AuthorIn
        return AuthorOut


def test_viewset_operations_with_their_bodies():
    api = BoltAPI()
    api.viewset("/authors")(Authors)
    doc = document(api)
    collection, item = doc["paths"]["/authors"], doc["paths"]["/authors/{pk}"]
    assert set(collection) == {"get", "post"}
    assert set(item) == {"get", "put", "patch", "delete"}
    page = component(doc, ok_schema(doc, "/authors", "get"))
    assert {"limit", "offset", "items"} <= set(page["properties"])
    create = component(doc, body_schema(doc, "/authors", "post"))
    assert set(create["properties"]) == {"name", "email"}  # no read-only id
    assert create["required"] == ["name"]
    patch = component(doc, body_schema(doc, "/authors/{pk}", "patch"))
    assert set(patch["properties"]) == {"name", "email"}
    assert not patch.get("required")
    assert all("default" not in p for p in patch["properties"].values())
    assert set(component(doc, ok_schema(doc, "/authors", "post", "201"))["properties"]) == {"id", "name", "email"}
    assert "requestBody" not in item["delete"]
    assert "204" in item["delete"]["responses"]


def test_overridden_get_serializer_class_documents_each_action_body():
    api = BoltAPI()
    api.viewset("/people")(AuthorsByAction)
    doc = document(api)
    for path, method in (("/people", "post"), ("/people/{pk}", "put")):
        schema = body_schema(doc, path, method)
        assert set(component(doc, schema)["properties"]) == {"name", "email", "secret"}
    patch = component(doc, body_schema(doc, "/people/{pk}", "patch"))
    assert set(patch["properties"]) == {"name", "email", "secret"}
    assert not patch.get("required")
    assert all("default" not in p for p in patch["properties"].values())
    # Answers use the read serializer.
    listed = ok_schema(doc, "/people", "get")
    assert set(component(doc, listed["items"])["properties"]) == {"id", "name", "email"}
    created = component(doc, ok_schema(doc, "/people", "post", "201"))
    assert "secret" not in created["properties"]
