"""Compiles a handler's signature into the plain parameter specs the Rust pipeline runs.

This happens once per route at startup; nothing here runs per request except the body decoders
and dependency resolution it builds.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import dis
import enum
import inspect
import re
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any, Union

import msgspec

from ._chain import DependencyCycleError, DependencyPlan, compile_dependency
from ._json import json_decoder
from ._param_models import ModelField, model_decoder, model_fields, wire_key
from ._param_types import (
    check_metas_apply,
    container_converter,
    file_converter,
    meta_constraints,
    metas_of,
    see_through_alias,
    sequence_shape,
)
from ._schema import ParamRecord
from .exceptions import RequestValidationError, ResponseValidationError, invalid_json_error
from .params import _UNSET, Body, Depends, File, Header, Param
from .request import Request, UploadFile

_SIMPLE_KINDS: dict[Any, str] = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    uuid.UUID: "uuid",
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.time: "time",
    decimal.Decimal: "decimal",
    bytes: "bytes",
}

_PATH_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")


class RouteDefinitionError(TypeError):
    """A handler signature that cannot be served as written."""


class DeclarationError(RouteDefinitionError):
    """A mistake in the handler's own signature, whatever path it is served at: raised when the
    route is declared (the decorator), as the release does."""


def path_param_names(path: str) -> set[str]:
    return set(_PATH_PARAM.findall(path))


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) < len(typing.get_args(tp)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return tp, False


def _split_annotated(tp: Any) -> tuple[Any, list[Any]]:
    """``Annotated[T, m]`` → ``(T, [m])``, also through ``Optional`` (3.10 wraps ``Annotated`` in
    ``Optional`` when the default is None)."""
    base, extras, optional = _parse_annotation(tp)
    return (Union[base, None] if optional else base), extras  # noqa: UP007


def _parse_annotation(tp: Any) -> tuple[Any, list[Any], bool]:
    """Peels ``Annotated`` and ``Optional`` layers: (base type, markers, optional)."""
    extras: list[Any] = []
    optional = False
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp, *more = typing.get_args(tp)
            extras.extend(more)
            continue
        inner, is_optional = _unwrap_optional(tp)
        if is_optional:
            optional = True
            tp = inner
            continue
        named = see_through_alias(tp)
        if named is not None:
            tp = named
            continue
        return tp, extras, optional


def _simple_kind(tp: Any) -> str | None:
    if tp is Any or tp is inspect.Parameter.empty:
        return "any"
    if isinstance(tp, type):
        for cls, kind in _SIMPLE_KINDS.items():
            if tp is cls:
                return kind
        # Subclasses and enums of simple types (e.g. `class Color(str, Enum)`) stay strings.
        if issubclass(tp, bool):
            return "bool"
        if issubclass(tp, int):
            return "int"
        if issubclass(tp, str):
            return "str"
    if typing.get_origin(tp) is typing.Literal:
        return "str"
    return None


def _list_item(tp: Any) -> Any | None:
    shape = sequence_shape(tp)
    return None if shape is None else shape.item


def _is_model_sequence(tp: Any) -> bool:
    """A sequence of something other than simple values (``list[Item]``): a JSON body."""
    item = _list_item(tp)
    return item is not None and _simple_kind(_parse_annotation(item)[0]) is None


def _is_request_type(tp: Any) -> bool:
    return tp is Request or typing.get_origin(tp) is Request


def _is_upload(tp: Any) -> tuple[bool, bool]:
    """(is an UploadFile annotation, is a list of them)."""
    if tp is UploadFile:
        return True, False
    item = _list_item(tp)
    if item is UploadFile:
        return True, True
    return False, False


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and (
        issubclass(tp, msgspec.Struct) or dataclasses.is_dataclass(tp) or typing.is_typeddict(tp)
    )


def _is_body_type(tp: Any) -> bool:
    """A type read from a JSON body: a struct, dataclass, TypedDict, dict, or a sequence of them."""
    return _is_model(tp) or tp is dict or typing.get_origin(tp) is dict or _is_model_sequence(tp)


def infer_param_source(name: str, annotation: Any, path_params: set[str], http_method: str = "") -> str:
    """Where an argument with no ``Query()``/``Body()``/... marker is read from: ``"path"`` (its
    name is in the route's path), ``"request"`` (typed ``Request``, or an unannotated
    ``request``/``req``), ``"file"`` (``UploadFile`` or a list of them), ``"body"`` (a struct,
    dataclass, TypedDict, dict or a sequence of them), else ``"query"``. ``http_method`` does not
    change the answer (the release's signature has it): body parameters of HEAD/OPTIONS are
    refused with the route (``refuse_body_parameters``)."""
    del http_method
    base = _parse_annotation(annotation)[0]
    if name in path_params:
        return "path"
    if _is_request_type(base) or (name in ("request", "req") and base in (Any, inspect.Parameter.empty)):
        return "request"
    if _is_upload(base)[0]:
        return "file"
    return "body" if _is_body_type(base) else "query"


def split_param_annotation(annotation: Any, default: Any = None) -> tuple[Any, Param | Depends | None]:
    """``(value type, marker)`` of an argument: the ``Param``/``Depends`` marker from
    ``Annotated[...]``, else the default (``= Query(...)``), else None; the type without the
    markers, its ``msgspec.Meta`` constraints and the marker's (``Query(ge=1)``) on it, inside
    ``Optional`` (``Annotated[int, Meta(ge=1)] | None``). A ``NewType`` or ``type`` alias is the
    type it names. Raises ``TypeError`` when a constraint cannot apply to the type (``ge`` on a
    list), as declaring the route does."""
    base, extras, optional = _parse_annotation(annotation)
    marker, _ = _marker_of(extras, default)
    metas = metas_of(extras)
    if isinstance(marker, Param) and not isinstance(marker, File):
        own = marker.constraints()
        if own:
            metas.append(msgspec.Meta(**own))
    value_type = base
    if metas and not (_is_body_type(base) or _is_upload(base)[0] or isinstance(marker, File)):
        check_metas_apply(base, metas)
        value_type = typing.Annotated[(base, *metas)]
    return (Union[value_type, None] if optional else value_type), marker  # noqa: UP007


# ---------------------------------------------------------------- body validation


def _loc_from_path(path: str) -> list[Any]:
    """``$.items[2].name`` → ``["items", 2, "name"]``."""
    parts: list[Any] = []
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path.lstrip("$")):
        parts.append(int(index) if index else name)
    return parts


def _msgspec_error(exc: Exception, loc: list[Any]) -> dict[str, Any]:
    text = str(exc)
    match = re.search(r" - at `(\$[^`]*)`$", text)
    extra: list[Any] = []
    if match:
        extra = _loc_from_path(match.group(1))
        text = text[: match.start()]
    kind = "missing" if text.startswith("Object missing required field") else "validation_error"
    if kind == "missing":
        field = re.search(r"`([^`]+)`", text)
        if field:
            extra.append(field.group(1))
        text = "Field required"
    return {"loc": [*loc, *extra], "msg": text, "type": kind}


def _collect(tp: Any, data: Any, loc: list[Any], errors: list[dict[str, Any]]) -> None:
    """Validates ``data`` against ``tp`` field by field, so every failing field is reported."""
    base, _ = _split_annotated(tp)
    base, optional = _unwrap_optional(base)
    if data is None and optional:
        return
    if hasattr(base, "_bolt_json_decoder") and isinstance(data, dict):
        # A Serializer inside a list or plain struct: its own validation, one entry per failing
        # field and validator (msgspec would fold its validators' errors into one message).
        try:
            base.model_validate(data, loc=loc)
        except RequestValidationError as exc:
            errors.extend(exc.errors_list())
        return
    if isinstance(base, type) and issubclass(base, msgspec.Struct) and isinstance(data, dict):
        before = len(errors)
        for field in msgspec.structs.fields(base):
            if field.encode_name not in data:
                if field.required:
                    errors.append({"loc": [*loc, field.encode_name], "msg": "Field required", "type": "missing"})
                continue
            _collect(field.type, data[field.encode_name], [*loc, field.encode_name], errors)
        if len(errors) > before:
            return
    item = _list_item(base)
    if item is not None and isinstance(data, list):
        before = len(errors)
        for i, value in enumerate(data):
            _collect(item, value, [*loc, i], errors)
        if len(errors) > before:
            return
    try:
        msgspec.convert(data, tp, strict=True)
    except msgspec.ValidationError as exc:
        errors.append(_msgspec_error(exc, loc))


def _too_deep(loc: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": loc, "msg": "Invalid JSON: nested too deeply", "type": "json_invalid"}]


def validation_errors(tp: Any, raw: bytes, loc: list[Any]) -> list[dict[str, Any]]:
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return [invalid_json_error(exc, raw, loc)]
    except RecursionError:  # msgspec's depth limit: client input, not a server fault
        return _too_deep(loc)
    errors: list[dict[str, Any]] = []
    try:
        _collect(tp, data, loc, errors)
    except RecursionError:  # the field-by-field walk recurses in Python, one frame per level
        return _too_deep(loc)
    return errors or [{"loc": loc, "msg": "Invalid request body", "type": "validation_error"}]


def json_body_decoder(tp: Any, loc: list[Any], embed_key: str | None) -> Callable[[bytes], Any]:
    own = getattr(tp, "_bolt_json_decoder", None)
    if embed_key is None and own is not None:
        # Serializers validate themselves (every failing field, validators included).
        return own(loc)
    if embed_key is None:
        decoder = json_decoder(tp)

        def decode(raw: bytes) -> Any:
            try:
                return decoder.decode(raw)
            except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                raise RequestValidationError(validation_errors(tp, raw, loc)) from None

        return decode

    object_decoder = msgspec.json.Decoder(dict)

    def decode_embedded(raw: bytes) -> Any:
        try:
            data = object_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise RequestValidationError(
                [{"loc": ["body"], "msg": f"Invalid JSON object: {exc}", "type": "json_invalid"}]
            ) from None
        except RecursionError:
            raise RequestValidationError(_too_deep(["body"])) from None
        if embed_key not in data:
            raise RequestValidationError([{"loc": loc, "msg": "Field required", "type": "missing"}])
        if own is not None:  # a Serializer: its own validation, every failing field under loc
            return tp.model_validate(data[embed_key], loc=loc)
        errors: list[dict[str, Any]] = []
        try:
            _collect(tp, data[embed_key], loc, errors)
            if not errors:
                return msgspec.convert(data[embed_key], tp)
        except RecursionError:
            errors = _too_deep(loc)
        raise RequestValidationError(errors)

    return decode_embedded


def _file_fields(tp: Any) -> list[tuple[str, File]]:
    """``(wire name, File marker)`` of the struct's fields annotated ``Annotated[..., File(...)]``."""
    if not (isinstance(tp, type) and issubclass(tp, msgspec.Struct)):
        return []
    out = []
    for field in msgspec.structs.fields(tp):
        _base, extras, _optional = _parse_annotation(field.type)
        marker = next((m for m in extras if isinstance(m, File)), None)
        if marker is not None and marker.constraints():
            out.append((field.encode_name, marker))
    return out


def is_sequence_field(annotation: Any) -> bool:
    """A ``list``/``set``/``frozenset``/``tuple`` field (also ``Optional``), which every value of
    a repeated form key fills."""
    return sequence_shape(_parse_annotation(annotation)[0]) is not None


def sequence_field_names(tp: Any) -> tuple[str, ...]:
    """Wire names of the struct's fields of a sequence type, in field order: a form field sent
    once still fills them (as a list of one value)."""
    if not (isinstance(tp, type) and issubclass(tp, msgspec.Struct)):
        return ()
    return tuple(f.encode_name for f in msgspec.structs.fields(tp) if is_sequence_field(f.type))


def _required_upload_fields(tp: Any) -> list[str]:
    """Wire names of the struct's required fields that hold uploaded files."""
    if not (isinstance(tp, type) and issubclass(tp, msgspec.Struct)):
        return []
    return [
        f.encode_name for f in msgspec.structs.fields(tp) if f.required and _is_upload(_parse_annotation(f.type)[0])[0]
    ]


def form_model_decoder(tp: Any) -> Callable[[dict[str, Any]], Any]:
    file_fields = _file_fields(tp)
    sequences = sequence_field_names(tp)
    required_uploads = _required_upload_fields(tp)

    def decode(fields: dict[str, Any]) -> Any:
        for key in sequences:
            value = fields.get(key)
            if value is not None and not isinstance(value, list):
                fields[key] = [value]
        # A missing file is named as for a File() argument (src/params/mod.rs).
        errors = [
            {"loc": ["body", key], "msg": "Missing required file", "type": "file_missing"}
            for key in required_uploads
            if key not in fields
        ]
        for key, marker in file_fields:
            value = fields.get(key)
            if value is not None:
                error = marker.check(value if isinstance(value, list) else [value], ["body", key])
                if error is not None:
                    errors.append(error)
        if errors:
            raise RequestValidationError(errors)
        try:
            return msgspec.convert(fields, tp, strict=False)
        except msgspec.ValidationError as exc:
            raise RequestValidationError([_msgspec_error(exc, ["form"])]) from None

    return decode


def serializer_output_form(model: Any) -> Callable[[Any], Any] | None:
    """``S.output`` when ``model`` is a serializer ``S`` (or ``list[S]``), else None."""
    from .serializers.base import nested_of

    serializer, _many = nested_of(model)
    return serializer.output if serializer is not None else None


def response_shaper(model: Any) -> Callable[[Any], Any]:
    from .serializers.base import nested_of

    serializer, _many = nested_of(model)
    if serializer is not None:
        # Output form of a serializer: write-only fields left out, computed fields added, model
        # rows read with the relations it needs loaded up front.
        return serializer.output

    def shape(result: Any) -> Any:
        if hasattr(result, "_iterable_class") and hasattr(result, "model"):  # a QuerySet
            result = list(result)
        try:
            return msgspec.convert(result, model, from_attributes=True)
        except msgspec.ValidationError as exc:
            raise ResponseValidationError([_msgspec_error(exc, ["response"])]) from None

    return shape


# ---------------------------------------------------------------- signatures


@dataclasses.dataclass
class CompiledHandler:
    handler: Callable[..., Any]
    is_async: bool
    params: list[ParamRecord]
    #: ``Depends`` arguments, resolved once into plans the route's stage chain runs.
    dependencies: dict[str, DependencyPlan] = dataclasses.field(default_factory=dict)
    #: What the OpenAPI generator reads besides ``params``, by argument name.
    docs: dict[str, ParamDoc] = dataclasses.field(default_factory=dict)
    #: Route keywords that only dependencies read (``_DependencyParams``).
    hidden: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ParamDoc:
    """A parameter's type and marker as written (``Optional``/``Annotated`` peeled), for the
    OpenAPI generator; the constraints it documents are the ones in the ``ParamRecord``."""

    base: Any
    marker: Param | None
    #: A JSON body read from the key of its name in the object (``embed``, or several bodies).
    embedded: bool = False


def _marker_of(extras: list[Any], default: Any) -> tuple[Param | Depends | None, Any]:
    for extra in extras:
        if isinstance(extra, (Param, Depends)):
            return extra, default
    if isinstance(default, (Param, Depends)):
        marker = default
        return marker, (marker.default if isinstance(marker, Param) else inspect.Parameter.empty)
    return None, default


def compile_param(
    name: str,
    annotation: Any,
    default: Any,
    path_names: set[str],
    *,
    body_count: int,
    path_complete: bool = True,
    where: str,
) -> ParamRecord | Depends:
    base, extras, optional = _parse_annotation(annotation)
    if name == "request" and base is dict and not extras:
        # The release's handlers often write ``request: dict`` (its request is a mapping; ours
        # reads as one too): the request, not a JSON body.
        return {"name": name, "source": "request", "required": False}
    in_annotated = next((e for e in extras if isinstance(e, Param)), None)
    if in_annotated is not None and in_annotated.default is not _UNSET:
        raise DeclarationError(
            f"{where}: parameter {name!r}: {type(in_annotated).__name__}({in_annotated.default!r}) inside "
            "Annotated[...] sets a default there (a positional argument is the default, not the alias). "
            "Set the default value with `=` instead"
        )
    marker, default = _marker_of(extras, default)
    if isinstance(marker, Depends):
        return marker
    if default is _UNSET:
        default = inspect.Parameter.empty
    has_default = default is not inspect.Parameter.empty
    spec: ParamRecord = {"name": name, "source": "query", "key": name, "required": not has_default and not optional}
    if has_default:
        spec["default"] = default
    elif optional:
        spec["default"] = None
    # The release takes an unannotated ``request`` or ``req`` as the request.
    if _is_request_type(base) or (name in ("request", "req") and base in (Any, inspect.Parameter.empty)):
        return {"name": name, "source": "request", "required": False}
    if marker is not None:
        if marker.alias:
            spec["key"] = marker.alias
        spec.update(marker.constraints())
        if marker.embed and not isinstance(marker, Body):
            raise RouteDefinitionError(f"{where}: parameter {name!r}: embed= only applies to Body()")
    upload, upload_list = _is_upload(base)
    if isinstance(marker, File) or (upload and marker is None):
        _refuse_value_constraints(marker, name, "an uploaded file (use File(max_size=, ...))", where)
        _file_metas(spec, metas_of(extras), name, where)
        spec.update(source="file", kind="any", is_list=upload_list or sequence_shape(base) is not None)
        convert = file_converter(base)
        if convert is not None:
            spec["convert"] = convert
        return spec
    if marker is not None:
        source = marker.source
        if source not in _MARKER_SOURCES:
            raise DeclarationError(f"{where}: parameter {name!r}: unsupported source {source!r}")
    else:
        source = infer_param_source(name, base, path_names)
    if source == "path" and path_complete and name not in path_names and spec["key"] not in path_names:
        raise RouteDefinitionError(f"{where}: parameter {name!r} is marked Path() but the path has no {{{name}}}")
    if isinstance(marker, Header) and not marker.alias and marker.convert_underscores:
        spec["key"] = name.replace("_", "-")
    if source == "header":
        spec["key"] = spec["key"].lower()
    if source == "body":
        _refuse_value_constraints(marker, name, "a JSON body (constrain its model's fields)", where)
        embed = body_count > 1 or (isinstance(marker, Body) and marker.embed)
        spec.update(
            source="body",
            kind="any",
            decoder=json_body_decoder(base, ["body", name] if embed else ["body"], name if embed else None),
        )
        if embed:
            spec["key"] = name
        return spec
    if source == "form" and _is_model(base):
        _refuse_value_constraints(marker, name, "a form model (constrain its fields)", where)
        spec.update(source="form_model", kind="any", decoder=form_model_decoder(base))
        return spec
    if source in ("query", "header", "cookie") and _is_model(base):
        _refuse_value_constraints(marker, name, f"a {source} model (constrain its fields)", where)
        convert_underscores = not isinstance(marker, Header) or marker.convert_underscores
        fields = [_model_field_record(f, source, convert_underscores, where, name) for f in model_fields(base)]
        spec.update(source=source, kind="any", fields=fields, decoder=model_decoder(base, source), required=False)
        return spec
    return _simple_value(spec, name, annotation, base, extras, marker, source, where)


_MARKER_SOURCES = frozenset({"path", "query", "header", "cookie", "body", "form", "file"})

#: Sources that give one value per key: a sequence parameter of them holds one item.
_SINGLE_VALUE_SOURCES = frozenset({"path", "header", "cookie"})


def _simple_value(
    spec: ParamRecord,
    name: str,
    annotation: Any,
    base: Any,
    extras: list[Any],
    marker: Param | None,
    source: str,
    where: str,
) -> ParamRecord:
    """A value (or a sequence of values) coerced by Rust; ``msgspec.Meta`` constraints on the
    type apply like the marker's (the marker's win)."""

    def cannot_read() -> RouteDefinitionError:
        return RouteDefinitionError(
            f"{where}: parameter {name!r} of type {annotation!r} cannot be read from the {source}"
        )

    metas = metas_of(extras)
    try:
        check_metas_apply(base, metas)
    except TypeError as exc:
        raise DeclarationError(f"{where}: parameter {name!r}: {exc}") from None
    constraints = {**meta_constraints(metas), **spec_constraints(spec)}
    shape = sequence_shape(base)
    if shape is None:
        kind = _simple_kind(base)
        convert = string_converter(base, [source, spec.get("key", name)])
        if convert is not None:
            # Rust passes the text (or the int of an IntEnum); msgspec reads the value from it.
            kind = kind or "str"
            spec["convert"] = convert
        elif kind is None:
            raise cannot_read()
        spec.update(constraints, source=source, kind=kind, is_list=False)
        choices = string_choices(base)
    else:
        items = [_parse_annotation(t) for t in (shape.fixed or (shape.item,))]
        kinds = {_simple_kind(item_base) for item_base, _, _ in items}
        if None in kinds:
            raise cannot_read()
        item_constraints: dict[str, Any] = {}
        for _item_base, item_extras, _ in items:
            item_constraints.update(meta_constraints(metas_of(item_extras)))
        if "min_length" in item_constraints or "max_length" in item_constraints:
            raise RouteDefinitionError(
                f"{where}: parameter {name!r}: min_length/max_length on the items of a sequence "
                "are not supported (they apply to the sequence itself)"
            )
        constraints = {**item_constraints, **constraints}
        if source in _SINGLE_VALUE_SOURCES and (
            (shape.fixed is not None and len(shape.fixed) != 1) or constraints.get("min_length", 0) > 1
        ):
            raise DeclarationError(
                f"{where}: parameter {name!r} of type {annotation!r}: a {source} value gives one item"
            )
        # A tuple of mixed item types is converted item by item by msgspec from the strings.
        kind = kinds.pop() if len(kinds) == 1 else "str"
        spec.update(constraints, source=source, kind=kind, is_list=True)
        fixed_type = tuple[tuple(item_base for item_base, _, _ in items)] if shape.fixed else None  # type: ignore[misc]
        convert = container_converter(shape, fixed_type, [source, spec.get("key", name)])
        if convert is not None:
            spec["convert"] = convert
        choices = string_choices(items[0][0]) if len(items) == 1 else None
    if choices is not None:
        spec["choices"] = choices
    _check_constraints_fit(spec, name, where)
    return spec


_NUMERIC_KINDS = frozenset({"int", "float", "decimal"})
_TEXT_KINDS = frozenset({"str", "bytes", "any"})


def _check_constraints_fit(spec: ParamRecord, name: str, where: str) -> None:
    """A bound on a value that is not a number, or a length or pattern on one that is not text,
    would never be checked: refused when the route is declared."""
    kind, is_list = spec["kind"], spec.get("is_list", False)
    unfit = [c for c in ("gt", "ge", "lt", "le") if c in spec and kind not in _NUMERIC_KINDS]
    if "pattern" in spec and kind not in _TEXT_KINDS:
        unfit.append("pattern")
    if not is_list and kind not in _TEXT_KINDS:
        unfit.extend(c for c in ("min_length", "max_length") if c in spec)
    if unfit:
        raise DeclarationError(f"{where}: parameter {name!r}: {', '.join(unfit)} cannot apply to a {kind} value")


def spec_constraints(spec: ParamRecord) -> dict[str, Any]:
    return {k: spec[k] for k in _VALUE_CONSTRAINTS if k in spec}  # type: ignore[literal-required]


def _model_field_record(
    field: ModelField, source: str, convert_underscores: bool, where: str, param: str
) -> ParamRecord:
    """A field of a query/header/cookie model, coerced by Rust like a simple parameter."""
    base, _extras, _optional = _parse_annotation(field.annotation)
    item = _list_item(base)
    kind = _simple_kind(item if item is not None else base)
    if kind is None and read_from_text(item if item is not None else base):
        kind = "str"  # the model's decoder reads the value from the text
    if kind is None:
        raise RouteDefinitionError(
            f"{where}: parameter {param!r}: field {field.name!r} of type {field.annotation!r} "
            f"cannot be read from the {source}"
        )
    record: ParamRecord = {
        "name": field.name,
        "source": source,
        "key": wire_key(field, source, convert_underscores),
        "kind": kind,
        "is_list": item is not None,
        "required": field.required,
    }
    choices = string_choices(item if item is not None else base)
    if choices is not None:
        record["choices"] = choices
    return record


def read_from_text(tp: Any) -> bool:
    """A value type msgspec reads from the text (or from the int Rust coerced): ``timedelta``
    (ISO 8601 duration or seconds), an ``Enum`` of values that are not strings (an ``IntEnum``
    too: its member, not any int), a ``Literal`` of mixed values."""
    if tp is datetime.timedelta:
        return True
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return not issubclass(tp, str)  # a str Enum is checked against its values by Rust
    if typing.get_origin(tp) is typing.Literal:
        return string_choices(tp) is None
    return False


def string_converter(tp: Any, loc: list[Any]) -> Callable[[Any], Any] | None:
    """``value -> tp`` with msgspec for the types of ``read_from_text`` (a 422 at ``loc`` for a
    value that is not one); None for other types."""
    if not read_from_text(tp):
        return None

    def convert(value: Any) -> Any:
        try:
            return msgspec.convert(value, tp, strict=False)
        except msgspec.ValidationError as exc:
            raise RequestValidationError([_msgspec_error(exc, loc)]) from None

    return convert


def string_choices(tp: Any) -> list[str] | None:
    """The values a ``Literal`` of strings or a string ``Enum`` allows (checked by Rust on the raw
    value); None for other types."""
    if typing.get_origin(tp) is typing.Literal:
        values = list(typing.get_args(tp))
    elif isinstance(tp, type) and issubclass(tp, enum.Enum) and issubclass(tp, str):
        values = [member.value for member in tp]
    else:
        return None
    return values if values and all(isinstance(v, str) for v in values) else None


_VALUE_CONSTRAINTS = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern")


def _file_metas(spec: ParamRecord, metas: list[msgspec.Meta], name: str, where: str) -> None:
    """``msgspec.Meta(max_length=)`` on a list of files is the number of files allowed; other
    constraints cannot apply to files."""
    constraints = meta_constraints(metas)
    if "max_length" in constraints:
        spec.setdefault("max_files", constraints.pop("max_length"))
    if constraints:
        raise RouteDefinitionError(
            f"{where}: parameter {name!r}: {', '.join(constraints)} cannot apply to uploaded files "
            "(use File(max_size=, max_files=, ...))"
        )


def _refuse_value_constraints(marker: Param | None, name: str, what: str, where: str) -> None:
    """Value constraints are checked on simple values only: on a model or file they would be
    silently ignored, so they are refused."""
    given = [c for c in _VALUE_CONSTRAINTS if marker is not None and getattr(marker, c, None) is not None]
    if given:
        raise RouteDefinitionError(f"{where}: parameter {name!r}: {', '.join(given)} cannot apply to {what}")


def _is_body_candidate(annotation: Any, default: Any, path_names: set[str], name: str) -> bool:
    base, extras = _split_annotated(annotation)
    marker, _ = _marker_of(extras, default)
    if isinstance(marker, Body):
        return True
    return marker is None and infer_param_source(name, base, path_names) == "body"


#: Opcodes through which a coroutine can suspend: every ``await``, ``async for`` and
#: ``async with`` compiles to one of them (3.10: YIELD_FROM; 3.11+: SEND/YIELD_VALUE).
_SUSPENDING_OPS = frozenset(
    {"YIELD_VALUE", "YIELD_FROM", "SEND", "GET_AWAITABLE", "GET_AITER", "GET_ANEXT", "BEFORE_ASYNC_WITH"}
)


def never_suspends(fn: Callable[..., Any]) -> bool:
    """True for a plain ``async def`` whose own code has no await point: its coroutine runs to its
    ``return`` in one step, so Rust runs it without an asyncio task."""
    if not isinstance(fn, types.FunctionType) or not fn.__code__.co_flags & inspect.CO_COROUTINE:
        return False
    return not any(ins.opname in _SUSPENDING_OPS for ins in dis.get_instructions(fn.__code__))


def compile_handler(fn: Callable[..., Any], path: str, where: str, *, path_known: bool = True) -> CompiledHandler:
    """``path_known=False``: the route is being declared and a router may still put a prefix
    with parameters before ``path``, so the path is not checked for missing parameters."""
    is_async = inspect.iscoroutinefunction(fn)
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # noqa: BLE001 - report unresolved annotations with the route
        raise RouteDefinitionError(f"{where}: cannot resolve type hints: {exc}") from exc
    path_names = path_param_names(path)
    body_count = sum(
        _is_body_candidate(hints.get(n, p.annotation), p.default, path_names, n)
        for n, p in signature.parameters.items()
    )
    params: list[ParamRecord] = []
    wanted: dict[str, Depends] = {}
    dependencies: dict[str, DependencyPlan] = {}
    docs: dict[str, ParamDoc] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        annotation = hints.get(name, parameter.annotation)
        compiled = compile_param(
            name,
            annotation,
            parameter.default,
            path_names,
            body_count=body_count,
            where=where,
            path_complete=path_known,
        )
        if isinstance(compiled, Depends):
            wanted[name] = compiled
            continue
        compiled["keyword_only"] = parameter.kind is inspect.Parameter.KEYWORD_ONLY
        params.append(compiled)
        docs[name] = _param_doc(compiled, annotation, parameter.default, body_count)
    _refuse_two_types_for_one_key(params, docs, where)
    binder = _DependencyParams(params, docs, path_names, path_known)
    for name, dep in wanted.items():
        dependencies[name] = compile_dependency(dep, where, binder.bind)
    missing = path_names - {p["key"] for p in params if p.get("source") == "path"} if path_known else set()
    # A handler that takes the request reads the others from request.params (the release allows
    # it); one that does not would lose them, which is most likely a misspelt argument.
    if missing and not any(p.get("source") == "request" for p in params):
        raise RouteDefinitionError(f"{where}: path parameter(s) {sorted(missing)} are not arguments of the handler")
    if dependencies:
        # The chain adds the dependencies as keywords: every other argument must be one too.
        for p in params:
            p["keyword_only"] = True
    return CompiledHandler(fn, is_async, params, dependencies, docs, binder.hidden)


def _param_doc(compiled: ParamRecord, annotation: Any, default: Any, body_count: int) -> ParamDoc:
    base, extras, _ = _parse_annotation(annotation)
    marker, _ = _marker_of(extras, default)
    marker = marker if isinstance(marker, Param) else None
    embedded = compiled["source"] == "body" and (body_count > 1 or (isinstance(marker, Body) and marker.embed))
    return ParamDoc(base, marker, embedded)


class _DependencyParams:
    """Makes the value arguments of a route's dependencies route parameters, coerced by Rust like
    the handler's: an argument reading the key (or, for a JSON body, the type) a handler argument
    reads shares its value; any other gets a hidden keyword the dependency stage takes back
    before the handler runs. Two types for one key are refused, as for handler arguments."""

    def __init__(
        self, params: list[ParamRecord], docs: dict[str, ParamDoc], path_names: set[str], path_complete: bool
    ) -> None:
        self.params, self.docs = params, docs
        self.path_names, self.path_complete = path_names, path_complete
        self.hidden: list[str] = []

    def bind(self, name: str, annotation: Any, default: Any, where: str) -> str | None:
        """The route keyword holding the argument's value (None: the argument is the request)."""
        compiled = compile_param(
            name, annotation, default, self.path_names, body_count=1, where=where, path_complete=self.path_complete
        )
        if isinstance(compiled, Depends) or compiled["source"] == "request":
            return None
        doc = _param_doc(compiled, annotation, default, 1)
        for p in self.params:
            if p["source"] != compiled["source"]:
                continue
            if compiled["source"] == "body":
                if self.docs[p["name"]].base == doc.base and not self.docs[p["name"]].embedded:
                    return p["name"]  # one decode of the body for both
                continue
            if _wire_key(p) == _wire_key(compiled):
                if self.docs[p["name"]].base != doc.base:
                    raise DeclarationError(
                        f"{where}: parameter {name!r} reads the {p['source']} key {_wire_key(p)!r} that "
                        f"{p['name']!r} reads, with another type ({doc.base!r} and {self.docs[p['name']].base!r})"
                    )
                return p["name"]
        hidden = f"{where}.{name}"  # not an identifier: cannot collide with a handler argument
        compiled.update(name=hidden, keyword_only=True)
        self.params.append(compiled)
        self.docs[hidden] = doc
        self.hidden.append(hidden)
        return hidden


def _wire_key(p: ParamRecord) -> str:
    """The key a parameter reads; X-N, x-n and x_n name one header (proxies and clients mix them)."""
    key = p.get("key", p["name"])
    return key.lower().replace("_", "-") if p["source"] == "header" else key


_KEYED_SOURCES = frozenset({"path", "query", "header", "cookie", "form"})


def _refuse_two_types_for_one_key(params: list[ParamRecord], docs: dict[str, ParamDoc], where: str) -> None:
    """Two arguments reading one key of one source with different types: one of them would
    refuse every value the other accepts, most likely a mistake (the release refuses it too)."""
    first_reader: dict[tuple[str, str], str] = {}
    for p in params:
        source = p["source"]
        if source not in _KEYED_SOURCES:
            continue
        key = _wire_key(p)
        first = first_reader.setdefault((source, key), p["name"])
        if first != p["name"] and docs[first].base != docs[p["name"]].base:
            raise DeclarationError(
                f"{where}: parameters {first!r} and {p['name']!r} read the {source} key {key!r} "
                f"with different types ({docs[first].base!r} and {docs[p['name']].base!r})"
            )


#: Methods whose requests carry no body a handler could read (HEAD mirrors GET; OPTIONS asks
#: what the server allows).
BODYLESS_METHODS = frozenset({"HEAD", "OPTIONS"})

_BODY_SOURCES = frozenset({"body", "form", "form_model", "file"})


def refuse_body_parameters(method: str, compiled: CompiledHandler, where: str) -> None:
    """A HEAD or OPTIONS handler reading a body is a mistake (the release refuses it too)."""
    if method in BODYLESS_METHODS:
        names = [p["name"] for p in compiled.params if p["source"] in _BODY_SOURCES]
        if names:
            raise RouteDefinitionError(
                f"{where}: a {method} handler cannot have body parameters ({', '.join(names)}); "
                "use POST/PUT/PATCH, or Query() for query parameters"
            )


def check_route_declaration(method: str, path: str, fn: Callable[..., Any]) -> None:
    """The checks the release makes when a route is declared, so the error points at the
    decorator: mistakes in the signature itself, and body parameters of HEAD/OPTIONS. A handler
    that cannot be compiled yet (a forward reference, a path completed by a router prefix) is
    checked when the API is compiled."""
    where = f"{method} {path} ({getattr(fn, '__qualname__', fn)!r})"
    try:
        compiled = compile_handler(fn, path, where, path_known=False)
    except (DeclarationError, DependencyCycleError):
        raise
    except Exception:  # noqa: BLE001 - reported, with the route, when the API is compiled
        return
    refuse_body_parameters(method, compiled, where)
