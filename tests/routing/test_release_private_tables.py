"""The release's private tables that code written for it reads: ``api._handler_meta``,
``api._middleware``, ``api._lifespan_context``/``_has_lifespan`` (views of our own state)."""

from __future__ import annotations

import inspect
from contextlib import asynccontextmanager
from typing import Annotated

import msgspec
from django_bolt import BoltAPI, Depends, Router, WebSocket
from django_bolt.middleware import DjangoMiddlewareStack, TimingMiddleware
from django_bolt.params import Body, Cookie, File, Form, Header, Query
from django_bolt.testing import TestClient
from django_bolt.typing import FieldDefinition
from django_bolt.views import APIView


def test_handler_meta_names_namespaces_and_kinds():
    api = BoltAPI(namespace="shop")
    router = Router(namespace="items")

    @api.get("/a", name="explicit_name")
    async def first():
        return {}

    @router.get("/b")
    def second():
        return {}

    api.include_router(router)
    keys = ("name", "name_explicit", "namespace", "is_async", "fields")
    metas = [{key: api._handler_meta[index][key] for key in keys} for _method, _path, index, _handler in api._routes]
    assert metas == [
        {"name": "explicit_name", "name_explicit": True, "namespace": "shop", "is_async": True, "fields": []},
        {"name": "second", "name_explicit": False, "namespace": "shop:items", "is_async": False, "fields": []},
    ]


class Created(msgspec.Struct):
    id: int


class Problem(msgspec.Struct):
    detail: str


def _answer_meta(api: BoltAPI) -> list[dict]:
    keys = ("http_method", "response_type", "is_multi_response", "default_status_code", "_has_response_validation")
    return [{key: api._handler_meta[index][key] for key in keys} for _m, _p, index, _h in api._routes]


def test_handler_meta_tells_how_each_route_answers():
    api = BoltAPI(validate_response=False)

    @api.post("/model", response_model=list[Created], status_code=201, validate_response=True)
    def by_model(limit: int = 10) -> list[Problem]:
        return []

    @api.get("/annotation")
    async def by_annotation() -> Created:
        return Created(id=1)

    @api.get("/opaque", response_model=None, validate_response=True)
    async def opaque() -> Created:
        return Created(id=1)

    @api.put("/nothing")
    def nothing():
        return {}

    assert _answer_meta(api) == [
        {
            "http_method": "POST",
            "response_type": list[Created],
            "is_multi_response": False,
            "default_status_code": 201,
            "_has_response_validation": True,
        },
        {
            "http_method": "GET",
            "response_type": Created,
            "is_multi_response": False,
            "default_status_code": 200,
            "_has_response_validation": False,  # the API's validate_response=False
        },
        {
            "http_method": "GET",
            "response_type": None,  # response_model=None: the annotation is not the body's type
            "is_multi_response": False,
            "default_status_code": 200,
            "_has_response_validation": False,
        },
        {
            "http_method": "PUT",
            "response_type": None,
            "is_multi_response": False,
            "default_status_code": 200,
            "_has_response_validation": False,
        },
    ]
    _m, _p, index, _h = api._routes[0]
    assert list(api._handler_meta[index]["sig"].parameters) == ["limit"]


def test_handler_meta_of_a_model_per_status():
    api = BoltAPI()

    @api.post("/items", response_model={400: Problem, 201: Created, ...: Problem})
    async def create():
        return {"id": 1}

    @api.get("/errors", response_model={404: Problem, 409: None})
    async def errors():
        return {"detail": "x"}

    first, second = (api._handler_meta[index] for _m, _p, index, _h in api._routes)
    assert first["response_map"] == {400: Problem, 201: Created, ...: Problem}
    assert (first["is_multi_response"], first["default_status_code"], first["response_type"]) == (True, 201, Created)
    assert (second["default_status_code"], second["response_type"]) == (404, Problem)


def test_handler_meta_has_the_status_and_the_openapi_options_given():
    api = BoltAPI()

    @api.post("/items", status_code=201, tags=["Items"], summary="Create", description="Makes one.")
    async def create():
        return {}

    @api.get("/items")
    async def listing():
        """Docstring summary (the generator's, not an option given)."""
        return []

    created, listed = (api._handler_meta[index] for _method, _path, index, _handler in api._routes)
    assert created["default_status_code"] == 201
    assert (created["openapi_tags"], created["openapi_summary"], created["openapi_description"]) == (
        ["Items"],
        "Create",
        "Makes one.",
    )
    assert listed["default_status_code"] == 200
    assert not {"openapi_tags", "openapi_summary", "openapi_description"} & set(listed)


def test_handler_meta_of_a_view_has_its_class_status_and_tags():
    api = BoltAPI()

    @api.view("/things", tags=["Things"])
    class Things(APIView):
        status_code = 202

        async def post(self, request) -> dict:
            return {}

    (meta,) = api._handler_meta.values()
    assert (meta["default_status_code"], meta["openapi_tags"]) == (202, ["Things"])


def test_middleware_lists_django_stacks_then_the_given_middleware():
    assert BoltAPI()._middleware == []
    api = BoltAPI(
        django_middleware=["django.contrib.sessions.middleware.SessionMiddleware"],
        middleware=[TimingMiddleware],
    )
    stack, timing = api._middleware
    assert isinstance(stack, DjangoMiddlewareStack) and timing is TimingMiddleware
    assert [cls.__name__ for cls in stack.middleware_classes] == ["SessionMiddleware"]


def test_lifespan_context_is_the_apis_own():
    @asynccontextmanager
    async def lifespan(app):
        yield

    assert (BoltAPI()._lifespan_context, BoltAPI()._has_lifespan) == (None, False)
    api = BoltAPI(lifespan=lifespan)
    outer = BoltAPI()
    outer.mount("/inner", api)
    assert (api._lifespan_context, api._has_lifespan) == (lifespan, True)
    assert outer._lifespan_context is None  # a mounted API's lifespan still runs, but is not outer's


class Item(msgspec.Struct):
    name: str


class Login(msgspec.Struct):
    user: str


def current_page(page: int = 1) -> int:
    return page


def test_handler_meta_fields_are_the_sources_the_route_reads():
    api = BoltAPI()

    @api.post("/items/{item_id}")
    async def update(
        request,
        item_id: int,
        item: Item,
        verbose: bool = False,
        token: Annotated[str, Header(alias="X-Token")] = "",
        session: str | None = Cookie(default=None),
        page: int = Depends(current_page),
    ):
        return {"item_id": item_id, "name": item.name, "verbose": verbose, "token": token, "page": page}

    @api.post("/forms")
    async def forms(login: Annotated[Login, Form()], note: str = Form(), upload: bytes = File(), *, q: int = Query()):
        return {}

    fields = {f.name: f for f in api._handler_meta[0]["fields"]}
    assert [(f.name, f.source, f.is_required) for f in fields.values()] == [
        ("request", "request", True),
        ("item_id", "path", True),
        ("item", "body", True),
        ("verbose", "query", False),
        ("token", "header", False),
        ("session", "cookie", False),
        ("page", "dependency", False),
    ]
    assert fields["token"].alias == "X-Token" and fields["token"].field_alias == "X-Token"
    assert fields["session"].default is None and isinstance(fields["session"].param, Cookie)
    assert fields["page"].dependency.dependency is current_page
    assert fields["item_id"].default is inspect.Parameter.empty and fields["item_id"].field_alias == "item_id"
    # What the view says is what the server does.
    response = TestClient(api).post("/items/3?verbose=1", json={"name": "n"}, headers={"X-Token": "t"})
    assert response.json() == {"item_id": 3, "name": "n", "verbose": True, "token": "t", "page": 1}

    form_fields = api._handler_meta[1]["fields"]
    assert [(f.name, f.source, f.kind) for f in form_fields] == [
        ("login", "form", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ("note", "form", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ("upload", "file", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ("q", "query", inspect.Parameter.KEYWORD_ONLY),
    ]
    assert all(isinstance(f, FieldDefinition) and f.is_required for f in form_fields)


def test_handler_meta_fields_of_an_embedded_body_and_a_websocket():
    api = BoltAPI()

    @api.put("/embed")
    async def embed(item: Item = Body(embed=True)):
        return {}

    @api.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, room: int, since: Annotated[int | None, Query()] = None):
        await websocket.accept()

    (embedded,) = api._handler_meta[0]["fields"]
    assert (embedded.source, embedded.embed, embedded.is_required) == ("body", True, True)
    # The socket is not a parameter; the optional type makes ``since`` optional.
    assert [(f.name, f.source, f.is_required) for f in api._handler_meta[1]["fields"]] == [
        ("room", "path", True),
        ("since", "query", False),
    ]
