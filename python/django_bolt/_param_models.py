"""Models read from the query, the headers or the cookies (``Annotated[Filters, Query()]``).

Each field of the model becomes a field record of the parameter: Rust reads and coerces it like a
simple parameter of the same source (same rules, same 422s), and the decoder built here turns the
fields present in the request into the model (its defaults fill the others).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from .exceptions import RequestValidationError


@dataclasses.dataclass(frozen=True)
class ModelField:
    #: The key the model is built from (msgspec's encoded name, ``rename=`` applied).
    name: str
    annotation: Any
    required: bool


def model_fields(tp: type) -> list[ModelField]:
    """The fields of a msgspec Struct, a dataclass or a TypedDict."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return [ModelField(f.encode_name, f.type, f.required) for f in msgspec.structs.fields(tp)]
    hints = typing.get_type_hints(tp, include_extras=True)
    if dataclasses.is_dataclass(tp):
        return [
            ModelField(
                f.name,
                hints.get(f.name, f.type),
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            )
            for f in dataclasses.fields(tp)
            if f.init
        ]
    required_keys = getattr(tp, "__required_keys__", frozenset(hints))
    return [ModelField(name, hint, name in required_keys) for name, hint in hints.items()]


def wire_key(field: ModelField, source: str, convert_underscores: bool) -> str:
    """Where the field is looked up: its name; for headers, lowercase with ``-`` for ``_``."""
    if source != "header":
        return field.name
    return (field.name.replace("_", "-") if convert_underscores else field.name).lower()


def model_decoder(tp: Any, source: str) -> Callable[[dict[str, Any]], Any]:
    """``decode({field name: coerced value})`` → the model; a failing check (a ``msgspec.Meta``
    constraint, a serializer's validator) raises ``RequestValidationError`` under ``source``."""
    if hasattr(tp, "model_validate") and hasattr(tp, "_bolt_json_decoder"):  # a Serializer

        def validate(values: dict[str, Any]) -> Any:
            return tp.model_validate(values, loc=[source])

        return validate

    from ._compile import _list_item, _parse_annotation, read_from_text

    def from_text(field: ModelField) -> bool:
        base = _parse_annotation(field.annotation)[0]
        return read_from_text(_list_item(base) or base)

    # Fields Rust passes as text (a duration, an enum of numbers) are read by msgspec from it;
    # the others arrive coerced already, so lax reading changes nothing for them.
    strict = not any(from_text(field) for field in model_fields(tp))

    def decode(values: dict[str, Any]) -> Any:
        try:
            return msgspec.convert(values, tp, strict=strict)
        except msgspec.ValidationError as exc:
            from ._compile import _msgspec_error

            raise RequestValidationError([_msgspec_error(exc, [source])]) from None

    return decode
