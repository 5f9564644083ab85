"""The release's private tables that code written for it reads: ``api._handler_meta``,
``api._middleware``, ``api._lifespan_context``/``_has_lifespan`` (views of our own state)."""

from __future__ import annotations

from contextlib import asynccontextmanager

from django_bolt import BoltAPI, Router
from django_bolt.middleware import DjangoMiddlewareStack, TimingMiddleware
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
    metas = [api._handler_meta[index] for _method, _path, index, _handler in api._routes]
    assert metas == [
        {
            "name": "explicit_name",
            "name_explicit": True,
            "namespace": "shop",
            "is_async": True,
            "default_status_code": 200,
        },
        {
            "name": "second",
            "name_explicit": False,
            "namespace": "shop:items",
            "is_async": False,
            "default_status_code": 200,
        },
    ]


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
