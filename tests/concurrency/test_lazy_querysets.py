"""A QuerySet a handler returns without evaluating it (from a helper, say) has its query run on
a thread made for blocking work: for a sync handler its own (named ``bolt_orm_sync_N``), for an
async handler the blocking pool (not an async worker, not the event loop where Django refuses),
and for an async route with a response model per status the ORM pool before it is shaped."""

from __future__ import annotations

import asyncio
import threading

import msgspec
import pytest
from django.db.models import QuerySet
from django_bolt import BoltAPI

from tests.testapp.models import Article


class RecordingQuerySet(QuerySet):
    """Records the thread that runs the query, and whether an event loop was running there."""

    seen: list[tuple[str, bool]] = []

    def _fetch_all(self):
        if self._result_cache is None:
            try:
                asyncio.get_running_loop()
                on_loop = True
            except RuntimeError:
                on_loop = False
            RecordingQuerySet.seen.append((threading.current_thread().name, on_loop))
        super()._fetch_all()


def titles():
    return RecordingQuerySet(model=Article).values("title")


class Row(msgspec.Struct):
    title: str


def _sync(api: BoltAPI) -> None:
    @api.get("/titles")
    def listing():
        return titles()


def _async(api: BoltAPI) -> None:
    @api.get("/titles")
    async def listing():
        return titles()


def _async_suspends_validated(api: BoltAPI) -> None:
    @api.get("/titles")
    async def listing() -> list[Row]:
        await asyncio.sleep(0)
        return titles()


def _async_per_status(api: BoltAPI) -> None:
    @api.get("/titles", response_model={200: list[Row], 404: Row})
    async def listing():
        await asyncio.sleep(0)
        return 200, titles()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("register", "prefix"),
    [
        (_sync, "bolt_orm_sync_"),
        (_async, "bolt_orm_sync_"),
        (_async_suspends_validated, "bolt_orm_sync_"),
        (_async_per_status, "bolt_orm_pool_"),
    ],
    ids=["sync", "async", "async-suspends-validated", "async-per-status"],
)
def test_a_lazy_queryset_runs_its_query_on_a_blocking_thread(client_for, register, prefix):
    api = BoltAPI()
    register(api)
    Article.objects.create(title="One")
    RecordingQuerySet.seen.clear()

    response = client_for(api).get("/titles")

    assert response.status_code == 200, response.text
    assert response.json() == [{"title": "One"}]
    assert RecordingQuerySet.seen
    assert all(name.startswith(prefix) and not on_loop for name, on_loop in RecordingQuerySet.seen)
