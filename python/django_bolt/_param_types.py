"""What a parameter annotation names, once aliases are seen through: ``NewType``, ``type``
aliases (also parameterized ones), the sequence shapes a repeated key can fill, and the
``msgspec.Meta`` constraints written on the type.

Read once per route at startup; only the container converters run per request, and only for
parameters of a ``set``, ``frozenset`` or ``tuple`` type.
"""

from __future__ import annotations

import collections.abc as abc
import dataclasses
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from .exceptions import RequestValidationError

_TypeAliasType: Any = getattr(typing, "TypeAliasType", None)  # Python 3.12+


def see_through_alias(tp: Any) -> Any | None:
    """The type a ``NewType`` or a ``type`` alias names (one layer), or None for other types."""
    if isinstance(tp, typing.NewType):
        return tp.__supertype__
    if _TypeAliasType is None:
        return None
    if isinstance(tp, _TypeAliasType):
        return tp.__value__
    origin = typing.get_origin(tp)
    if isinstance(origin, _TypeAliasType):
        return _substitute(origin, typing.get_args(tp))
    return None


def _substitute(alias: Any, args: tuple[Any, ...]) -> Any:
    """``type Pair[T] = list[T]`` read as ``Pair[int]`` → ``list[int]``."""
    value = alias.__value__
    params = alias.__type_params__
    if isinstance(value, typing.TypeVar):
        return dict(zip(params, args, strict=False)).get(value, Any)
    try:
        return value[args if len(args) > 1 else args[0]]
    except TypeError:  # the value names no type variable of the alias
        return value


#: Sequence types a repeated key fills, and the Python type the handler gets.
_SEQUENCES: dict[Any, type] = {
    list: list,
    set: set,
    frozenset: frozenset,
    tuple: tuple,
    abc.Sequence: list,
    abc.MutableSequence: list,
    abc.Collection: list,
    abc.Iterable: list,
    abc.Set: frozenset,
    abc.MutableSet: set,
}


@dataclasses.dataclass(frozen=True)
class SequenceShape:
    """``list[int]``, ``set[str]``, ``tuple[int, ...]``, ``tuple[int, str]``..."""

    container: type
    #: The item type of a variadic sequence (``str`` for a bare ``list``/``set``/``tuple``).
    item: Any
    #: The item types of a fixed-length tuple; None for other sequences.
    fixed: tuple[Any, ...] | None = None


def sequence_shape(tp: Any) -> SequenceShape | None:
    origin = typing.get_origin(tp) or tp
    try:
        container = _SEQUENCES.get(origin)
    except TypeError:  # an unhashable annotation
        return None
    if container is None:
        return None
    args = typing.get_args(tp)
    if not args:
        return SequenceShape(container, str)
    if container is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return SequenceShape(tuple, args[0], tuple(args))
    return SequenceShape(container, args[0])


def metas_of(extras: list[Any]) -> list[msgspec.Meta]:
    return [e for e in extras if isinstance(e, msgspec.Meta)]


_META_CONSTRAINTS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern")


def meta_constraints(metas: list[msgspec.Meta]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meta in metas:
        for name in _META_CONSTRAINTS:
            value = getattr(meta, name, None)
            if value is not None:
                out[name] = value
    return out


def check_metas_apply(base: Any, metas: list[msgspec.Meta]) -> None:
    """Raises msgspec's TypeError when a constraint cannot apply to ``base`` (``ge`` on a
    ``Decimal`` or a union), so the route fails when it registers, not at each request."""
    if metas:
        msgspec.json.Decoder(typing.Annotated[(base, *metas)])


def container_converter(shape: SequenceShape, fixed_type: Any, loc: list[Any]) -> Callable[[list[Any]], Any] | None:
    """Turns the list Rust coerced into the container the handler declared (None: a list)."""
    if shape.fixed is not None:

        def convert_fixed(values: list[Any]) -> Any:
            try:
                return msgspec.convert(values, fixed_type, strict=False)
            except msgspec.ValidationError as exc:
                from ._compile import _msgspec_error

                raise RequestValidationError([_msgspec_error(exc, loc)]) from None

        return convert_fixed
    if shape.container is list:
        return None
    return shape.container


def file_info(upload: Any) -> dict[str, Any]:
    """The release's description of an uploaded file, for ``File()`` arguments annotated
    ``dict``: its content in memory, or ``temp_path`` for a file spooled to disk (removed once
    the response exists)."""
    info = {
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": upload.size,
        "headers": dict(upload.headers),
    }
    if upload.path is not None:
        info["temp_path"] = upload.path
    else:
        info["content"] = _content(upload)
    return info


def _content(upload: Any) -> bytes:
    upload.seek(0)
    data = bytes(upload.read())
    upload.seek(0)
    return data


def file_converter(tp: Any) -> Callable[[Any], Any] | None:
    """For ``File()`` arguments annotated ``dict``/``bytes`` (or lists of them): the uploads
    Rust hands over made into what the annotation names (None: ``UploadFile`` as is)."""
    shape = sequence_shape(tp)
    item = shape.item if shape is not None else tp
    item = typing.get_origin(item) or item
    if item is dict:
        one: Callable[[Any], Any] = file_info
    elif item is bytes:
        one = _content
    else:
        return None
    if shape is not None:
        return lambda uploads: [one(u) for u in uploads]
    return one
