"""Helpers that classify annotations the way django-bolt's parameter binding sees them."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

import msgspec

from .datastructures import UploadFile

SIMPLE_TYPES = (str, int, float, bool, bytes)


def resolve_type_alias(annotation: Any) -> Any:
    """The type a ``NewType`` or a ``type X = ...`` alias names, through every level."""
    while True:
        if isinstance(annotation, typing.NewType):
            annotation = annotation.__supertype__
        elif hasattr(typing, "TypeAliasType") and isinstance(annotation, typing.TypeAliasType):
            annotation = annotation.__value__
        else:
            return annotation


def is_optional(annotation: Any) -> bool:
    """``Optional[T]``, ``T | None`` or ``Union[..., None]``."""
    origin = get_origin(annotation)
    return origin in (Union, types.UnionType) and type(None) in get_args(annotation)


def unwrap_optional(annotation: Any) -> Any:
    """``T`` of ``T | None`` (a union of several others stays a union of them)."""
    if not is_optional(annotation):
        return annotation
    rest = tuple(a for a in get_args(annotation) if a is not type(None))
    return rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007 - built from a tuple


def is_msgspec_struct(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)


def is_dataclass_type(annotation: Any) -> bool:
    return isinstance(annotation, type) and dataclasses.is_dataclass(annotation)


def is_simple_type(annotation: Any) -> bool:
    """``str``, ``int``, ``float``, ``bool`` or ``bytes`` (through ``Optional`` and aliases)."""
    return resolve_type_alias(unwrap_optional(annotation)) in SIMPLE_TYPES


def is_sequence_type(annotation: Any) -> bool:
    """``list[T]``, ``tuple[T, ...]``, ``set[T]``, ``Sequence[T]`` and the like (not ``str``)."""
    origin = get_origin(resolve_type_alias(unwrap_optional(annotation)))
    return isinstance(origin, type) and issubclass(origin, (Sequence, set, frozenset)) and origin is not str


def is_upload_file_type(annotation: Any) -> bool:
    """``UploadFile`` or a sequence of them."""
    annotation = resolve_type_alias(unwrap_optional(annotation))
    if annotation is UploadFile:
        return True
    return is_sequence_type(annotation) and get_args(annotation)[:1] == (UploadFile,)


__all__ = [
    "SIMPLE_TYPES",
    "is_dataclass_type",
    "is_msgspec_struct",
    "is_optional",
    "is_sequence_type",
    "is_simple_type",
    "is_upload_file_type",
    "resolve_type_alias",
    "unwrap_optional",
]
