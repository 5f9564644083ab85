"""Serializer classes made from Django models (``create_serializer``, ``Config.model``)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Annotated, Any, Literal, Optional, get_type_hints

import msgspec

from .base import Serializer
from .fields import field


def msgspec_type_for(model_field: Any) -> Any:
    """The Python type a value of ``model_field`` has in JSON input/output."""
    from django.db import models

    if model_field.is_relation:
        target = model_field.target_field if hasattr(model_field, "target_field") else None
        return msgspec_type_for(target) if target is not None else int
    ordered = [
        (models.BooleanField, bool),
        ((models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField), int),
        (models.FloatField, float),
        (models.DecimalField, decimal.Decimal),
        (models.DateTimeField, datetime.datetime),
        (models.DateField, datetime.date),
        (models.TimeField, datetime.time),
        (models.DurationField, datetime.timedelta),
        (models.UUIDField, uuid.UUID),
        (models.JSONField, Any),
        (models.BinaryField, bytes),
    ]
    for kinds, tp in ordered:
        if isinstance(model_field, kinds):
            return tp
    return str  # CharField, TextField, EmailField, SlugField, FileField, ...


def model_field_type(model_field: Any) -> Any:
    """The validated type of ``model_field``'s values: a ``Literal`` of its choices, a string
    with its ``max_length``, else ``msgspec_type_for``."""
    from django.db import models

    choices = getattr(model_field, "choices", None)
    if choices and not model_field.is_relation:
        values = []
        for value, label in choices:
            # Grouped choices: (group name, [(value, label), ...]).
            values.extend(v for v, _ in label) if isinstance(label, (list, tuple)) else values.append(value)
        if values and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
            return Literal[tuple(values)]
    tp = msgspec_type_for(model_field)
    if isinstance(model_field, models.CharField) and model_field.max_length and tp is str:
        return Annotated[str, msgspec.Meta(max_length=model_field.max_length)]
    return tp


def _model_annotations(
    model: Any,
    fields: Any,
    exclude: Any,
    read_only: set[str],
    write_only: set[str],
    skip: set[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    from django.db import models

    # Columns and the model's own many-to-many fields (written as lists of keys).
    concrete = {
        f.name: f
        for f in model._meta.get_fields()
        if isinstance(f, models.Field) and (f.concrete or isinstance(f, models.ManyToManyField))
    }
    if fields in (None, "__all__"):
        names = list(concrete)
    else:
        unknown = [n for n in fields if n not in concrete]
        if unknown:
            raise ValueError(f"{model.__name__} has no field(s) {unknown}")
        names = list(fields)
    names = [n for n in names if n not in set(exclude or ()) and n not in skip]
    annotations: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for name in names:
        model_field = concrete[name]
        if model_field.many_to_many:
            annotations[name] = list[msgspec_type_for(model_field)]
            defaults[name] = field(default_factory=list, read_only=name in read_only, write_only=name in write_only)
            continue
        tp = model_field_type(model_field)
        auto = model_field.primary_key and isinstance(model_field, models.AutoField)
        generated = auto or getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
        if model_field.null:
            tp = Optional[tp]  # noqa: UP045 - built at runtime
        options: dict[str, Any] = {"read_only": name in read_only or generated, "write_only": name in write_only}
        if model_field.has_default():
            default = model_field.default
            if callable(default):
                options["default_factory"] = default
            else:
                options["default"] = default
        elif model_field.null or generated:
            options["default"] = None
        annotations[name] = Optional[tp] if generated else tp  # noqa: UP045
        defaults[name] = field(**options)
    return annotations, defaults


def model_fields_base(model: Any, config: Any, declared: set[str]) -> type[Serializer]:
    """The base class holding ``config.model``'s fields that a serializer body does not declare."""
    annotations, defaults = _model_annotations(
        model,
        getattr(config, "fields", None),
        getattr(config, "exclude", None),
        set(getattr(config, "read_only", ()) or ()),
        set(getattr(config, "write_only", ()) or ()),
        declared,
    )
    namespace = {"__annotations__": annotations, **defaults, "__module__": model.__module__}
    base = type(Serializer)(f"{model.__name__}Fields", (Serializer,), namespace)
    base.__bolt_model__ = model
    return base


def create_serializer(
    model: Any,
    *,
    fields: list[str] | None = None,
    exclude: list[str] | None = None,
    write_only: set[str] | None = None,
    read_only: set[str] | None = None,
    serializer_name: str | None = None,
) -> type[Serializer]:
    """A serializer class for ``model``'s concrete fields (all, or ``fields``, minus ``exclude``).
    Auto primary keys and ``auto_now`` fields are read-only; nullable fields default to None."""
    annotations, defaults = _model_annotations(
        model, fields, exclude, set(read_only or ()), set(write_only or ()), set()
    )

    class Config:
        pass

    Config.model = model  # type: ignore[attr-defined]
    Config.read_only = set(read_only or ())  # type: ignore[attr-defined]
    Config.write_only = set(write_only or ())  # type: ignore[attr-defined]
    namespace = {
        "__annotations__": annotations,
        **defaults,
        "__module__": model.__module__,
        "Config": Config,
        # Every field is declared here: the metaclass generates no base of model fields.
        "__bolt_all_declared__": True,
    }
    cls = type(Serializer)(serializer_name or f"{model.__name__}Serializer", (Serializer,), namespace)
    cls.__bolt_model__ = model
    return cls


def create_serializer_set(
    model: Any,
    *,
    create_fields: list[str] | None = None,
    update_fields: list[str] | None = None,
    public_fields: list[str] | None = None,
    write_only: set[str] | None = None,
    read_only: set[str] | None = None,
) -> tuple[type[Serializer], type[Serializer], type[Serializer]]:
    """``(Create, Update, Public)`` serializers of ``model``, named ``<Model>Create`` etc."""
    create = create_serializer(
        model, fields=create_fields, write_only=write_only, serializer_name=f"{model.__name__}Create"
    )
    update = create_serializer(
        model, fields=update_fields, write_only=write_only, serializer_name=f"{model.__name__}Update"
    )
    public = create_serializer(
        model, fields=public_fields, read_only=read_only, serializer_name=f"{model.__name__}Public"
    )
    return create, update, public


def subset_class(cls: type[Serializer], names: tuple[str, ...], name: str | None) -> type[Serializer]:
    specs = {s.name: s for s in cls._specs()}
    computed = {c.name for c in cls.__bolt_computed__}
    unknown = [n for n in names if n not in specs and n not in computed]
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {unknown}")
    hints = get_type_hints(cls, include_extras=True)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": cls.__module__}
    infos = {f.name: f for f in msgspec.structs.fields(cls)}
    for n in names:
        if n not in specs:
            continue
        annotations[n] = hints.get(n, specs[n].type)
        info = infos[n]
        conf = cls.__bolt_configs__.get(n)
        options: dict[str, Any] = {}
        if info.default is not msgspec.NODEFAULT:
            options["default"] = info.default
        elif info.default_factory is not msgspec.NODEFAULT:
            options["default_factory"] = info.default_factory
        if conf is not None or specs[n].read_only or specs[n].write_only:
            namespace[n] = field(
                read_only=specs[n].read_only,
                write_only=specs[n].write_only,
                source=conf.source if conf else None,
                alias=conf.alias if conf else None,
                exclude=specs[n].excluded,
                **options,
            )
        elif options:
            namespace[n] = msgspec.field(**options)
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            fn = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
            marker = getattr(fn, "__bolt_field_validator__", None)
            if (marker is not None and marker[0] in annotations) or (
                getattr(fn, "__bolt_computed_field__", None) is not None and attr in names
            ):
                namespace[attr] = value
    namespace["__annotations__"] = annotations
    kwargs = {}
    # Keep the JSON names (rename="camel" and the like) of the kept fields.
    renamed = {n: infos[n].encode_name for n in annotations if infos[n].encode_name != n}
    if renamed:
        kwargs["rename"] = renamed
    sub = type(Serializer)(name or f"{cls.__name__}Subset", (Serializer,), namespace, **kwargs)
    sub.__bolt_model__ = cls.__bolt_model__
    return sub


__all__ = ["create_serializer", "create_serializer_set", "msgspec_type_for"]
