"""Serializers: validation (every failing field, nested ``loc``), output, Django models, and the
same through real requests (sync and async handlers)."""

from __future__ import annotations

import typing
from typing import Annotated

import msgspec
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_bolt import BoltAPI
from django_bolt.exceptions import RequestValidationError
from django_bolt.serializers import (
    Email,
    Meta,
    Nested,
    NonNegativeInt,
    Serializer,
    Slug,
    computed_field,
    create_serializer,
    create_serializer_set,
    field,
    field_validator,
    model_validator,
)

from tests.testapp.models import Author, Book


class Address(Serializer):
    city: Annotated[str, Meta(min_length=1)]
    zip_code: Annotated[str, Meta(pattern=r"^\d{5}$")]


class UserIn(Serializer):
    id: int = field(read_only=True)
    username: Slug
    email: Email
    age: NonNegativeInt = 0
    password: str = field(write_only=True, default="")
    address: Address | None = None
    tags: list[str] = field(default_factory=list)

    @field_validator("username")
    def lower(cls, value):
        if value == "root":
            raise ValueError("username is reserved")
        return value.lower()

    @computed_field
    def display(self) -> str:
        return f"@{self.username}"


class Passwords(Serializer):
    password: str
    confirm: str

    @model_validator
    def same(self):
        if self.password != self.confirm:
            raise ValueError("passwords do not match")


def _errors(call) -> list[dict]:
    with pytest.raises(RequestValidationError) as info:
        call()
    return info.value.errors_list()


def test_every_failing_field_is_reported_with_nested_paths():
    errors = _errors(
        lambda: UserIn.model_validate(
            {"username": "not a slug", "email": "nope", "age": -1, "address": {"city": "", "zip_code": "x"}}
        )
    )
    locs = sorted(tuple(e["loc"]) for e in errors)
    assert locs == [
        ("body", "address", "city"),
        ("body", "address", "zip_code"),
        ("body", "age"),
        ("body", "email"),
        ("body", "username"),
    ]


def test_missing_fields_and_list_items():
    class Order(Serializer):
        items: list[Address]
        note: str

    errors = _errors(lambda: Order.model_validate({"items": [{"city": "a", "zip_code": "12345"}, {"city": "b"}]}))
    assert {tuple(e["loc"]): e["type"] for e in errors} == {
        ("body", "items", 1, "zip_code"): "missing",
        ("body", "note"): "missing",
    }


def test_field_and_model_validators():
    user = UserIn.model_validate({"username": "Ann", "email": "a@b.co"})
    assert user.username == "ann"
    assert _errors(lambda: UserIn.model_validate({"username": "root", "email": "a@b.co"}))[0]["msg"] == (
        "username is reserved"
    )
    assert _errors(lambda: Passwords(password="a", confirm="b"))[0]["msg"] == "passwords do not match"
    assert Passwords.model_validate_json(b'{"password": "a", "confirm": "a"}').password == "a"


def test_read_only_ignored_on_input_write_only_left_out_of_output():
    user = UserIn.model_validate({"id": 99, "username": "ann", "email": "a@b.co", "password": "s3cret"})
    assert user.id is None and user.password == "s3cret"
    out = user.dump()
    assert "password" not in out
    assert out["display"] == "@ann"
    assert msgspec.json.decode(user.dump_json())["username"] == "ann"


def test_camel_case_rename_on_input_and_output():
    class Profile(Serializer, rename="camel"):
        first_name: str
        last_login_at: str | None = None

    profile = Profile.model_validate({"firstName": "Ann"})
    assert profile.dump() == {"firstName": "Ann", "lastLoginAt": None}
    assert [e["loc"] for e in _errors(lambda: Profile.model_validate({"first_name": "x"}))] == [["body", "firstName"]]


def test_invalid_json_and_wrong_top_level_type():
    assert _errors(lambda: UserIn.model_validate_json(b"{"))[0]["type"] == "json_invalid"
    assert _errors(lambda: UserIn.model_validate_json(b"[]"))[0]["loc"] == ["body"]


class BookOut(Serializer):
    id: int
    title: str
    author_name: str = field(source="author.name")


class AuthorOut(Serializer):
    id: int
    name: str
    books: Nested(BookOut, many=True) = field(default_factory=list)


AuthorMini = AuthorOut.subset("id", "name", name="AuthorMini")


class BookWithAuthor(Serializer):
    id: int
    title: str
    author: Nested(AuthorMini)


def _library(authors: int, books_each: int) -> None:
    for a in range(authors):
        author = Author.objects.create(name=f"author {a}")
        Book.objects.bulk_create(Book(title=f"book {a}.{b}", author=author) for b in range(books_each))


@pytest.mark.django_db
def test_from_model_and_nested_output():
    _library(1, 2)
    author = Author.objects.get()
    out = AuthorOut.from_model(author).dump()
    assert out["name"] == "author 0"
    assert [b["author_name"] for b in out["books"]] == ["author 0", "author 0"]


@pytest.mark.django_db
def test_queryset_output_adds_its_own_loads():
    _library(10, 5)
    with CaptureQueriesContext(connection) as queries:
        rows = AuthorOut.dump_many(Author.objects.all())
    assert len(rows) == 10 and all(len(r["books"]) == 5 for r in rows)
    # authors + books (joined with their author for author_name)
    assert len(queries) == 2, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        rows = BookWithAuthor.dump_many(Book.objects.all())
    assert len(rows) == 50 and rows[0]["author"] == {"id": rows[0]["author"]["id"], "name": "author 0"}
    assert len(queries) == 1


@pytest.mark.django_db
def test_create_serializer_and_sets():
    BookSer = create_serializer(Book, fields=["id", "title", "pages", "author", "isbn", "created"])
    book = BookSer.model_validate({"title": "T", "author": 1})
    assert book.id is None and book.pages == 0 and book.isbn is None
    errors = _errors(lambda: BookSer.model_validate({"title": "x" * 201, "pages": "many"}))
    assert sorted(tuple(e["loc"]) for e in errors) == [("body", "author"), ("body", "pages"), ("body", "title")]
    author = Author.objects.create(name="A")
    saved = BookSer.model_validate({"title": "T", "author": author.pk}).to_model(Book)
    saved.save()
    assert BookSer.from_model(saved).dump()["author"] == author.pk
    create, update, public = create_serializer_set(
        Author, create_fields=["name", "email"], update_fields=["name"], public_fields=["id", "name"]
    )
    assert create.__name__ == "AuthorCreate" and set(public.__struct_fields__) == {"id", "name"}
    assert set(update.__struct_fields__) == {"name"}


@pytest.mark.django_db
def test_config_model_fills_undeclared_fields():
    class AuthorSer(Serializer):
        name: Annotated[str, Meta(max_length=5)]

        class Config:
            model = Author
            fields = ["id", "name", "email"]
            write_only = {"email"}

    author = Author.objects.create(name="Ann", email="a@b.co")
    assert AuthorSer.from_model(author).dump() == {"id": author.pk, "name": "Ann"}
    assert [e["loc"] for e in _errors(lambda: AuthorSer.model_validate({"name": "toolong"}))] == [["body", "name"]]


def test_partial_validation_checks_only_given_fields():
    assert UserIn.validate_partial({"username": "Bob"}) == {"username": "bob"}
    assert [e["loc"] for e in _errors(lambda: UserIn.validate_partial({"age": -3}))] == [["body", "age"]]


def test_field_sets_only_and_exclude():
    class Item(Serializer):
        id: int
        name: str
        secret: str = ""

        class Config:
            field_sets = {"list": ["id", "name"]}

    item = Item(id=1, name="n", secret="s")
    assert Item.use("list").dump(item) == {"id": 1, "name": "n"}
    assert Item.exclude("secret").dump(item) == {"id": 1, "name": "n"}
    assert Item.only("id").dump(item) == {"id": 1}
    Short = Item.fields("list")
    assert set(Short.__struct_fields__) == {"id", "name"}


# ---------------------------------------------------------------- through requests


@pytest.fixture
def user_api() -> BoltAPI:
    api = BoltAPI()

    @api.post("/sync", response_model=UserIn, status_code=201)
    def create_sync(data: UserIn):
        return data

    @api.post("/async", response_model=UserIn, status_code=201)
    async def create_async(data: UserIn):
        return data

    @api.get("/authors", response_model=list[AuthorOut])
    def authors_sync():
        return Author.objects.all()

    @api.get("/aauthors", response_model=list[AuthorOut])
    async def authors_async():
        return Author.objects.all()

    return api


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_body_422_lists_every_field(user_api, client_for, path):
    client = client_for(user_api)
    response = client.post(path, json={"username": "a b", "email": "x", "address": {"city": ""}})
    assert response.status_code == 422
    locs = sorted(tuple(e["loc"]) for e in response.json()["detail"])
    assert locs == [
        ("body", "address", "city"),
        ("body", "address", "zip_code"),
        ("body", "email"),
        ("body", "username"),
    ]
    ok = client.post(path, json={"username": "Ann", "email": "a@b.co", "password": "pw"})
    assert ok.status_code == 201
    assert ok.json() == {"id": None, "username": "ann", "email": "a@b.co", "age": 0, "address": None, "tags": [],
                         "display": "@ann"}  # fmt: skip


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/authors", "/aauthors"])
def test_queryset_response_through_serializer(user_api, client_for, path):
    _library(3, 2)
    response = client_for(user_api).get(path)
    assert response.status_code == 200
    body = response.json()
    assert [a["name"] for a in body] == ["author 0", "author 1", "author 2"]
    assert body[0]["books"][0]["author_name"] == "author 0"


class Account(Serializer):
    name: str
    password: str = field(write_only=True)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_return_annotation_serializer_leaves_write_only_out(client_for, kind):
    api = BoltAPI()
    if kind == "sync":

        @api.post("/acc")
        def make(data: Account) -> Account:
            return data

    else:

        @api.post("/acc")
        async def make(data: Account) -> Account:
            return data

    response = client_for(api).post("/acc", json={"name": "n", "password": "p"})
    assert response.json() == {"name": "n"}


def test_two_serializer_bodies_are_embedded_with_their_own_paths(client_for):
    api = BoltAPI()

    @api.post("/two")
    def two(user: UserIn, address: Address) -> dict:
        return {"user": user.username, "city": address.city}

    client = client_for(api)
    ok = client.post(
        "/two", json={"user": {"username": "Ann", "email": "a@b.co"}, "address": {"city": "x", "zip_code": "12345"}}
    )
    assert ok.json() == {"user": "ann", "city": "x"}
    bad = client.post("/two", json={"user": {"username": "root", "email": "a@b.co"}, "address": {"city": ""}})
    assert bad.status_code == 422
    assert sorted(tuple(e["loc"]) for e in bad.json()["detail"]) == [
        ("body", "address", "city"),
        ("body", "address", "zip_code"),
        ("body", "user", "username"),
    ]


class BookColumns(Serializer, rename="camel"):
    id: int
    title: str
    created_at: object = field(source="created")
    author_id: int = field(source="author")
    author: AuthorMini
    secret: str = field(write_only=True, default="")


@pytest.mark.django_db
def test_column_only_serializers_read_tuples_with_the_same_output():
    from django_bolt.serializers.base import _dump_row, values_queryset

    _library(3, 4)
    rows = BookColumns.prepare_queryset(Book.objects.all())
    by_rows = [_dump_row(BookColumns, row) for row in rows]
    assert values_queryset(BookColumns, Book.objects.all()) is not None
    with CaptureQueriesContext(connection) as queries:
        fast = BookColumns.dump_many(Book.objects.all())
    assert fast == by_rows and len(queries) == 1
    assert list(fast[0]) == ["id", "title", "createdAt", "authorId", "author"]
    assert fast[0]["author"] == {"id": fast[0]["authorId"], "name": "author 0"}
    # Not columns only: a reverse set, a dotted source, or a prefetching queryset keep model rows.
    assert values_queryset(AuthorOut, Author.objects.all()) is None
    assert values_queryset(BookOut, Book.objects.all()) is None
    assert values_queryset(BookColumns, Book.objects.prefetch_related("author__books")) is None


def test_forbid_unknown_fields_is_honoured():
    class Strict(Serializer, forbid_unknown_fields=True):
        name: str

    errors = _errors(lambda: Strict.model_validate({"name": 1, "extra": 2}))
    assert sorted(tuple(e["loc"]) for e in errors) == [("body", "extra"), ("body", "name")]
    assert Strict.model_validate({"name": "ok"}).name == "ok"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_unannotated_serializer_result_leaves_write_only_out(client_for, kind):
    api = BoltAPI()
    if kind == "sync":

        @api.post("/one")
        def one(data: Account):
            return data

        @api.post("/many")
        def many(data: Account):
            return [data, data]

    else:

        @api.post("/one")
        async def one(data: Account):
            return data

        @api.post("/many")
        async def many(data: Account):
            return [data, data]

    client = client_for(api)
    assert client.post("/one", json={"name": "n", "password": "p"}).json() == {"name": "n"}
    assert client.post("/many", json={"name": "n", "password": "p"}).json() == [{"name": "n"}, {"name": "n"}]


class Choice(Serializer):
    status: typing.Literal["draft", "live"]
    maybe: typing.Literal["a"] | None = None
    address: Address | None = None
    more: list[Address] = field(default_factory=list)


def test_construction_checks_choices_and_nested_values():
    assert Choice(status="live").status == "live"
    built = Choice(
        status="draft", address={"city": "x", "zip_code": "12345"}, more=[{"city": "y", "zip_code": "54321"}]
    )
    assert isinstance(built.address, Address) and isinstance(built.more[0], Address)
    errors = _errors(lambda: Choice(status="gone", maybe="b", address=5, more=[{"city": "", "zip_code": "1"}]))
    # Rooted at "body" like a decoded request body's errors (the release's documented shape).
    assert sorted(tuple(e["loc"]) for e in errors) == [
        ("body", "address"),
        ("body", "maybe"),
        ("body", "more", 0, "city"),
        ("body", "more", 0, "zip_code"),
        ("body", "status"),
    ]


def test_subset_from_parent_instance():
    mini = UserIn.subset("username", "email", name="UserMini")
    parent = UserIn(username="ann", email="a@b.co", password="pw")
    child = mini.from_parent(parent)
    assert (child.username, child.email) == ("ann", "a@b.co")
    assert child.dump() == {"username": "ann", "email": "a@b.co"}


def test_loading_plan_lists_lookups_as_tuples():
    assert BookOut.loading_plan(Book).select_related == ("author",)
    plan = AuthorOut.loading_plan(Author)
    # The nested BookOut reads author.name: its own join rides inside the Prefetch's queryset.
    (books,) = plan.prefetch_related
    assert plan.select_related == () and plan.prefetch == plan.prefetch_related
    assert books.prefetch_to == "books" and books.queryset.query.select_related == {"author": {}}


def test_loading_plan_prefetches_plain_nested_rows_by_lookup():
    class BookTitle(Serializer):
        id: int
        title: str

    class AuthorTitles(Serializer):
        id: int
        books: list[BookTitle] = []

    # No loads of the nested serializer's own: a plain lookup (the release's form).
    assert AuthorTitles.loading_plan(Author).prefetch_related == ("books",)
