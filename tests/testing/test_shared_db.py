"""Handlers called through the test clients see the rows of a plain ``@pytest.mark.django_db``
test (its transaction is never committed), on SQLite and on PostgreSQL (BOLT_DB=postgres)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django_bolt import BoltAPI
from django_bolt.testing import AsyncTestClient, TestClient

from tests.testapp.models import Article

api = BoltAPI()


@api.get("/titles")
async def titles() -> list[str]:
    return [a.title async for a in Article.objects.order_by("id")]


@api.get("/sync/titles")
def sync_titles() -> list[str]:
    return list(Article.objects.order_by("id").values_list("title", flat=True))


@api.post("/articles")
async def create(title: str) -> dict:
    article = await Article.objects.acreate(title=title)
    return {"id": article.pk}


@api.get("/raw-count")
async def raw_count() -> dict:
    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM testapp_article")
            return cursor.fetchone()[0]

    return {"count": await sync_to_async(count)()}


@pytest.mark.django_db
def test_async_and_sync_handlers_read_the_tests_rows():
    Article.objects.create(title="made by the test")
    with TestClient(api) as client:
        assert client.get("/titles").json() == ["made by the test"]
        assert client.get("/sync/titles").json() == ["made by the test"]
        assert client.get("/raw-count").json() == {"count": 1}


@pytest.mark.django_db
def test_handler_writes_belong_to_the_tests_transaction():
    with TestClient(api) as client:
        created = client.post("/articles", params={"title": "by the handler"})
        assert created.status_code == 200, created.text
    assert list(Article.objects.values_list("title", flat=True)) == ["by the handler"]
    assert connection.in_atomic_block  # still the test's transaction: rolled back after the test


@pytest.fixture
def row_of_the_test(db):
    """Made on the test's thread, inside its transaction (an async test's own ``acreate`` runs
    on asgiref's thread, outside it: pytest-django's rule, not the client's)."""
    Article.objects.create(title="async test row")


async def test_async_client_in_an_async_test(row_of_the_test):
    async with AsyncTestClient(api) as client:
        assert (await client.get("/titles")).json() == ["async test row"]


@pytest.mark.django_db
def test_sharing_ends_with_the_request():
    store = connections._connections
    with TestClient(api) as client:
        client.get("/titles")
    assert connections._connections is store
    assert not getattr(connection, "_bolt_shared", False)


@pytest.mark.django_db(transaction=True)
def test_committed_rows_need_no_sharing():
    Article.objects.create(title="committed")
    with TestClient(api) as client:
        assert client.get("/titles").json() == ["committed"]
