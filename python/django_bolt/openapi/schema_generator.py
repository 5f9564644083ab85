"""The OpenAPI 3.1 document of an API, built once from its compiled routes.

Parameters are described from the ``ParamRecord`` the Rust validator runs (so the constraints in
the document are exactly the ones enforced); body and response types become JSON Schema 2020-12
components through ``msgspec.json.schema_components``; the error answers listed for an operation are
the ones its compiled record can produce.
"""

from __future__ import annotations

import collections
import dataclasses
import inspect
import json
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from .._compile import CompiledHandler, _parse_annotation, read_from_text
from .._param_models import model_fields
from .._schema import ParamRecord, RouteRecord
from ..multi_response import is_multi_response
from ..router import RouteDef
from .config import OpenAPIConfig
from .json_schema import BINARY, Described, describe, inline_schema, value_type
from .serializer_schemas import INPUT, OUTPUT, PATCH, SerializerSchemas
from .spec import (
    Components,
    Info,
    OpenAPI,
    Operation,
    PathItem,
    SecurityScheme,
    Tag,
)
from .spec.base import json_key, render

REF = "#/components/schemas/{name}"

_KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    # msgspec reads and writes decimals as strings (no float rounding).
    "decimal": {"type": "string", "format": "decimal"},
    "str": {"type": "string"},
    "bytes": {"type": "string"},
    "bool": {"type": "boolean"},
    "uuid": {"type": "string", "format": "uuid"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "time": {"type": "string", "format": "time"},
    "any": {"type": "string"},
}
#: Sources that give a sequence parameter one value (a path segment; repeated headers, cookies
#: and query keys each add an item).
_ONE_VALUE_SOURCES = {"path"}


def _sequence_schema(record: ParamRecord, base: Any, item: dict[str, Any]) -> dict[str, Any]:
    """The array a sequence parameter takes: a set's items are unique, a fixed tuple's have
    their own types and count, a path segment holds one item."""
    from .._param_types import sequence_shape

    shape = sequence_shape(base)
    schema: dict[str, Any] = {"type": "array"}
    if shape is not None and shape.fixed is not None:
        schema["prefixItems"] = [inline_schema(tp) for tp in shape.fixed]
        schema["minItems"] = schema["maxItems"] = len(shape.fixed)
        return schema
    schema["items"] = item
    if shape is not None and shape.container in (set, frozenset):
        schema["uniqueItems"] = True
    if record.get("source") in _ONE_VALUE_SOURCES:
        schema["minItems"] = schema["maxItems"] = 1
    if "min_length" in record:
        schema["minItems"] = record["min_length"]
    if "max_length" in record:
        schema["maxItems"] = record["max_length"]
    return schema


#: QUERY is an operation of OpenAPI 3.2: a document that has one says 3.2.0.
_OPENAPI_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"}
_NUMERIC = {"int", "float", "decimal"}
_TEXT = {"str", "bytes"}
_PATH_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")

#: The component names of the error bodies (they cannot collide with a user's: these are fixed
#: and a user type of the same name is refused).
VALIDATION_ERROR = "HTTPValidationError"
ERROR = "ErrorResponse"
_ERROR_SCHEMAS: dict[str, Any] = {
    "ValidationErrorItem": {
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
            "input": {"type": "string", "description": "The parameter value that failed, as sent."},
        },
        "required": ["loc", "msg", "type"],
    },
    VALIDATION_ERROR: {
        "type": "object",
        "properties": {"detail": {"type": "array", "items": {"$ref": REF.format(name="ValidationErrorItem")}}},
        "required": ["detail"],
    },
    ERROR: {
        "type": "object",
        "description": "An error answer; `detail` is what the handler raised (a message or structured data).",
        "properties": {"detail": {}},
        "required": ["detail"],
    },
}


VALIDATION_DESCRIPTION = "Validation Error - Request data failed validation"


class OpenAPIStrictError(TypeError):
    """``OpenAPIConfig(strict=True)``: a route's type cannot be described."""


class ComponentNameCollisionError(TypeError):
    """Two different types would share one component name (the release's name; msgspec gives
    same-named types distinct names, so this generator never raises it)."""


@dataclass
class RouteEntry:
    """What the generator reads of one compiled route."""

    route: RouteDef
    compiled: CompiledHandler
    record: RouteRecord


def openapi_path(path: str, trailing_slash: str) -> str:
    """The route's canonical path (as the Rust router serves it) in OpenAPI's template form."""
    if trailing_slash == "strip":
        path = path.rstrip("/") or "/"
    elif trailing_slash == "append" and not path.endswith("/") and not (path.endswith("}") and "{*" in path):
        path += "/"
    return _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def _extract_path_param_names(path: str) -> list[str]:
    """The template variables of ``path`` in order (the release's helper name)."""
    return _PATH_PARAM.findall(path)


def _json_value(value: Any) -> tuple[bool, Any]:
    try:
        return True, msgspec.to_builtins(value)
    except (TypeError, msgspec.EncodeError, ValueError):
        return False, None


def _docstring(fn: Any) -> tuple[str | None, str | None]:
    """(first line, the rest or None) of a handler's docstring: summary and description."""
    fn = inspect.unwrap(fn)
    doc = inspect.getdoc(fn)
    if not doc:
        return None, None
    first, _, rest = doc.strip().partition("\n")
    return first.strip(), rest.strip() or None


class SchemaGenerator:
    """Builds the document for ``config`` from route entries (``generate``)."""

    def __init__(self, config: Any, trailing_slash: Any = "strip", error_formatter: Any = None) -> None:
        #: ``SchemaGenerator(api, config)`` (the release's form): ``generate()`` then reads the
        #: API's routes and gives a ``DocumentView``.
        self._api = None
        if not isinstance(config, OpenAPIConfig) and hasattr(config, "_route_entries"):
            self._api = config
            config = trailing_slash if isinstance(trailing_slash, OpenAPIConfig) else OpenAPIConfig()
            trailing_slash = self._api.trailing_slash
            error_formatter = self._api.error_formatter
        #: ``BoltAPI(error_formatter=)``: the error answers have the body its ``error_schema``
        #: declares (none declared: no body documented).
        self.error_formatter = error_formatter
        self.config = config
        self.trailing_slash = trailing_slash
        #: Types whose schemas become components, and the schema slots waiting for them.
        self._types: list[Any] = []
        self._slots: list[tuple[dict[str, Any], tuple[Any, str], bool]] = []
        #: Run once the components exist (schemas built from other schemas, named envelopes).
        self._after: list[Any] = []
        #: What strict mode refuses: opaque responses, undescribable types, qualified names.
        self._problems: list[str] = []
        self.security_schemes: dict[str, Any] = {}
        #: Error body components some operation refers to, and the slots of their references.
        self._error_components: set[str] = set()
        self._error_refs: list[tuple[dict[str, Any], str]] = []
        #: Each authenticated route's (backends, guards), made once (``auth_objects``).
        self._auth: dict[int, tuple[list[Any], list[Any]]] = {}
        self._settings: Any = None
        self._serializers = SerializerSchemas()

    def auth_objects(self, route: RouteDef) -> tuple[list[Any], list[Any]]:
        """The route's auth backends and guards, as its compiled record was made from them."""
        from ..auth.backends import BaseAuthentication
        from ..auth.compile import _instances
        from ..auth.guards import BasePermission
        from ..conf import BoltConfig

        found = self._auth.get(id(route))
        if found is None:
            if self._settings is None and (route.auth is None or route.guards is None):
                self._settings = BoltConfig.from_settings()
            auth = route.auth if route.auth is not None else self._settings.authentication_classes
            guards = route.guards if route.guards is not None else self._settings.default_permission_classes
            found = (_instances(auth, BaseAuthentication, "auth="), _instances(guards, BasePermission, "guards="))
            self._auth[id(route)] = found
        return found

    # ------------------------------------------------------------ types → schemas

    def type_schema(self, tp: Any, where: str, mode: str = OUTPUT, inline: bool = False) -> dict[str, Any]:
        """A slot filled with ``tp``'s schema once every type is known (one generator pass);
        serializers in ``tp`` as they read in ``mode`` (request input, PATCH input, output).
        ``inline``: a struct's own schema written out (a form's fields), not a reference."""
        tp = self._serializers.rewrite(tp, mode)
        slot: dict[str, Any] = {}
        self._types.append(tp)
        self._slots.append((slot, (tp, where), inline))
        return slot

    def _describe(self) -> Described:
        inline = [flat for _, _, flat in self._slots]
        try:
            return describe(self._types, REF, inline)
        except (TypeError, ValueError):
            pass
        # Some type cannot be described at all: find which (documented as any value, or refused
        # in strict mode), then describe the others together, so that same-named types still
        # get distinct component names.
        describable = []
        for _, (tp, where), flat in self._slots:
            try:
                describe([tp], REF, [flat])
                describable.append(True)
            except (TypeError, ValueError) as exc:
                self._problems.append(f"{where}: cannot describe {tp!r}: {exc}")
                describable.append(False)
        good = [(tp, flat) for (_, (tp, _), flat), ok in zip(self._slots, describable, strict=True) if ok]
        found = describe([tp for tp, _ in good], REF, [flat for _, flat in good])
        rest = iter(found.schemas)
        found.schemas = [next(rest) if ok else {} for ok in describable]
        return found

    def _resolve_types(self) -> dict[str, Any]:
        described = self._describe()
        components = described.components
        for (slot, _, _), schema in zip(self._slots, described.schemas, strict=True):
            slot.update(schema)
        if described.opaque and self.config.strict:
            # Which routes hold them (only worth finding when they are refused).
            for _, (tp, where), flat in self._slots:
                for cls in dict.fromkeys(describe([tp], REF, [flat]).opaque):
                    self._problems.append(f"{where}: cannot describe {cls!r} (documented as any value)")
        self._problems += [
            f"component {name} has its module in its name: another type has the same name"
            for name in described.qualified
        ]
        for after in self._after:
            after(components)
        for component in components.values():
            _drop_null_defaults_of_non_null_fields(component)
        # The error bodies' names, unless an API type already has one of them.
        names = {n: (f"django_bolt.{n}" if n in components else n) for n in _ERROR_SCHEMAS}
        for ref, name in self._error_refs:
            ref["$ref"] = REF.format(name=names[name])
        item_ref = (REF.format(name="ValidationErrorItem"), REF.format(name=names["ValidationErrorItem"]))
        for name in self._error_components:
            components[names[name]] = json.loads(json.dumps(_ERROR_SCHEMAS[name]).replace(*item_ref))
        return components

    # ------------------------------------------------------------ parameters

    def param_schema(self, record: ParamRecord, base: Any) -> dict[str, Any]:
        kind = record.get("kind", "any")
        schema = dict(_KIND_SCHEMAS.get(kind, {}))
        if not record.get("is_list") and read_from_text(base):
            # Read from the text by msgspec: its schema of the type (a duration, an enum).
            schema = inline_schema(base)
        if "choices" in record:
            schema["enum"] = list(record["choices"])
            # A Literal of mixed types has no one type.
            if value_type(schema["enum"]) is None:
                schema.pop("type", None)
        if not record.get("is_list"):
            # The Rust validator checks numbers against gt/ge/lt/le, strings against the lengths
            # and the pattern (a search, like JSON Schema's), and nothing else.
            if kind in _NUMERIC:
                for key, name in (
                    ("gt", "exclusiveMinimum"),
                    ("ge", "minimum"),
                    ("lt", "exclusiveMaximum"),
                    ("le", "maximum"),
                ):
                    if key in record:
                        schema[name] = record[key]  # type: ignore[literal-required]
            if kind in _TEXT:
                for key, name in (("min_length", "minLength"), ("max_length", "maxLength"), ("pattern", "pattern")):
                    if key in record:
                        schema[name] = record[key]  # type: ignore[literal-required]
        else:
            # On lists the lengths count items; items are only coerced.
            schema = _sequence_schema(record, base, schema)
        if "default" in record and record["default"] is not None:
            ok, value = _json_value(record["default"])
            # A default outside the constraints (an empty list with min_length=1, say) is used
            # without being checked, but a document must not show it as a valid value.
            if ok and _fits(schema, value):
                schema["default"] = value
        return schema

    def field_schema(self, record: ParamRecord, annotation: Any, default: Any) -> dict[str, Any]:
        try:
            schema = inline_schema(annotation)
        except (TypeError, ValueError) as exc:
            self._problems.append(f"parameter {record['name']}: cannot describe {annotation!r}: {exc}")
            return {}
        if default is not None:
            ok, value = _json_value(default)
            if ok:
                schema["default"] = value
        return schema

    def parameter(self, record: ParamRecord, doc: Any) -> dict[str, Any] | None:
        marker = doc.marker if doc is not None else None
        if marker is not None and not marker.include_in_schema:
            return None
        source = record["source"]
        # A header is read without regard to case (the key is lowercased); the document names
        # it as the alias was written (``X-Token``), as clients will send it.
        alias = getattr(marker, "alias", None) if source == "header" else None
        out: dict[str, Any] = {
            "name": alias or record.get("key", record["name"]),
            "in": source,
            "required": source == "path" or bool(record.get("required", "default" not in record)),
            "schema": (
                self.field_schema(record, doc.annotation, doc.default)
                if isinstance(doc, ModelFieldDoc)
                else self.param_schema(record, doc.base if doc is not None else Any)
            ),
        }
        if record.get("is_list") and source in ("query", "cookie"):
            # ?tag=a&tag=b: each value its own pair.
            out.update(style="form", explode=True)
        if marker is not None:
            if marker.description:
                out["description"] = marker.description
            if marker.deprecated:
                out["deprecated"] = True
            ok, example = _json_value(marker.example)
            if marker.example is not None and ok:
                out["example"] = example
            elif marker.examples:
                ok, examples = _json_value(marker.examples)
                if ok:
                    out["examples"] = {f"example{i}": {"value": v} for i, v in enumerate(examples, 1)}
        return out

    # ------------------------------------------------------------ bodies

    def request_body(self, entry: RouteEntry, where: str) -> dict[str, Any] | None:
        records = [p for p in entry.record["params"] if p["source"] in ("body", "form", "form_model", "file")]
        if not records:
            # A view action that reads its body per request (get_serializer_class() overridden,
            # PATCH): the serializer it names for the action at startup.
            documented = getattr(entry.route.handler, "__bolt_doc_body__", None)
            if documented is None:
                return None
            serializer, partial = documented
            schema = self.type_schema(serializer, where, PATCH if partial else INPUT)
            return {"required": True, "content": {"application/json": {"schema": schema}}}
        docs = entry.compiled.docs
        mode = INPUT
        required = any(p.get("required", "default" not in p) for p in records)
        if all(p["source"] == "body" for p in records):
            if len(records) == 1 and not docs[records[0]["name"]].embedded:
                schema = self.type_schema(docs[records[0]["name"]].base, where, mode)
            else:
                schema = self._object(
                    {p.get("key", p["name"]): self.type_schema(docs[p["name"]].base, where, mode) for p in records},
                    [p.get("key", p["name"]) for p in records if p.get("required", "default" not in p)],
                )
            return {"required": required, "content": {"application/json": {"schema": schema}}}
        # Form data: fields by key; a form model's fields; files as binary parts.
        properties: dict[str, Any] = {}
        names: list[str] = []
        models: list[dict[str, Any]] = []
        has_files = False
        for p in records:
            key = p.get("key", p["name"])
            if p["source"] == "form_model":
                # Its fields are top-level form keys: written out among the others.
                models.append(self.type_schema(docs[p["name"]].base, where, INPUT, inline=True))
                continue
            if p["source"] == "file":
                has_files = True
                one = dict(BINARY)
                if p.get("allowed_types"):
                    one["description"] = "Accepted types: " + ", ".join(p["allowed_types"])
                properties[key] = {"type": "array", "items": one} if p.get("is_list") else one
                if p.get("is_list") and p.get("max_files"):
                    properties[key]["maxItems"] = p["max_files"]
            else:
                properties[key] = self.param_schema(p, docs[p["name"]].base)
                marker = docs[p["name"]].marker
                if marker is not None and marker.description:
                    properties[key]["description"] = marker.description
            if p.get("required", "default" not in p):
                names.append(key)
        schema = self._object(properties, names)
        if models:
            self._after.append(lambda _components: _flatten_form_models(schema, models))
        content = {"multipart/form-data": {"schema": schema}}
        if not has_files:
            content = {"application/x-www-form-urlencoded": {"schema": schema}, **content}
        return {"required": required, "content": content}

    @staticmethod
    def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            out["required"] = required
        return out

    # ------------------------------------------------------------ responses

    def success_response(self, entry: RouteEntry, where: str) -> tuple[str, dict[str, Any]]:
        """(status, answer) of the route's successful response."""
        route = entry.route
        model = route.response_model
        if model is None:
            try:
                model = typing.get_type_hints(route.handler, include_extras=True).get("return")
            except Exception:  # noqa: BLE001 - unresolvable annotations: documented as any value
                model = None
        status = str(route.status_code)
        response: dict[str, Any] = {"description": "Successful Response"}
        pagination = getattr(route.handler, "__bolt_pagination_class__", None)
        if pagination is not None:
            inner = getattr(route.handler, "__bolt_paginated__", None)
            if model is None and inner is not None:
                # @paginate takes the return annotation off the route (the route returns a page);
                # the item type is the one the undecorated handler declares.
                try:
                    model = typing.get_type_hints(inner, include_extras=True).get("return")
                except Exception:  # noqa: BLE001 - unresolvable annotations: items documented as any value
                    model = None
            response["content"] = {"application/json": {"schema": self.envelope_schema(pagination, model, where)}}
            return status, response
        if model is None:
            model = getattr(route.handler, "__bolt_response_class__", None)
        redirect = _redirect_class(model)
        if redirect:
            # A redirect has no body, only where to go.
            if not 300 <= route.status_code < 400:
                status = "307"
            response = {
                "description": "Redirect",
                "headers": {"Location": {"schema": {"type": "string"}, "description": "Where to go"}},
            }
            return status, response
        if model is None:
            if route.status_code in (204, 205, 304) or route.status_code < 200:
                return status, response  # no body
            # No type given: most such handlers answer a JSON object. Strict mode refuses it.
            self._problems.append(f"{where}: the response has no type (annotate the handler or set response_model=)")
            response["content"] = {"application/json": {"schema": {"type": "object"}}}
            return status, response
        return status, self.model_response(model, response, where)

    def model_response(self, model: Any, response: dict[str, Any], where: str) -> dict[str, Any]:
        """``response`` with the content of a body of type ``model`` (none for None)."""
        from ..responses import Response

        if model is None or model is type(None):
            if model is type(None):
                response["content"] = {"application/json": {"schema": {"type": "null"}}}
            return response
        base, _, _ = _parse_annotation(model)
        if isinstance(base, type) and issubclass(base, Response):
            response["content"] = _response_class_content(base)
            return response
        if base is Any or inspect.isclass(typing.get_origin(base)) and _is_stream(typing.get_origin(base)):
            response["content"] = {"application/json": {"schema": {}}}
            return response
        media: dict[str, Any] = {"schema": self.type_schema(model, where)}
        response["content"] = {"application/json": media}
        self._after.append(lambda components: _arm_examples(media, components))
        return response

    def envelope_schema(self, pagination: Any, model: Any, where: str) -> dict[str, Any]:
        """One page of a paginated route: the paginator's envelope around its items (the item
        type of a ``list[S]`` or ``PaginatedResponse[S]`` response model; any value without)."""
        from ..pagination import PaginatedResponse

        args = typing.get_args(model) if model is not None else ()
        item = args[0] if args else Any
        if pagination.response_class is not PaginatedResponse:
            # A custom envelope: its own type, given the item type.
            try:
                return self.type_schema(pagination.response_class[item], where)
            except TypeError:
                return self.type_schema(pagination.response_class, where)
        keys = getattr(pagination, "envelope_keys", None)
        hints = typing.get_type_hints(PaginatedResponse)
        names = [
            n
            for n in PaginatedResponse.__struct_fields__
            if n != "items" and (keys is None or n in keys or n in _ALWAYS)
        ]
        properties: dict[str, Any] = {
            "items": {"type": "array", "items": {} if item is Any else self.type_schema(item, where)}
        }
        for name in names:
            base = typing.get_args(hints[name])[0] if name not in _ALWAYS else hints[name]
            properties[name] = dict(_KIND_SCHEMAS[{int: "int", bool: "bool", str: "str"}[base]])
        # next_*/previous_* are left out on the last/first page; the others are always there.
        required = [
            "items",
            *(n for n in names if n in _ALWAYS or (keys is not None and not n.startswith(("next_", "previous_")))),
        ]
        envelope = self._object(properties, required)
        ref: dict[str, Any] = {}

        def name_it(components: dict[str, Any]) -> None:
            # Named like msgspec names PaginatedResponse[Item]; a paginator whose envelope has
            # other keys gets its own name.
            items = properties["items"]["items"]
            item = items["$ref"].rsplit("/", 1)[-1] if "$ref" in items else _type_name(item_type)
            name = f"PaginatedResponse_{item}_"
            if components.get(name, envelope) != envelope:
                name = f"{pagination.__name__}_{item}_"
            components[name] = envelope
            ref["$ref"] = REF.format(name=name)

        item_type = item
        self._after.append(name_it)
        return ref

    def error_responses(self, entry: RouteEntry) -> dict[str, Any]:
        record = entry.record
        out: dict[str, Any] = {}
        params = [p for p in record["params"] if p["source"] != "request"]
        if params:
            out["422"] = self._error(VALIDATION_DESCRIPTION, VALIDATION_ERROR)
        if any(p["source"] in ("body", "form", "form_model", "file") for p in params):
            out["413"] = self._error("Request body too large", ERROR)
        if record["auth"] is not None:
            out["401"] = self._error("Not authenticated", ERROR)
            if self._can_forbid(entry):
                out["403"] = self._error("Permission denied", ERROR)
        middleware = record["middleware"] or {}
        skip = set(middleware.get("skip") or ())
        if middleware.get("rate_limit") and not skip & {"rate_limit", "*"}:
            out["429"] = self._error("Too many requests", ERROR)
        # A handler may raise HTTPException with any status (404 of get_object_or_404...); those
        # answers share one shape. Leaving them out makes clients and fuzzers see undocumented
        # statuses (the release lists only the success status).
        out["default"] = self._error("Error", ERROR)
        return out

    def _error(self, description: str, component: str) -> dict[str, Any]:
        """An error answer; its ``$ref`` is set once the user's component names are known."""
        if self.error_formatter is not None:
            declared = getattr(self.error_formatter, "__bolt_error_schema__", None)
            if declared is None:
                name = getattr(self.error_formatter, "__name__", repr(self.error_formatter))
                problem = f"error_formatter {name} has no error_schema: the error answers have no documented body"
                if problem not in self._problems:
                    self._problems.append(problem)
                return {"description": description}
            body = self.type_schema(declared.schema, "error_formatter")
            return {"description": description, "content": {declared.media_type: {"schema": body}}}
        ref: dict[str, Any] = {}
        self._error_refs.append((ref, component))
        self._error_components.add(component)
        if component == VALIDATION_ERROR:
            self._error_components.add("ValidationErrorItem")
        return {"description": description, "content": {"application/json": {"schema": ref}}}

    def _can_forbid(self, entry: RouteEntry) -> bool:
        """403 is possible: a claim guard or a custom guard, or a session's CSRF check on an unsafe
        method (authentication alone answers 401)."""
        from ..auth.backends import SessionAuthentication
        from ..auth.guards import AllowAny, IsAuthenticated

        backends, guards = self.auth_objects(entry.route)
        if any(not isinstance(g, (AllowAny, IsAuthenticated)) for g in guards):
            return True
        return entry.route.method not in _SAFE and any(
            isinstance(b, SessionAuthentication) and b.csrf for b in backends
        )

    # ------------------------------------------------------------ security

    def security(self, entry: RouteEntry) -> list[dict[str, list[str]]] | None:
        from ..auth.backends import BaseAuthentication
        from ..auth.compile import _instances
        from ..auth.guards import AllowAny, BasePermission
        from ..conf import BoltConfig

        if entry.record["auth"] is None:
            return None
        config = BoltConfig.from_settings()
        route = entry.route
        backends = _instances(
            route.auth if route.auth is not None else config.authentication_classes, BaseAuthentication, "auth="
        )
        guards = _instances(
            route.guards if route.guards is not None else config.default_permission_classes, BasePermission, "guards="
        )
        requirements: list[dict[str, list[str]]] = []
        for backend in backends:
            for name, scheme in security_schemes(backend):
                self.security_schemes.setdefault(name, scheme)
                if {name: []} not in requirements:
                    requirements.append({name: []})
        if any(isinstance(g, AllowAny) for g in guards):
            requirements.append({})  # anonymous callers are let through
        return requirements or None

    # ------------------------------------------------------------ document

    def generate(self, entries: Iterable[RouteEntry] | None = None) -> Any:
        if entries is None:
            if self._api is None:
                raise TypeError("generate() needs the route entries (or SchemaGenerator(api, config))")
            return DocumentView(self._generate(self._api._route_entries()))
        return self._generate(entries)

    def _generate(self, entries: Iterable[RouteEntry]) -> dict[str, Any]:
        config = self.config
        paths: dict[str, PathItem] = {}
        used_tags: list[str] = []
        pending: list[tuple[RouteEntry, Operation]] = []
        for entry in entries:
            route = entry.route
            websocket = entry.record["kind"] == "websocket"
            if route.fixed or entry.record["kind"] not in ("http", "websocket") or route.include_in_schema is False:
                continue
            if not websocket and route.method not in _OPENAPI_METHODS:
                continue
            if any(route.path == p or route.path.startswith(p.rstrip("/") + "/") for p in config.exclude_paths):
                continue
            path = openapi_path(route.path, self.trailing_slash)
            where = f"{route.method} {route.path}"
            operation = Operation()
            tags = ["WebSocket"] if websocket and route.tags is None else route.tags
            if tags is not None:
                operation.tags = list(tags)  # tags=[]: none, as given
                used_tags.extend(tags)
            first_line, doc = _docstring(route.handler) if config.use_handler_docstrings else (None, None)
            summary = route.summary or first_line
            description = route.description or doc
            if websocket:
                summary, description = _websocket_texts(summary, description)
            operation.summary = summary or None
            operation.description = description or None
            parameters = [
                p
                for p in (
                    self.parameter(r, doc)
                    for r, doc in _simple_params(entry)
                    if r["source"] in ("path", "query", "header", "cookie")
                )
                if p is not None
            ]
            # A handler that takes the request may leave path parameters out of its arguments
            # (it reads request.params): each template variable is still a required string.
            named = {p["name"] for p in parameters if p["in"] == "path"}
            parameters += [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in dict.fromkeys(_PATH_PARAM.findall(path))
                if name not in named
            ]
            operation.parameters = parameters or None
            operation.request_body = None if websocket else self.request_body(entry, where)
            if websocket:
                responses = {"101": _SWITCHING_PROTOCOLS}
            elif is_multi_response(route.response_model):
                # One model per status; ``...`` is every other status: OpenAPI's ``default``.
                responses = {
                    "default" if status is Ellipsis else str(status): self.model_response(
                        model,
                        {"description": _status_description(status)},
                        where,
                    )
                    for status, model in route.response_model.items()
                }
            else:
                status, success = self.success_response(entry, where)
                responses = {status: success}
            if config.include_error_responses:
                for status, error in self.error_responses(entry).items():
                    if status == "default":
                        # The handler's own errors: a declared ``...`` model is what they send.
                        responses.setdefault(status, error)
                    elif status in responses:
                        # The route declares this status (its own body) and the framework may
                        # answer it too (a validation 422): both bodies.
                        _merge_content(responses[status], error)
                    else:
                        responses[status] = error
            operation.responses = responses
            operation.security = self.security(entry)
            if operation.security is None and config.security and entry.record["auth"] is None:
                operation.security = []  # open: the document-wide requirement does not apply
            item = paths.setdefault(path, PathItem())
            method = "get" if websocket else route.method.lower()
            if getattr(item, method) is not None:
                # The first route registered for a method and path is the one served (a plain GET
                # reaches the HTTP route of a path that also takes WebSocket upgrades).
                continue
            setattr(item, method, operation)
            pending.append((entry, operation))
        self._operation_ids(pending)
        components = self._resolve_types()
        if config.strict and self._problems:
            raise OpenAPIStrictError(
                "OpenAPIConfig(strict=True): the document cannot describe:\n  " + "\n  ".join(self._problems)
            )
        return self._document(paths, [op for _, op in pending], components, used_tags)

    def _operation_ids(self, pending: list[tuple[RouteEntry, Operation]]) -> None:
        """``<method>_<handler name>`` as the release names them (``get_list_items``,
        ``websocket_feed``), so clients generated from either document call the same functions;
        where that is not unique, method and path; a counter as last resort. Only depends on the
        route table, so ids are stable across runs."""

        def method(entry: RouteEntry) -> str:
            return "websocket" if entry.record["kind"] == "websocket" else entry.route.method.lower()

        names = [getattr(inspect.unwrap(e.route.handler), "__name__", "operation") for e, _ in pending]
        wanted = [f"{method(e)}_{name}" for (e, _), name in zip(pending, names, strict=True)]
        counts = collections.Counter(wanted)
        taken: set[str] = set()
        for (entry, operation), name, candidate in zip(pending, names, wanted, strict=True):
            if counts[candidate] > 1 or not name.isidentifier():
                slug = re.sub(r"[^A-Za-z0-9]+", "_", entry.route.path).strip("_") or "root"
                candidate = f"{method(entry)}_{slug}"
            unique, n = candidate, 2
            while unique in taken:
                unique, n = f"{candidate}_{n}", n + 1
            taken.add(unique)
            operation.operation_id = unique

    def _document(
        self,
        paths: dict[str, PathItem],
        operations: list[Operation],
        components: dict[str, Any],
        used_tags: list[str],
    ) -> dict[str, Any]:
        config = self.config
        given = _given_components(config.components)
        tags = [t if isinstance(t, (Tag, dict)) else Tag(name=t) for t in (config.tags or [])]
        named = {t["name"] if isinstance(t, dict) else t.name for t in tags}
        tags += [Tag(name=tag) for tag in dict.fromkeys(used_tags) if tag not in named]
        has_query = any(item.query is not None for item in paths.values())
        document = OpenAPI(
            # QUERY is a method of OpenAPI 3.2 (which has no jsonSchemaDialect default to state).
            openapi="3.2.0" if has_query else "3.1.0",
            info=Info(
                title=config.title,
                version=config.version,
                summary=config.summary,
                description=config.description,
                terms_of_service=config.terms_of_service,
                contact=config.contact,
                license=config.license,
            ),
            json_schema_dialect=None if has_query else "https://spec.openapis.org/oas/3.1/dialect/base",
            servers=list(config.servers or []),
            paths=paths,
            webhooks=config.webhooks or None,
            # The config's schemas and security schemes replace generated ones of the same name.
            components=dataclasses.replace(
                given,
                schemas=dict(sorted({**components, **given.schemas}.items())),
                security_schemes={**self.security_schemes, **(given.security_schemes or {})},
            ),
            security=config.security,
            tags=tags,
            external_docs=config.external_docs,
        )
        # What the generator wrote itself is JSON already: only the objects around it are walked.
        made = [value for op in operations for value in (op.parameters, op.request_body, op.responses) if value]
        return render(document, [*made, *components.values()])


#: ``Components`` field of each key of its JSON form (``{"securitySchemes": ...}`` as a dict).
_COMPONENT_FIELDS = {json_key(f.name): f.name for f in dataclasses.fields(Components)}


def _given_components(given: Any) -> Components:
    """``OpenAPIConfig.components`` as a ``Components`` (it may be given as its JSON dict)."""
    if isinstance(given, Components):
        return given
    unknown = set(given or {}) - set(_COMPONENT_FIELDS)
    if unknown:
        raise TypeError(f"OpenAPIConfig(components=) has keys OpenAPI components do not: {sorted(unknown)}")
    return Components(**{_COMPONENT_FIELDS[key]: value for key, value in (given or {}).items()})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_VIEW_KEYS = {"security_scheme_in": "in", "param_in": "in", "ref": "$ref", "schema_": "schema"}


class DocumentView:
    """Read access to a generated document the way the release's spec objects give it:
    attributes in snake case (``doc.paths["/x"].get.request_body``; None when absent), items by
    key, and ``to_schema()`` for the JSON dict itself."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @staticmethod
    def _wrap(value: Any) -> Any:
        if isinstance(value, dict):
            return DocumentView(value)
        if isinstance(value, list):
            return [DocumentView._wrap(v) for v in value]
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        data = self._data
        for key in (_VIEW_KEYS.get(name), name, _camel(name)):
            if key is not None and key in data:
                return self._wrap(data[key])
        return None

    def __getitem__(self, key: str) -> Any:
        return self._wrap(self._data[key])

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Any:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return self._data == (other._data if isinstance(other, DocumentView) else other)

    __hash__ = None  # type: ignore[assignment]

    def keys(self) -> Any:
        return self._data.keys()

    def values(self) -> list[Any]:
        return [self._wrap(v) for v in self._data.values()]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self._wrap(v)) for k, v in self._data.items()]

    def to_schema(self) -> dict[str, Any]:
        return self._data

    def __repr__(self) -> str:
        return f"DocumentView({self._data!r})"


def _response_class_content(cls: type) -> dict[str, Any]:
    """What a handler annotated with a response class answers: the media type of the classes that
    fix one; any (``*/*``) for ``Response``, streams and files, whose media type is per instance
    (the release says ``application/octet-stream``, which schemathesis found answers contradict)."""
    from ..responses import HTML, JSON, EventSourceResponse, PlainText

    string = {"schema": {"type": "string"}}
    for fixed, content in (
        (JSON, {"application/json": {"schema": {}}}),
        (HTML, {"text/html": string}),
        (PlainText, {"text/plain": string}),
        (EventSourceResponse, {"text/event-stream": string}),
    ):
        if issubclass(cls, fixed):
            return content
    return {"*/*": {"schema": {}}}


_SWITCHING_PROTOCOLS = {
    "description": "Switching Protocols: the WebSocket connection is open",
    "headers": {
        "Upgrade": {"schema": {"type": "string", "enum": ["websocket"]}},
        "Connection": {"schema": {"type": "string", "enum": ["Upgrade"]}},
    },
}


def _websocket_texts(summary: str | None, description: str | None) -> tuple[str, str]:
    """A WebSocket route's summary and description say what it is (the operation is the GET of
    the upgrade handshake)."""
    if not summary:
        summary = "WebSocket Connection"
    elif not summary.lower().startswith("websocket"):
        summary = f"WebSocket: {summary}"
    how = "A WebSocket endpoint: connect with ws:// or wss:// (a GET with `Upgrade: websocket`)."
    return summary, f"{description}\n\n{how}" if description else how


def _status_description(status: Any) -> str:
    if status is Ellipsis:
        return "Error"
    if status < 400:
        return "Successful Response"
    # The error formatter's RFC 9110 phrases: the same document on every CPython.
    from ..error_formatter import STATUS_TITLES

    return STATUS_TITLES.get(status, "Error")


def _merge_content(declared: dict[str, Any], error: dict[str, Any]) -> None:
    """The framework's error body next to the one a route declares for the same status: one
    ``anyOf`` per shared media type, else one entry per media type."""
    content = declared.setdefault("content", {})
    for media, entry in error.get("content", {}).items():
        if media not in content:
            content[media] = entry
        elif content[media].get("schema") is not entry["schema"]:  # (slots: filled later)
            content[media] = {"schema": {"anyOf": [content[media].get("schema", {}), entry["schema"]]}}
    if not content:
        del declared["content"]


#: Example values by JSON type, for the fields of an arm that have no default.
_PLACEHOLDERS: dict[str, Any] = {"string": "string", "integer": 0, "number": 0, "boolean": True, "array": []}


def _arm_examples(media: dict[str, Any], components: dict[str, Any]) -> None:
    """A response that is one of several tagged structs gets one example per arm (the tag, the
    defaults, placeholders), so UIs offer each shape; lists of them keep the UI's own rendering."""
    arms = media["schema"].get("oneOf") if "discriminator" in media["schema"] else None
    if not arms:
        return
    examples: dict[str, Any] = {}
    for arm in arms:
        name = arm.get("$ref", "").rsplit("/", 1)[-1]
        component = components.get(name)
        if component is None or component.get("type") != "object":
            return
        value = {}
        for key, prop in component.get("properties", {}).items():
            if "default" in prop:
                value[key] = prop["default"]
            elif prop.get("enum"):
                value[key] = prop["enum"][0]
            else:
                value[key] = _PLACEHOLDERS.get(prop.get("type"), None)
        examples[name] = {"value": value}
    media["examples"] = examples


def _flatten_form_models(schema: dict[str, Any], models: list[dict[str, Any]]) -> None:
    """The fields of each form model (their schemas now known) as properties of the form."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for model in models:
        properties.update(model.get("properties", {}))
        required += model.get("required", [])
    schema["properties"] = {**properties, **schema["properties"]}
    required += schema.get("required", [])
    if required:
        schema["required"] = list(dict.fromkeys(required))


def _type_name(tp: Any) -> str:
    """A component-name-safe name of a type that is not a component (``int``, ``Any``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", getattr(tp, "__name__", None) or repr(tp))


def _redirect_class(model: Any) -> bool:
    from ..responses import Redirect

    return isinstance(model, type) and issubclass(model, Redirect)


def _fits(schema: dict[str, Any], value: Any) -> bool:
    """``value`` satisfies the constraints ``param_schema`` writes."""
    if "enum" in schema and value not in schema["enum"]:
        return False
    if isinstance(value, list):
        return schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)) and all(
            _fits(schema.get("items", {}), v) for v in value
        )
    if isinstance(value, str):
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            return False
        return "pattern" not in schema or re.search(schema["pattern"], value) is not None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (
            value > schema.get("exclusiveMinimum", value - 1)
            and value >= schema.get("minimum", value)
            and value < schema.get("exclusiveMaximum", value + 1)
            and value <= schema.get("maximum", value)
        )
    return True


def _is_stream(origin: type) -> bool:
    import collections.abc as abc

    return issubclass(origin, (abc.Iterator, abc.AsyncIterator, abc.Generator, abc.AsyncGenerator))


def _error(description: str, component: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(name=component)}}},
    }


_SAFE = {"GET", "HEAD", "OPTIONS", "TRACE", "QUERY"}
#: Envelope keys every paginator writes.
_ALWAYS = ("total", "has_next", "has_previous")


def security_schemes(backend: Any) -> list[tuple[str, SecurityScheme]]:
    """The security schemes one auth backend accepts credentials by (none for a custom backend,
    which can read anything)."""
    from ..auth.backends import APIKeyAuthentication, JWTAuthentication, SessionAuthentication

    def api_key(where: str, name: str) -> SecurityScheme:
        return SecurityScheme(type="apiKey", security_scheme_in=where, name=name)

    if isinstance(backend, JWTAuthentication):
        out: list[tuple[str, SecurityScheme]] = []
        if backend.header == "authorization":
            out.append(("BearerAuth", SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")))
        else:
            out.append((f"JWTHeader_{backend.header}", api_key("header", backend.header)))
        if backend.cookie:
            out.append((f"JWTCookie_{backend.cookie}", api_key("cookie", backend.cookie)))
        return out
    if isinstance(backend, APIKeyAuthentication):
        name = "ApiKeyAuth" if backend.header == "x-api-key" else f"ApiKeyAuth_{backend.header}"
        return [(name, api_key("header", backend.header))]
    if isinstance(backend, SessionAuthentication):
        from django.conf import settings

        cookie = getattr(settings, "SESSION_COOKIE_NAME", "sessionid")
        return [("SessionAuth", api_key("cookie", cookie))]
    return []


def _allows_null(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "null" or (isinstance(schema.get("type"), list) and "null" in schema["type"]):
        return True
    return any(_allows_null(s) for s in schema.get("anyOf", ()) if isinstance(s, dict))


def _drop_null_defaults_of_non_null_fields(component: dict[str, Any]) -> None:
    """A field declared ``x: int = None`` (a serializer's read-only ``id``, filled by the server)
    gets ``default: null`` from msgspec, which its own schema refuses: an invalid document. The
    default is left out; the field stays optional (not in ``required``)."""
    for prop in component.get("properties", {}).values():
        if isinstance(prop, dict) and "default" in prop and prop["default"] is None and not _allows_null(prop):
            del prop["default"]


def _simple_params(entry: RouteEntry) -> list[tuple[ParamRecord, Any]]:
    """Each parameter with its doc; a query/header/cookie model is its fields, each one
    parameter (typed by the model's annotation; the marker's description etc. do not apply)."""
    out: list[tuple[ParamRecord, Any]] = []
    for record in entry.record["params"]:
        doc = entry.compiled.docs.get(record["name"])
        fields = record.get("fields")
        if not fields:
            out.append((record, doc))
            continue
        hints = {f.name: f.annotation for f in model_fields(doc.base)} if doc is not None else {}
        defaults = _field_defaults(doc.base) if doc is not None else {}
        for field in fields:
            out.append((field, ModelFieldDoc(hints.get(field["name"], Any), defaults.get(field["name"]))))
    return out


def _field_defaults(model: Any) -> dict[str, Any]:
    """The plain defaults of a model's fields (not factories: their value is made per request)."""
    import dataclasses

    if isinstance(model, type) and issubclass(model, msgspec.Struct):
        return {f.encode_name: f.default for f in msgspec.structs.fields(model) if f.default is not msgspec.NODEFAULT}
    if dataclasses.is_dataclass(model):
        return {f.name: f.default for f in dataclasses.fields(model) if f.default is not dataclasses.MISSING}
    return {}


@dataclass
class ModelFieldDoc:
    """A field of a query/header/cookie model: described by its annotation as msgspec decodes
    it (its ``Meta`` constraints, enums, ``None``), written out inline."""

    annotation: Any
    default: Any = None
    marker: Any = None
