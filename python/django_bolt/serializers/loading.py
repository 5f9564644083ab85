"""Which relations a serializer reads, as ``select_related``/``prefetch_related`` lookups.

Forward foreign keys and one-to-ones read by nested serializers (or dotted sources) are joined
with ``select_related``; reverse relations and many-to-manys are fetched with one ``Prefetch`` query
each, whose own queryset carries the nested serializer's plan. Rows * relations therefore never
turns into rows queries."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class LoadingPlan:
    select_related: tuple[str, ...] = ()
    #: ``Prefetch`` objects.
    prefetch_related: tuple[Any, ...] = ()
    #: ``(name, expression)`` pairs from the serializer's ``Config.annotations``.
    annotations: tuple[tuple[str, Any], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.select_related or self.prefetch_related or self.annotations)

    def apply(self, queryset: Any) -> Any:
        """Adds the plan to ``queryset``; lookups the queryset already prefetches are left alone
        (Django refuses the same lookup twice with different querysets)."""
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.annotations:
            # An annotation the queryset already has (same name) is the caller's: kept as it is.
            taken = set(queryset.query.annotations)
            extra = {name: expression for name, expression in self.annotations if name not in taken}
            if extra:
                queryset = queryset.annotate(**extra)
        existing = {getattr(p, "prefetch_to", p) for p in getattr(queryset, "_prefetch_related_lookups", ())}
        new = [p for p in self.prefetch_related if p.prefetch_to not in existing]
        if new:
            queryset = queryset.prefetch_related(*new)
        return queryset


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
                queryset = related._default_manager.all()
                if spec.nested is not None and last:
                    queryset = build_loading_plan(spec.nested, related).apply(queryset)
                prefetch.append(Prefetch(lookup, queryset=queryset))
            break
    return LoadingPlan(tuple(select), tuple(prefetch), _annotations(serializer))


def _annotations(serializer: Any) -> tuple[tuple[str, Any], ...]:
    """``Config.annotations`` (the nearest class that has them) for the fields this serializer
    reads: a subset without the annotated field does not pay for the expression."""
    for klass in serializer.__mro__:
        config = klass.__dict__.get("__bolt_config_class__")
        declared = getattr(config, "annotations", None) if config is not None else None
        if declared:
            if not isinstance(declared, dict):
                raise TypeError(f"{serializer.__name__}: Config.annotations must be a dict of name -> expression")
            read = {spec.source for spec in serializer._specs()}
            return tuple((name, expression) for name, expression in declared.items() if name in read)
    return ()


__all__ = ["LoadingPlan", "build_loading_plan"]
