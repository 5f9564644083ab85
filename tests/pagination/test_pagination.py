"""Paginators through real requests: sync and async handlers, querysets and lists."""

from __future__ import annotations

import msgspec
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_bolt import BoltAPI
from django_bolt.pagination import (
    CursorPagination,
    LimitOffsetPagination,
    PageNumberPagination,
    PaginatedResponse,
    paginate,
)
from django_bolt.serializers import Serializer, field

from tests.testapp.models import Author, Book

pytestmark = pytest.mark.django_db(transaction=True)


class BookOut(Serializer):
    id: int
    title: str
    pages: int
    author_name: str = field(source="author.name")


class Small(PageNumberPagination):
    page_size = 3
    max_page_size = 5


class SmallOffset(LimitOffsetPagination):
    page_size = 3
    max_page_size = 5


class ByPages(CursorPagination):
    page_size = 4
    ordering = ["-pages"]  # not unique: the primary key breaks ties


def _books(n: int, pages=lambda i: i) -> list[Book]:
    author = Author.objects.create(name="Ann")
    return Book.objects.bulk_create(Book(title=f"b{i}", pages=pages(i), author=author) for i in range(n))


def _api() -> BoltAPI:
    api = BoltAPI()
    for mode in ("sync", "async"):
        for name, cls in (("pages", Small), ("offset", SmallOffset), ("cursor", ByPages)):
            if mode == "sync":

                @api.get(f"/{mode}/{name}", response_model=list[BookOut])
                @paginate(cls)
                def handler(min_pages: int = 0):
                    return Book.objects.filter(pages__gte=min_pages)

            else:

                @api.get(f"/{mode}/{name}", response_model=list[BookOut])
                @paginate(cls)
                async def handler(min_pages: int = 0):
                    return Book.objects.filter(pages__gte=min_pages)

        @api.get(f"/{mode}/list")
        @paginate(Small)
        def plain_list(request):
            return [{"n": i} for i in range(7)]

    return api


@pytest.fixture
def client(client_for):
    return client_for(_api())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_page_number(client, mode):
    _books(8)
    first = client.get(f"/{mode}/pages").json()
    assert [i["title"] for i in first["items"]] == ["b0", "b1", "b2"]
    assert {k: v for k, v in first.items() if k != "items"} == {
        "total": 8, "has_next": True, "has_previous": False, "page": 1, "page_size": 3, "total_pages": 3,
        "next_page": 2,
    }  # fmt: skip
    last = client.get(f"/{mode}/pages", params={"page": 99}).json()
    assert last["page"] == 3 and [i["title"] for i in last["items"]] == ["b6", "b7"] and not last["has_next"]
    assert last["previous_page"] == 2
    assert client.get(f"/{mode}/pages", params={"page": "x"}).json()["page"] == 1
    assert client.get(f"/{mode}/pages", params={"page_size": 50}).json()["page_size"] == 5  # max_page_size
    filtered = client.get(f"/{mode}/pages", params={"min_pages": 6}).json()
    assert filtered["total"] == 2 and filtered["items"][0]["author_name"] == "Ann"
    assert client.get(f"/{mode}/pages", params={"min_pages": "lots"}).status_code == 422


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_limit_offset(client, mode):
    _books(8)
    body = client.get(f"/{mode}/offset", params={"limit": 2, "offset": 5}).json()
    assert [i["title"] for i in body["items"]] == ["b5", "b6"]
    assert (body["limit"], body["offset"], body["total"], body["has_next"], body["has_previous"]) == (
        2,
        5,
        8,
        True,
        True,
    )
    assert client.get(f"/{mode}/offset", params={"limit": 100}).json()["limit"] == 5
    assert client.get(f"/{mode}/offset", params={"offset": -4}).json()["offset"] == 0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_cursor_walks_every_row_once_with_ties_and_inserts(client, mode):
    _books(10, pages=lambda i: i // 3)  # many equal `pages` values
    seen, cursor = [], None
    while True:
        params = {"cursor": cursor} if cursor else {}
        body = client.get(f"/{mode}/cursor", params=params).json()
        seen += [i["id"] for i in body["items"]]
        if cursor is None:
            # Rows inserted after the first page sort before it: the walk is not disturbed.
            _books(3, pages=lambda i: 100)
        if not body["has_next"]:
            break
        cursor = body["next_cursor"]
        assert "total" in body and body["page_size"] == 4
    expected = list(Book.objects.filter(pages__lt=100).order_by("-pages", "-pk").values_list("id", flat=True))
    assert seen == expected
    # Going back from the last page gives the page before it.
    previous = client.get(f"/{mode}/cursor", params={"cursor": body["previous_cursor"]}).json()
    assert [i["id"] for i in previous["items"]] == expected[4:8]
    assert previous["has_next"] and previous["has_previous"]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "eyJ2IjpbMV19"])
def test_bad_cursor_is_400(client, mode, cursor):
    response = client.get(f"/{mode}/cursor", params={"cursor": cursor})
    assert response.status_code == 400 and response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_lists_are_paginated(client, mode):
    body = client.get(f"/{mode}/list", params={"page": 3}).json()
    assert body["items"] == [{"n": 6}] and body["total"] == 7


def test_page_of_50_rows_with_fk_is_two_queries(client):
    _books(60)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/sync/pages", params={"page_size": 5})
    assert response.status_code == 200
    # Sync handlers run on another thread (its own connection): count on a direct call instead.
    paginator = PageNumberPagination(BookOut)
    paginator.page_size = 50
    with CaptureQueriesContext(connection) as queries:
        page = paginator.paginate(Book.objects.all(), {"query": {}})
    assert len(page.items) == 50 and page.items[0]["author_name"] == "Ann"
    assert len(queries) == 2  # count + one joined page


def test_custom_envelope():
    class Envelope(msgspec.Struct):
        results: list
        count: int
        next: int | None

    class Custom(PageNumberPagination):
        page_size = 2
        response_class = Envelope

        def build_response(self, items, *, total, request, has_next, has_previous, **info):
            return Envelope(results=items, count=total, next=info["next_page"])

    page = Custom().paginate([1, 2, 3], {"query": {}})
    assert page == Envelope(results=[1, 2], count=3, next=2)
    assert isinstance(PageNumberPagination().paginate([1], None), PaginatedResponse)


def test_cursor_on_a_datetime_ordering_walks_every_row():
    _books(9)

    class Newest(CursorPagination):
        page_size = 4
        ordering = "-created"  # equal timestamps are common: the pk breaks ties

    paginator, seen, cursor = Newest(BookOut), [], None
    while True:
        page = paginator.paginate(Book.objects.all(), {"query": {"cursor": cursor} if cursor else {}})
        seen += [item["id"] for item in page.items]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert seen == list(Book.objects.order_by("-created", "-pk").values_list("id", flat=True))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_out_of_range_numbers_are_clamped_not_errors(client, mode):
    _books(5)
    huge = 10**30
    past = client.get(f"/{mode}/offset", params={"offset": huge}).json()
    assert past["items"] == [] and past["offset"] == huge and past["has_previous"]
    assert client.get(f"/{mode}/pages", params={"page": huge}).json()["page"] == 2
    assert client.get(f"/{mode}/pages", params={"page_size": huge}).json()["page_size"] == 5
    assert client.get(f"/{mode}/offset", params={"limit": huge}).json()["limit"] == 5
    assert client.get(f"/{mode}/cursor", params={"page_size": -3}).json()["page_size"] == 4
