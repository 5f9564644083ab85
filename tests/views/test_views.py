"""APIView, ViewSet, ModelViewSet and @action through real requests (sync and async)."""

from __future__ import annotations

import pytest
from django_bolt import (
    APIView,
    BoltAPI,
    Depends,
    ModelViewSet,
    PageNumberPagination,
    ReadOnlyModelViewSet,
    Request,
    ViewSet,
    action,
)
from django_bolt.auth import BasePermission
from django_bolt.serializers import Serializer, field, field_validator

from tests.testapp.models import Author, Book


class HasKey(BasePermission):
    message = "key needed"

    def has_permission(self, request):
        return request.headers.get("x-key") == "yes"


class Nobody(BasePermission):
    message = "nobody"

    def has_permission(self, request):
        return False


def current_tag(request: Request) -> str:
    return request.headers.get("x-tag", "none")


class AuthorOut(Serializer):
    id: int
    name: str
    book_count: int = field(source="books.count", default=0)


class BookOut(Serializer):
    id: int
    title: str
    pages: int
    author: AuthorOut


class BookIn(Serializer):
    title: str
    pages: int = 0
    author: int

    @field_validator("title")
    def not_blank(cls, value):
        if not value.strip():
            raise ValueError("title is blank")
        return value.strip()


class Pages(PageNumberPagination):
    page_size = 2


def make_api() -> BoltAPI:
    api = BoltAPI()

    @api.view("/hello/{n}")
    class Hello(APIView):
        def get(self, n: int, q: str = "x") -> dict:
            return {"n": n, "q": q, "path": self.request.path, "kwargs": self.kwargs}

        async def post(self, request, n: int, tag: str = Depends(current_tag)):
            return {"n": n, "tag": tag, "method": request.method}

    @api.view("/guarded", guards=[HasKey()])
    class Guarded(APIView):
        async def get(self):
            return {"ok": True}

    @api.view("/created")
    class Created(APIView):
        status_code = 201

        def post(self):
            return {"made": True}

    @api.viewset("/books")
    class Books(ModelViewSet):
        queryset = Book.objects.all()
        serializer_class = BookOut
        create_serializer_class = BookIn
        update_serializer_class = BookIn
        pagination_class = Pages

        def perform_create(self, obj):  # a sync hook: run on a thread
            obj.title = obj.title.upper()
            obj.save()

        @action(methods=["POST"], detail=True, url_path="grow")
        async def add_pages(self, request, by: int = 1):
            book = await self.get_object()
            book.pages += by
            await book.asave(update_fields=["pages"])
            return book

        @action(methods=["GET"], detail=False, guards=[Nobody()])
        def secret(self):
            return {"never": True}

        @action(methods=["GET"], detail=False)
        def thick(self, min_pages: int = 100):
            return self.get_queryset().filter(pages__gte=min_pages)

    @api.viewset("/authors", lookup_field="name")
    class Authors(ReadOnlyModelViewSet):
        queryset = Author.objects.all()
        serializer_class = AuthorOut

    @api.viewset("/sync-authors")
    class SyncAuthors(ViewSet):
        serializer_class = AuthorOut

        def get_queryset(self):
            return Author.objects.filter(name__startswith=self.request.query.get("prefix", ""))

        def list(self, request):
            return self.get_queryset()

        def retrieve(self, request, pk: int):
            return self.get_object()

    return api


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(client_for):
    return client_for(make_api())


def _seed(n=3) -> Author:
    author = Author.objects.create(name="Ann")
    for i in range(n):
        Book.objects.create(title=f"b{i}", pages=10 * i, author=author)
    return author


def test_api_view_methods_compile_like_functions(client):
    assert client.get("/hello/5", params={"q": "y"}).json() == {
        "n": 5, "q": "y", "path": "/hello/5", "kwargs": {"n": "5"},
    }  # fmt: skip
    assert client.get("/hello/five").status_code == 422
    body = client.post("/hello/7", headers={"x-tag": "t"}).json()
    assert body == {"n": 7, "tag": "t", "method": "POST"}
    assert client.delete("/hello/7").status_code == 405
    # Not authenticated at all: a refusing guard answers 401.
    assert client.get("/guarded").status_code == 401
    assert client.get("/guarded", headers={"x-key": "yes"}).json() == {"ok": True}
    assert client.post("/created").status_code == 201


def test_model_viewset_crud(client):
    author = _seed(3)
    page = client.get("/books").json()
    assert page["total"] == 3 and page["page_size"] == 2 and page["has_next"]
    assert page["items"][0] == {"id": page["items"][0]["id"], "title": "b0", "pages": 0,
                                "author": {"id": author.pk, "name": "Ann", "book_count": 3}}  # fmt: skip
    first = page["items"][0]["id"]
    assert client.get(f"/books/{first}").json()["title"] == "b0"
    assert client.get("/books/999999").status_code == 404
    assert client.get("/books/not-a-number").json() == {"detail": "Not found"}

    created = client.post("/books", json={"title": " new ", "pages": 5, "author": author.pk})
    assert created.status_code == 201
    assert created.json()["title"] == "NEW" and created.json()["author"]["id"] == author.pk

    bad = client.post("/books", json={"title": " ", "pages": "many"})
    assert bad.status_code == 422
    # The blank title's validator runs too, although other fields failed their type checks.
    assert sorted(tuple(e["loc"]) for e in bad.json()["detail"]) == [
        ("body", "author"),
        ("body", "pages"),
        ("body", "title"),
    ]
    bad = client.post("/books", json={"title": " ", "author": author.pk})
    assert bad.json()["detail"] == [{"loc": ["body", "title"], "msg": "title is blank", "type": "value_error"}]

    put = client.put(f"/books/{first}", json={"title": "replaced", "pages": 1, "author": author.pk})
    assert put.status_code == 200 and put.json()["title"] == "replaced"
    patch = client.patch(f"/books/{first}", json={"pages": 42})
    assert patch.json()["pages"] == 42 and patch.json()["title"] == "replaced"
    assert client.patch(f"/books/{first}", json={"pages": "x"}).status_code == 422
    assert client.patch(f"/books/{first}", json="nope").status_code == 422

    deleted = client.delete(f"/books/{first}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.delete(f"/books/{first}").status_code == 404
    assert not Book.objects.filter(pk=first).exists()


def test_actions_and_per_action_guards(client):
    _seed(3)
    book = Book.objects.get(title="b1")
    grown = client.post(f"/books/{book.pk}/grow", params={"by": 5})
    assert grown.status_code == 200 and grown.json()["pages"] == 15
    assert client.post("/books/424242/grow").status_code == 404
    assert client.post(f"/books/{book.pk}/grow", params={"by": "x"}).status_code == 422
    assert client.get("/books/secret").status_code == 401
    thick = client.get("/books/thick", params={"min_pages": 15}).json()
    assert [b["title"] for b in thick] == ["b1", "b2"]


def test_lookup_field_and_read_only(client):
    _seed(1)
    assert client.get("/authors/Ann").json()["book_count"] == 1
    assert client.get("/authors/Bob").status_code == 404
    assert client.post("/authors", json={"name": "x"}).status_code == 405
    assert client.delete("/authors/Ann").status_code == 405


def test_sync_viewset_with_get_queryset(client):
    _seed(0)
    Author.objects.create(name="Bob")
    assert [a["name"] for a in client.get("/sync-authors", params={"prefix": "B"}).json()] == ["Bob"]
    bob = Author.objects.get(name="Bob")
    assert client.get(f"/sync-authors/{bob.pk}").json()["name"] == "Bob"
    assert client.get("/sync-authors/0").status_code == 404


def test_routes_are_plain_route_defs_with_summaries():
    api = make_api()
    by_key = {(r.method, r.path): r for r in api.routes}
    route = by_key[("GET", "/books/{pk}")]
    assert route.name == "Books-retrieve" and route.summary
    assert by_key[("POST", "/books")].status_code == 201
    assert by_key[("DELETE", "/books/{pk}")].status_code == 204
    assert ("POST", "/books/{pk}/grow") in by_key
    assert ("GET", "/authors/{name}") in by_key


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_viewset_without_serializer_answers_model_dicts(client_for, kind):
    api = BoltAPI()
    if kind == "sync":

        @api.viewset("/plain")
        class Plain(ViewSet):
            queryset = Author.objects.all()

            def list(self, request):
                return self.get_queryset()

            def retrieve(self, request):
                return self.get_object()

    else:

        @api.viewset("/plain")
        class Plain(ReadOnlyModelViewSet):
            queryset = Author.objects.all()

    author = Author.objects.create(name="x", email="x@y.z")
    client = client_for(api)
    assert client.get("/plain").json() == [{"id": author.pk, "name": "x", "email": "x@y.z"}]
    assert client.get(f"/plain/{author.pk}").json() == {"id": author.pk, "name": "x", "email": "x@y.z"}


def test_standard_create_and_update_routes_declare_their_body():
    api = make_api()
    compiled = {(r.method, r.path): api._compile_route(r) for r in api.routes}
    create = [p for p in compiled[("POST", "/books")]["params"] if p["source"] == "body"]
    update = [p for p in compiled[("PUT", "/books/{pk}")]["params"] if p["source"] == "body"]
    assert len(create) == 1 and len(update) == 1
    assert not [p for p in compiled[("PATCH", "/books/{pk}")]["params"] if p["source"] == "body"]


class AuthorName(Serializer):
    name: str


def test_get_serializer_class_per_action(client_for):
    api = BoltAPI()

    @api.viewset("/people")
    class People(ModelViewSet):
        queryset = Author.objects.all()

        def get_serializer_class(self, action=None):
            # list shows names only; the rest the full record (create validates with it too)
            return AuthorName if (action or self.action) == "list" else AuthorOut

    client = client_for(api)
    made = client.post("/people", json={"id": 0, "name": "Zed"})
    assert made.status_code == 201 and made.json()["name"] == "Zed" and made.json()["id"] > 0
    assert client.get("/people").json() == [{"name": "Zed"}]
    assert set(client.get(f"/people/{made.json()['id']}").json()) == {"id", "name", "book_count"}


def test_viewsets_on_a_router_get_its_prefix_tags_and_guards(client_for):
    from django_bolt import Router

    router = Router(tags=["library"], guards=[HasKey()])

    @router.viewset("/authors")
    class RouterAuthors(ReadOnlyModelViewSet):
        queryset = Author.objects.all()
        serializer_class = AuthorName

    @router.view("/ping")
    class Ping(APIView):
        async def get(self):
            return {"pong": True}

    api = BoltAPI()
    api.include_router(router, prefix="/v1")
    assert {r.path for r in api.routes} == {"/v1/authors", "/v1/authors/{pk}", "/v1/ping"}
    assert all(r.tags == ["library"] for r in api.routes)
    Author.objects.create(name="Ann")
    client = client_for(api)
    assert client.get("/v1/authors").status_code == 401
    assert client.get("/v1/authors", headers={"x-key": "yes"}).json() == [{"name": "Ann"}]
    assert client.get("/v1/ping", headers={"x-key": "yes"}).json() == {"pong": True}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_jwt_auth_per_viewset_and_an_open_action(client_for):
    from django_bolt.auth import AllowAny, IsAuthenticated, JWTAuthentication

    from tests.auth.conftest import bearer, claims, pyjwt_token

    api = BoltAPI()

    @api.viewset("/private")
    class Private(ReadOnlyModelViewSet):
        queryset = Author.objects.all()
        serializer_class = AuthorName
        auth = [JWTAuthentication()]
        guards = [IsAuthenticated()]

        @action(methods=["GET"], detail=False, guards=[AllowAny()])
        async def public(self, request):
            return {"open": True}

        @action(methods=["GET"], detail=False)
        async def whoami(self, request):
            return {"sub": request.context["sub"]}

    client = client_for(api)
    assert client.get("/private").status_code == 401
    headers = bearer(pyjwt_token(claims(sub="42")))
    assert client.get("/private", headers=headers).json() == []
    assert client.get("/private/whoami", headers=headers).json() == {"sub": "42"}
    assert client.get("/private/public").json() == {"open": True}


def test_what_the_database_refuses_is_a_client_error(client):
    author = _seed(1)
    too_big = client.post("/books", json={"title": "x", "pages": 10**30, "author": author.pk})
    assert too_big.status_code == 400 and too_big.json() == {"detail": "A value does not fit its database column"}
    no_author = client.post("/books", json={"title": "x", "pages": 1, "author": 424242})
    assert no_author.status_code == 409
    assert client.patch(f"/books/{Book.objects.first().pk}", json={"pages": 10**30}).status_code == 400
