"""The document shows the validation errors' body an API with ``error_formatter=`` sends."""

from __future__ import annotations

import msgspec
import pytest
from django_bolt import BoltAPI, PlainText, Response
from django_bolt.error_handlers import BoltError, error_schema, problem_details
from django_bolt.openapi import OpenAPIConfig
from django_bolt.openapi.schema_generator import OpenAPIStrictError, SchemaGenerator


class ItemIn(msgspec.Struct):
    name: str


class Rejected(msgspec.Struct):
    reason: str


class VendorError(msgspec.Struct):
    code: str


@error_schema(VendorError, media_type="application/vnd.error+json")
def vendor(error: BoltError, request) -> Response:
    return Response({"code": error.kind}, status_code=error.status, media_type="application/vnd.error+json")


def plain(error: BoltError, request) -> PlainText:
    return PlainText(error.detail, status_code=error.status)


def _responses(formatter, path: str = "/items", strict: bool = False) -> tuple[dict, dict]:
    api = BoltAPI(error_formatter=formatter, openapi_config=OpenAPIConfig(title="t", version="1", strict=strict))

    @api.post("/items")
    async def create(data: ItemIn) -> dict:
        return {}

    @api.post("/reviews", response_model={200: ItemIn, 422: Rejected})
    async def review(data: ItemIn):
        return data

    api.compile()
    doc = api.openapi_schema
    return doc["paths"][path]["post"]["responses"], doc["components"]["schemas"]


def test_the_422_shows_the_formatter_s_declared_body():
    responses, schemas = _responses(problem_details)
    assert responses["422"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    }
    assert schemas["ProblemDetails"]["required"] == ["type", "title", "status", "detail", "instance"]
    vendor_responses, vendor_schemas = _responses(vendor)
    assert list(vendor_responses["422"]["content"]) == ["application/vnd.error+json"]
    assert vendor_schemas["VendorError"]["required"] == ["code"]


def test_a_declared_422_keeps_its_body_beside_the_formatter_s():
    responses, _ = _responses(problem_details, "/reviews")
    assert responses["422"] == {
        "description": "Unprocessable Content",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Rejected"}},
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}},
        },
    }


def test_an_undeclared_formatter_s_body_is_not_guessed_and_strict_refuses_it():
    responses, _ = _responses(plain)
    assert responses["422"] == {"description": "Validation Error - Request data failed validation"}
    api = BoltAPI(error_formatter=plain, openapi_config=OpenAPIConfig(title="t", version="1", strict=True))

    @api.post("/items")
    async def create(data: ItemIn) -> dict:
        return {}

    with pytest.raises(OpenAPIStrictError, match="error_formatter plain has no error_schema"):
        SchemaGenerator(api, api._openapi_config).generate()
