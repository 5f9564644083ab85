"""The compiler's parameter analysis as public functions (``django_bolt.typing``), the route
records that describe it (``api._handler_meta``), ``is_request`` and ``dependencies.sync_form``."""

from __future__ import annotations

import dataclasses
import threading
from typing import Annotated, Any

import msgspec
import pytest
from django_bolt import Request, UploadFile
from django_bolt.auth.jwt_utils import get_current_user, get_current_user_sync
from django_bolt.dependencies import sync_form
from django_bolt.param_functions import Depends, File, Header, Query
from django_bolt.request import is_request
from django_bolt.typing import HandlerPattern, infer_param_source, split_param_annotation


class Item(msgspec.Struct):
    name: str


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    ("name", "annotation", "source"),
    [
        ("item_id", int, "path"),
        ("item_id", Item, "path"),  # the path wins, as when the route is compiled
        ("q", str, "query"),
        ("tags", list[str], "query"),
        ("page", int | None, "query"),
        ("item", Item, "body"),
        ("point", Point | None, "body"),
        ("items", list[Item], "body"),
        ("data", dict[str, int], "body"),
        ("upload", UploadFile, "file"),
        ("request", Request, "request"),
        ("req", Any, "request"),
        ("anything", Annotated[Item, "doc"], "body"),
    ],
)
def test_infer_param_source(name, annotation, source):
    assert infer_param_source(name, annotation, {"item_id"}, "GET") == source


def test_split_param_annotation_separates_the_marker_and_keeps_the_constraints():
    marker = Query(ge=1, alias="n")
    value_type, found = split_param_annotation(Annotated[int, msgspec.Meta(le=9), marker])
    assert found is marker
    assert value_type == Annotated[int, msgspec.Meta(le=9), msgspec.Meta(ge=1)]
    optional, _ = split_param_annotation(Annotated[str | None, Header()])
    assert optional == str | None
    default_marker = Query(5, ge=0)
    value_type, found = split_param_annotation(int | None, default_marker)
    assert found is default_marker and value_type == Annotated[int, msgspec.Meta(ge=0)] | None
    dependency = Depends(lambda: 1)
    assert split_param_annotation(Annotated[int, dependency]) == (int, dependency)
    assert split_param_annotation(Item) == (Item, None)
    # A file marker's limits are not value constraints.
    assert split_param_annotation(Annotated[UploadFile, File(max_size=10)])[0] is UploadFile
    with pytest.raises(TypeError):
        split_param_annotation(Annotated[list[int], Query(ge=1)])


def test_handler_meta_gives_each_route_its_arguments_and_pattern(api):
    @api.get("/none")
    async def none():
        return {}

    @api.get("/items/{item_id}")
    async def by_id(item_id: int):
        return {}

    @api.get("/search")
    async def search(q: Annotated[str, Query(min_length=2)], page: int = 1):
        return {}

    @api.get("/mixed/{item_id}")
    async def mixed(item_id: int, q: str = ""):
        return {}

    @api.post("/items")
    async def create(item: Item):
        return {}

    @api.get("/raw")
    async def raw(request: Request):
        return {}

    @api.get("/dep")
    async def dep(value: int = Depends(lambda: 1)):
        return {}

    meta = api._handler_meta
    patterns = [meta[i]["handler_pattern"] for i in range(len(meta))]
    assert patterns == [
        HandlerPattern.NO_PARAMS,
        HandlerPattern.PATH_ONLY,
        HandlerPattern.QUERY_ONLY,
        HandlerPattern.SIMPLE,
        HandlerPattern.BODY_ONLY,
        HandlerPattern.FULL,
        HandlerPattern.WITH_DEPS,
    ]
    (q, page) = meta[2]["fields"]
    # The field's annotation is the value type: the marker's constraints on it, the marker apart.
    assert q.annotation == Annotated[str, msgspec.Meta(min_length=2)] and q.param is not None
    assert (page.source, page.default) == ("query", 1)


def test_is_request_is_true_for_what_a_handler_is_given(api, client_for):
    @api.get("/check")
    async def check(request: Request):
        return {"request": is_request(request), "headers": is_request(dict(request.headers))}

    assert client_for(api).get("/check").json() == {"request": True, "headers": False}
    assert is_request(None) is False


def test_sync_form_names_the_dependency_a_sync_handler_calls(api, client_for):
    marker = Depends(get_current_user, use_cache=False)
    sync = sync_form(marker)
    assert sync.dependency is get_current_user_sync and sync.use_cache is False
    plain = Depends(lambda: 1)
    assert sync_form(plain) is plain

    calls: list[str] = []

    async def lookup() -> str:
        calls.append("async")
        return "async"

    def lookup_sync() -> str:
        calls.append(threading.current_thread().name)
        return "sync"

    lookup._sync_form = lookup_sync  # type: ignore[attr-defined]

    @api.get("/sync")
    def sync_handler(value: str = Depends(lookup)):
        return {"value": value}

    @api.get("/async")
    async def async_handler(value: str = Depends(lookup)):
        return {"value": value}

    client = client_for(api)
    assert client.get("/sync").json() == {"value": "sync"}
    assert client.get("/async").json() == {"value": "async"}
    assert calls[-1] == "async" and len(calls) == 2
