"""``BaseSchemaObject``: an OpenAPI object as a dataclass; ``to_schema()`` gives its JSON object.

Keys are the field names in camelCase (``operation_id`` -> ``operationId``); ``ref`` is ``$ref``,
``*_in`` (``param_in``, ``security_scheme_in``) is ``in`` and ``schema_*`` (``schema_not``) drops
the prefix; a field's ``metadata={"alias": ...}`` names its key explicitly. Unset fields (None)
are left out, and so are flags left at OpenAPI's own default (``deprecated=False``): a reader
takes them as that default anyway.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Iterable
from typing import Any

#: ``Schema(default=...)`` not given (None is a default value a schema can state).
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET", "__bool__": lambda self: False})()

#: Leaves of a JSON document, kept as they are (exact types: a str enum is an enum).
_LEAVES = frozenset({str, int, float, bool, type(None)})


def json_key(name: str) -> str:
    """The document's key of the field ``name``."""
    if name == "ref":
        return "$ref"
    if name.endswith("_in"):
        return "in"
    if name.startswith("schema_"):
        return name[len("schema_") :]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@functools.cache
def _layout(cls: type) -> tuple[tuple[str, str, bool, bool], ...]:
    """(field, key, omitted when False, None is a value) for each field of ``cls``, in order."""
    return tuple(
        (
            f.name,
            f.metadata.get("alias") or json_key(f.name),
            f.default is False,
            bool(f.metadata.get("allow_none")),
        )
        for f in dataclasses.fields(cls)
    )


def to_json(value: Any, memo: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """``value`` as the JSON the document holds: spec objects become their ``to_schema()``, enums
    their value; plain dicts and lists are walked for spec objects, their other values kept as
    given (a ``None`` in a hand-written schema is the JSON ``null``).

    ``memo`` (by ``id``) turns a dict or list met again into the same output object, as the
    generator shares one error answer among many operations: each is walked once."""
    if memo is None:
        memo = {}
    # Exact type checks first, leaves without a call: the document's schemas are mostly plain
    # JSON, and this walks all of it once per build.
    kind = type(value)
    if kind is dict or kind is list or kind is tuple:
        done = memo.get(id(value))
        if done is not None:
            return done[1]
        if kind is dict:
            out: Any = {
                (k if type(k) is str else to_json(k, memo)): (v if type(v) in _LEAVES else to_json(v, memo))
                for k, v in value.items()
            }
        else:
            out = [v if type(v) in _LEAVES else to_json(v, memo) for v in value]
        # The input is kept with its output: its id cannot be reused while the memo lives.
        memo[id(value)] = (value, out)
        return out
    if kind in _LEAVES:
        return value
    if isinstance(value, BaseSchemaObject):
        if type(value).to_schema is not BaseSchemaObject.to_schema:
            return value.to_schema()  # a subclass of someone's own: its JSON as it makes it
        return value._render(memo)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {to_json(k, memo): to_json(v, memo) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v, memo) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Some other dataclass: its set fields by name.
        return {
            f.name: to_json(getattr(value, f.name), memo)
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    return value


@dataclasses.dataclass
class BaseSchemaObject:
    """An object of the OpenAPI document (subclasses are dataclasses of its fields)."""

    def _omitted_fields(self) -> frozenset[str]:
        """Fields that do not belong in this object's JSON (the Parameter fields a header does
        not have, say)."""
        return frozenset()

    def _finish_schema(self, out: dict[str, Any]) -> dict[str, Any]:
        """This object's JSON once its fields are in (objects with extra rules change it)."""
        return out

    def _render(self, memo: dict[int, tuple[Any, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        omitted = self._omitted_fields()
        for name, key, false_is_default, none_is_value in _layout(type(self)):
            value = getattr(self, name)
            if value is UNSET or (value is None and not none_is_value) or (value is False and false_is_default):
                continue
            if name in omitted:
                continue
            out[key] = value if type(value) in _LEAVES else to_json(value, memo)
        return self._finish_schema(out)

    def to_schema(self) -> dict[str, Any]:
        """The object as the JSON dict of the document (nested objects included)."""
        return self._render({})

    def to_dict(self) -> dict[str, Any]:
        """``to_schema()`` (the name these objects had here before the release's)."""
        return self.to_schema()


def render(obj: BaseSchemaObject, already_json: Iterable[Any] = ()) -> dict[str, Any]:
    """``obj.to_schema()``, with the dicts and lists of ``already_json`` (JSON the caller made,
    holding no spec objects) placed in the output as they are instead of walked and copied."""
    return obj._render({id(value): (value, value) for value in already_json})


__all__ = ("BaseSchemaObject",)
