"""What a serializer looks like in each direction, for the document.

A serializer's input (a request body) has no read-only fields, its output (a response) no
write-only or excluded ones but its computed fields, always present; a PATCH body is the input with
every field optional. msgspec describes a Struct with all its fields, so each direction that
differs gets a derived Struct type (``<Name>Request``, ``<Name>PatchRequest``; the output keeps the
serializer's name) and types are rewritten through lists, unions, ``Annotated`` and generic
containers to use them. A serializer that reads the same both ways stays one component.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal, Union

import msgspec

INPUT, PATCH, OUTPUT = "input", "patch", "output"
_SUFFIX = {INPUT: "Request", PATCH: "PatchRequest", OUTPUT: ""}


class SerializerSchemas:
    """Derived Struct types per (serializer, direction), made once per document."""

    def __init__(self) -> None:
        self._made: dict[tuple[type, str], Any] = {}
        self._busy: set[tuple[type, str]] = set()

    def rewrite(self, tp: Any, mode: str) -> Any:
        """``tp`` with each serializer in it replaced by its ``mode`` form."""
        from ..serializers.base import Serializer

        if isinstance(tp, type) and issubclass(tp, Serializer):
            return self.variant(tp, mode)
        origin = typing.get_origin(tp)
        if origin is None or origin is Literal:
            return tp
        args = typing.get_args(tp)
        # Nested values of a PATCH body are validated whole: only the top level is partial.
        inner = INPUT if mode == PATCH else mode
        if origin is Annotated:
            new = self.rewrite(args[0], mode)
            return tp if new is args[0] else Annotated[(new, *tp.__metadata__)]  # type: ignore[valid-type]
        new_args = tuple(self.rewrite(a, inner) if a is not Ellipsis else a for a in args)
        if all(a is b for a, b in zip(new_args, args, strict=True)):
            return tp
        if origin in (Union, types.UnionType):
            return Union[new_args]  # noqa: UP007 - built at runtime
        try:
            return origin[new_args]
        except TypeError:
            return tp

    def variant(self, cls: type, mode: str) -> Any:
        key = (cls, mode)
        if key in self._made:
            return self._made[key]
        if key in self._busy:
            return cls  # a serializer nested in itself: the recursion reads the full type
        self._busy.add(key)
        try:
            made = self._derive(cls, mode)
        finally:
            self._busy.discard(key)
        self._made[key] = made
        return made

    def _derive(self, cls: Any, mode: str) -> Any:
        inner = INPUT if mode == PATCH else mode
        infos = {info.name: info for info in msgspec.structs.fields(cls)}
        fields: list[tuple[Any, ...]] = []
        rename: dict[str, str] = {}
        changed = False
        for spec in cls._specs():
            info = infos[spec.name]
            if mode == OUTPUT and (spec.write_only or spec.excluded):
                changed = True
                continue
            if mode != OUTPUT and spec.read_only:
                changed = True
                continue
            tp = self.rewrite(info.type, inner)
            changed |= tp is not info.type
            if mode == OUTPUT and spec.read_only and not info.required and info.default is None:
                tp = typing.Optional[tp]  # noqa: UP045 - filled by the server, None until then
            rename[spec.name] = spec.key
            if mode == PATCH:
                # A field left out is left unchanged (not set to its default).
                changed = True
                fields.append((spec.name, tp, msgspec.UNSET))
            elif info.required or mode == OUTPUT:
                # Output: every field is written, defaults or not.
                changed |= mode == OUTPUT and not info.required
                fields.append((spec.name, tp))
            elif info.default_factory is not msgspec.NODEFAULT:
                fields.append((spec.name, tp, msgspec.field(default_factory=info.default_factory)))
            else:
                fields.append((spec.name, tp, info.default))
        if mode == OUTPUT:
            for computed in cls.__bolt_computed__:
                changed = True
                name = computed.alias or computed.name
                rename[f"computed_{name}"] = name
                fields.append((f"computed_{name}", self.rewrite(_return_type(computed), OUTPUT)))
        if not changed and mode != OUTPUT and self.variant(cls, OUTPUT) is not cls:
            changed = True  # the output took the serializer's name: the input needs its own
        if not changed:
            return cls
        return msgspec.defstruct(
            cls.__name__ + _SUFFIX[mode],
            fields,
            kw_only=True,
            rename=rename,
            module=cls.__module__,
        )


def _return_type(computed: Any) -> Any:
    try:
        return typing.get_type_hints(computed.function).get("return", Any)
    except Exception:  # noqa: BLE001 - an unresolvable hint is documented as any value
        return Any


__all__ = ["INPUT", "OUTPUT", "PATCH", "SerializerSchemas"]
