"""A page of 50 rows with a nested foreign key whose own reverse set is listed runs a fixed number
of queries (the serializer adds select_related/prefetch_related itself), through real requests
to sync and async viewsets and through the serializer directly."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.backends import utils as db_utils
from django.test.utils import CaptureQueriesContext
from django_bolt import BoltAPI, ModelViewSet, PageNumberPagination, ViewSet
from django_bolt.serializers import Serializer

from tests.testapp.models import Author, Book


class BookMini(Serializer):
    id: int
    title: str


class AuthorWithBooks(Serializer):
    id: int
    name: str
    books: list[BookMini]


class BookRow(Serializer):
    id: int
    title: str
    author: AuthorWithBooks


class Fifty(PageNumberPagination):
    page_size = 50


def _seed() -> None:
    authors = Author.objects.bulk_create(Author(name=f"a{i}") for i in range(10))
    Book.objects.bulk_create(Book(title=f"b{i}", author=authors[i % 10]) for i in range(60))


@pytest.fixture
def count_queries(monkeypatch):
    """Counts SQL statements on every thread (handlers run on the server's threads)."""
    counter = {"n": 0}
    lock = threading.Lock()
    original = db_utils.CursorWrapper.execute

    def execute(self, sql, params=None):
        with lock:
            counter["n"] += 1
        return original(self, sql, params)

    monkeypatch.setattr(db_utils.CursorWrapper, "execute", execute)
    monkeypatch.setattr(db_utils.CursorDebugWrapper, "execute", execute)
    return counter


@pytest.mark.django_db
def test_dump_many_queries_do_not_grow_with_rows():
    _seed()
    with CaptureQueriesContext(connection) as queries:
        rows = BookRow.dump_many(Book.objects.all()[:50])
    assert len(rows) == 50 and len(rows[0]["author"]["books"]) == 6
    # books joined with their author, then the authors' books in one prefetch
    assert len(queries) == 2, [q["sql"] for q in queries]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["async", "sync"])
def test_viewset_page_of_50_is_three_queries(client_for, count_queries, kind):
    _seed()
    api = BoltAPI()
    if kind == "async":

        @api.viewset("/books")
        class Books(ModelViewSet):
            queryset = Book.objects.all()
            serializer_class = BookRow
            pagination_class = Fifty

    else:

        @api.viewset("/books")
        class SyncBooks(ViewSet):
            serializer_class = BookRow
            pagination_class = Fifty

            def list(self, request):
                return Book.objects.all()

    client = client_for(api)
    client.get("/books")  # warm-up: connection set-up queries are not the page's
    count_queries["n"] = 0
    response = client.get("/books")
    assert response.status_code == 200
    body = response.json()
    assert len(body["items"]) == 50 and body["total"] == 60
    assert body["items"][0]["author"]["books"][0]["title"] == "b0"
    assert count_queries["n"] == 3  # count, page (joined), prefetch of the authors' books
