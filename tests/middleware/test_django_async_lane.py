"""An async route with Django middleware runs its thread-sensitive sync work on one thread per
request, a lane (``django_bolt.lanes``): the middleware's sync hooks, ``sync_to_async``,
``sync_to_thread``, framework ORM work and a sync ``request.user`` read all see the thread-local
state the middleware set, as under Django's ASGI handler. Routes without Django middleware keep
asgiref's single thread-sensitive thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import jwt
import pytest
from asgiref.sync import sync_to_async
from django.utils.deprecation import MiddlewareMixin
from django_bolt import BoltAPI, Request, lanes
from django_bolt.auth import JWTAuthentication
from django_bolt.concurrency import LaneAffinityError, run_in_orm_executor, sync_to_thread
from django_bolt.middleware import DjangoMiddleware, DjangoMiddlewareStack

SECRET = "async-lane-tests-secret-of-more-than-32-characters"
_tenant = threading.local()


class _ThreadLocalTenant(MiddlewareMixin):
    """Keeps the tenant in a ``threading.local`` (django-tenants' shape); a sync hook, so that an
    async route runs it through ``sync_to_async(thread_sensitive=True)``."""

    def process_request(self, request):
        _tenant.name = request.path.rsplit("/", 1)[-1]


class _SyncCallOnly:
    """A plain sync ``__call__`` middleware: under an async route it waits for the loop in
    ``async_to_sync`` on the lane."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


def _where() -> dict:
    thread = threading.current_thread()
    return {"tenant": getattr(_tenant, "name", None), "thread": thread.ident, "name": thread.name}


class _TenantUserAuth(JWTAuthentication):
    def get_user_sync(self, user_id):
        return SimpleNamespace(username=f"user{user_id}", **{f"loaded_{k}": v for k, v in _where().items()})


def _loaded(user) -> dict:
    return {k[len("loaded_") :]: v for k, v in vars(user).items() if k.startswith("loaded_")}


def _loaded_user_of(request: Request) -> dict:
    return _loaded(request.user)


def _username_of(request: Request) -> str:
    return request.user.username


def _headers() -> dict[str, str]:
    return {"Authorization": "Bearer " + jwt.encode({"sub": "7", "exp": int(time.time()) + 60}, SECRET, "HS256")}


def _api(middleware: list) -> BoltAPI:
    api = BoltAPI(middleware=middleware)

    @api.get("/work/{tenant}")
    async def work(tenant: str) -> dict:
        await asyncio.sleep(0)
        return {
            "sync_to_thread": await sync_to_thread(_where),
            "sync_to_async": await sync_to_async(_where)(),
            "orm_executor": await run_in_orm_executor(_where),
        }

    @api.get("/user/{tenant}", auth=[_TenantUserAuth(secret=SECRET)])
    async def user(tenant: str, request: Request) -> dict:
        await asyncio.sleep(0)
        # Read in the handler's code: loaded (awaited) before the handler, after the hooks.
        return {"loaded": _loaded(request.user)}

    @api.get("/user-in-helper/{tenant}", auth=[_TenantUserAuth(secret=SECRET)])
    async def user_in_helper(tenant: str, request: Request) -> dict:
        await asyncio.sleep(0)
        # Read by a helper on the event loop: the loop waits while the lane loads it.
        return {"loaded": _loaded_user_of(request)}

    @api.get("/off-lane/{tenant}", auth=[_TenantUserAuth(secret=SECRET)])
    async def off_lane(tenant: str, request: Request) -> dict:
        # A helper reads it: the handler's own code does not show the read (no early load).
        return {"username": await asyncio.to_thread(_username_of, request)}

    return api


STACKS = [
    pytest.param(lambda: [DjangoMiddlewareStack([_ThreadLocalTenant])], id="stack"),
    pytest.param(lambda: [DjangoMiddlewareStack([_ThreadLocalTenant, _SyncCallOnly])], id="stack-sync-call"),
    pytest.param(lambda: [DjangoMiddleware(_ThreadLocalTenant), DjangoMiddleware(_SyncCallOnly)], id="entries"),
]


@pytest.mark.parametrize("middleware", STACKS)
def test_the_sync_work_of_an_async_request_runs_on_its_lane(client_for, middleware):
    client = client_for(_api(middleware()))
    body = client.get("/work/acme").json()
    seen = list(body.values())
    assert all(where["tenant"] == "acme" for where in seen), body
    assert len({where["thread"] for where in seen}) == 1, body
    assert seen[0]["name"].startswith("bolt-lane"), body


@pytest.mark.parametrize("route", ["user", "user-in-helper"])
@pytest.mark.parametrize("middleware", STACKS)
def test_a_sync_user_read_on_the_loop_loads_on_the_lane(client_for, middleware, route):
    client = client_for(_api(middleware()))
    response = client.get(f"/{route}/acme", headers=_headers())
    assert response.status_code == 200, response.text
    loaded = response.json()["loaded"]
    assert loaded["tenant"] == "acme"
    assert loaded["name"].startswith("bolt-lane")


def test_concurrent_requests_each_keep_their_tenant(client_for):
    api = _api([DjangoMiddlewareStack([_ThreadLocalTenant, _SyncCallOnly])])
    clients = [client_for(api) for _ in range(8)]

    def fetch(index: int) -> tuple[str, dict, dict]:
        tenant = f"t{index}"
        client = clients[index % len(clients)]
        users = [client.get(f"/{route}/{tenant}", headers=_headers()).json() for route in ("user", "user-in-helper")]
        return tenant, client.get(f"/work/{tenant}").json(), users

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = list(pool.map(fetch, range(48)))
    for tenant, work, users in results:
        assert {where["tenant"] for where in work.values()} == {tenant}
        assert [user["loaded"]["tenant"] for user in users] == [tenant, tenant]


def test_lanes_are_reused_and_those_beyond_the_idle_limit_stop(client_for, monkeypatch):
    client = client_for(_api([DjangoMiddlewareStack([_ThreadLocalTenant])]))
    # One request at a time: the lane of the previous one serves the next.
    threads = {client.get("/work/acme").json()["sync_to_async"]["thread"] for _ in range(5)}
    assert len(threads) == 1

    monkeypatch.setattr(lanes, "MAX_IDLE_LANES", 1)
    lanes.retire_idle_lanes()
    api = BoltAPI(middleware=[DjangoMiddlewareStack([_ThreadLocalTenant])])
    inside = threading.Barrier(4, timeout=10)

    @api.get("/together/{tenant}")
    async def together(tenant: str) -> dict:
        return await sync_to_thread(lambda: (inside.wait(), _where())[1])

    clients = [client_for(api) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = list(pool.map(lambda c: c.get("/together/x").json(), clients))
    assert len({body["thread"] for body in bodies}) == 4  # four requests at once: four lanes

    def lane_threads() -> int:
        return sum(thread.name.startswith("bolt-lane") for thread in threading.enumerate())

    deadline = time.monotonic() + 10
    while len(lanes._idle) > 1 or lane_threads() > 1:
        assert time.monotonic() < deadline, (len(lanes._idle), lane_threads())
        time.sleep(0.02)


def test_routes_without_django_middleware_keep_asgirefs_thread(client_for):
    client = client_for(_api([]))
    body = client.get("/work/acme").json()
    assert not any(where["name"].startswith("bolt-lane") for where in body.values()), body
    assert lanes.current_async_lane() is None


def test_a_user_read_on_another_thread_of_a_lane_request_names_its_route(client_for, caplog):
    caplog.set_level(logging.ERROR)
    client = client_for(_api([DjangoMiddlewareStack([_ThreadLocalTenant])]))
    response = client.get("/off-lane/acme", headers=_headers())
    assert response.status_code == 500
    raised = [r.exc_info[1] for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], LaneAffinityError)]
    assert raised, [r.getMessage() for r in caplog.records]
    message = str(raised[0])
    assert "await request.auser()" in message
    assert "GET /off-lane/{tenant}" in message
    assert "test_django_async_lane.py:" in message
    # Without Django middleware there is no lane to miss: the read runs where it is.
    plain = client_for(_api([]))
    assert plain.get("/off-lane/acme", headers=_headers()).json() == {"username": "user7"}


def test_a_lane_still_running_an_abandoned_call_serves_no_other_request(client_for):
    release = threading.Event()
    api = BoltAPI(middleware=[DjangoMiddlewareStack([_ThreadLocalTenant])])

    @api.get("/abandon/{tenant}")
    async def abandon(tenant: str) -> dict:
        lane = await sync_to_thread(threading.get_ident)
        with contextlib.suppress(asyncio.TimeoutError):  # not the builtin before Python 3.11
            await asyncio.wait_for(sync_to_thread(release.wait, 10), 0.01)  # left running on the lane
        return {"lane": lane}

    @api.get("/next/{tenant}")
    async def next_request(tenant: str) -> dict:
        return {"lane": await sync_to_thread(threading.get_ident)}

    client = client_for(api)
    try:
        busy = client.get("/abandon/a").json()["lane"]
        started = time.monotonic()
        following = client.get("/next/b").json()["lane"]
        waited = time.monotonic() - started
    finally:
        release.set()
    assert following != busy
    assert waited < 2  # it did not wait for the abandoned call


def test_a_user_read_under_a_loop_started_on_the_lane_runs_there(client_for):
    api = BoltAPI(middleware=[DjangoMiddlewareStack([_ThreadLocalTenant])])

    async def read_in_a_coroutine(request: Request) -> dict:
        return _loaded_user_of(request)

    @api.get("/nested-loop/{tenant}", auth=[_TenantUserAuth(secret=SECRET)])
    async def nested_loop(tenant: str, request: Request) -> dict:
        # A sync call on the lane that runs its own event loop: the read there cannot wait for
        # the lane (it is the lane), so it runs in place.
        return {"loaded": await sync_to_async(lambda: asyncio.run(read_in_a_coroutine(request)))()}

    response = client_for(api, timeout=10).get("/nested-loop/acme", headers=_headers())
    assert response.status_code == 200, response.text
    assert response.json()["loaded"]["tenant"] == "acme"
    assert response.json()["loaded"]["name"].startswith("bolt-lane")


_tasks: list = []  # keeps the tasks the handlers start alive


def test_a_task_that_outlives_its_request_leaves_the_lane(client_for):
    api = BoltAPI(middleware=[DjangoMiddlewareStack([_ThreadLocalTenant])])
    outlived: dict = {}
    done = threading.Event()

    async def after_the_response() -> None:
        await asyncio.sleep(0.05)
        outlived["lane"] = lanes.current_async_lane()
        outlived["where"] = await sync_to_thread(_where)
        done.set()

    @api.get("/spawn/{tenant}")
    async def spawn(tenant: str) -> dict:
        task = asyncio.ensure_future(after_the_response())
        _tasks.append(task)
        return {"lane": lanes.current_async_lane() is not None}

    client = client_for(api)
    assert client.get("/spawn/acme").json() == {"lane": True}
    assert done.wait(10)
    # The lane may serve another request by now: the task's sync work runs on the blocking pool.
    assert outlived["lane"] is None
    assert not outlived["where"]["name"].startswith("bolt-lane")
