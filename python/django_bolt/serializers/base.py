"""``Serializer``: a msgspec Struct with validators, computed fields and Django model support.

Input is validated field by field so that one 422 lists every failing field, with ``loc`` paths
into nested serializers and lists. Output (``dump``) leaves write-only fields out and adds computed
fields. Reading model instances (``from_model``/``dump_many``) uses the ``select_related`` /
``prefetch_related`` the serializer's nested fields need (``loading_plan``), so a page of rows is a
fixed number of queries.
"""

from __future__ import annotations

import contextvars
import dataclasses
import typing
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

import msgspec

from ..exceptions import RequestValidationError, SerializationError, invalid_json_error
from .decorators import (
    ComputedFieldConfig,
    collect_computed_fields,
    collect_field_validators,
    collect_model_validators,
)
from .fields import _UNSET, FieldConfig, _FieldMarker
from .local_types import resolve_local_annotations
from .nested import ResolvedNestedConfig, resolve_nested_config, validate_nested_field

T = TypeVar("T", bound="Serializer")
_STRUCT_META = type(msgspec.Struct)
#: Set while building instances from trusted data (model rows): validators are for input only.
_TRUSTED: contextvars.ContextVar[bool] = contextvars.ContextVar("bolt_serializer_trusted", default=False)
_MISSING = object()


def _strip(tp: Any) -> tuple[Any, bool]:
    """Peels ``Annotated`` and ``Optional``: (inner type, was optional)."""
    optional = False
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin is typing.Union or type(tp).__name__ == "UnionType":
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                optional = optional or len(args) < len(typing.get_args(tp))
                tp = args[0]
                continue
        return tp, optional


def _is_serializer(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Serializer)


def nested_of(tp: Any) -> tuple[type[Serializer] | None, bool]:
    """``(serializer class, many)`` of a field typed ``S``, ``S | None`` or ``list[S]``."""
    config = resolve_nested_config(tp)
    return (None, False) if config is None else (config.serializer_class, config.many)


def Nested(serializer: type[Serializer], *, many: bool = False) -> Any:  # noqa: N802 - reads as a type
    """The type of a nested field: ``author: Nested(AuthorSerializer)`` is ``AuthorSerializer``,
    ``many=True`` is ``list[AuthorSerializer]``. Plain annotations work the same."""
    if not _is_serializer(serializer):
        raise TypeError(f"Nested() takes a Serializer subclass, not {serializer!r}")
    return list[serializer] if many else serializer  # type: ignore[valid-type]


@dataclasses.dataclass(frozen=True)
class _FieldSpec:
    """One struct field as the serializer reads and writes it (computed once per class)."""

    name: str
    #: Its JSON name (alias / rename), in input and output.
    key: str
    type: Any
    required: bool
    read_only: bool
    write_only: bool
    excluded: bool
    source: str
    nested: type[Serializer] | None
    many: bool
    #: Typed ``Any``/``object`` or a nested serializer: could be handed a Django manager or
    #: queryset (set by hand, not by ``from_model``), which ``dump`` refuses by name.
    may_hold_orm: bool = False


def _model_config(namespace: dict[str, Any]) -> Any:
    """The ``Config`` (or ``Meta``, if it is not msgspec's) inner class of a serializer body."""
    for key in ("Config", "Meta"):
        value = namespace.get(key)
        if isinstance(value, type):
            return value
    return None


class _SerializerMeta(_STRUCT_META):
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any):
        # Keyword-only fields: required and optional fields may come in any order.
        kwargs.setdefault("kw_only", True)
        resolve_local_annotations(namespace, depth=1)
        configs: dict[str, FieldConfig] = {}
        for key, value in list(namespace.items()):
            if isinstance(value, _FieldMarker):
                configs[key] = value.config
                options: dict[str, Any] = {}
                if value.config.alias:
                    options["name"] = value.config.alias
                if value.default_factory is not None:
                    options["default_factory"] = value.default_factory
                elif value.default is not _UNSET:
                    options["default"] = value.default
                elif value.config.read_only:
                    # Output-only: never required on input.
                    options["default"] = None
                namespace[key] = msgspec.field(**options)
        config = _model_config(namespace)
        model = getattr(config, "model", None) if config is not None else None
        if model is not None and not hasattr(model, "_meta"):
            raise TypeError(f"{name}.Config.model must be a Django model class, not {model!r}")
        if (
            model is not None
            and not namespace.get("__bolt_all_declared__")
            and not any(getattr(b, "__bolt_model__", None) is model for b in bases)
        ):
            # Fields of Config.model not declared in the body come from a generated base class.
            from .helpers import model_fields_base

            declared = set(namespace.get("__annotations__", {}))
            bases = (model_fields_base(model, config, declared), *bases)
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        cls._bolt_setup(configs, config)
        return cls

    # The release's names for the field sets that dump() and input leave out.
    @property
    def __write_only_fields__(cls) -> frozenset[str]:
        return frozenset(spec.name for spec in cls._specs() if spec.write_only)

    @property
    def __read_only_fields__(cls) -> frozenset[str]:
        return frozenset(spec.name for spec in cls._specs() if spec.read_only)


class Serializer(msgspec.Struct, metaclass=_SerializerMeta):
    """A msgspec Struct with validation and Django model support.

    ``@field_validator``/``@model_validator`` run on input (``model_validate*``, a handler's body
    parameter, or plain construction); ``field()`` marks read-only/write-only fields and sources;
    ``class Config`` may give ``model``, ``fields``, ``exclude``, ``read_only``, ``write_only`` and
    ``field_sets``.
    """

    __bolt_specs__: ClassVar[tuple[_FieldSpec, ...]] = ()
    __bolt_by_key__: ClassVar[dict[str, _FieldSpec]] = {}
    __field_validators__: ClassVar[dict[str, list[Any]]] = {}
    __model_validators__: ClassVar[list[Any]] = []
    __computed_fields__: ClassVar[dict[str, ComputedFieldConfig]] = {}
    __bolt_computed__: ClassVar[tuple[ComputedFieldConfig, ...]] = ()
    __bolt_field_sets__: ClassVar[dict[str, list[str]]] = {}
    __bolt_model__: ClassVar[Any] = None
    __bolt_ready__: ClassVar[bool] = False
    __bolt_configs__: ClassVar[dict[str, FieldConfig]] = {}

    # ------------------------------------------------------------ class setup

    @classmethod
    def _bolt_setup(cls, configs: dict[str, FieldConfig], config: Any) -> None:
        inherited: dict[str, FieldConfig] = {}
        for base in reversed(cls.__mro__[1:]):
            inherited.update(getattr(base, "__bolt_configs__", {}))
        inherited.update(configs)
        cls.__bolt_configs__ = inherited
        cls.__bolt_config_class__ = config
        if config is not None and getattr(config, "model", None) is not None:
            cls.__bolt_model__ = config.model
        cls.__field_validators__ = collect_field_validators(cls)
        cls.__model_validators__ = collect_model_validators(cls)
        cls.__computed_fields__ = collect_computed_fields(cls)
        #: The computed fields as ``dump`` iterates them.
        cls.__bolt_computed__ = tuple(cls.__computed_fields__.values())
        #: The release's name for "this class has field validators".
        cls.__has_field_validators__ = bool(cls.__field_validators__)
        cls.__bolt_field_sets__ = dict(getattr(config, "field_sets", {}) or {}) or getattr(
            cls, "__bolt_field_sets__", {}
        )
        unknown = set(cls.__field_validators__) - set(cls.__struct_fields__)
        if unknown and cls.__struct_fields__:
            raise TypeError(f"{cls.__name__}: @field_validator for unknown field(s) {sorted(unknown)}")
        # Field types may name classes defined later: resolved on first use.
        cls.__bolt_ready__ = False

    @classmethod
    def _specs(cls) -> tuple[_FieldSpec, ...]:
        if not cls.__dict__.get("__bolt_ready__", False):
            cls._prepare()
        return cls.__bolt_specs__

    @classmethod
    def _prepare(cls) -> None:
        config = cls.__dict__.get("__bolt_config_class__")
        read_only = set(getattr(config, "read_only", ()) or ())
        write_only = set(getattr(config, "write_only", ()) or ())
        for base in cls.__mro__[1:]:
            base_config = base.__dict__.get("__bolt_config_class__")
            read_only |= set(getattr(base_config, "read_only", ()) or ())
            write_only |= set(getattr(base_config, "write_only", ()) or ())
        specs = []
        for info in msgspec.structs.fields(cls):
            conf = cls.__bolt_configs__.get(info.name, FieldConfig())
            nested, many = nested_of(info.type)
            specs.append(
                _FieldSpec(
                    name=info.name,
                    key=info.encode_name,
                    type=info.type,
                    required=info.required,
                    read_only=conf.read_only or info.name in read_only,
                    write_only=conf.write_only or info.name in write_only,
                    excluded=conf.exclude,
                    source=conf.source or info.name,
                    nested=nested,
                    many=many,
                    may_hold_orm=nested is not None or _strip(info.type)[0] in (Any, object),
                )
            )
        cls.__bolt_specs__ = tuple(specs)
        cls.__bolt_by_key__ = {s.key: s for s in specs}
        cls.__bolt_ready__ = True

    # ------------------------------------------------------------ validation

    def __post_init__(self) -> None:
        cls = type(self)
        if _TRUSTED.get():
            return
        checks = cls.__dict__.get("__bolt_checks__")
        if checks is None:
            checks = cls._construction_checks()
        if not (checks or cls.__field_validators__ or cls.__model_validators__):
            return
        # Built in code (S(status="x")), msgspec checks no types: choices and nested values are
        # checked here (decoded bodies already passed msgspec's checks, so these pass too).
        errors = self._check_constructed(checks) if checks else []
        if not errors:
            errors = self._run_validators([])
        if errors:
            # The same ``loc`` as a decoded body has (``["body", "email"]``): one error shape to
            # handle. Code that builds this instance inside a larger body re-roots the relative form.
            exc = RequestValidationError([{**e, "loc": ["body", *e["loc"]]} for e in errors])
            exc._bolt_relative_errors = errors
            raise exc

    @classmethod
    def _construction_checks(cls) -> tuple[tuple[str, str, Any, Any], ...]:
        """``(name, key, allowed choices or None, ResolvedNestedConfig or None)`` per field with a
        ``Literal`` type or a nested serializer."""
        checks = []
        for spec in cls._specs():
            base, optional = _strip(spec.type)
            if typing.get_origin(base) is typing.Literal:
                allowed = frozenset(typing.get_args(base)) | ({None} if optional else frozenset())
                checks.append((spec.name, spec.key, allowed, None))
            elif spec.nested is not None:
                checks.append((spec.name, spec.key, None, ResolvedNestedConfig(spec.nested, spec.many)))
        cls.__bolt_checks__ = tuple(checks)
        return cls.__bolt_checks__

    def _check_constructed(self, checks: tuple[tuple[str, str, Any, Any], ...]) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = []
        for name, key, choices, nested in checks:
            value = getattr(self, name)
            if choices is not None:
                if value not in choices:
                    expected = ", ".join(sorted(repr(c) for c in choices))
                    errors.append(
                        {
                            "loc": [key],
                            "msg": f"Invalid value {value!r}: expected one of {expected}",
                            "type": "literal_error",
                        }
                    )
                continue
            try:
                converted = validate_nested_field(value, nested, key)
            except RequestValidationError as exc:
                errors.extend(exc.errors_list())
                continue
            if not errors and converted is not value:
                msgspec.structs.force_setattr(self, name, converted)
        return errors

    def _run_validators(self, loc: list[Any]) -> list[dict[str, Any]]:
        cls = type(self)
        errors: list[dict[str, Any]] = []
        keys = {s.name: s.key for s in cls._specs()}
        for name, validators in cls.__field_validators__.items():
            failed, value = _validated(cls, validators, getattr(self, name), [*loc, keys.get(name, name)], errors)
            # Struct instances are mutable unless frozen=True: the validated value replaces the input.
            if not failed and value is not getattr(self, name):
                msgspec.structs.force_setattr(self, name, value)
        if errors:
            return errors
        for fn in cls.__model_validators__:
            try:
                fn(self)
            except (ValueError, TypeError, AssertionError) as exc:
                errors.append({"loc": list(loc), "msg": _message(exc), "type": "value_error"})
        return errors

    @classmethod
    def _field_validator_errors(cls, values: dict[str, Any], loc: list[Any]) -> list[dict[str, Any]]:
        """The field validators' errors for the already converted ``values`` (no instance)."""
        errors: list[dict[str, Any]] = []
        keys = {s.name: s.key for s in cls._specs()}
        for name, validators in cls.__field_validators__.items():
            if name not in values:
                continue
            _validated(cls, validators, values[name], [*loc, keys.get(name, name)], errors)
        return errors

    @classmethod
    def _build(cls: type[T], data: Any, loc: list[Any], errors: list[dict[str, Any]]) -> T | None:
        """An instance from decoded JSON-like ``data``; appends every problem to ``errors``."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            errors.append(
                {"loc": list(loc), "msg": f"Expected `object`, got `{_json_type(data)}`", "type": "type_error"}
            )
            return None
        before = len(errors)
        values: dict[str, Any] = {}
        specs = cls._specs()  # prepares __bolt_by_key__ too
        if cls.__struct_config__.forbid_unknown_fields:
            errors.extend(
                {"loc": [*loc, key], "msg": f"Object contains unknown field `{key}`", "type": "validation_error"}
                for key in data
                if key not in cls.__bolt_by_key__
            )
        for spec in specs:
            if spec.read_only:
                continue  # output only: whatever the client sends is ignored
            value = data.get(spec.key, _MISSING)
            if value is _MISSING:
                if spec.required:
                    errors.append({"loc": [*loc, spec.key], "msg": "Field required", "type": "missing"})
                continue
            failed = len(errors)
            converted = _convert_value(spec, value, [*loc, spec.key], errors)
            if len(errors) == failed:
                values[spec.name] = converted
        if len(errors) > before:
            # Some fields failed their type/constraint checks: the field validators of the ones
            # that passed still run, so one answer lists both kinds of problem.
            errors.extend(cls._field_validator_errors(values, loc))
            return None
        try:
            return cls(**values)
        except RequestValidationError as exc:
            errors.extend({**e, "loc": [*loc, *e.get("loc", [])]} for e in _relative_errors(exc))
            return None

    @classmethod
    def model_validate(cls: type[T], data: Any, *, loc: list[Any] | None = None) -> T:
        """Validates ``data`` (a dict, or a model instance: read with ``from_model``); raises
        ``RequestValidationError`` (a 422 listing every failing field)."""
        if not isinstance(data, (dict, Serializer)) and hasattr(data, "_meta"):
            return cls.from_model(data)
        errors: list[dict[str, Any]] = []
        result = cls._build(data, ["body"] if loc is None else loc, errors)
        if errors or result is None:
            raise RequestValidationError(errors)
        return result

    @classmethod
    def model_validate_json(cls: type[T], json_data: str | bytes, *, loc: list[Any] | None = None) -> T:
        loc = ["body"] if loc is None else loc
        try:
            data = msgspec.json.decode(json_data)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise RequestValidationError([invalid_json_error(exc, json_data, loc)]) from None
        except RecursionError:
            raise RequestValidationError(
                [{"loc": loc, "msg": "Invalid JSON: nested too deeply", "type": "json_invalid"}]
            ) from None
        return cls.model_validate(data, loc=loc)

    @classmethod
    def validate_partial(cls, data: Any, *, loc: list[Any] | None = None) -> dict[str, Any]:
        """Validates only the fields present in ``data`` (a PATCH body): ``{field name: value}``.
        Field validators of those fields run; model validators need the whole object and do not."""
        loc = ["body"] if loc is None else loc
        if not isinstance(data, dict):
            raise RequestValidationError(
                [{"loc": loc, "msg": f"Expected `object`, got `{_json_type(data)}`", "type": "type_error"}]
            )
        errors: list[dict[str, Any]] = []
        values: dict[str, Any] = {}
        for spec in cls._specs():
            if spec.read_only or spec.key not in data:
                continue
            value = _convert_value(spec, data[spec.key], [*loc, spec.key], errors)
            for fn in cls.__field_validators__.get(spec.name, ()):
                try:
                    result = fn(cls, value)
                except (ValueError, TypeError, AssertionError) as exc:
                    errors.append({"loc": [*loc, spec.key], "msg": _message(exc), "type": "value_error"})
                    break
                if result is not None:
                    value = result
            values[spec.name] = value
        if errors:
            raise RequestValidationError(errors)
        return values

    def validate(self: T) -> T:
        """Runs the validators again on this instance (after changing it, say)."""
        errors = self._run_validators([])
        if errors:
            raise RequestValidationError(errors)
        return self

    @classmethod
    def _bolt_json_decoder(cls, loc: list[Any]) -> Any:
        """The request-body decoder the handler compiler uses for a parameter of this type."""

        def decode(raw: bytes) -> Any:
            return cls.model_validate_json(raw, loc=loc)

        return decode

    # ------------------------------------------------------------ models

    @classmethod
    def from_model(cls: type[T], instance: Any, *, _depth: int = 0, max_depth: int = 10) -> T:
        """An instance read from a Django model instance (no validators run: it is output)."""
        if _depth > max_depth:
            raise SerializationError(f"{cls.__name__}.from_model(): nesting deeper than {max_depth}")
        values: dict[str, Any] = {}
        for spec in cls._specs():
            value = _read_attribute(instance, spec)
            if value is _MISSING:
                if spec.required:
                    raise SerializationError(
                        f"{cls.__name__}.from_model(): {type(instance).__name__} has no attribute {spec.source!r}"
                    )
                continue
            if spec.nested is not None and value is not None:
                if spec.many:
                    value = [
                        v if isinstance(v, spec.nested) else spec.nested.from_model(v, _depth=_depth + 1)
                        for v in _related_items(value)
                    ]
                elif not isinstance(value, spec.nested):
                    value = spec.nested.from_model(value, _depth=_depth + 1)
            elif _is_manager(value):
                value = [item.pk for item in value.all()]
            elif hasattr(value, "_meta") and hasattr(value, "pk") and not hasattr(value, "__struct_fields__"):
                value = value.pk  # a related object where the field holds its key
            values[spec.name] = value
        token = _TRUSTED.set(True)
        try:
            return cls(**values)
        finally:
            _TRUSTED.reset(token)

    @classmethod
    async def afrom_model(cls: type[T], instance: Any) -> T:
        """``from_model`` from async code: relations not loaded yet are read on a thread."""
        from asgiref.sync import sync_to_async

        return await sync_to_async(cls.from_model, thread_sensitive=True)(instance)

    @classmethod
    def loading_plan(cls, model: Any) -> LoadingPlan:
        """The ``select_related``/``prefetch_related`` lookups this serializer reads on ``model``."""
        from .loading import build_loading_plan

        return build_loading_plan(cls, model)

    @classmethod
    def prepare_queryset(cls, queryset: Any) -> Any:
        """``queryset`` with the loads this serializer needs added (kept if already there)."""
        return cls.loading_plan(queryset.model).apply(queryset)

    _prepare_queryset = prepare_queryset  # the release's (private) name, kept for code that calls it

    @classmethod
    def from_models(cls: type[T], objects: Iterable[Any]) -> list[T]:
        if _is_queryset(objects):
            objects = cls.prepare_queryset(objects)
        return [obj if isinstance(obj, cls) else cls.from_model(obj) for obj in objects]

    @classmethod
    async def afrom_models(cls: type[T], objects: Iterable[Any]) -> list[T]:
        if _is_queryset(objects):
            rows = [obj async for obj in cls.prepare_queryset(objects)]
            return [cls.from_model(obj) for obj in rows]
        return [obj if isinstance(obj, cls) else cls.from_model(obj) for obj in objects]

    def to_dict(self, *, exclude_unset: bool = False) -> dict[str, Any]:
        """``{field name: value}``, nested serializers as dicts; without read-only fields left at
        None. ``exclude_unset``: without fields still at their default."""
        out: dict[str, Any] = {}
        defaults = _defaults(type(self)) if exclude_unset else {}
        for spec in type(self)._specs():
            value = getattr(self, spec.name)
            if exclude_unset and spec.name in defaults and defaults[spec.name] == value:
                continue
            if spec.read_only and value is None:
                continue
            if isinstance(value, Serializer):
                value = value.to_dict()
            elif isinstance(value, list) and spec.nested is not None:
                value = [v.to_dict() if isinstance(v, Serializer) else v for v in value]
            out[spec.name] = value
        return out

    def _model_values(self, model: Any, *, keep_pk: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
        """Writable values for ``model``'s concrete fields (a FK given by key goes to ``<name>_id``),
        and the many-to-many ones (``{field name: (JSON key, keys or objects)}``) apart."""
        from django.core.exceptions import FieldDoesNotExist

        values: dict[str, Any] = {}
        many: dict[str, Any] = {}
        for spec in type(self)._specs():
            if spec.read_only or spec.nested is not None:
                continue
            try:
                model_field = model._meta.get_field(spec.source)
            except FieldDoesNotExist:
                continue
            if _is_forward_many_to_many(model_field):
                many[model_field.name] = (spec.key, getattr(self, spec.name))
                continue
            if not getattr(model_field, "concrete", False):
                continue
            if model_field.primary_key and (not keep_pk or _is_auto(model_field)):
                continue  # the database numbers new rows; a body never moves a row to another key
            value = getattr(self, spec.name)
            values[model_field.attname if model_field.is_relation else model_field.name] = value
        return values, many

    def to_model(self, model_class: Any) -> Any:
        """A new (unsaved) ``model_class`` instance with this serializer's writable fields.
        Many-to-many fields are set when the instance is saved (``save()`` or ``asave()``; a row
        needs its key before its links can be written)."""
        values, many = self._model_values(model_class)
        instance = model_class(**values)
        if many:
            defer_many_to_many(instance, many)
        return instance

    def update_instance(self, instance: Any) -> Any:
        """Sets this serializer's writable fields on ``instance`` (not saved; many-to-many fields
        are replaced when it is saved)."""
        # Never the primary key: a body must not move the row it updates to another key.
        values, many = self._model_values(type(instance), keep_pk=False)
        for name, value in values.items():
            setattr(instance, name, value)
        if many:
            defer_many_to_many(instance, many)
        return instance

    # ------------------------------------------------------------ output

    def dump(self, *, exclude_none: bool = False, exclude_defaults: bool = False) -> dict[str, Any]:
        """The output form: JSON names, no write-only/excluded fields, computed fields added."""
        return _dump(self, None, None, exclude_none, exclude_defaults)

    def dump_json(self, *, exclude_none: bool = False, exclude_defaults: bool = False) -> bytes:
        from .._json import encode

        return encode(self.dump(exclude_none=exclude_none, exclude_defaults=exclude_defaults))

    @classmethod
    def dump_many(
        cls, instances: Iterable[Any], *, exclude_none: bool = False, exclude_defaults: bool = False
    ) -> list[dict[str, Any]]:
        """Output forms of serializer instances, model instances or a queryset (loaded with the
        relations the serializer reads, so the number of queries does not grow with the rows)."""
        if _is_queryset(instances) and not (exclude_none or exclude_defaults):
            fast = values_queryset(cls, instances)
            if fast is not None:
                rows, build = fast
                return [build(row) for row in rows]
        if _is_queryset(instances):
            instances = cls.prepare_queryset(instances)
        if not (exclude_none or exclude_defaults):
            return [_dump_row(cls, item) for item in instances]
        return [
            item.dump(exclude_none=exclude_none, exclude_defaults=exclude_defaults)
            for item in cls.from_models(instances)
        ]

    @classmethod
    async def adump_many(cls, instances: Iterable[Any], **options: Any) -> list[dict[str, Any]]:
        if _is_queryset(instances) and not options:
            fast = values_queryset(cls, instances)
            if fast is not None:
                rows, build = fast
                return [build(row) async for row in rows]
            return [_dump_row(cls, item) async for item in cls.prepare_queryset(instances)]
        return [item.dump(**options) for item in await cls.afrom_models(instances)]

    @classmethod
    def dump_many_json(cls, instances: Iterable[Any], **options: Any) -> bytes:
        from .._json import encode

        return encode(cls.dump_many(instances, **options))

    @classmethod
    def output(cls, value: Any) -> Any:
        """``value`` (an instance, model instance, queryset or list of them) in output form."""
        if isinstance(value, Serializer):
            return value.dump()
        if isinstance(value, (dict, str, bytes)) or value is None or _is_response(value):
            return value
        if _is_queryset(value) or isinstance(value, (list, tuple)):
            return cls.dump_many(value)
        return cls.from_model(value).dump()

    @classmethod
    async def aoutput(cls, value: Any) -> Any:
        """``output`` from async code: querysets are read with async iteration, and a relation
        the plan did not load is read on a thread instead of failing on the event loop."""
        if _is_queryset(value):
            return await cls.adump_many(value)
        if hasattr(value, "_meta") and not isinstance(value, Serializer):
            return (await cls.afrom_model(value)).dump()
        if isinstance(value, (list, tuple)) and any(hasattr(v, "_meta") for v in value):
            from asgiref.sync import sync_to_async

            return await sync_to_async(cls.dump_many, thread_sensitive=True)(value)
        return cls.output(value)

    # ------------------------------------------------------------ field subsets

    @classmethod
    def only(cls: type[T], *fields: str) -> SerializerView:
        return SerializerView(cls, only=frozenset(fields))

    @classmethod
    def exclude(cls: type[T], *fields: str) -> SerializerView:
        return SerializerView(cls, exclude=frozenset(fields))

    @classmethod
    def use(cls: type[T], field_set: str) -> SerializerView:
        """The fields of the named set in ``Config.field_sets``."""
        return SerializerView(cls, only=frozenset(cls._field_set(field_set)))

    @classmethod
    def _field_set(cls, field_set: str) -> list[str]:
        try:
            return cls.__bolt_field_sets__[field_set]
        except KeyError:
            known = ", ".join(sorted(cls.__bolt_field_sets__)) or "none"
            raise ValueError(
                f"field set {field_set!r} not found in {cls.__name__}.Config.field_sets (has: {known})"
            ) from None

    @classmethod
    def subset(cls: type[T], *fields: str, name: str | None = None) -> type[T]:
        """A new serializer class with only ``fields`` (validators and computed fields of those kept)."""
        from .helpers import subset_class

        return subset_class(cls, fields, name)

    @classmethod
    def from_parent(cls: type[T], instance: Any) -> T:
        """An instance of this (subset) serializer with the values of the same-named fields of
        ``instance`` (a serializer it was made from, or any object with those attributes)."""
        values = {f: getattr(instance, f) for f in cls.__struct_fields__ if hasattr(instance, f)}
        token = _TRUSTED.set(True)  # values already held by a built serializer
        try:
            return cls(**values)
        finally:
            _TRUSTED.reset(token)

    @classmethod
    def fields(cls: type[T], field_set: str, *, name: str | None = None) -> type[T]:
        """``subset()`` with the fields of a named ``Config.field_sets`` entry."""
        names = cls._field_set(field_set)
        return cls.subset(*names, name=name or f"{cls.__name__}{field_set.title()}")


class SerializerView:
    """A serializer with some fields left out of the output (``only``/``exclude``/``use``)."""

    def __init__(
        self, serializer: type[Serializer], only: frozenset[str] | None = None, exclude: frozenset[str] | None = None
    ) -> None:
        names = {s.name for s in serializer._specs()} | {c.name for c in serializer.__bolt_computed__}
        unknown = (only or frozenset()) | (exclude or frozenset())
        if unknown - names:
            raise ValueError(f"{serializer.__name__} has no field(s) {sorted(unknown - names)}")
        self.serializer = serializer
        self._only = only
        self._exclude = exclude

    def only(self, *fields: str) -> SerializerView:
        only = frozenset(fields) if self._only is None else self._only & frozenset(fields)
        return SerializerView(self.serializer, only, self._exclude)

    def exclude(self, *fields: str) -> SerializerView:
        return SerializerView(self.serializer, self._only, (self._exclude or frozenset()) | frozenset(fields))

    def from_model(self, instance: Any) -> Serializer:
        return self.serializer.from_model(instance)

    def dump(self, instance: Any, **options: Any) -> dict[str, Any]:
        if not isinstance(instance, self.serializer):
            instance = self.serializer.from_model(instance)
        return _dump(
            instance,
            self._only,
            self._exclude,
            options.get("exclude_none", False),
            options.get("exclude_defaults", False),
        )

    def dump_many(self, instances: Iterable[Any], **options: Any) -> list[dict[str, Any]]:
        return [self.dump(item, **options) for item in self.serializer.from_models(instances)]

    def dump_json(self, instance: Any, **options: Any) -> bytes:
        from .._json import encode

        return encode(self.dump(instance, **options))

    def dump_many_json(self, instances: Iterable[Any], **options: Any) -> bytes:
        from .._json import encode

        return encode(self.dump_many(instances, **options))


# ---------------------------------------------------------------- helpers


def _validated(
    cls: type, validators: Any, value: Any, loc: list[Any], errors: list[dict[str, Any]]
) -> tuple[bool, Any]:
    """``value`` through a field's validators in order (a validator returning None keeps it);
    ``(True, value)`` with the first failure appended to ``errors`` if one raises."""
    for fn in validators:
        try:
            result = fn(cls, value)
        except (ValueError, TypeError, AssertionError) as exc:
            errors.append({"loc": loc, "msg": _message(exc), "type": "value_error"})
            return True, value
        if result is not None:
            value = result
    return False, value


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "str", int: "int", float: "float", bool: "bool"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _convert_value(spec: _FieldSpec, value: Any, loc: list[Any], errors: list[dict[str, Any]]) -> Any:
    from .._compile import _msgspec_error

    if spec.nested is not None and value is not None:
        if spec.many:
            if not isinstance(value, list):
                errors.append({"loc": loc, "msg": f"Expected `array`, got `{_json_type(value)}`", "type": "type_error"})
                return None
            return [spec.nested._build(item, [*loc, i], errors) for i, item in enumerate(value)]
        return spec.nested._build(value, loc, errors)
    try:
        return msgspec.convert(value, spec.type, strict=True)
    except msgspec.ValidationError as exc:
        errors.append(_msgspec_error(exc, loc))
    except RequestValidationError as exc:  # a serializer somewhere inside another container type
        errors.extend({**e, "loc": [*loc, *e.get("loc", [])]} for e in _relative_errors(exc))
    return None


def _relative_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """The errors of ``exc`` with ``loc`` relative to the instance that raised them."""
    return getattr(exc, "_bolt_relative_errors", None) or exc.errors_list()


def _defaults(cls: type[Serializer]) -> dict[str, Any]:
    out = {}
    for info in msgspec.structs.fields(cls):
        if info.default is not msgspec.NODEFAULT:
            out[info.name] = info.default
        elif info.default_factory is not msgspec.NODEFAULT:
            out[info.name] = info.default_factory()
    return out


def _dump(
    obj: Serializer,
    only: frozenset[str] | None,
    exclude: frozenset[str] | None,
    exclude_none: bool,
    exclude_defaults: bool,
) -> dict[str, Any]:
    cls = type(obj)
    defaults = _defaults(cls) if exclude_defaults else None
    out: dict[str, Any] = {}
    for spec in cls._specs():
        if spec.write_only or spec.excluded:
            continue
        if (only is not None and spec.name not in only) or (exclude and spec.name in exclude):
            continue
        value = getattr(obj, spec.name)
        if exclude_none and value is None:
            continue
        if spec.may_hold_orm and (_is_manager(value) or _is_queryset(value)):
            raise SerializationError(
                f"{cls.__name__}.{spec.name} holds a Django {type(value).__name__}, not data. "
                "Serialize Django relations with from_model()/afrom_model() (which read them as lists)"
            )
        if defaults is not None and spec.name in defaults and defaults[spec.name] == value:
            continue
        if isinstance(value, Serializer):
            value = value.dump(exclude_none=exclude_none, exclude_defaults=exclude_defaults)
        elif spec.nested is not None and isinstance(value, list):
            value = [v.dump(exclude_none=exclude_none, exclude_defaults=exclude_defaults) for v in value]
        out[spec.key] = value
    for computed in cls.__bolt_computed__:
        if (only is not None and computed.name not in only) or (exclude and computed.name in exclude):
            continue
        value = computed.function(obj)
        if exclude_none and value is None:
            continue
        if isinstance(value, Serializer):
            value = value.dump(exclude_none=exclude_none, exclude_defaults=exclude_defaults)
        out[computed.alias or computed.name] = value
    return out


def _values_plan(cls: type[Serializer], model: Any) -> tuple[list[str], Callable[[tuple[Any, ...]], Any]] | None:
    """``(columns, build)`` when every output field of ``cls`` is a column of ``model`` or of a
    forward foreign key's row (recursively), with no computed field: a queryset can then be read
    with ``values_list(*columns)`` and each tuple built straight into the output dict, without
    model instances. None otherwise (properties, reverse sets, dotted sources ...)."""
    cache = cls.__dict__.get("__bolt_values_plans__")
    if cache is None:
        cache = {}
        cls.__bolt_values_plans__ = cache
    if model not in cache:
        columns: list[str] = []
        built = _values_builder(cls, model, "", columns) if values_path_possible(cls) else None
        cache[model] = (columns, built) if built is not None else None
    return cache[model]


def values_path_possible(cls: type[Serializer], depth: int = 0) -> bool:
    """What ``_values_plan`` asks of ``cls`` whatever the model: no computed field, no dotted
    ``source``, nested serializers (at most 3 deep) only as single rows and as plain as ``cls``.
    Whether each field is a column is then decided per model."""
    if cls.__bolt_computed__ or depth > 3:
        return False
    for spec in cls._specs():
        if spec.write_only or spec.excluded:
            continue
        if "." in spec.source:
            return False
        if spec.nested is not None and (spec.many or not values_path_possible(spec.nested, depth + 1)):
            return False
    return True


def _values_builder(
    cls: type[Serializer], model: Any, prefix: str, columns: list[str]
) -> Callable[[tuple[Any, ...]], Any] | None:
    """Assumes ``values_path_possible(cls)``."""
    parts: list[tuple[str, Any]] = []  # (output key, index or nested builder)
    for spec in cls._specs():
        if spec.write_only or spec.excluded:
            continue
        field = _concrete_field(model, spec.source)
        if field is None or field.many_to_many:
            return None
        if spec.nested is None:
            parts.append((spec.key, len(columns)))
            columns.append(prefix + field.name)
            continue
        if not (field.many_to_one or field.one_to_one):
            return None
        # The key column tells a null foreign key (the join then gives None everywhere) from a row.
        key_index = len(columns)
        columns.append(prefix + field.name)
        inner = _values_builder(spec.nested, field.related_model, f"{prefix}{field.name}__", columns)
        if inner is None:
            return None
        parts.append((spec.key, (key_index, inner)))
    if all(isinstance(at, int) for _, at in parts):
        return lambda row: {key: row[at] for key, at in parts}

    def build(row: tuple[Any, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, at in parts:
            if isinstance(at, int):
                out[key] = row[at]
            else:
                key_at, inner = at
                out[key] = None if row[key_at] is None else inner(row)
        return out

    return build


def values_queryset(serializer: Any, queryset: Any) -> tuple[Any, Callable[[tuple[Any, ...]], Any]] | None:
    """``(queryset.values_list(...), build)`` when ``serializer`` can be read that way from
    this queryset: rows of its model (not already values), no prefetches or DISTINCT (which
    would change meaning on a subset of columns), no extra selects."""
    from django.db.models.query import ModelIterable

    if not (isinstance(serializer, type) and issubclass(serializer, Serializer)):
        return None
    if (
        queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or queryset.query.distinct
        or queryset.query.extra
        or queryset.query.annotations
    ):
        return None
    plan = _values_plan(serializer, queryset.model)
    if plan is None:
        return None
    columns, build = plan
    return queryset.values_list(*columns), build


def _dump_row(cls: type[Serializer], item: Any) -> dict[str, Any]:
    if isinstance(item, Serializer):
        return item.dump()
    if not hasattr(item, "_meta"):
        return cls.from_model(item).dump()
    dumper = cls.__dict__.get("__bolt_row_dumpers__", {}).get(type(item))
    if dumper is None:
        dumper = _row_dumper(cls, type(item))
    return dumper(item)


def _row_dumper(cls: type[Serializer], model: Any) -> Callable[[Any], dict[str, Any]]:
    """``row -> output dict`` for rows of ``model`` without building serializer instances (the
    path of ``dump_many`` over model rows: per row, only attribute reads). Serializers with
    computed fields, which take the instance, use ``from_model().dump()``."""
    if cls.__bolt_computed__:

        def dumper(row: Any) -> dict[str, Any]:
            return cls.from_model(row).dump()

    else:
        steps = [
            (spec.key, _field_reader(spec, model, lambda row, spec=spec: _absent(cls, spec, row)))
            for spec in cls._specs()
            if not (spec.write_only or spec.excluded)
        ]

        def dumper(row: Any) -> dict[str, Any]:
            return {key: read(row) for key, read in steps}

    # Copied, not mutated: a subclass must not see its parent's cache as its own.
    cls.__bolt_row_dumpers__ = {**cls.__dict__.get("__bolt_row_dumpers__", {}), model: dumper}
    return dumper


def _absent(cls: type[Serializer], spec: _FieldSpec, row: Any) -> Any:
    """The output of a field whose source ``row`` lacks: its default (a new one per row), as
    ``from_model`` gives."""
    defaults = _defaults(cls)
    if spec.name in defaults:
        return defaults[spec.name]
    raise SerializationError(f"{cls.__name__}.from_model(): {type(row).__name__} has no attribute {spec.source!r}")


def _field_reader(spec: _FieldSpec, model: Any, absent: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``row -> the field's output``; ``absent(row)`` when the row has no such attribute."""
    import operator

    field = _concrete_field(model, spec.source) if "." not in spec.source else None
    relation = _relation_field(model, spec.source) if "." not in spec.source else None
    nested = spec.nested
    if nested is not None:
        get = operator.attrgetter(spec.source)
        if spec.many:
            return lambda row: [_dump_row(nested, item) for item in _related_items(get(row))]

        def one(row: Any) -> Any:
            value = get(row)
            return None if value is None else _dump_row(nested, value)

        return one
    if field is not None and not field.many_to_many:
        # A column; a foreign key is read as its key (the <name>_id column, no query).
        return operator.attrgetter(field.attname)
    if relation is not None and (relation.one_to_many or relation.many_to_many):
        get = operator.attrgetter(spec.source)
        return lambda row: [item.pk for item in get(row).all()]

    # Properties, annotations, dotted paths, methods: the general reader.
    def general(row: Any) -> Any:
        value = _read_attribute(row, spec)
        return absent(row) if value is _MISSING else _plain_output(value)

    return general


def _relation_field(model: Any, name: str) -> Any:
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.is_relation else None


def _plain_output(value: Any) -> Any:
    if value is _MISSING:
        return None
    if _is_manager(value):
        return [item.pk for item in value.all()]
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return value.pk
    return value


def _is_response(value: Any) -> bool:
    from ..responses import Response

    return isinstance(value, Response)


def _is_queryset(value: Any) -> bool:
    return hasattr(value, "_iterable_class") and hasattr(value, "model")


def _is_manager(value: Any) -> bool:
    return hasattr(value, "get_queryset") and hasattr(value, "model") and not _is_queryset(value)


def _related_items(value: Any) -> list[Any]:
    if _is_manager(value):
        return list(value.all())  # served from the prefetch cache when the plan prefetched it
    return list(value)


def _read_attribute(instance: Any, spec: _FieldSpec) -> Any:
    if isinstance(instance, dict):
        return instance.get(spec.key, instance.get(spec.name, _MISSING))
    current = instance
    parts = spec.source.split(".")
    for i, part in enumerate(parts):
        if current is None:
            return None
        last = i == len(parts) - 1
        if last and spec.nested is None and hasattr(current, "_meta"):
            # A foreign key read as its key: the ``<name>_id`` column, no query.
            field = _concrete_field(type(current), part)
            if field is not None and field.is_relation and (field.many_to_one or field.one_to_one):
                return getattr(current, field.attname)
        current = getattr(current, part, _MISSING)
        if current is _MISSING:
            return _MISSING
    if callable(current) and not _is_manager(current) and not hasattr(current, "_meta"):
        current = current()  # a model method named as the source
    return current


def serializer_output(value: Any) -> Any:
    """A handler's result without a response model that is a serializer, or a list starting with
    one: each serializer in output form (no write-only fields), other items as they are."""
    if isinstance(value, Serializer):
        return value.dump()
    return [item.dump() if isinstance(item, Serializer) else item for item in value]


def defer_many_to_many(instance: Any, values: dict[str, tuple[str, Any]]) -> None:
    """Sets ``instance``'s many-to-many fields (``{field name: (JSON key, keys or objects)}``) on
    its next save, in one transaction with it. Keys that name no row are a 422 listing each (with
    its place in the body), raised before anything is written. ``asave()`` runs ``save()``, so
    async code gets the same."""
    pending = instance.__dict__.setdefault("_bolt_many_to_many", {})
    pending.update(values)
    if "save" in instance.__dict__:
        return
    model_save = type(instance).save

    def save(*args: Any, **kwargs: Any) -> None:
        from django.db import router, transaction

        using = kwargs.get("using") or router.db_for_write(type(instance), instance=instance)
        with transaction.atomic(using=using):
            links = instance.__dict__.get("_bolt_many_to_many", {})
            _check_link_targets(type(instance), links, using)
            model_save(instance, *args, **kwargs)
            for name, (_, items) in links.items():
                getattr(instance, name).set(list(items))
        # Written: the instance is an ordinary model instance again.
        instance.__dict__.pop("_bolt_many_to_many", None)
        instance.__dict__.pop("save", None)

    instance.save = save


def _check_link_targets(model: Any, links: dict[str, tuple[str, Any]], using: str) -> None:
    errors: list[dict[str, Any]] = []
    for name, (key, items) in links.items():
        related = model._meta.get_field(name).related_model
        keys = [getattr(item, "pk", item) for item in items]
        found = set(related._default_manager.using(using).filter(pk__in=keys).values_list("pk", flat=True))
        errors.extend(
            {
                "loc": ["body", key, i],
                "msg": f"No {related.__name__} with key {value!r}",
                "type": "does_not_exist",
            }
            for i, value in enumerate(keys)
            if value not in found
        )
    if errors:
        raise RequestValidationError(errors)


def _is_forward_many_to_many(model_field: Any) -> bool:
    """A ``ManyToManyField`` declared on the model (not concrete: its rows are in another table)."""
    from django.db import models

    return isinstance(model_field, models.ManyToManyField)


def _is_auto(model_field: Any) -> bool:
    from django.db import models

    return isinstance(model_field, models.AutoField)  # BigAutoField/SmallAutoField subclass it


def _concrete_field(model: Any, name: str) -> Any:
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) else None


if typing.TYPE_CHECKING:
    from .loading import LoadingPlan

__all__ = ["Nested", "SerializationError", "Serializer", "SerializerView", "defer_many_to_many", "nested_of"]
