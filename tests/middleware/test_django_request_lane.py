"""A sync route with Django middleware runs its whole request on one thread (the release's
"request lane"): thread-local state a middleware sets is what the handler reads, and
``concurrency.in_lane_mode()`` says so there and nowhere else."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from django.utils.deprecation import MiddlewareMixin
from django_bolt import BoltAPI
from django_bolt.concurrency import in_lane_mode, run_in_orm_executor, run_on_lane, run_orm_blocking, sync_to_thread
from django_bolt.middleware import DjangoMiddleware, DjangoMiddlewareStack

_tenant = threading.local()


class _ThreadLocalTenant(MiddlewareMixin):
    """Keeps the tenant in a ``threading.local``, as django-tenants does."""

    def process_request(self, request):
        _tenant.name = request.path.rsplit("/", 1)[-1]
        _tenant.hook_thread = threading.get_ident()


class _PassThrough(MiddlewareMixin):
    pass


def _seen() -> dict:
    return {
        "tenant": getattr(_tenant, "name", None),
        "same_thread": getattr(_tenant, "hook_thread", None) == threading.get_ident(),
        "on_lane": in_lane_mode(),
    }


def _lane_api(middleware: list) -> BoltAPI:
    api = BoltAPI(middleware=middleware)

    @api.get("/sync/{tenant}")
    def sync_route(tenant: str):
        return _seen()

    @api.get("/async/{tenant}")
    async def async_route(tenant: str):
        return {"on_lane": in_lane_mode(), "in_pool_work": await sync_to_thread(in_lane_mode)}

    @api.get("/fails/{tenant}")
    def fails(tenant: str):
        raise LookupError("handler error")

    return api


def test_a_sync_handler_reads_the_thread_local_state_of_its_middleware(client_for):
    client = client_for(_lane_api([DjangoMiddlewareStack([_ThreadLocalTenant])]))
    for tenant in ("acme", "globex"):
        assert client.get(f"/sync/{tenant}").json() == {"tenant": tenant, "same_thread": True, "on_lane": True}


def test_chained_django_middleware_entries_share_one_lane(client_for):
    client = client_for(_lane_api([DjangoMiddleware(_PassThrough), DjangoMiddleware(_ThreadLocalTenant)]))
    assert client.get("/sync/acme").json() == {"tenant": "acme", "same_thread": True, "on_lane": True}


def test_async_routes_and_routes_without_django_middleware_are_not_on_a_lane(client_for):
    with_stack = client_for(_lane_api([DjangoMiddlewareStack([_ThreadLocalTenant])]))
    assert with_stack.get("/async/acme").json() == {"on_lane": False, "in_pool_work": False}
    plain = client_for(_lane_api([]))
    assert plain.get("/sync/acme").json()["on_lane"] is False


def test_a_failing_handler_ends_the_lane_of_its_thread(client_for):
    lane_client = client_for(_lane_api([DjangoMiddlewareStack([_ThreadLocalTenant])]))
    plain_client = client_for(_lane_api([]))
    for _ in range(20):
        assert lane_client.get("/fails/acme").status_code == 500
        # The next sync request may run on the thread that served the failing one.
        assert plain_client.get("/sync/acme").json()["on_lane"] is False


def test_concurrent_requests_each_read_their_own_tenant(client_for):
    api = _lane_api([DjangoMiddlewareStack([_ThreadLocalTenant])])
    clients = [client_for(api) for _ in range(8)]

    def fetch(index: int) -> tuple[str, dict]:
        tenant = f"t{index}"
        return tenant, clients[index % len(clients)].get(f"/sync/{tenant}").json()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = list(pool.map(fetch, range(64)))
    for tenant, body in results:
        assert body == {"tenant": tenant, "same_thread": True, "on_lane": True}


def test_run_on_lane_nests_and_always_ends_the_lane():
    def inner() -> tuple[bool, bool]:
        return in_lane_mode(), run_on_lane(in_lane_mode)

    assert run_on_lane(inner) == (True, True)
    assert in_lane_mode() is False

    def fail() -> None:
        raise LookupError("boom")

    with pytest.raises(LookupError):
        run_on_lane(fail)
    assert in_lane_mode() is False
    # An event loop started on a lane thread still reads the thread's flag; pool work does not.
    assert run_on_lane(lambda: asyncio.run(sync_to_thread(in_lane_mode))) is False


async def _orm_work_threads() -> dict:
    def seen_where() -> dict:
        return {**_seen(), "thread": threading.current_thread().name}

    return {"awaited": await run_in_orm_executor(seen_where), "blocking": run_orm_blocking(seen_where)}


def test_orm_work_of_async_to_sync_in_a_lane_handler_comes_back_to_the_lane(client_for):
    api = BoltAPI(middleware=[DjangoMiddlewareStack([_ThreadLocalTenant])])

    @api.get("/bridge/{tenant}")
    def bridge(tenant: str):
        return async_to_sync(_orm_work_threads)()

    body = client_for(api).get("/bridge/acme").json()
    for work in ("awaited", "blocking"):
        assert body[work].pop("thread").startswith("bolt_orm_sync_")
        assert body[work] == {"tenant": "acme", "same_thread": True, "on_lane": True}


def test_orm_work_of_async_to_sync_without_a_lane_keeps_the_orm_pool(client_for):
    api = BoltAPI()

    @api.get("/bridge")
    def bridge():
        return async_to_sync(_orm_work_threads)()

    body = client_for(api).get("/bridge").json()
    for work in ("awaited", "blocking"):
        assert body[work]["thread"].startswith("bolt_orm_pool")
        assert body[work]["on_lane"] is False
