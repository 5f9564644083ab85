"""The release's per-argument view of a route (``api._handler_meta[i]["fields"]``), built from
the parameters our compiler gives the route, so it says what the server really reads."""

from __future__ import annotations

import inspect
import typing
from typing import Any

from ._compile import compile_handler, split_param_annotation
from .params import _UNSET, Param
from .router import WEBSOCKET, RouteDef
from .typing import FieldDefinition, HandlerPattern

#: Our compiler's sources under the release's names (a form model is read from the form).
_RELEASE_SOURCES = {"form_model": "form"}


def route_fields(route: RouteDef) -> list[FieldDefinition]:
    """One ``FieldDefinition`` per handler argument the route fills, in signature order (a
    WebSocket handler's socket argument is not a parameter)."""
    where = f"{route.method} {route.path} ({getattr(route.handler, '__qualname__', route.handler)!r})"
    if route.method == WEBSOCKET:
        from .websocket.handlers import compile_websocket

        compiled = compile_websocket(route.handler, route.path, where)
    else:
        compiled = compile_handler(route.handler, route.path, where)
    records = {record["name"]: record for record in compiled.params}
    hints = typing.get_type_hints(route.handler, include_extras=True)
    fields = []
    for name, parameter in inspect.signature(route.handler).parameters.items():
        if name not in records and name not in compiled.dependencies:
            continue
        annotation, marker = split_param_annotation(hints.get(name, parameter.annotation), parameter.default)
        default = marker.default if isinstance(marker, Param) and marker is parameter.default else parameter.default
        common = {
            "name": name,
            "annotation": annotation,
            "default": inspect.Parameter.empty if default is _UNSET else default,
            "kind": parameter.kind,
        }
        if name in compiled.dependencies:
            # As in the release, the default of ``x = Depends(f)`` is the marker itself.
            common["default"] = parameter.default
            fields.append(FieldDefinition(**common, source="dependency", dependency=marker))
            continue
        source = records[name]["source"]
        param = marker if isinstance(marker, Param) else None
        fields.append(
            FieldDefinition(
                **common,
                source=_RELEASE_SOURCES.get(source, source),
                alias=param.alias if param else None,
                embed=param.embed if param else None,
                param=param,
            )
        )
    return fields


def route_arguments_meta(route: RouteDef) -> dict[str, Any]:
    """The ``fields`` of a route's ``_handler_meta`` record and their ``handler_pattern``."""
    fields = route_fields(route)
    return {"fields": fields, "handler_pattern": HandlerPattern.of(fields)}
