"""``Schema``: a JSON Schema (2020-12, as OpenAPI 3.1 uses it) as an object.

Fields are the keywords in snake case; the ones that are Python keywords or builtins take a
``schema_`` prefix (``schema_not``, ``schema_if``, ``schema_else``). ``default`` is only written
when given (``default=None`` writes ``"default": null``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .base import UNSET, BaseSchemaObject, json_key
from .discriminator import Discriminator
from .enums import OpenAPIFormat, OpenAPIType
from .external_documentation import ExternalDocumentation
from .reference import Reference
from .xml import XML


def _structural_hash(value: Any) -> int:
    """A hash of a schema's content (dicts, lists and nested objects included); examples do
    not count, so two schemas of the same shape hash alike."""
    if isinstance(value, Mapping):
        return hash(frozenset((k, _structural_hash(v)) for k, v in value.items() if k != "examples"))
    if dataclasses.is_dataclass(value):
        parts = [type(value).__name__] if not isinstance(value, type) else [value.__qualname__]
        if not isinstance(value, type):
            parts += [
                (f.name, _structural_hash(getattr(value, f.name)))
                for f in dataclasses.fields(value)
                if f.name != "examples"
            ]
        return hash(tuple(parts))
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return hash(tuple(_structural_hash(v) for v in value))
    return hash(value) if isinstance(value, Hashable) else id(value)


@dataclass
class Schema(BaseSchemaObject):
    # Applying subschemas
    all_of: Sequence[Reference | Schema] | None = None
    any_of: Sequence[Reference | Schema] | None = None
    one_of: Sequence[Reference | Schema] | None = None
    schema_not: Reference | Schema | None = None
    schema_if: Reference | Schema | None = None
    then: Reference | Schema | None = None
    schema_else: Reference | Schema | None = None
    dependent_schemas: dict[str, Reference | Schema] | None = None
    prefix_items: Sequence[Reference | Schema] | None = None
    items: Reference | Schema | None = None
    contains: Reference | Schema | None = None
    properties: dict[str, Reference | Schema] | None = None
    pattern_properties: dict[str, Reference | Schema] | None = None
    additional_properties: Reference | Schema | bool | None = None
    property_names: Reference | Schema | None = None
    unevaluated_items: Reference | Schema | None = None
    unevaluated_properties: Reference | Schema | None = None
    # Validation
    type: OpenAPIType | Sequence[OpenAPIType] | None = None
    enum: Sequence[Any] | None = None
    const: Any | None = None
    multiple_of: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None
    minimum: float | None = None
    exclusive_minimum: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    max_items: int | None = None
    min_items: int | None = None
    unique_items: bool | None = None
    max_contains: int | None = None
    min_contains: int | None = None
    max_properties: int | None = None
    min_properties: int | None = None
    required: Sequence[str] | None = None
    dependent_required: dict[str, Sequence[str]] | None = None
    format: OpenAPIFormat | None = None
    content_encoding: str | None = None
    content_media_type: str | None = None
    content_schema: Reference | Schema | None = None
    # Annotations
    title: str | None = None
    description: str | None = None
    default: Any = field(default=UNSET, metadata={"allow_none": True})
    deprecated: bool | None = None
    read_only: bool | None = None
    write_only: bool | None = None
    examples: list[Any] | None = None
    discriminator: Discriminator | None = None
    xml: XML | None = None
    external_docs: ExternalDocumentation | None = None
    example: Any | None = None

    def __hash__(self) -> int:
        return _structural_hash(self)

    @classmethod
    def field_aliases(cls) -> dict[str, str]:
        """``{JSON keyword: field name}`` for the fields whose keyword is not their name
        (``{"allOf": "all_of", "not": "schema_not", ...}``)."""
        return {json_key(f.name): f.name for f in dataclasses.fields(cls) if json_key(f.name) != f.name}


@dataclass
class SchemaDataContainer(Schema):
    """A ``Schema`` that also carries the Python type it was made from (``data_container``),
    which is not part of the document."""

    data_container: Any = None

    def _omitted_fields(self) -> frozenset[str]:
        return frozenset({"data_container"})

    __hash__ = Schema.__hash__


__all__ = ("Schema", "SchemaDataContainer")
