"""``extract_pagination_item_type``: the item type of a ``@paginate`` route's response model,
which names the serializer its page items are written with."""

from __future__ import annotations

import msgspec
from django_bolt import PageNumberPagination, paginate
from django_bolt.pagination import PaginatedResponse, extract_pagination_item_type
from django_bolt.serializers import Serializer, computed_field


class Row(Serializer):
    id: int

    @computed_field
    def double(self) -> int:
        return self.id * 2


class Plain(msgspec.Struct):
    id: int


def test_the_item_type_of_lists_and_envelopes():
    assert extract_pagination_item_type(list[Row]) is Row
    assert extract_pagination_item_type(PaginatedResponse[Plain]) is Plain
    assert extract_pagination_item_type(list) is None
    assert extract_pagination_item_type(dict[str, Row]) is None
    assert extract_pagination_item_type(Row) is None
    assert extract_pagination_item_type(None) is None


def test_a_paginated_route_writes_its_items_with_that_type(api, client_for):
    @api.get("/rows", response_model=list[Row])
    @paginate(PageNumberPagination)
    async def rows():
        return [{"id": i} for i in range(3)]

    @api.get("/envelope", response_model=PaginatedResponse[Row])
    @paginate(PageNumberPagination)
    async def envelope():
        return [{"id": i} for i in range(2)]

    client = client_for(api)
    assert client.get("/rows").json()["items"] == [
        {"id": 0, "double": 0},
        {"id": 1, "double": 2},
        {"id": 2, "double": 4},
    ]
    assert client.get("/envelope").json()["items"] == [{"id": 0, "double": 0}, {"id": 1, "double": 2}]
