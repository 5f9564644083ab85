"""``BoltAPI``: the route table of a project, compiled once into the Rust app."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _core
from ._chain import build_chain, dependency_stage
from ._compile import compile_handler, never_suspends, refuse_body_parameters, response_shaper, serializer_output_form
from ._results import NO_BODY_STATUSES, passes_none
from ._route_meta import response_meta, validates_results, view_result_type
from ._schema import RouteRecord
from .conf import BoltConfig
from .lifespan import serve_with_lifespan  # noqa: F401 (release's name)
from .middleware.compression import CompressionConfig
from .middleware.decorators import route_middleware
from .mounts import AsgiMount, LazyDjango, mount_record, normalize_prefix, websocket_mount_record
from .mounts import redirect_under_mount as _rewrite_django_mount_redirect_message  # noqa: F401 (release's name)
from .mounts import scope_with_full_path as _rewrite_scope_for_django_mount  # noqa: F401 (release's name)
from .multi_response import check_status_models, default_status, is_multi_response, status_responder
from .openapi import OpenAPIConfig
from .router import WEBSOCKET, RouteCollection, RouteDef, Router, check_namespace, join_paths
from .signals import with_request_signals

if TYPE_CHECKING:
    from .typing import HandlerMetadata

_TRAILING_SLASH = ("strip", "append", "keep")


class BoltAPI(RouteCollection):
    """A set of routes served by django-bolt.

    ``trailing_slash`` decides the canonical form of paths: ``"strip"`` (``/items``), ``"append"``
    (``/items/``) or ``"keep"`` (as written). A request for the other form is redirected (308).

    ``lifespan``: ``lifespan(api)`` returns an async context manager entered before the server
    (or a ``TestClient`` used with ``with``) takes requests and left when it stops.
    ``namespace``: the routes' names reverse as ``"<namespace>:<name>"`` (``django_bolt.urls``).
    """

    def __init__(
        self,
        prefix: str = "",
        trailing_slash: str = "strip",
        middleware: Any = None,
        django_middleware: Any = None,
        compression: Any = None,
        openapi_config: Any = None,
        enable_logging: bool = True,
        logging_config: Any = None,
        auth: Any = None,
        guards: Any = None,
        lifespan: Any = None,
        validate_response: bool = True,
        error_formatter: Callable[..., Any] | None = None,
        namespace: str | None = None,
        include_in_schema: bool | None = None,
    ) -> None:
        if trailing_slash not in _TRAILING_SLASH:
            raise ValueError(f"trailing_slash must be one of {_TRAILING_SLASH}, not {trailing_slash!r}")
        if lifespan is not None and not callable(lifespan):
            raise TypeError("BoltAPI(lifespan=) takes a function of the API returning an async context manager")
        from .error_formatter import check_formatter
        from .logging import LoggingConfig, LoggingMiddleware

        if logging_config is not None and not isinstance(logging_config, LoggingConfig):
            raise TypeError(f"BoltAPI(logging_config=) takes a LoggingConfig or None, not {logging_config!r}")
        super().__init__(prefix)
        self.trailing_slash = trailing_slash
        #: What the docs describe and where they are served (``django_bolt.openapi``); None: the
        #: default config (docs on, at ``/docs``), as in the release. ``enabled=False`` turns them off.
        self.openapi_config = openapi_config
        #: The OpenAPI document of the last compile (None when docs are off).
        self.openapi_schema: dict[str, Any] | None = None
        #: False turns the access log (``BOLT_ACCESS_LOG``) off for the server that serves this API,
        #: and ``logging_config`` off for its routes.
        self.enable_logging = bool(enable_logging)
        #: Python logging of this API's requests (``django_bolt.logging``); None: the routes have
        #: no logging stage (the Rust access log, ``BOLT_ACCESS_LOG``, is their log).
        self.logging_config = logging_config
        self._logging_middleware: LoggingMiddleware | None = (
            LoggingMiddleware(logging_config) if logging_config is not None and self.enable_logging else None
        )
        self.validate_response = validate_response
        #: ``fn(error, request) -> Response`` for every error answer the framework makes
        #: (``django_bolt.error_formatter``); one per server.
        self.error_formatter = check_formatter(error_formatter)
        #: Whether routes that do not say are in the OpenAPI document (None: as the API this one is
        #: mounted in says; shown by default).
        self.include_in_schema = include_in_schema
        #: ``(prefix, api)`` of every ``mount()``, for the OpenAPI generator (their openapi_config).
        self.mounts: list[tuple[str, BoltAPI]] = []
        if compression is not None and compression is not False and not isinstance(compression, CompressionConfig):
            raise TypeError("BoltAPI(compression=) takes a CompressionConfig, None (the default config) or False")
        #: None means the default ``CompressionConfig()``; False turns compression off.
        self.compression = CompressionConfig() if compression is None else compression
        #: Auth backends and guards for every route that sets none (before the settings defaults).
        self.auth = auth
        self.guards = guards
        from .middleware.base import check_middleware
        from .middleware.compile import DjangoMiddlewareSetting

        #: Python middleware around every route, outermost first: Django's (``django_middleware``),
        #: then ``middleware``.
        self.middleware: tuple[Any, ...] = (
            *((DjangoMiddlewareSetting(django_middleware),) if django_middleware else ()),
            *(check_middleware(m, "BoltAPI(middleware=)") for m in middleware or ()),
        )
        self.namespace = check_namespace(namespace)
        #: ``(api, lifespan)`` of this API and of every API mounted into it, entered in this order.
        self.lifespans: list[tuple[BoltAPI, Callable[..., Any]]] = [(self, lifespan)] if lifespan else []
        #: Apps answering the paths no route matches (``mount_asgi``/``mount_django``).
        self.asgi_mounts: list[AsgiMount] = []
        self._compiled: _core.App | None = None
        self._compiled_config: BoltConfig | None = None
        #: Middleware around the docs pages instead of ``middleware`` (set by ``merge_apis``:
        #: the first API's); None: ``middleware``.
        self.docs_middleware: tuple[Any, ...] | None = None

    def _add(self, method: str, path: str, handler: Callable[..., Any], **options: Any) -> None:
        super()._add(method, path, handler, **options)
        self._compiled = None
        from .auth.session import check_declared_session_route

        check_declared_session_route(options.get("auth"), self.middleware, f"{method} {path}")

    def include_router(self, router: Router, prefix: str = "") -> None:
        for route in router.routes:
            self.routes.append(route.with_prefix(join_paths(self.prefix, prefix) if prefix or self.prefix else ""))
        self._compiled = None

    def mount(self, prefix: str, api: BoltAPI) -> None:
        """Serves every route of ``api`` under ``prefix`` (with ``api``'s own ``auth``/``guards``
        and ``validate_response``). Server-wide settings must agree: one process has one
        trailing-slash policy and one compression config."""
        if api.trailing_slash != self.trailing_slash:
            raise ValueError(
                f"mount({prefix!r}): the mounted API has trailing_slash={api.trailing_slash!r} but this one "
                f"has {self.trailing_slash!r}; one server applies one policy"
            )
        if api.compression != self.compression:
            raise ValueError(
                f"mount({prefix!r}): the mounted API's compression= differs from this API's; compression is "
                "configured once per server (pass the same CompressionConfig, or False, to both)"
            )
        if api.error_formatter is not None and self.error_formatter not in (None, api.error_formatter):
            raise ValueError(
                f"mount({prefix!r}): the mounted API has a different error_formatter; one server has one "
                "(give both APIs the same one, or only one of them)"
            )
        under = join_paths(self.prefix, prefix) if prefix or self.prefix else ""
        asgi_mounts = [mounted.moved_under(under) for mounted in api.asgi_mounts]
        # Every refusal comes before the first change: a failed mount leaves this API as it was.
        for mounted in asgi_mounts:
            self._refuse_taken_prefix(mounted)
        for route in api.routes:
            route = route.with_defaults(api.auth, api.guards, validate_response=api.validate_response)
            route = route.with_middleware(api.middleware)
            if route.request_logger is None and api._logging_middleware is not None:
                route = dataclasses.replace(route, request_logger=api._logging_middleware)
            if route.include_in_schema is None and api.include_in_schema is not None:
                route = dataclasses.replace(route, include_in_schema=api.include_in_schema)
            self.routes.append(route.with_prefix(under).within_namespace(api.namespace))
        for mounted in asgi_mounts:
            self._add_asgi_mount(mounted)
        if not api.enable_logging:
            self.enable_logging = False
        if api.error_formatter is not None:
            self.error_formatter = api.error_formatter
        self.lifespans.extend(api.lifespans)
        self.mounts.append((prefix, api))
        self._compiled = None

    def mount_asgi(self, path: str, app: Callable[..., Any]) -> None:
        """Serves the paths under ``path`` that no route matches with the ASGI application
        ``app``; it sees the mount point as ``root_path``."""
        self._add_asgi_mount(AsgiMount(self._mount_prefix(path), app))

    def mount_django(self, path: str, app: Any = None, *, urlconf: Any = None, clear_root_path: bool = False) -> None:
        """Serves the paths under ``path`` that no route matches with Django's own request
        handling (``settings.MIDDLEWARE``, URL resolving, views): ``urlconf`` (a module or its
        dotted path; default ``ROOT_URLCONF``) resolved below ``path``, or the given ASGI ``app``.
        ``clear_root_path=True``: the URLconf's patterns already include ``path`` (the release's
        way to mount ``ROOT_URLCONF``'s ``admin/`` at ``/admin``)."""
        if app is not None and urlconf is not None:
            raise TypeError("mount_django() takes an ASGI app or a urlconf, not both")
        prefix = self._mount_prefix(path)
        self._add_asgi_mount(
            AsgiMount(
                prefix, app if app is not None else LazyDjango(urlconf), clear_root_path=clear_root_path, django=True
            )
        )

    def _mount_prefix(self, path: str) -> str:
        return normalize_prefix(join_paths(self.prefix, path) if self.prefix else path)

    def _refuse_taken_prefix(self, mounted: AsgiMount) -> None:
        if any(m.prefix == mounted.prefix for m in self.asgi_mounts):
            raise ValueError(f"Duplicate ASGI mount prefix: an app is already mounted at {mounted.prefix!r}")

    def _add_asgi_mount(self, mounted: AsgiMount) -> None:
        self._refuse_taken_prefix(mounted)
        self.asgi_mounts.append(mounted)
        self._compiled = None

    def compile(self, config: BoltConfig | None = None) -> _core.App:
        """Compiles every route into the Rust app (cached until routes or settings change)."""
        if config is None:
            # Compiled again when settings changed (override_settings in a test, say), as Django
            # reads ALLOWED_HOSTS and the rest per request.
            config = self.server_config(BoltConfig.from_settings())
            if self._compiled is not None and config == self._compiled_config:
                return self._compiled
        else:
            config = self.server_config(config)
        from ._runtime import find_static, runtime

        parts = [self._compile_parts(r, config) for r in self.routes]
        routes = [record for record, _, _ in parts]
        routes.extend(self._compile_route(r, config) for r in self._docs_routes(parts))
        routes.extend(mount_record(m, config) for m in self.asgi_mounts)
        routes.extend(websocket_mount_record(m) for m in self.asgi_mounts if m.takes_websockets)
        # BOLT_COMPRESSION (read by runbolt and the test client alike) wins over compression=.
        chosen = self.compression if config.compression is None else config.compression
        compression = chosen.to_dict() if chosen else None
        from .error_formatter import error_renderer

        refs = runtime(
            config.event_loop,
            find_static if config.static_finders else None,
            error_renderer(self.error_formatter) if self.error_formatter is not None else None,
        )
        app = _core.App(routes, refs, config.server_dict(), self.trailing_slash, compression=compression)
        self._compiled = app
        self._compiled_config = config
        return app

    @property
    def _routes(self) -> list[tuple[str, str, int, Callable[..., Any]]]:
        """``(method, path, index, handler)`` per route: the release's private route table, read
        by code (and tests) written for it. Paths in the form the router serves them
        (``trailing_slash`` applied), as in the release; the docs routes once
        ``_register_openapi_routes()`` was called."""
        from .urls import canonical_path

        policy = self.trailing_slash
        routes = list(self.routes)
        if getattr(self, "_openapi_routes_registered", False):
            # After ``_register_openapi_routes()`` the release lists its docs routes too; here
            # they are the ones compiling adds.
            from .openapi.routes import OpenAPIRouteRegistrar

            routes += OpenAPIRouteRegistrar(self).served_routes()
        return [(r.method, canonical_path(r.path, policy), i, r.handler) for i, r in enumerate(routes)]

    @property
    def _handler_meta(self) -> dict[int, HandlerMetadata]:
        """The release's private per-route metadata, keyed like ``_routes``, for code (and tests)
        written for it: the name a route reverses by (``name=``, else the handler's name), whether
        it was given, its namespace, whether the handler is async, how it answers
        (``response_meta``: body type, default status, whether results are checked), its
        arguments as the route reads them (``fields``: ``FieldDefinition``s, and their
        ``handler_pattern``) and the
        ``tags``/``summary``/``description`` given for its OpenAPI operation (``openapi_*``, only
        those given)."""
        from ._handler_fields import route_arguments_meta

        outer = (self.namespace,) if self.namespace else ()
        return {
            index: {
                "name": route.name or getattr(route.handler, "__name__", ""),
                "name_explicit": bool(route.name) and not route.name_derived,
                "namespace": ":".join((*outer, *route.namespace)),
                "is_async": inspect.iscoroutinefunction(route.handler),
                **response_meta(route, self.validate_response),
                **route_arguments_meta(route),
                **_openapi_operation_meta(route),
            }
            for index, route in enumerate(self.routes)
        }

    @property
    def _handlers(self) -> dict[int, Callable[..., Any]]:
        """The release's private ``{route index: handler}`` (indexes as in ``_routes``)."""
        return {index: route.handler for index, route in enumerate(self.routes)}

    @property
    def _websocket_routes(self) -> list[tuple[str, int, Callable[..., Any]]]:
        """``(path, index, handler)`` of each WebSocket route: the release's private table."""
        return [(r.path, i, r.handler) for i, r in enumerate(self.routes) if r.method == WEBSOCKET]

    @property
    def _handler_middleware(self) -> dict[int, dict[str, Any]]:
        """The release's private per-route metadata, described from the routes as compiled now
        (``middleware.compiler.release_route_metadata``); read-only in effect."""
        from .middleware.compiler import release_route_metadata

        return release_route_metadata(self)

    @property
    def _lifespan_context(self) -> Callable[..., Any] | None:
        """The release's private name for this API's own ``lifespan=``."""
        return next((lifespan for api, lifespan in self.lifespans if api is self), None)

    @property
    def _has_lifespan(self) -> bool:
        return self._lifespan_context is not None

    @property
    def _middleware(self) -> list[Any]:
        """The release's private list of the API's middleware: ``django_middleware=`` resolved
        into ``DjangoMiddlewareStack`` objects, then ``middleware=`` as given."""
        from .middleware.compile import DjangoMiddlewareSetting

        resolved: list[Any] = []
        for entry in self.middleware:
            resolved.extend(entry.resolve() if isinstance(entry, DjangoMiddlewareSetting) else [entry])
        return resolved

    @property
    def _openapi_config(self) -> OpenAPIConfig:
        """The release's private name for the API's ``OpenAPIConfig`` (the default one when
        none was given)."""
        return self._openapi_config_in_effect() or self.openapi_config or OpenAPIConfig()

    def _register_openapi_routes(self, *, middleware: Any = None) -> None:
        """The release registers its docs routes with this before serving; here they are added
        whenever the API is compiled. ``middleware``: the docs run through it instead of the
        API's own (see ``OpenAPIRouteRegistrar.register_routes``)."""
        from .openapi.routes import OpenAPIRouteRegistrar

        OpenAPIRouteRegistrar(self, middleware=middleware).register_routes()

    def _register_admin_routes(self, host: str = "localhost", port: int = 8000) -> None:
        """The release's way to serve Django's admin from the API: mounts Django at the admin's
        URL prefix (``host``/``port`` are unused, as in the release). runbolt serves the whole
        ``ROOT_URLCONF`` instead (``--no-admin`` turns it off)."""
        from .admin.routes import AdminRouteRegistrar

        AdminRouteRegistrar(self).register_routes(host, port)

    @property
    def _admin_routes_registered(self) -> bool:
        """A Django mount of this API answers the admin's paths."""
        from .admin.routes import AdminRouteRegistrar

        return AdminRouteRegistrar(self).registered

    def _route_entries(self) -> list[Any]:
        """Every route compiled as the server would, for the OpenAPI generator."""
        from .openapi.schema_generator import RouteEntry

        config = self.server_config(BoltConfig.from_settings())
        parts = [self._compile_parts(r, config) for r in self.routes]
        return [RouteEntry(route, compiled, record) for record, compiled, route in parts]

    def server_config(self, config: BoltConfig) -> BoltConfig:
        """``config`` with this API's server-wide options applied (``enable_logging=False``)."""
        return config if self.enable_logging else config.replace(access_log=False)

    def _openapi_config_in_effect(self) -> Any:
        """The effective ``OpenAPIConfig``, or None when docs are off."""
        from .openapi.config import default_config

        config = default_config() if self.openapi_config is None else self.openapi_config
        if not isinstance(config, OpenAPIConfig):
            raise TypeError(f"BoltAPI(openapi_config=) takes an OpenAPIConfig or None, not {config!r}")
        return config if config.enabled else None

    def _docs_routes(self, parts: list[tuple[RouteRecord, Any, RouteDef]]) -> list[RouteDef]:
        """The OpenAPI document (generated from the compiled routes) and the docs pages, as fixed
        routes; nothing when docs are off."""
        from .openapi.routes import OpenAPIRouteRegistrar

        return OpenAPIRouteRegistrar(self).routes(parts)

    def _compile_route(self, route: RouteDef, config: BoltConfig | None = None) -> RouteRecord:
        return self._compile_parts(route, config)[0]

    def _compile_parts(self, route: RouteDef, config: BoltConfig | None = None) -> tuple[RouteRecord, Any, RouteDef]:
        """The route's record, its compiled handler and the route with the API's defaults applied
        (the last two for the OpenAPI generator)."""
        from .auth.compile import compile_route_auth, uses_session
        from .auth.session import with_session_middleware

        config = config or BoltConfig.from_settings()
        # Rust puts the path in canonical form (trailing_slash) when it builds the router.
        path = route.path
        where = f"{route.method} {path} ({getattr(route.handler, '__qualname__', route.handler)!r})"
        is_websocket = route.method == WEBSOCKET
        if is_websocket:
            from .websocket.handlers import compile_websocket

            compiled = compile_websocket(route.handler, path, where)
        else:
            compiled = compile_handler(route.handler, path, where)
            refuse_body_parameters(route.method, compiled, where)
        route = route.with_defaults(self.auth, self.guards)
        if route.include_in_schema is None and self.include_in_schema is not None:
            route = dataclasses.replace(route, include_in_schema=self.include_in_schema)
        auth, stages = None, []
        auth_entries = route.auth if route.auth is not None else config.authentication_classes
        if not route.fixed:
            auth, stages = compile_route_auth(
                auth_entries,
                route.guards if route.guards is not None else config.default_permission_classes,
                route.handler,
                compiled.is_async,
                where,
            )
        if compiled.dependencies:
            stages.append(dependency_stage(compiled.dependencies, compiled.hidden))
        validate = validates_results(route, self.validate_response)
        status_code = route.status_code
        if is_multi_response(route.response_model):
            # One model per status: the handler's answer is made a response with its status there.
            models = check_status_models(route.response_model)
            status_code = default_status(models, route.status_code)
            compiled.handler = status_responder(compiled.handler, compiled.is_async, models, status_code, validate)
            shape = None
        elif getattr(route.handler, "__bolt_view_output__", False):
            # Class-based views write their results themselves; the route may check them.
            checked = view_result_type(route) if validate else None
            shape = None if checked is None else response_shaper(checked)
        elif route.response_model is not None and validate:
            shape = response_shaper(route.response_model)
        elif route.response_model is not None:
            # Not validated, but a serializer still writes its output form (write-only fields
            # never leave).
            shape = serializer_output_form(route.response_model)
        else:
            shape = None
        if route.response_model is None and not route.fixed and not is_websocket and shape is None:
            checked = validate and route.checks_annotation
            compiled.handler, shape = self._annotation_shape(route, compiled, checked, status_code)
        bind_pagination = getattr(route.handler, "__bolt_paginate__", None)
        if bind_pagination is not None:
            # @paginate: the route's list[S] response model is the type of the page's items; the
            # envelope is built (and items dumped by S) by the paginating handler itself.
            from .pagination import paginated_item_serializer, paginated_model

            compiled.handler = bind_pagination(paginated_item_serializer(paginated_model(route)))
            shape = None
        if shape is not None and compiled.is_async and getattr(shape, "__name__", "") == "output":
            # A serializer reading model rows must not touch the ORM on the event loop: shaped
            # inside the handler's coroutine instead, with async queries.
            compiled.handler = _async_shaped(compiled.handler, shape.__self__)
            shape = None
        if shape is not None and status_code in NO_BODY_STATUSES:
            shape = passes_none(shape)  # a 204's None is its empty body, not a value to check
        if not compiled.is_async and not is_websocket and not route.fixed:
            from .db import atomic_request

            compiled.handler = atomic_request(compiled.handler, route.handler)
        middleware = None
        if not route.fixed and not is_websocket:
            from .middleware.compile import route_middleware_chain

            configured = (*self.middleware, *route.middleware)
            if uses_session(auth_entries, where):
                configured = with_session_middleware(configured, where)
            middleware = route_middleware_chain(
                configured,
                route.handler,
                route.handler_middleware,
                compiled.is_async,
                status_code,
                shape,
                where,
            )
            if middleware is not None:
                shape = None  # applied by the middleware chain, before middleware see the response
            if getattr(middleware, "bolt_async_lane", False):
                # Loaded inside the Django middleware instead, on the request's lane (lanes.py).
                stages = [stage for stage in stages if stage.name != "load_user"]
        chain = build_chain(stages, compiled.is_async, middleware)
        request_logger = route.request_logger or self._logging_middleware
        if request_logger is not None and not route.fixed and not is_websocket:
            from .logging.stage import with_request_logging

            chain = with_request_logging(chain, compiled.is_async, request_logger, status_code)
        if config.emit_signals and not route.fixed and not is_websocket:
            chain = with_request_signals(chain, compiled.is_async)
        record: RouteRecord = {
            "method": route.method,
            "kind": "websocket" if is_websocket else "http",
            "path": path,
            "handler": compiled.handler,
            "is_async": compiled.is_async,
            "never_suspends": chain is None and never_suspends(compiled.handler),
            "params": compiled.params,
            "status_code": status_code,
            "shape_response": shape,
            # Converted once by Rust, by the code that converts handler results.
            "fixed_response": route.handler() if route.fixed else None,
            "middleware": route_middleware(route.handler_middleware),
            "auth": auth,
            # chain(request, handler, args, kwargs), or None: Rust calls the handler directly.
            "chain": chain,
        }
        return record, compiled, route

    @staticmethod
    def _annotation_shape(
        route: RouteDef, compiled: Any, validate: bool, status_code: int
    ) -> tuple[Callable[..., Any], Any]:
        """The handler and result shape a route without ``response_model`` gets from its return
        annotation: an iterator type streams its results; a Serializer gives its output form
        (write-only fields left out, computed fields in); another type validates the results
        (``validate_response``), as ``response_model=`` would."""
        from ._results import checked_shape, return_annotation, stream_item, streaming_handler

        annotation = return_annotation(route.handler)
        if annotation is None:
            return compiled.handler, None
        is_stream, item_type = stream_item(annotation)
        if is_stream:
            return streaming_handler(compiled.handler, compiled.is_async, item_type, status_code, validate), None
        from .views import _return_serializer

        annotated = _return_serializer(route.handler)
        if annotated is not None:
            # Validated or not, a serializer writes its output form: write-only fields never leave.
            return compiled.handler, annotated.output
        if not validate:
            return compiled.handler, None
        return compiled.handler, checked_shape(annotation)


def _async_shaped(handler: Callable[..., Any], serializer: Any) -> Callable[..., Any]:
    import functools

    @functools.wraps(handler)
    async def shaped(*args: Any, **kwargs: Any) -> Any:
        return await serializer.aoutput(await handler(*args, **kwargs))

    return shaped


def _openapi_operation_meta(route: RouteDef) -> dict[str, Any]:
    """The release's ``openapi_tags``/``openapi_summary``/``openapi_description`` keys of
    ``_handler_meta``: the route's options as the OpenAPI generator reads them."""
    given = {"openapi_tags": route.tags, "openapi_summary": route.summary, "openapi_description": route.description}
    return {key: value for key, value in given.items() if value is not None}


__all__ = ["BoltAPI", "Router", "OpenAPIConfig"]
