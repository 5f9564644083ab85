"""Class-based view forms of the public release: ``request``/``action`` through its context
variables, the skipped default ``filter_queryset``, the misspelt ``perform_destory`` hook,
structs a method builds itself, and the method's return type on the route."""

from __future__ import annotations

import inspect

import pytest
from django_bolt import APIView, BoltAPI, ModelViewSet, ViewSet, action
from django_bolt._view_context import _current_action, _current_request
from django_bolt.serializers import Serializer, computed_field, field

from tests.testapp.models import Author


class AuthorOut(Serializer):
    id: int
    name: str


class AuthorName(Serializer):
    name: str


class Authors(ModelViewSet):
    queryset = Author.objects.all()
    serializer_class = AuthorOut


def test_request_and_action_outside_a_request():
    view = ViewSet()
    with pytest.raises(LookupError, match="only available while the view handles a request"):
        _ = view.request
    with pytest.raises(LookupError):
        _ = view.action
    request_token = _current_request.set("the request")
    action_token = _current_action.set("list")
    try:
        assert (view.request, view.action) == ("the request", "list")
        view.request = "its own"
        assert view.request == "its own"  # set on the view: wins over the context variable
    finally:
        _current_request.reset(request_token)
        _current_action.reset(action_token)


@pytest.mark.django_db(transaction=True)
async def test_get_object_of_a_view_made_outside_a_request():
    author = await Author.objects.acreate(name="a")

    class Authors(ViewSet):
        queryset = Author.objects.all()

    view = Authors()
    with pytest.raises(LookupError):
        await view.get_object()

    class Params:
        params = {"pk": author.pk}

    token = _current_request.set(Params())
    try:
        assert (await view.get_object()).pk == author.pk
    finally:
        _current_request.reset(token)


@pytest.mark.django_db(transaction=True)
def test_default_filter_queryset_is_not_called_and_an_override_is(client_for, monkeypatch):
    author = Author.objects.create(name="kept")
    Author.objects.create(name="filtered out")

    def never(self, queryset):
        raise AssertionError("the base filter_queryset() is a no-op: not called")

    monkeypatch.setattr(ViewSet, "filter_queryset", never)
    api = BoltAPI()

    api.viewset("/plain")(Authors)

    @api.viewset("/filtered")
    class Filtered(Authors):
        async def filter_queryset(self, queryset):
            return queryset.filter(name="kept")

    client = client_for(api)
    assert len(client.get("/plain").json()) == 2
    assert client.get(f"/plain/{author.pk}").status_code == 200
    assert client.get("/filtered").json() == [{"id": author.pk, "name": "kept"}]


@pytest.mark.django_db(transaction=True)
def test_delete_calls_the_misspelt_hook_of_the_release(client_for):
    calls: list[str] = []
    api = BoltAPI()

    @api.viewset("/legacy")
    class Legacy(ModelViewSet):
        queryset = Author.objects.all()
        serializer_class = AuthorOut

        async def perform_destory(self, obj):
            calls.append("perform_destory")
            await super().perform_destory(obj)

    @api.viewset("/both")
    class Both(Legacy):
        async def perform_destroy(self, obj):  # the right name wins when both are overridden
            calls.append("perform_destroy")
            await obj.adelete()

    client = client_for(api)
    for prefix in ("legacy", "both"):
        author = Author.objects.create(name=prefix)
        assert client.delete(f"/{prefix}/{author.pk}").status_code == 204
        assert not Author.objects.filter(pk=author.pk).exists()
    assert calls == ["perform_destory", "perform_destroy"]


@pytest.mark.django_db(transaction=True)
def test_structs_a_method_builds_are_sent_as_they_are(client_for):
    Author.objects.create(name="a", email="a@example.com")
    api = BoltAPI()

    @api.viewset("/authors")
    class Authors(ViewSet):
        queryset = Author.objects.all()
        serializer_class = AuthorOut  # needs the id, which AuthorName does not have

        @action(methods=["GET"], detail=False)
        async def names(self, request):
            return [AuthorName.from_model(a) async for a in Author.objects.all()]

        @action(methods=["GET"], detail=False)
        async def first(self, request):
            return AuthorName.from_model(await Author.objects.afirst())

        @action(methods=["GET"], detail=False)
        async def rows(self, request):
            return Author.objects.all()  # model rows: written by the view's serializer

    client = client_for(api)
    assert client.get("/authors/names").json() == [{"name": "a"}]
    assert client.get("/authors/first").json() == {"name": "a"}
    assert list(client.get("/authors/rows").json()[0]) == ["id", "name"]


def test_the_methods_return_type_is_on_the_route(api):
    @api.view("/annotated")
    class Annotated(APIView):
        async def get(self, request) -> AuthorName:
            return AuthorName(name="x")

    (route,) = api.routes
    assert inspect.signature(route.handler).return_annotation is AuthorName


class SecretAuthor(Serializer):
    id: int
    name: str
    email: str = field(write_only=True)

    @computed_field
    def shout(self) -> str:
        return self.name.upper()


@pytest.mark.django_db(transaction=True)
def test_response_model_writes_its_output_form_without_validation(client_for):
    author = Author.objects.create(name="a", email="secret@example.com")
    api = BoltAPI()

    @api.get("/one/{pk}", response_model=SecretAuthor, validate_response=False)
    async def one(pk: int):
        return await Author.objects.aget(pk=pk)

    @api.get("/annotated/{pk}", validate_response=False)
    async def annotated(pk: int) -> SecretAuthor:
        return await Author.objects.aget(pk=pk)

    client = client_for(api)
    expected = {"id": author.pk, "name": "a", "shout": "A"}
    assert client.get(f"/one/{author.pk}").json() == expected
    assert client.get(f"/annotated/{author.pk}").json() == expected
