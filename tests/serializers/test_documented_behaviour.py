"""Serializer behaviour the release's serializer guide states, which an earlier version of ours got
wrong: errors of an instance built in code are rooted at "body", field validators report together
with type/constraint failures, computed fields are methods, and ``Config.annotations`` are part of
the loading plan."""

from __future__ import annotations

from typing import Annotated

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django_bolt.exceptions import RequestValidationError
from django_bolt.serializers import Meta, Serializer, computed_field, field_validator

from tests.testapp.models import Author, Book


class Signup(Serializer):
    nickname: Annotated[str, Meta(min_length=3)]
    contact: str
    secret: str

    @field_validator("contact")
    def contact_has_at(cls, value):
        if "@" not in value:
            raise ValueError("contact needs an @")
        return value

    @field_validator("secret")
    def secret_long_enough(cls, value):
        if len(value) < 6:
            raise ValueError("secret too short")
        return value


def _locs_and_messages(call) -> list[tuple[tuple, str]]:
    with pytest.raises(RequestValidationError) as caught:
        call()
    return sorted((tuple(e["loc"]), e["msg"]) for e in caught.value.errors())


def test_errors_of_an_instance_built_in_code_are_rooted_at_body():
    assert _locs_and_messages(lambda: Signup(nickname="abc", contact="nowhere", secret="x")) == [
        (("body", "contact"), "contact needs an @"),
        (("body", "secret"), "secret too short"),
    ]


def test_field_validators_report_alongside_constraint_failures():
    # "ab" fails its length constraint; the other two fields' validators still run.
    found = _locs_and_messages(lambda: Signup.model_validate({"nickname": "ab", "contact": "x", "secret": "y"}))
    assert [loc for loc, _ in found] == [("body", "contact"), ("body", "nickname"), ("body", "secret")]
    assert dict(found)[("body", "secret")] == "secret too short"
    # A field that failed its type check is not handed to its validator.
    found = _locs_and_messages(lambda: Signup.model_validate({"nickname": "abc", "contact": 5, "secret": "y"}))
    assert [loc for loc, _ in found] == [("body", "contact"), ("body", "secret")]
    assert "contact needs an @" not in dict(found).values()


class Basket(Serializer):
    unit_price: float
    count: int

    @computed_field
    def amount(self) -> float:
        return self.unit_price * self.count

    @computed_field
    def label(self) -> str:
        return f"{self.amount():.2f} EUR"


def test_computed_fields_are_methods_that_other_computed_fields_call():
    basket = Basket(unit_price=2.5, count=3)
    assert basket.amount() == 7.5
    assert basket.dump() == {"unit_price": 2.5, "count": 3, "amount": 7.5, "label": "7.50 EUR"}


class AuthorWithCount(Serializer):
    id: int
    name: str
    book_count: int

    class Config:
        annotations = {"book_count": Count("books")}


@pytest.mark.django_db
def test_config_annotations_are_applied_to_a_queryset():
    for name, books in (("one", 1), ("three", 3), ("none", 0)):
        author = Author.objects.create(name=name)
        for i in range(books):
            Book.objects.create(title=f"{name}{i}", author=author)
    assert dict(AuthorWithCount.loading_plan(Author).annotations) == {"book_count": Count("books")}
    with CaptureQueriesContext(connection) as queries:
        rows = AuthorWithCount.from_models(Author.objects.order_by("pk"))
    assert len(queries.captured_queries) == 1
    assert [(r.name, r.book_count) for r in rows] == [("one", 1), ("three", 3), ("none", 0)]
    # An annotation of the same name the caller added is kept, not added a second time.
    doubled = Author.objects.annotate(book_count=Count("books") * 2).order_by("pk")
    assert [r.book_count for r in AuthorWithCount.from_models(doubled)] == [2, 6, 0]
    # A subset without the annotated field does not pay for it.
    assert AuthorWithCount.subset("id", "name").loading_plan(Author).annotations == {}


def test_config_annotations_must_be_a_mapping():
    class Broken(Serializer):
        id: int

        class Config:
            annotations = [Count("books")]

    with pytest.raises(TypeError, match="annotations must be a dict"):
        Broken.loading_plan(Author)
