"""JSON Schema of Python types for the document: msgspec's generator, with what OpenAPI readers
(code generators, UIs) need that msgspec leaves out.

- ``datetime``/``time`` carry ``format`` (msgspec omits it unless the type requires a timezone;
  the values encoded are ISO 8601 either way);
- enums and uniform ``Literal``\\ s carry their ``type`` (``string``/``integer``), so generators
  make typed enums rather than ``any``;
- ``dict[str, Any]`` says ``additionalProperties: true`` (msgspec leaves it implicit);
- a type msgspec cannot describe (a plain class) is any value (``{}``) instead of failing the
  whole document; ``UploadFile`` (a form struct's file field) is a binary string.

Component names are msgspec's (``Page_UserRead_`` for ``Page[UserRead]``; a short name two types
share becomes the qualified name of each), so they agree with ``msgspec.json.schema_components``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import msgspec.inspect as mi

try:  # msgspec's generator, extended below (its module has kept these names since 0.18)
    from msgspec._json_schema import _build_name_map, _collect_component_types, _SchemaGenerator
except ImportError:  # pragma: no cover - a msgspec without them: its public generator as is
    _SchemaGenerator = None  # type: ignore[assignment,misc]

BINARY = {"type": "string", "format": "binary"}


def value_type(values: Iterable[Any]) -> str | None:
    """``string`` or ``integer`` when every value is one (not bool): the ``type`` of an enum."""
    values = list(values)
    if values and all(isinstance(v, str) for v in values):
        return "string"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    return None


def _unwrap(t: Any) -> Any:
    while isinstance(t, mi.Metadata):
        t = t.type
    return t


if _SchemaGenerator is not None:

    class _Generator(_SchemaGenerator):  # type: ignore[misc,valid-type]
        def __init__(self, name_map: dict[Any, str], ref_template: str) -> None:
            super().__init__(name_map, None, ref_template)
            #: Classes described as any value (msgspec has no schema for them).
            self.opaque: list[Any] = []

        def to_schema(self, t: Any, check_ref: bool = True) -> dict[str, Any]:
            inner = _unwrap(t)
            if isinstance(inner, mi.CustomType):
                from ..datastructures import UploadFile

                if isinstance(inner.cls, type) and issubclass(inner.cls, UploadFile):
                    return dict(BINARY)
                self.opaque.append(inner.cls)
                return {}
            schema = super().to_schema(t, check_ref)
            if "$ref" in schema:
                return schema
            if isinstance(inner, mi.DateTimeType) and inner.tz is not False:
                schema.setdefault("format", "date-time")
            elif isinstance(inner, mi.TimeType) and inner.tz is None:
                schema.setdefault("format", "time")
            elif isinstance(inner, mi.EnumType):
                kind = value_type(m.value for m in inner.cls.__members__.values())
                if kind:
                    schema.setdefault("type", kind)
            elif isinstance(inner, mi.LiteralType):
                kind = value_type(inner.values)
                if kind:
                    schema.setdefault("type", kind)
            elif isinstance(inner, (mi.DictType, mi.FrozenDictType)) and isinstance(inner.value_type, mi.AnyType):
                schema.setdefault("additionalProperties", True)
            elif isinstance(inner, mi.TupleType) and schema.get("items") is False:
                del schema["items"]  # maxItems already says no more items than prefixItems
            elif isinstance(inner, mi.StructType) and inner.tag_field is not None:
                tag = schema.get("properties", {}).get(inner.tag_field)
                if isinstance(tag, dict) and "enum" in tag:
                    tag.setdefault("type", value_type(tag["enum"]) or "string")
            elif isinstance(inner, mi.UnionType):
                _one_of_when_discriminated(schema)
            return schema


def _one_of_when_discriminated(schema: dict[str, Any]) -> None:
    """Arms told apart by a tag are exclusive: ``oneOf`` (what OpenAPI's ``discriminator`` goes
    with), where msgspec writes ``anyOf``."""
    for node in (schema, *schema.get("anyOf", ())):
        if isinstance(node, dict) and "discriminator" in node and "anyOf" in node:
            node["oneOf"] = node.pop("anyOf")


class Described(msgspec.Struct):
    """What ``describe`` found: one schema per type, the components, and what it could not say."""

    schemas: list[dict[str, Any]]
    components: dict[str, Any]
    #: Classes documented as any value.
    opaque: list[Any]
    #: Component names qualified by module because two types share a short name.
    qualified: list[str]


def describe(types: list[Any], ref_template: str, inline: list[bool] | None = None) -> Described:
    """Schemas of ``types`` (``inline[i]``: the i-th is written out, not a ``$ref``; its own
    nested types still are references) and the components they refer to."""
    if _SchemaGenerator is None:  # pragma: no cover
        schemas, components = msgspec.json.schema_components(types, ref_template=ref_template)
        return Described(list(schemas), components, [], [])
    infos = mi.multi_type_info(types)
    component_types = _collect_component_types(infos)
    name_map = _build_name_map(component_types)
    generator = _Generator(name_map, ref_template)
    flags = inline or [False] * len(infos)
    schemas = [generator.to_schema(info, not flat) for info, flat in zip(infos, flags, strict=True)]
    components = {name_map[cls]: generator.to_schema(t, False) for cls, t in component_types.items()}
    # Short names never hold a dot: one that does was qualified by module.
    qualified = sorted(n for n in name_map.values() if "." in n)
    return Described(schemas, components, generator.opaque, qualified)


def inline_schema(tp: Any) -> dict[str, Any]:
    """``tp``'s schema written out whole, with no references (a parameter's schema)."""
    if _SchemaGenerator is None:  # pragma: no cover
        return msgspec.json.schema(tp)
    return _Generator({}, "#/{name}").to_schema(mi.type_info(tp))
