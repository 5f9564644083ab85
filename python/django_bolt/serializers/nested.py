"""Nested serializers: a field typed ``S``, ``S | None`` or ``list[S]`` (``S`` a ``Serializer``).

``resolve_nested_config`` reads the field's type once, when the serializer's fields are prepared;
``validate_nested_field`` turns the dicts of an instance built in code (``Post(author={...})``)
into ``S`` instances, reporting every failing item with its place.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Serializer

#: Container types whose items may be nested serializers (``many=True``).
_MANY_ORIGINS = (list, tuple, set, frozenset)


@dataclasses.dataclass(frozen=True, slots=True)
class ResolvedNestedConfig:
    """The nested serializer of a field, and whether the field holds a list of them."""

    serializer_class: type[Serializer]
    many: bool


def _serializer_class(tp: Any) -> Any:
    from .base import Serializer, _strip  # base imports this module

    inner, _ = _strip(tp)
    return inner if isinstance(inner, type) and issubclass(inner, Serializer) else None


def resolve_nested_config(field_type: Any) -> ResolvedNestedConfig | None:
    """The nested serializer of a field typed ``S``, ``S | None``, ``Annotated[S, ...]`` or
    ``list[S]`` (also ``tuple``/``set``/``frozenset``), else ``None``."""
    from .base import _strip

    single = _serializer_class(field_type)
    if single is not None:
        return ResolvedNestedConfig(single, many=False)
    inner, _ = _strip(field_type)
    if typing.get_origin(inner) in _MANY_ORIGINS:
        args = typing.get_args(inner)
        item = _serializer_class(args[0]) if args else None
        if item is not None:
            return ResolvedNestedConfig(item, many=True)
    return None


def validate_nested_field(value: Any, nested_config: ResolvedNestedConfig, field_name: str) -> Any:
    """``value`` with each dict made an instance of the nested serializer (validated as input);
    instances and ``None`` pass. Raises ``RequestValidationError`` (a ``ValueError``) listing
    every failing item, ``loc`` starting at ``field_name``."""
    from ..exceptions import RequestValidationError
    from .base import _json_type

    if value is None:
        return None
    serializer = nested_config.serializer_class
    if nested_config.many and not isinstance(value, list):
        raise RequestValidationError(
            [{"loc": [field_name], "msg": f"Expected `array`, got `{_json_type(value)}`", "type": "type_error"}]
        )
    items = value if nested_config.many else [value]
    errors: list[dict[str, Any]] = []
    converted = []
    for i, item in enumerate(items):
        where = [field_name, i] if nested_config.many else [field_name]
        if isinstance(item, serializer):
            converted.append(item)
        elif isinstance(item, dict):
            try:
                converted.append(serializer.model_validate(item, loc=where))
            except RequestValidationError as exc:
                errors.extend(exc.errors_list())
        else:
            message = f"Expected `{serializer.__name__}`, got `{_json_type(item)}`"
            errors.append({"loc": where, "msg": message, "type": "type_error"})
    if errors:
        raise RequestValidationError(errors)
    if all(a is b for a, b in zip(converted, items, strict=True)):
        return value
    return converted if nested_config.many else converted[0]


__all__ = ["ResolvedNestedConfig", "resolve_nested_config", "validate_nested_field"]
