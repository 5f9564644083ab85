"""Validators and computed fields of a ``Serializer``."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Iterator
from typing import Any, Literal

ValidatorMode = Literal["before", "after"]


def _function(obj: Any) -> Any:
    # ``@field_validator`` may sit above or below ``@classmethod``/``@staticmethod``.
    return obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj


def field_validator(field_name: str, mode: ValidatorMode = "after") -> Callable[[Any], Any]:
    """``@field_validator("email")`` on ``def check(cls, value)``: returns the (possibly changed)
    value or raises ``ValueError``; every failing field is reported. ``mode="before"`` validators
    run before the ``"after"`` ones of the same field."""
    if mode not in ("before", "after"):
        raise ValueError(f"mode must be 'before' or 'after', not {mode!r}")

    def mark(fn: Any) -> Any:
        if isinstance(fn, staticmethod):
            raise TypeError(STATIC_FIELD_VALIDATOR.format(name=fn.__func__.__name__))
        target = _function(fn)
        target.__bolt_field_validator__ = (field_name, mode)
        return fn

    return mark


#: Field validators are called ``check(cls, value)``: a static method would get the value as ``cls``.
STATIC_FIELD_VALIDATOR = (
    "@field_validator {name}() is a staticmethod: validators are called with the class first "
    "(def {name}(cls, value)); drop @staticmethod or use @classmethod"
)
#: A model validator checks one instance (``self``): as a class or static method it could not.
MODEL_VALIDATOR_ON_DESCRIPTOR = (
    "@model_validator {name}() is a {kind}: model validators take the instance (def {name}(self)); remove @{kind}"
)


def model_validator(func: Any = None, mode: ValidatorMode = "after") -> Any:
    """``@model_validator`` on ``def check(self)``: runs once every field is valid; raises
    ``ValueError`` to refuse the whole object (or returns nothing)."""

    def mark(fn: Any) -> Any:
        if isinstance(fn, (classmethod, staticmethod)):
            raise TypeError(MODEL_VALIDATOR_ON_DESCRIPTOR.format(kind=type(fn).__name__, name=_function(fn).__name__))
        fn.__bolt_model_validator__ = mode
        return fn

    return mark(func) if func is not None else mark


@dataclasses.dataclass(frozen=True)
class ComputedFieldConfig:
    name: str
    function: Callable[[Any], Any]
    alias: str | None = None
    description: str | None = None
    deprecated: bool = False
    include_in_schema: bool = True
    return_type: Any = Any

    @property
    def method_name(self) -> str:
        """The release's name for ``name``: the method that computes the value."""
        return self.name


def computed_field(
    func: Any = None,
    *,
    alias: str | None = None,
    description: str | None = None,
    deprecated: bool = False,
    include_in_schema: bool = True,
) -> Any:
    """A method whose result is written in the output next to the fields (``def x(self) -> T``)."""

    def mark(fn: Any) -> Any:
        fn.__bolt_computed_field__ = {
            "alias": alias,
            "description": description,
            "deprecated": deprecated,
            "include_in_schema": include_in_schema,
        }
        return _Computed(fn)

    return mark(func) if func is not None else mark


#: The class attributes where a serializer keeps what the collectors below found when the class
#: was made (``{field: [validators]}``, ``[validators]``, ``{output name: ComputedFieldConfig}``).
FIELD_VALIDATORS_ATTR = "__field_validators__"
MODEL_VALIDATORS_ATTR = "__model_validators__"
COMPUTED_FIELDS_ATTR = "__computed_fields__"


def _marked(klass: type, refuse: bool) -> Iterator[tuple[str, Any]]:
    """``(attribute, plain function)`` of each entry of ``klass``'s own namespace; a validator
    wrapped in a descriptor that cannot work is refused (``refuse``), not silently skipped."""
    for attr, value in vars(klass).items():
        fn = _function(value)
        if refuse and fn is not value:
            if isinstance(value, staticmethod) and getattr(fn, "__bolt_field_validator__", None) is not None:
                raise TypeError(STATIC_FIELD_VALIDATOR.format(name=fn.__name__))
            if getattr(fn, "__bolt_model_validator__", None) is not None:
                raise TypeError(MODEL_VALIDATOR_ON_DESCRIPTOR.format(kind=type(value).__name__, name=fn.__name__))
        yield attr, fn


def _before_then_after(items: list[tuple[str, Any]]) -> list[Any]:
    return [fn for mode, fn in items if mode == "before"] + [fn for mode, fn in items if mode == "after"]


def collect_field_validators(cls: type) -> dict[str, list[Any]]:
    """``{field name: [validators]}`` of ``cls`` and its bases (base classes first), each
    field's ``mode="before"`` validators ahead of its ``"after"`` ones."""
    found: dict[str, list[tuple[str, Any]]] = {}
    for klass in reversed(cls.__mro__):
        for _, fn in _marked(klass, refuse=klass is cls):
            marker = getattr(fn, "__bolt_field_validator__", None)
            if marker is not None:
                found.setdefault(marker[0], []).append((marker[1], fn))
    return {name: _before_then_after(items) for name, items in found.items()}


def collect_model_validators(cls: type) -> list[Any]:
    """The model validators of ``cls`` and its bases, ``"before"`` ones first."""
    found: list[tuple[str, Any]] = []
    for klass in reversed(cls.__mro__):
        for _, fn in _marked(klass, refuse=klass is cls):
            mode = getattr(fn, "__bolt_model_validator__", None)
            if mode is not None:
                found.append((mode, fn))
    return _before_then_after(found)


def collect_computed_fields(cls: type) -> dict[str, ComputedFieldConfig]:
    """``{output name (alias or method name): ComputedFieldConfig}`` of ``cls`` and its bases; a
    subclass's method replaces the base's of the same name."""
    by_attr: dict[str, ComputedFieldConfig] = {}
    for klass in reversed(cls.__mro__):
        for attr, fn in _marked(klass, refuse=False):
            options = getattr(fn, "__bolt_computed_field__", None)
            if options is not None:
                function = getattr(fn, "fn", fn)
                hints = getattr(function, "__annotations__", {})
                by_attr[attr] = ComputedFieldConfig(
                    name=attr, function=function, return_type=hints.get("return", Any), **options
                )
    return {config.alias or config.name: config for config in by_attr.values()}


class _Computed:
    """A method on an instance, as in the release (``self.total()`` gives the value, so computed
    fields can use each other); the serializer finds its function through ``__bolt_computed_field__``."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__bolt_computed_field__ = fn.__bolt_computed_field__
        self.__annotations__ = getattr(fn, "__annotations__", {})

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else types.MethodType(self.fn, instance)


__all__ = [
    "COMPUTED_FIELDS_ATTR",
    "FIELD_VALIDATORS_ATTR",
    "MODEL_VALIDATORS_ATTR",
    "ComputedFieldConfig",
    "ValidatorMode",
    "collect_computed_fields",
    "collect_field_validators",
    "collect_model_validators",
    "computed_field",
    "field_validator",
    "model_validator",
]
