"""Validators and computed fields of a ``Serializer``."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
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


__all__ = ["ComputedFieldConfig", "ValidatorMode", "computed_field", "field_validator", "model_validator"]
