"""``request.user`` in sync and async handlers (the release's README reads it in ``async def``),
and ``await request.auser()``."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django_bolt import BoltAPI, Request
from django_bolt.auth import IsAuthenticated, JWTAuthentication, create_jwt_for_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def user_id_of(request: Request) -> int:
    # Read in a helper: the route cannot see it, so the user is loaded on first access.
    return request.user.id


class CountingLoader:
    """A loader with only ``load_user`` (no ``aload_user``), recording the threads it runs on."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def load_user(self, user_id, claims):
        self.threads.append(threading.current_thread().name)
        return get_user_model().objects.get(pk=user_id)


@pytest.fixture
def api() -> BoltAPI:
    api = BoltAPI(auth=[JWTAuthentication()], guards=[IsAuthenticated()])

    @api.get("/readme")
    async def readme(request: Request) -> dict:
        return {"user_id": request.user.id}

    @api.get("/readme-await")
    async def readme_await(request: Request) -> dict:
        user = await request.auser()
        return {"user_id": user.id, "same": user is request.user}

    @api.get("/helper")
    async def helper(request: Request) -> dict:
        return {"user_id": user_id_of(request)}

    @api.get("/sync")
    def sync(request: Request) -> dict:
        return {"user_id": request.user.id}

    @api.get("/context-only")
    async def context_only(request: Request) -> dict:
        return {"sub": request.context["sub"]}

    return api


def test_request_user_in_sync_and_async_handlers(client_for, api):
    user = get_user_model().objects.create_user("ada", password="pw")
    auth = {"Authorization": f"Bearer {create_jwt_for_user(user)}"}
    client = client_for(api)
    for path in ("/readme", "/helper", "/sync"):
        r = client.get(path, headers=auth)
        assert r.status_code == 200, (path, r.text)
        assert r.json() == {"user_id": user.id}
    assert client.get("/readme-await", headers=auth).json() == {"user_id": user.id, "same": True}
    assert client.get("/readme").status_code == 401


def test_only_async_handlers_that_read_the_user_load_it_first(api):
    routes = {r.path: api._compile_route(r) for r in api.routes}
    assert routes["/readme"]["chain"].stages == ("load_user",)
    # Nothing to do before these handlers: no chain, Rust calls them directly.
    for path in ("/helper", "/sync", "/context-only"):
        assert routes[path]["chain"] is None, path
    plain = BoltAPI()

    @plain.get("/plain")
    async def plain_route(request: Request) -> dict:
        return {"user": str(request.user)}

    assert plain._compile_route(plain.routes[0])["chain"] is None


def test_a_loader_without_aload_user_runs_off_the_event_loop(client_for):
    user = get_user_model().objects.create_user("bob", password="pw")
    loader = CountingLoader()
    api = BoltAPI(auth=[JWTAuthentication(user_loader=loader)], guards=[IsAuthenticated()])

    @api.get("/awaited")
    async def awaited(request: Request) -> dict:
        return {"username": (await request.auser()).username}

    @api.get("/helper")
    async def helper(request: Request) -> dict:
        return {"user_id": user_id_of(request)}

    client = client_for(api)
    auth = {"Authorization": f"Bearer {create_jwt_for_user(user)}"}
    assert client.get("/awaited", headers=auth).json() == {"username": "bob"}
    assert client.get("/helper", headers=auth).json() == {"user_id": user.id}
    assert loader.threads and all(name.startswith("bolt_orm_pool") for name in loader.threads)


def test_overlapping_auser_calls_share_one_load(client_for):
    import asyncio

    loader = CountingLoader()
    api = BoltAPI(auth=[JWTAuthentication(user_loader=loader)], guards=[IsAuthenticated()])

    @api.get("/both")
    async def both(request: Request) -> dict:
        first, second = await asyncio.gather(request.auser(), request.auser())
        later = await request.auser()
        # getattr: a handler that names .user gets it loaded before it runs (no overlap to test).
        return {"same": first is second is later is getattr(request, "user"), "name": first.username}  # noqa: B009

    user = get_user_model().objects.create_user("gathered", password="pw")
    token = create_jwt_for_user(user, expires_in=60)
    r = client_for(api).get("/both", headers={"Authorization": f"Bearer {token}"})
    assert r.json() == {"same": True, "name": "gathered"}
    assert len(loader.threads) == 1  # one query for the request


def test_a_sync_read_during_auser_keeps_its_user(client_for):
    import asyncio

    loader = CountingLoader()
    api = BoltAPI(auth=[JWTAuthentication(user_loader=loader)], guards=[IsAuthenticated()])

    @api.get("/race")
    async def race(request: Request) -> dict:
        pending = asyncio.ensure_future(request.auser())
        await asyncio.sleep(0)  # the async load has started and waits for its thread
        read = getattr(request, "user")  # noqa: B009 - a sync read, loading on the loop's behalf
        read.marker = "kept"
        loaded = await pending
        now = getattr(request, "user")  # noqa: B009
        return {"auser_is_read": loaded is read, "user_is_read": now is read, "marker": now.marker}

    user = get_user_model().objects.create_user("racer", password="pw")
    token = create_jwt_for_user(user, expires_in=60)
    r = client_for(api).get("/race", headers={"Authorization": f"Bearer {token}"})
    assert r.json() == {"auser_is_read": True, "user_is_read": True, "marker": "kept"}
