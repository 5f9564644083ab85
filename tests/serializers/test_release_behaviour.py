"""Serializer behaviour code written for the public release relies on: its ready-made types,
validator forms, computed fields under ``exclude_none``, local nested classes, loading plans."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from django_bolt import BoltAPI
from django_bolt.exceptions import RequestValidationError, SerializationError
from django_bolt.pagination import PageNumberPagination, paginate
from django_bolt.serialization import _compile_serializer_values_evaluators, _serializer_values_path_eligible
from django_bolt.serializers import (
    UUID,
    HexColor,
    Phone,
    PositiveFloat,
    PositiveInt,
    Rating,
    Serializer,
    computed_field,
    field,
    field_validator,
    model_validator,
)

from tests.testapp.models import Author, Book


def _valid(tp: Any, value: Any) -> bool:
    class Holder(Serializer):
        value: tp  # type: ignore[valid-type]

    try:
        Holder.model_validate_json(msgspec.json.encode({"value": value}))
    except RequestValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("tp", "good", "bad"),
    [
        (PositiveInt, [1, 3_000_000_000], [0, -1]),
        (PositiveFloat, [0.0, 2.5], [-0.1]),
        (Phone, ["+14155551234", "14155551234"], ["555-1234", "abc123", "+0123", "(415) 555 1234"]),
        (HexColor, ["#FF5733", "#ffffff"], ["FF5733", "#FFF", "#GGGGGG"]),
        (Rating, [0, 4.5, 5], [-1, 5.5]),
        (UUID, ["550e8400-e29b-41d4-a716-446655440000"], ["550e8400", "not-a-uuid"]),
    ],
)
def test_ready_made_types_accept_what_the_release_accepts(tp, good, bad):
    assert [v for v in good if not _valid(tp, v)] == []
    assert [v for v in bad if _valid(tp, v)] == []


def test_uuid_fields_stay_strings():
    class Entity(Serializer):
        id: UUID

    entity = Entity.model_validate({"id": "550e8400-e29b-41d4-a716-446655440000"})
    assert entity.id == "550e8400-e29b-41d4-a716-446655440000"


def test_classmethod_field_validators_run():
    class Shout(Serializer):
        word: str

        @field_validator("word")
        @classmethod
        def upper(cls, value: str) -> str:
            return value.upper()

    assert Shout.__has_field_validators__ is True
    assert Shout(word="hi").word == "HI"
    assert Serializer.__has_field_validators__ is False


def test_validators_that_cannot_be_called_are_refused_at_class_creation():
    with pytest.raises(TypeError, match="staticmethod"):

        class StaticField(Serializer):
            a: str

            @field_validator("a")
            @staticmethod
            def check(value):
                return value

    with pytest.raises(TypeError, match="staticmethod"):

        class StaticFieldOutside(Serializer):
            a: str

            @staticmethod
            @field_validator("a")
            def check(value):
                return value

    for kind in (classmethod, staticmethod):
        with pytest.raises(TypeError, match=kind.__name__):

            class ModelOnDescriptor(Serializer):
                a: str

                check = model_validator(kind(lambda *args: None))

        with pytest.raises(TypeError, match=kind.__name__):

            class DescriptorOnModel(Serializer):
                a: str

                check = kind(model_validator(lambda self: None))


def test_computed_fields_follow_exclude_none():
    class Greeting(Serializer):
        name: str
        email: str | None = None

        @computed_field
        def greeting(self) -> str | None:
            return f"Hello {self.name}" if self.email else None

    assert Greeting(name="a").dump(exclude_none=True) == {"name": "a"}
    assert Greeting(name="a").dump() == {"name": "a", "email": None, "greeting": None}
    assert Greeting(name="a", email="a@b.co").dump(exclude_none=True)["greeting"] == "Hello a"


def test_unknown_field_set_is_named():
    class WithSets(Serializer):
        id: int

        class Config:
            field_sets = {"list": ["id"]}

    for call in (WithSets.use, WithSets.fields):
        with pytest.raises(ValueError, match=r"field set 'detail' not found .*has: list"):
            call("detail")


def test_serializers_defined_in_a_function_resolve_each_other():
    # With string annotations, msgspec looks names up in the module: these exist only here.
    class Street(Serializer):
        name: str

    class Address(Serializer):
        street: Street
        others: list[Street] = []

    address = Address(street=Street(name="Main"), others=[Street(name="Side")])
    assert address.dump() == {"street": {"name": "Main"}, "others": [{"name": "Side"}]}
    assert Address.model_validate({"street": {"name": "High"}}).street == Street(name="High")


def test_config_model_must_be_a_django_model():
    class NotAModel:
        pass

    with pytest.raises(TypeError, match="Config.model must be a Django model class"):

        class Broken(Serializer):
            id: int

            class Config:
                model = NotAModel


class AuthorPayload(Serializer):
    id: int
    payload: Any = None


class BookTitle(Serializer):
    id: int
    title: str


class AuthorBooks(Serializer):
    id: int
    books: list[BookTitle] = field(default_factory=list)


@pytest.mark.django_db
def test_dump_refuses_a_manager_set_by_hand():
    author = Author.objects.create(name="a")
    leaked = AuthorPayload(id=author.id)
    msgspec.structs.force_setattr(leaked, "payload", author.books)
    with pytest.raises(SerializationError, match=r"AuthorPayload.payload holds a Django .*from_model\(\)"):
        leaked.dump()
    with pytest.raises(SerializationError, match="payload"):
        AuthorPayload.dump_many([leaked])
    nested = AuthorBooks(id=author.id)
    msgspec.structs.force_setattr(nested, "books", Book.objects.all())
    with pytest.raises(SerializationError, match="AuthorBooks.books"):
        nested.dump()
    # Read the way relations are read, the same serializer works.
    Book.objects.create(title="t", author=author)
    assert AuthorBooks.from_model(author).dump()["books"][0]["title"] == "t"


def test_loading_plan_in_the_release_form():
    class AuthorTitles(Serializer):
        id: int
        books: list[BookTitle] = []
        book_count: int = 0

        class Config:
            annotations = {"book_count": Count("books")}

    plan = AuthorTitles.loading_plan(Author)
    assert plan.prefetch == plan.prefetch_related == ("books",)
    assert list(plan.annotations) == ["book_count"]


@pytest.mark.django_db
def test_values_querysets_are_left_as_they_are():
    author = Author.objects.create(name="a", email="a@example.com")
    Book.objects.create(title="t", author=author)

    class BookAuthorEmail(Serializer):
        id: int
        author_email: str = field(source="author.email")

    rows = Book.objects.values("id", author_email=F("author__email"))
    assert BookAuthorEmail.prepare_queryset(rows) is rows
    assert BookAuthorEmail.dump_many(rows) == [{"id": rows[0]["id"], "author_email": "a@example.com"}]


@pytest.mark.django_db(transaction=True)
def test_paginated_values_queryset_route(client_for):
    author = Author.objects.create(name="a", email="a@example.com")
    for i in range(3):
        Book.objects.create(title=f"t{i}", author=author)

    class BookAuthorEmail(Serializer):
        id: int
        author_email: str

    api = BoltAPI()

    @api.get("/books")
    @paginate(PageNumberPagination)
    async def books(request) -> list[BookAuthorEmail]:
        return Book.objects.order_by("id").values("id", author_email=F("author__email"))

    page = client_for(api).get("/books?page_size=2")
    assert page.status_code == 200, page.text
    assert [item["author_email"] for item in page.json()["items"]] == ["a@example.com"] * 2


@pytest.mark.django_db
def test_relations_behind_properties_are_fetched_for_all_rows_at_once():
    try:
        from django.db.models import fetch_modes
    except ImportError:  # Django before 6.1 has no fetch modes: the plan only adds its loads
        fetch_modes = None
    for name in ("a", "b", "c"):
        Book.objects.create(title=name, author=Author.objects.create(name=f"author {name}"))

    class BookByline(Serializer):
        id: int
        byline: str = field(source="byline_property")

    Book.byline_property = property(lambda book: f"by {book.author.name}")
    try:
        planned = BookByline.prepare_queryset(Book.objects.order_by("id"))
        with CaptureQueriesContext(connection) as queries:
            rows = BookByline.dump_many(planned)
    finally:
        del Book.byline_property
    assert [r["byline"] for r in rows] == ["by author a", "by author b", "by author c"]
    if fetch_modes is not None:
        assert planned._fetch_mode is fetch_modes.FETCH_PEERS
        assert len(queries.captured_queries) == 2  # the books, then every author in one query
        chosen = Book.objects.fetch_mode(fetch_modes.FETCH_RAISE)
        assert BookByline.prepare_queryset(chosen)._fetch_mode is fetch_modes.FETCH_RAISE


class Register(Serializer):
    code: str
    phone: str

    @field_validator("code")
    def check_code(cls, value: str) -> str:
        if value != "ok":
            raise ValueError("code is not valid")
        return value

    @field_validator("phone")
    def check_phone(cls, value: str) -> str:
        if value != "ok":
            raise ValueError("phone is not valid")
        return value


class Profile(msgspec.Struct):
    register: Register


def test_validator_errors_of_serializers_in_list_and_struct_bodies_are_one_entry_each(client_for):
    api = BoltAPI()

    @api.post("/bulk")
    async def bulk(items: list[Register]) -> dict:
        return {"count": len(items)}

    @api.post("/profile")
    async def profile(body: Profile) -> dict:
        return {"code": body.register.code}

    client = client_for(api)
    good, bad = {"code": "ok", "phone": "ok"}, {"code": "x", "phone": "y"}
    assert client.post("/bulk", json=[good, good]).json() == {"count": 2}
    answer = client.post("/bulk", json=[good, bad])
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["body", 1, "code"], "msg": "code is not valid", "type": "value_error"},
        {"loc": ["body", 1, "phone"], "msg": "phone is not valid", "type": "value_error"},
    ]
    nested = client.post("/profile", json={"register": bad}).json()["detail"]
    assert [e["loc"] for e in nested] == [["body", "register", "code"], ["body", "register", "phone"]]
    assert client.post("/profile", json={"register": good}).json() == {"code": "ok"}


@pytest.mark.django_db
def test_values_evaluators_are_the_routes_list_output():
    author = Author.objects.create(name="a", email="a@example.com")

    class Plain(Serializer):
        id: int
        name: str

    class Computed(Plain):
        @computed_field
        def shout(self) -> str:
            return self.name.upper()

    assert _serializer_values_path_eligible(Plain) is True
    assert _serializer_values_path_eligible(Computed) is False  # it needs the model instance
    assert _serializer_values_path_eligible(dict) is False
    evaluate_sync, evaluate_async = _compile_serializer_values_evaluators(Plain)
    with CaptureQueriesContext(connection) as queries:
        assert evaluate_sync(Author.objects.all()) == [{"id": author.id, "name": "a"}]
    # Read with values_list(): only the serializer's columns are selected.
    assert '"email"' not in queries[0]["sql"]
    assert async_to_sync(evaluate_async)(Author.objects.all()) == [{"id": author.id, "name": "a"}]


@pytest.mark.django_db
def test_a_field_the_model_lacks_is_its_default_in_list_output():
    Author.objects.create(name="a")

    class WithNickname(Serializer):
        name: str
        nickname: str = "anon"

    class WithRequiredNickname(Serializer):
        name: str
        nickname: str

    assert WithNickname.dump_many(Author.objects.all()) == [{"name": "a", "nickname": "anon"}]
    assert WithNickname.dump_many(list(Author.objects.all())) == [{"name": "a", "nickname": "anon"}]
    with pytest.raises(SerializationError, match="Author has no attribute 'nickname'"):
        WithRequiredNickname.dump_many(Author.objects.all())


def test_read_only_and_write_only_field_sets_in_the_release_form():
    class Account(Serializer):
        id: int = field(read_only=True)
        email: str
        password: str = field(write_only=True)

        class Config:
            read_only = ("email",)

    assert Account.__write_only_fields__ == frozenset({"password"})
    assert Account.__read_only_fields__ == frozenset({"id", "email"})
    assert Account(id=1, email="a@b.c", password="x").dump() == {"id": 1, "email": "a@b.c"}
