"""Helpers that classify annotations the way django-bolt's parameter binding sees them."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import types
import typing
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

import msgspec

from ._compile import infer_param_source, split_param_annotation
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


def _without_annotated(annotation: Any) -> Any:
    return get_args(annotation)[0] if get_origin(annotation) is typing.Annotated else annotation


@dataclasses.dataclass(frozen=True)
class FieldDefinition:
    """One handler argument as the route reads it: where its value comes from (``source``:
    ``path``, ``query``, ``header``, ``cookie``, ``body``, ``form``, ``file``, ``request`` or
    ``dependency``), the key given with ``alias=``, its default. ``api._handler_meta[i]["fields"]``
    lists them, built from the route's compiled parameters."""

    name: str
    annotation: Any
    #: ``inspect.Parameter.empty`` when the argument has none.
    default: Any
    source: str
    alias: str | None = None
    #: A JSON body read from the key of its name (``Body(embed=True)``, or several bodies).
    embed: bool | None = None
    #: The ``Depends`` marker of a ``dependency`` argument.
    dependency: Any = None
    kind: inspect._ParameterKind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    #: The ``Query()``/``Header()``/... marker, when one was given.
    param: Any = None

    @property
    def is_optional(self) -> bool:
        """It has a default, or its type admits None."""
        return self.default is not inspect.Parameter.empty or is_optional(_without_annotated(self.annotation))

    @property
    def is_required(self) -> bool:
        return not self.is_optional

    @property
    def unwrapped_annotation(self) -> Any:
        """The type without ``Annotated[...]`` and ``Optional[...]``."""
        return unwrap_optional(_without_annotated(self.annotation))

    @property
    def field_alias(self) -> str:
        """The key the value is read from as declared: the alias, else the argument's name."""
        return self.alias or self.name


class HandlerPattern(enum.Enum):
    """The release's classification of a route by the arguments it reads (``_handler_meta[i]
    ["handler_pattern"]``), computed here from the route's compiled arguments (``FieldDefinition``
    sources): its Rust side already skips what a route does not read."""

    REQUEST_ONLY = "request_only"
    NO_PARAMS = "no_params"
    PATH_ONLY = "path_only"
    QUERY_ONLY = "query_only"
    BODY_ONLY = "body_only"
    SIMPLE = "simple"
    WITH_DEPS = "with_deps"
    FULL = "full"

    @classmethod
    def of(cls, fields: Sequence[FieldDefinition]) -> HandlerPattern:
        """The pattern of a route reading ``fields`` (the release's priority order)."""
        sources = {f.source for f in fields}
        if "dependency" in sources:
            return cls.WITH_DEPS
        if not sources:
            return cls.NO_PARAMS
        if sources & {"request", "header", "cookie", "form", "file"}:
            return cls.FULL
        if sources == {"body"}:
            return cls.BODY_ONLY
        if sources == {"path"}:
            return cls.PATH_ONLY
        if sources == {"query"}:
            return cls.QUERY_ONLY
        return cls.SIMPLE if "body" not in sources else cls.FULL


class HandlerMetadata(typing.TypedDict, total=False):
    """One record of ``api._handler_meta`` (the release's private per-route metadata): the keys
    this project computes from the route as it is compiled and served."""

    name: str
    #: ``name=`` given on the route (not derived from the handler's name).
    name_explicit: bool
    namespace: str
    is_async: bool
    http_method: str
    sig: inspect.Signature
    #: The type the route's body is declared as (``response_model=``, else the return annotation).
    response_type: Any
    is_multi_response: bool
    #: ``{status: model}`` of a per-status ``response_model``.
    response_map: dict[int | type, Any]
    default_status_code: int
    _has_response_validation: bool
    fields: list[FieldDefinition]
    handler_pattern: HandlerPattern
    openapi_tags: list[str]
    openapi_summary: str
    openapi_description: str


__all__ = [
    "SIMPLE_TYPES",
    "FieldDefinition",
    "HandlerMetadata",
    "HandlerPattern",
    "is_dataclass_type",
    "is_msgspec_struct",
    "is_optional",
    "is_sequence_type",
    "is_simple_type",
    "is_upload_file_type",
    "resolve_type_alias",
    "infer_param_source",
    "split_param_annotation",
    "unwrap_optional",
]
