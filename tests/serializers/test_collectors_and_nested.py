"""The collectors class creation calls (validators, computed fields) and nested-field handling."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from django_bolt.exceptions import RequestValidationError
from django_bolt.serializers import Serializer, computed_field, field_validator, model_validator
from django_bolt.serializers.decorators import (
    COMPUTED_FIELDS_ATTR,
    FIELD_VALIDATORS_ATTR,
    MODEL_VALIDATORS_ATTR,
    collect_computed_fields,
    collect_field_validators,
    collect_model_validators,
)
from django_bolt.serializers.nested import ResolvedNestedConfig, resolve_nested_config, validate_nested_field


class Base(Serializer):
    email: str

    @field_validator("email")
    def lower(cls, value: str) -> str:
        return value.lower()

    @model_validator
    def check(self) -> None:
        if self.email.endswith("@blocked"):
            raise ValueError("blocked domain")


class Child(Base):
    name: str

    @field_validator("email", mode="before")
    def strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("name")
    def title(cls, value: str) -> str:
        return value.title()

    @computed_field(alias="displayName")
    def display(self) -> str:
        return f"{self.name} <{self.email}>"


def test_collectors_are_what_the_class_keeps_and_runs():
    fields = collect_field_validators(Child)
    # "before" validators first, then base classes' before the subclass's.
    assert [fn.__name__ for fn in fields["email"]] == ["strip", "lower"]
    assert [fn.__name__ for fn in fields["name"]] == ["title"]
    assert getattr(Child, FIELD_VALIDATORS_ATTR) == fields
    assert [fn.__name__ for fn in collect_model_validators(Child)] == ["check"]
    assert getattr(Child, MODEL_VALIDATORS_ATTR) == collect_model_validators(Child)
    computed = collect_computed_fields(Child)
    assert list(computed) == ["displayName"]
    assert computed["displayName"].method_name == "display"
    assert computed["displayName"].return_type == "str"
    assert getattr(Child, COMPUTED_FIELDS_ATTR) == computed
    # ...and what runs: both email validators in order, the model validator, the computed field.
    child = Child(email="  Ann@Example.COM ", name="ann lee")
    assert child.dump() == {"email": "ann@example.com", "name": "Ann Lee", "displayName": "Ann Lee <ann@example.com>"}
    with pytest.raises(RequestValidationError) as caught:
        Child(email="x@blocked", name="x")
    assert caught.value.errors_list()[0]["msg"] == "blocked domain"


def test_a_subclass_method_replaces_the_computed_field_of_its_base():
    class Overriding(Child):
        @computed_field(alias="displayName")
        def display(self) -> str:
            return self.name

    assert Overriding(email="a@b", name="x").dump()["displayName"] == "X"
    assert list(collect_computed_fields(Overriding)) == ["displayName"]


class Tag(Serializer):
    name: str


def test_resolve_nested_config_reads_the_field_type():
    assert resolve_nested_config(Tag) == ResolvedNestedConfig(Tag, many=False)
    assert resolve_nested_config(Tag | None) == ResolvedNestedConfig(Tag, many=False)
    assert resolve_nested_config(Annotated[list[Tag], msgspec.Meta(max_length=3)]) == ResolvedNestedConfig(Tag, True)
    assert resolve_nested_config(list[int]) is None
    assert resolve_nested_config(int) is None


def test_validate_nested_field_builds_instances_and_reports_each_failing_item():
    many = ResolvedNestedConfig(Tag, many=True)
    tags = validate_nested_field([{"name": "a"}, Tag(name="b")], many, "tags")
    assert tags == [Tag(name="a"), Tag(name="b")]
    already = [Tag(name="c")]
    assert validate_nested_field(already, many, "tags") is already
    assert validate_nested_field(None, many, "tags") is None
    with pytest.raises(ValueError) as caught:  # a RequestValidationError is a ValueError
        validate_nested_field([{"name": 1}, 5], many, "tags")
    errors = caught.value.errors_list()
    assert [e["loc"] for e in errors] == [["tags", 0, "name"], ["tags", 1]]
    with pytest.raises(RequestValidationError, match="Expected `array`"):
        validate_nested_field({"name": "a"}, many, "tags")


def test_an_instance_built_in_code_converts_its_nested_dicts():
    class Post(Serializer):
        title: str
        tags: list[Tag] = []
        main: Tag | None = None

    post = Post(title="t", tags=[{"name": "x"}], main={"name": "y"})
    assert post.tags == [Tag(name="x")] and post.main == Tag(name="y")
    with pytest.raises(RequestValidationError) as caught:
        Post(title="t", tags=[{"name": "ok"}, {"nom": "bad"}])
    assert caught.value.errors_list()[0]["loc"] == ["body", "tags", 1, "name"]
