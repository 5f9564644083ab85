"""Forms of the release's class-based views: a plain msgspec Struct as ``serializer_class``,
``@paginate`` on a view method, ``ActionHandler``, the route table ``api._routes`` and its
error messages."""

from __future__ import annotations

import msgspec
import pytest
from django_bolt import BoltAPI, PageNumberPagination, ReadOnlyModelViewSet, ViewSet, action, paginate
from django_bolt.decorators import ActionHandler
from django_bolt.exceptions import SerializationError
from django_bolt.serializers import SerializationError as FromSerializers
from django_bolt.serializers import Serializer
from django_bolt.views import APIView

from tests.testapp.models import Author


class AuthorStruct(msgspec.Struct):
    id: int
    name: str


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("base", [ViewSet, ReadOnlyModelViewSet])
def test_struct_serializer_and_paginated_method(client_for, base):
    for i in range(3):
        Author.objects.create(name=f"a{i}")
    api = BoltAPI()

    @api.viewset("/authors")
    class Authors(base):
        queryset = Author.objects.all()
        serializer_class = AuthorStruct

        @paginate(PageNumberPagination)
        async def list(self, request):
            return Author.objects.all()

        async def retrieve(self, request, pk: int):
            return await Author.objects.aget(pk=pk)

    client = client_for(api)
    page = client.get("/authors?page=2&page_size=2").json()
    assert (page["page"], page["total"], [a["name"] for a in page["items"]]) == (2, 3, ["a2"])
    assert set(page["items"][0]) == {"id", "name"}
    first = Author.objects.first()
    assert client.get(f"/authors/{first.pk}").json() == {"id": first.pk, "name": "a0"}


def test_action_handler_and_route_table():
    @action(methods=["POST"], detail=True, tags=["T"], summary="S")
    async def activate(self, pk: int):
        return {}

    assert isinstance(activate, ActionHandler)
    assert (activate.methods, activate.detail, activate.tags, activate.summary) == (["POST"], True, ["T"], "S")
    assert not isinstance(lambda: None, ActionHandler)

    api = BoltAPI()

    @api.get("/x")
    async def x():
        return {}

    assert api._routes == [("GET", "/x", 0, x)]
    api._register_openapi_routes()  # the release's step: its table then lists the docs routes too
    assert api._routes[0] == ("GET", "/x", 0, x)
    assert ("GET", "/docs/openapi.json") in [(method, path) for method, path, _, _ in api._routes[1:]]
    assert SerializationError is FromSerializers


def test_view_registration_errors_name_the_problem():
    api = BoltAPI()

    class GetOnly(APIView):
        async def get(self, request):
            return {}

    class Empty(APIView):
        pass

    with pytest.raises(ValueError, match="does not implement method 'post'"):
        api.view("/g", methods=["POST"])(GetOnly)
    with pytest.raises(ValueError, match="does not implement any HTTP methods"):
        api.view("/e")(Empty)
    with pytest.raises(TypeError, match="must inherit from APIView"):
        api.view("/n")(object)


def test_action_registration_errors_name_the_problem():
    with pytest.raises(ValueError, match="Invalid HTTP method 'FETCH'"):
        action(methods=["get", "FETCH"])

    class WithAction(ViewSet):
        async def get(self, request):
            return []

        @action(methods=["POST"])
        async def publish(self, request):
            return {}

    api = BoltAPI()
    # view() serves only get/post/...: the @action route would be silently missing.
    with pytest.raises(ValueError, match=r"WithAction uses @action decorator on publish: .*api\.viewset\(\)"):
        api.view("/w")(WithAction)
    assert api.routes == []
    api.viewset("/w")(WithAction)
    assert [(r.method, r.path) for r in api.routes] == [("POST", "/w/publish")]


class AuthorOnly(msgspec.Struct):
    name: str


class NameOut(Serializer):
    name: str


@pytest.mark.django_db(transaction=True)
def test_paginate_item_type_from_annotation_struct_and_method_attribute(client_for):
    for i in range(3):
        Author.objects.create(name=f"a{i}", email=f"{i}@x.io")
    api = BoltAPI()

    @api.get("/annotated")
    @paginate(PageNumberPagination)
    async def annotated(request) -> list[NameOut]:
        return Author.objects.all()

    @api.get("/struct", response_model=list[AuthorOnly])
    @paginate(PageNumberPagination)
    def struct(request):
        return Author.objects.all()

    class Names(ViewSet):
        queryset = Author.objects.all()

        @paginate(PageNumberPagination)
        async def list(self, request):
            return Author.objects.all()

    Names.list.response_model = list[NameOut]
    api.viewset("/names")(Names)
    client = client_for(api)
    for path in ("/annotated", "/struct", "/names"):
        page = client.get(path).json()
        assert page["items"] == [{"name": "a0"}, {"name": "a1"}, {"name": "a2"}], path


def test_updates_fall_back_to_the_create_serializer():
    from django_bolt import ModelViewSet

    class CreateIn(Serializer):
        name: str

    class Out(Serializer):
        id: int
        name: str

    class Views(ModelViewSet):
        queryset = Author.objects.all()
        serializer_class = Out
        create_serializer_class = CreateIn

    view = Views()
    assert [view.get_serializer_class(a) for a in ("update", "partial_update", "retrieve")] == [CreateIn, CreateIn, Out]
