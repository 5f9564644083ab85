"""The release's route-metadata helpers (``django_bolt.middleware.compiler``), answered from this
project's own compile step.

The release hands its Rust core one metadata dict per route. Here routes compile to typed
records (``_schema.RouteRecord``); this module describes such a compiled route in the release's
dict form (``BoltAPI._handler_middleware``) and gives the release's public helpers over the same
settings readers and parameter kinds the server uses. Nothing here runs per request.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ..auth.backends import BaseAuthentication, get_default_authentication_classes
from ..auth.guards import GUARD_TYPES, get_default_permission_classes
from ..params import Param
from ..static_policy import build_policy_without_nonce, content_security_policy
from ..typing import is_msgspec_struct, resolve_type_alias, unwrap_optional
from .decorators import RUST_MIDDLEWARE, recorded_settings

# The release's ids of the simple parameter types Rust converts (our records name the kind).
TYPE_INT = 1
TYPE_FLOAT = 2
TYPE_BOOL = 3
TYPE_STRING = 4
TYPE_UUID = 5
TYPE_DATETIME = 6
TYPE_DECIMAL = 7
TYPE_DATE = 8
TYPE_TIME = 9

_TYPE_IDS = {
    "int": TYPE_INT,
    "float": TYPE_FLOAT,
    "bool": TYPE_BOOL,
    "str": TYPE_STRING,
    "uuid": TYPE_UUID,
    "datetime": TYPE_DATETIME,
    "decimal": TYPE_DECIMAL,
    "date": TYPE_DATE,
    "time": TYPE_TIME,
}

#: Parameter sources that come with the request head (what Rust binds without reading a body).
_HEAD_SOURCES = ("path", "query", "header", "cookie")
_BODY_SOURCES = ("body", "form", "form_model", "file")
_FORM_SOURCES = ("form", "form_model", "file")


def get_type_hint_id(annotation: Any) -> int:
    """The release's id of the type Rust converts a parameter of ``annotation`` to (through
    ``Optional``, ``Annotated``, ``NewType`` and aliases); ``TYPE_STRING`` for anything Rust
    passes on as text."""
    from .._compile import _parse_annotation, _simple_kind

    base, _extras, _optional = _parse_annotation(annotation)
    return _TYPE_IDS.get(_simple_kind(base) or "", TYPE_STRING)


def route_auth_backends(auth: list[Any] | None) -> list[Any]:
    """The authentication backends of a route in the order they are tried: ``auth`` (classes
    and dotted paths instantiated), else ``BOLT_AUTHENTICATION_CLASSES``."""
    from ..auth.compile import _instances

    entries = auth if auth is not None else get_default_authentication_classes()
    return _instances(entries, BaseAuthentication, "auth=")


def middleware_to_dict(mw: Any) -> dict[str, Any] | None:
    """A ``{"type": "cors"|"rate_limit", ...}`` setting as it is; None for Python middleware
    (classes and functions run in the route's Python chain, not in Rust)."""
    return mw if isinstance(mw, dict) else None


def _rust_settings(
    recorded: dict[str, Any] | None, global_middleware: list[Any]
) -> tuple[list[dict[str, Any]], set[str]]:
    recorded = recorded or {}
    skip = set(recorded.get("skip", ()))
    if "*" in skip:
        skip |= set(RUST_MIDDLEWARE)
    handler_entries = [{"type": kind, **recorded[kind]} for kind in ("rate_limit", "cors") if kind in recorded]
    kept = []
    for entry in (*global_middleware, *handler_entries):
        setting = middleware_to_dict(entry)
        if setting is not None and setting.get("type") not in skip:
            kept.append(setting)
    return kept, skip


def compile_middleware_meta(
    handler: Callable[..., Any],
    method: str,
    path: str,
    global_middleware: list[Any],
    guards: list[Any] | None = None,
    auth: list[Any] | None = None,
) -> dict[str, Any] | None:
    """The release's middleware metadata of a route: ``middleware`` (the Rust settings left after
    ``@skip_middleware``), ``skip``, ``auth_backends`` and ``guards`` (their ``to_metadata()``),
    with ``method`` and ``path``; None when the route has none of them."""
    return _route_meta(recorded_settings(handler), method, path, global_middleware, guards, auth)


def _route_meta(
    recorded: dict[str, Any] | None,
    method: str,
    path: str,
    global_middleware: list[Any],
    guards: list[Any] | None,
    auth: list[Any] | None,
) -> dict[str, Any] | None:
    from ..auth.compile import _instances
    from ..auth.guards import BasePermission

    middleware, skip = _rust_settings(recorded, global_middleware)
    backends = [backend.to_metadata() for backend in route_auth_backends(auth)]
    guard_entries = guards if guards is not None else get_default_permission_classes()
    where = f"guards= of {method} {path}"
    guard_list = [guard.to_metadata() for guard in _instances(guard_entries, BasePermission, where)]
    if guards is None and not guard_list:
        # No guard anywhere: anyone may call the route (the release's default is AllowAny).
        guard_list = [{"type": "allow_any"}]
    if not (middleware or backends or guard_list or skip):
        return None
    meta: dict[str, Any] = {"method": method, "path": path}
    if middleware:
        meta["middleware"] = middleware
    if skip:
        meta["skip"] = sorted(skip)
    if backends:
        meta["auth_backends"] = backends
    if guard_list:
        meta["guards"] = guard_list
    return meta


def _bindings(handler: Callable[..., Any], params: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The release's ``rust_arg_bindings``: how the handler's arguments are passed when every one
    is a simple value of the request head; None otherwise."""
    if not params or any(p["source"] not in _HEAD_SOURCES or p.get("is_list") or "fields" in p for p in params):
        return None
    signature = inspect.signature(handler).parameters
    kinds = {name: parameter.kind for name, parameter in signature.items()}
    has_optional = any(not p.get("required", "default" not in p) for p in params)
    positional_only = inspect.Parameter.POSITIONAL_ONLY
    if has_optional and any(kinds.get(p["name"]) is positional_only for p in params):
        return None  # an omitted keyword cannot sit among positional-only arguments
    plan = []
    for p in params:
        required = p.get("required", "default" not in p)
        signature_default = signature[p["name"]].default if p["name"] in signature else inspect.Parameter.empty
        if not required and signature_default is not inspect.Parameter.empty and signature_default != p.get("default"):
            return None  # a marker's default (Query(default=1)) is not the signature's
        keyword = has_optional or kinds.get(p["name"]) is inspect.Parameter.KEYWORD_ONLY
        plan.append(
            {
                "source": p["source"],
                "lookup_key": p.get("key", p["name"]),
                "arg_name": p["name"],
                "arg_kind": "keyword" if keyword else "positional",
                "required": required,
                "inject_none": not required and signature_default is inspect.Parameter.empty,
            }
        )
    return plan


def _upload_read_limit(params: list[dict[str, Any]], configured: int) -> int:
    """The most a file part of the route may hold: the largest ``File(max_size=)`` when every
    file parameter has one (a form model's files have none), else ``BOLT_MAX_UPLOAD_SIZE``."""
    sizes = [p.get("max_size") for p in params if p["source"] == "file"]
    if sizes and None not in sizes and not any(p["source"] == "form_model" for p in params):
        return max(sizes)
    return configured


def add_optimization_flags_to_metadata(metadata: dict[str, Any] | None, handler_meta: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` (or a new ``{"method", "path"}`` dict) with the request parts a route reads:
    ``needs_body``/``needs_query``/``needs_headers``/``needs_cookies``/``needs_path_params``,
    ``is_static_route``, ``needs_form_parsing``, ``default_status_code``, and, from the route's
    parameter records (``params``) when given, ``rust_arg_bindings``, ``max_upload_size`` and
    ``memory_spool_threshold``."""
    if metadata is None:
        metadata = {"method": handler_meta["http_method"], "path": handler_meta["path"]}
    for key in (
        "needs_body",
        "needs_query",
        "needs_headers",
        "needs_cookies",
        "needs_path_params",
        "is_static_route",
        "needs_form_parsing",
        "default_status_code",
    ):
        metadata[key] = handler_meta[key]
    params = handler_meta.get("params")
    if params is not None:
        bindings = _bindings(handler_meta["handler"], params)
        if bindings:
            metadata["rust_arg_bindings"] = bindings
        metadata["max_upload_size"] = _upload_read_limit(params, handler_meta["max_upload_size"])
        metadata["memory_spool_threshold"] = handler_meta["memory_spool_threshold"]
    return metadata


def route_handler_meta(record: Mapping[str, Any], handler: Callable[..., Any], config: Any) -> dict[str, Any]:
    """What a compiled route (``RouteRecord``) reads of a request, in the keys
    ``add_optimization_flags_to_metadata`` takes. A ``request`` argument may read any part; a
    WebSocket route's parameters are read at the upgrade."""
    params = record["params"]
    sources = {p["source"] for p in params}
    whole = "request" in sources and record["kind"] != "websocket"
    path = record["path"]
    return {
        "http_method": record["method"],
        "path": path,
        "needs_body": whole or bool(sources & set(_BODY_SOURCES)),
        "needs_query": whole or "query" in sources,
        "needs_headers": whole or "header" in sources,
        "needs_cookies": whole or "cookie" in sources,
        "needs_path_params": whole or "path" in sources,
        "is_static_route": "{" not in path,
        "needs_form_parsing": bool(sources & set(_FORM_SOURCES)),
        "default_status_code": record["status_code"],
        "handler": handler,
        "params": params,
        "max_upload_size": config.max_body_bytes,
        "memory_spool_threshold": config.memory_spool_threshold,
    }


def read_size_setting(name: str, default: int) -> int:
    """A size setting in bytes (``BOLT_MAX_UPLOAD_SIZE``...): ``default`` when it is not set; an
    int of 0 or more, else ``ImproperlyConfigured`` (a ``SettingError``)."""
    from django.conf import settings

    from .._setting_types import is_missing, read_setting, to_int

    value = read_setting(settings, name)
    return default if is_missing(value) else to_int(name, value)


def _build_policy_without_nonce(config: Mapping[str, Any]) -> str:
    """``SECURE_CSP`` rendered with Django's rules, without the nonce placeholder (a file answer
    has no nonce); the same function serves static and media files."""
    return build_policy_without_nonce(config, "SECURE_CSP")


def get_static_files_csp() -> str | None:
    """The ``Content-Security-Policy`` of static and media answers (``SECURE_CSP``); None when
    there is none."""
    from django.conf import settings

    return content_security_policy(settings, "SECURE_CSP")


def get_trusted_proxies() -> list[str]:
    """``BOLT_TRUSTED_PROXIES`` as the server reads it (checked; a single string is one entry)."""
    from django.conf import settings

    from ..conf import _trusted_proxies

    return list(_trusted_proxies(getattr(settings, "BOLT_TRUSTED_PROXIES", None)))


__all__ = [
    "TYPE_INT",
    "TYPE_FLOAT",
    "TYPE_BOOL",
    "TYPE_STRING",
    "TYPE_UUID",
    "TYPE_DATETIME",
    "TYPE_DECIMAL",
    "TYPE_DATE",
    "TYPE_TIME",
    "BaseAuthentication",
    "GUARD_TYPES",
    "ImproperlyConfigured",
    "Param",
    "add_optimization_flags_to_metadata",
    "compile_middleware_meta",
    "get_default_authentication_classes",
    "get_default_permission_classes",
    "get_static_files_csp",
    "get_trusted_proxies",
    "get_type_hint_id",
    "is_msgspec_struct",
    "middleware_to_dict",
    "read_size_setting",
    "resolve_type_alias",
    "route_auth_backends",
    "unwrap_optional",
]


def release_route_metadata(api: Any) -> dict[int, dict[str, Any]]:
    """``BoltAPI._handler_middleware``: per route index (as ``_routes`` numbers them), the
    release's metadata of the route as this server compiles it now (``compile_middleware_meta``
    plus ``add_optimization_flags_to_metadata``). A description: changing it changes nothing."""
    from ..conf import BoltConfig

    config = api.server_config(BoltConfig.from_settings())
    described: dict[int, dict[str, Any]] = {}
    for index, route in enumerate(api.routes):
        record, _compiled, resolved = api._compile_parts(route, config)
        # The route's own snapshot of its settings (with its routers'), not the handler's now.
        meta = _route_meta(
            route.handler_middleware, record["method"], record["path"], [], resolved.guards, resolved.auth
        )
        described[index] = add_optimization_flags_to_metadata(meta, route_handler_meta(record, route.handler, config))
    return described
