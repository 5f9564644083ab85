"""A ``@paginate`` route whose item type is only its return annotation (``-> list[S]``) documents
its envelope with that item type: the default envelope's items and a custom ``response_class``
(named after the item type) alike."""

from __future__ import annotations

from typing import Generic, TypeVar

import pytest
from django_bolt import BoltAPI, PageNumberPagination, paginate
from django_bolt.serializers import Serializer

T = TypeVar("T")


class Row(Serializer):
    id: int
    label: str


class Listing(Serializer, Generic[T]):
    total_rows: int
    rows: list[T]


class ListingPagination(PageNumberPagination):
    response_class = Listing

    def build_response(self, items, *, total, **info):
        return Listing(total_rows=total, rows=items)


def _document(api: BoltAPI) -> dict:
    api.compile()
    doc = api.openapi_schema
    validate = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed").validate
    validate(doc)
    return doc


def _ok(doc: dict, path: str) -> dict:
    return doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def test_annotation_gives_the_item_type_of_the_envelope():
    api = BoltAPI()

    @api.get("/default")
    @paginate(PageNumberPagination)
    def default_page(request) -> list[Row]:
        return []

    @api.get("/custom")
    @paginate(ListingPagination)
    def custom_page(request) -> list[Row]:
        return []

    doc = _document(api)
    schemas = doc["components"]["schemas"]
    items = _ok(doc, "/default")
    items = schemas[items["$ref"].rsplit("/", 1)[1]] if "$ref" in items else items
    assert items["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Row"}
    custom = _ok(doc, "/custom")
    assert custom == {"$ref": "#/components/schemas/Listing_Row_"}
    assert schemas["Listing_Row_"]["properties"]["rows"]["items"] == {"$ref": "#/components/schemas/Row"}
