"""Which relations a serializer reads, as ``select_related``/``prefetch_related`` lookups.

Forward foreign keys and one-to-ones read by nested serializers (or dotted sources) are joined
with ``select_related``; reverse relations and many-to-manys are fetched with one ``Prefetch`` query
each (a plain lookup when the nested serializer needs no loads of its own, else a ``Prefetch``
whose queryset carries its plan). Rows * relations therefore never turns into rows queries. On
Django with fetch modes (6.1+), the planned querysets also fetch what the plan cannot see
(relations read behind properties) for all rows at once (``FETCH_PEERS``)."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class LoadingPlan:
    select_related: tuple[str, ...] = ()
    #: Lookups (``"tags"``) and ``Prefetch`` objects (a nested serializer's own loads inside).
    prefetch_related: tuple[Any, ...] = ()
    #: ``{name: expression}`` from the serializer's ``Config.annotations`` (the fields it reads).
    annotations: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def prefetch(self) -> tuple[Any, ...]:
        """The release's name of ``prefetch_related``."""
        return self.prefetch_related

    def __bool__(self) -> bool:
        return bool(self.select_related or self.prefetch_related or self.annotations)

    def apply(self, queryset: Any) -> Any:
        """Adds the plan to ``queryset``; lookups the queryset already prefetches are left alone
        (Django refuses the same lookup twice with different querysets). A ``.values()``
        queryset (rows are dicts, not models) is returned as it is."""
        from django.db.models.query import ModelIterable

        if queryset._iterable_class is not ModelIterable:
            return queryset
        queryset = _fetch_peers(queryset)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.annotations:
            # An annotation the queryset already has (same name) is the caller's: kept as it is.
            taken = set(queryset.query.annotations)
            extra = {name: expression for name, expression in self.annotations.items() if name not in taken}
            if extra:
                queryset = queryset.annotate(**extra)
        existing = {getattr(p, "prefetch_to", p) for p in getattr(queryset, "_prefetch_related_lookups", ())}
        new = [p for p in self.prefetch_related if getattr(p, "prefetch_to", p) not in existing]
        if new:
            queryset = queryset.prefetch_related(*new)
        return queryset


def _fetch_peers(queryset: Any) -> Any:
    """Django 6.1+: a relation read lazily on one row is fetched for every row of the queryset in
    one query (``FETCH_PEERS``), unless the caller chose a fetch mode (anything but the default)."""
    try:
        from django.db.models import fetch_modes
    except ImportError:  # Django before 6.1: no fetch modes
        return queryset
    if getattr(queryset, "_fetch_mode", None) is not fetch_modes.FETCH_ONE:
        return queryset
    return queryset.fetch_mode(fetch_modes.FETCH_PEERS)


def build_loading_plan(serializer: Any, model: Any, prefix: str = "", _depth: int = 0) -> LoadingPlan:
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import Prefetch

    select: list[str] = []
    prefetch: list[Any] = []
    if _depth > 8 or model is None:
        return LoadingPlan()
    for spec in serializer._specs():
        if spec.write_only:
            continue
        parts = spec.source.split(".")
        current, path = model, prefix
        for i, part in enumerate(parts):
            try:
                field = current._meta.get_field(part)
            except FieldDoesNotExist:
                break
            if not field.is_relation:
                break
            last = i == len(parts) - 1
            lookup = f"{path}{part}"
            related = field.related_model
            if (field.many_to_one or field.one_to_one) and (not last or spec.nested is not None):
                # One join; the nested serializer's own relations hang off the same lookup.
                select.append(lookup)
                if last:
                    inner = build_loading_plan(spec.nested, related, f"{lookup}__", _depth + 1)
                    select.extend(inner.select_related)
                    prefetch.extend(inner.prefetch_related)
                current, path = related, f"{lookup}__"
                continue
            if field.one_to_many or field.many_to_many:
                inner = build_loading_plan(spec.nested, related) if spec.nested is not None and last else None
                if inner:
                    prefetch.append(Prefetch(lookup, queryset=inner.apply(related._default_manager.all())))
                else:
                    prefetch.append(lookup)
            break
    return LoadingPlan(tuple(select), tuple(prefetch), _annotations(serializer))


def _annotations(serializer: Any) -> dict[str, Any]:
    """``Config.annotations`` (the nearest class that has them) for the fields this serializer
    reads: a subset without the annotated field does not pay for the expression."""
    for klass in serializer.__mro__:
        config = klass.__dict__.get("__bolt_config_class__")
        declared = getattr(config, "annotations", None) if config is not None else None
        if declared:
            if not isinstance(declared, dict):
                raise TypeError(f"{serializer.__name__}: Config.annotations must be a dict of name -> expression")
            read = {spec.source for spec in serializer._specs()}
            return {name: expression for name, expression in declared.items() if name in read}
    return {}


__all__ = ["LoadingPlan", "build_loading_plan"]
