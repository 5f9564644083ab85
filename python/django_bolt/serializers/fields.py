"""``field()``: per-field options of a ``Serializer`` (read/write-only, source, alias, docs)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

_UNSET: Any = object()


@dataclasses.dataclass(frozen=True)
class FieldConfig:
    """What ``field()`` recorded for one serializer field."""

    read_only: bool = False
    write_only: bool = False
    #: Attribute path on a model instance (``"author.name"``); the field name when None.
    source: str | None = None
    #: The field's name in JSON (input and output).
    alias: str | None = None
    description: str | None = None
    title: str | None = None
    examples: list[Any] | None = None
    deprecated: bool = False
    #: Never written in output.
    exclude: bool = False
    include_in_schema: bool = True


@dataclasses.dataclass(frozen=True)
class _FieldMarker:
    """The value ``field()`` returns; the Serializer metaclass turns it into a msgspec field."""

    config: FieldConfig
    default: Any = _UNSET
    default_factory: Callable[[], Any] | None = None


def field(
    *,
    read_only: bool = False,
    write_only: bool = False,
    source: str | None = None,
    alias: str | None = None,
    default: Any = _UNSET,
    default_factory: Callable[[], Any] | None = None,
    description: str | None = None,
    title: str | None = None,
    examples: list[Any] | None = None,
    deprecated: bool = False,
    exclude: bool = False,
    include_in_schema: bool = True,
) -> Any:
    """Options of one serializer field, used as its default: ``id: int = field(read_only=True)``.

    Value constraints belong in the type (``Annotated[str, Meta(max_length=50)]``)."""
    if read_only and write_only:
        raise ValueError("a field cannot be both read_only and write_only")
    if default is not _UNSET and default_factory is not None:
        raise ValueError("pass default or default_factory, not both")
    config = FieldConfig(
        read_only=read_only,
        write_only=write_only,
        source=source,
        alias=alias,
        description=description,
        title=title,
        examples=examples,
        deprecated=deprecated,
        exclude=exclude,
        include_in_schema=include_in_schema,
    )
    return _FieldMarker(config, default, default_factory)


__all__ = ["FieldConfig", "field", "get_msgspec_type_for_django_field"]


def get_msgspec_type_for_django_field(model_field: Any) -> Any:
    """The type a model serializer gives ``model_field`` (the release's name): a ``Literal`` of
    its choices, ``Annotated[str, Meta(max_length=...)]`` for a bounded string, and so on."""
    from .helpers import model_field_type

    return model_field_type(model_field)
