"""``Depends`` compiled once: a dependency's signature and type hints are read when the route is
compiled, and only its plan runs per request (in the route's stage chain)."""

from __future__ import annotations

import inspect
import threading
from typing import Annotated

import pytest
from django_bolt import BoltAPI, Request
from django_bolt.param_functions import Cookie, Depends, Header, Query


def test_dependency_signatures_are_read_once_at_compile_time(client_for):
    def page(request: Request, size: Annotated[int, Query(alias="per_page")] = 10, token: str = Header("-")):
        return {"size": size, "token": token, "path": request.path}

    async def current(p: dict = Depends(page)):
        return p

    api = BoltAPI()

    @api.get("/items")
    async def items(p: dict = Depends(current), again: dict = Depends(page)):
        return {"p": p, "same": p is again}

    client = client_for(api)
    client.get("/items")  # compiled by the first request
    # Neither signature nor hints can be read any more: only a compiled plan still works.
    for fn in (page, current):
        fn.__signature__ = "unreadable"
        fn.__annotations__ = {"p": "NoSuchName"}
        with pytest.raises((TypeError, ValueError)):
            inspect.signature(fn)
    r = client.get("/items?per_page=3", headers={"Token": "t"})
    assert r.status_code == 200, r.text
    assert r.json() == {"p": {"size": 3, "token": "t", "path": "/items"}, "same": True}


def test_sync_dependencies_of_a_sync_handler_run_on_its_thread(client_for):
    def where():
        return threading.get_ident()

    def nested(thread: int = Depends(where)):
        return thread

    api = BoltAPI()

    @api.get("/threads")
    def threads(a: int = Depends(where), b: int = Depends(nested)):
        # No event loop hop: the dependencies ran on the worker thread of the handler.
        return {"same": a == b == threading.get_ident()}

    assert client_for(api).get("/threads").json() == {"same": True}


def test_dependency_params_are_validated_not_a_500(client_for):
    def limit(n: int = 5, flag: bool = Cookie(False)):
        return (n, flag)

    api = BoltAPI()

    @api.get("/limit")
    def route(v: tuple = Depends(limit)):
        return {"n": v[0], "flag": v[1]}

    client = client_for(api)
    assert client.get("/limit").json() == {"n": 5, "flag": False}
    assert client.get("/limit?n=7", headers={"Cookie": "flag=yes"}).json() == {"n": 7, "flag": True}
    bad = client.get("/limit?n=seven")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "n"]

    def account(account_id: int):
        return account_id

    @api.get("/account")
    def account_route(a: int = Depends(account)):
        return {"a": a}

    client = client_for(api)
    assert client.get("/account?account_id=3").json() == {"a": 3}
    missing = client.get("/account")
    assert missing.status_code == 422
    assert missing.json()["detail"] == [{"loc": ["query", "account_id"], "msg": "Field required", "type": "missing"}]


def test_bad_dependencies_are_refused_when_compiled():
    api = BoltAPI()

    @api.get("/none")
    def none(v=Depends()):
        return {}

    with pytest.raises(TypeError, match=r"GET /none.*Depends\(\) needs a dependency callable"):
        api.compile()

    def loop(v=None):
        return v

    loop.__defaults__ = (Depends(loop),)
    api = BoltAPI()

    # A cycle is refused as soon as the route is declared (as a RecursionError too, as in the
    # release: resolving it would recurse until the stack runs out).
    with pytest.raises(TypeError, match="depends on itself") as refused:

        @api.get("/loop")
        def looping(v=Depends(loop)):
            return {}

    assert isinstance(refused.value, RecursionError)


def test_unresolvable_dependency_hints_fail_at_compile_time():
    def needs(x: NoSuchType) -> int:  # noqa: F821 - the point of the test
        return 1

    api = BoltAPI()

    @api.get("/x")
    def x(v: int = Depends(needs)):
        return {}

    with pytest.raises(TypeError, match=r"GET /x.*type hints of dependency"):
        api.compile()


def test_routes_without_stages_have_no_chain():
    api = BoltAPI()

    @api.get("/plain")
    def plain(q: int = 0):
        return {}

    @api.get("/dep")
    async def dep(v: int = Depends(lambda: 1)):
        return {}

    routes = {r.path: api._compile_route(r) for r in api.routes}
    assert routes["/plain"]["chain"] is None
    assert routes["/dep"]["chain"].stages == ("dependencies",)
    assert inspect.iscoroutinefunction(routes["/dep"]["chain"])
