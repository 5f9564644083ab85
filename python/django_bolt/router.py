"""Route registration shared by ``BoltAPI`` and ``Router``."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ._compile import check_route_declaration
from .middleware.decorators import recorded_settings

F = TypeVar("F", bound=Callable[..., Any])

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "QUERY")
#: The route kind of ``@api.websocket`` routes (not an HTTP method).
WEBSOCKET = "WEBSOCKET"


# Keyword-only: lets RouteDef add its required fields after these defaults.
@dataclasses.dataclass(kw_only=True)
class RouteOptions:
    """The keywords that both ``route()`` (so ``get``, ``post``, ...) and ``websocket()`` take, with
    their types and defaults. Both signatures still spell them out, for editors and ``help()``;
    ``takes_route_options`` makes a signature that differs from this record fail at import."""

    guards: Any = None
    auth: Any = None
    # Documentation only: kept on the route (``api.routes``) for the OpenAPI generator and URL
    # reversing; nothing at request time depends on them.
    name: str | None = None
    tags: list[str] | None = None
    summary: str | None = None
    description: str | None = None
    #: None: as the API that serves the route says (``BoltAPI(include_in_schema=)``, default shown).
    include_in_schema: bool | None = None

    @classmethod
    def pick(cls, arguments: dict[str, Any]) -> dict[str, Any]:
        """The values of these options among a decorator's arguments (its ``locals()``, so that a
        new option reaches ``RouteDef`` without another edit at each call)."""
        return {field.name: arguments[field.name] for field in dataclasses.fields(cls)}


#: ``RouteDef.handler_middleware`` before the handler's settings are read.
_NOT_READ: Any = object()
#: ``route(response_model=)`` not given (``None`` given turns the return annotation's check off).
_NO_RESPONSE_MODEL: Any = object()


@dataclasses.dataclass
class RouteDef(RouteOptions):
    """One registered route before compilation."""

    method: str
    path: str
    handler: Callable[..., Any]
    response_model: Any = None
    status_code: int = 200
    #: Validate results against ``response_model``; ``None``: the API's ``validate_response``.
    validate_response: bool | None = None
    #: True when ``name`` was made up, not given (a class-based view's class name): a name given
    #: to another route wins over it when URLs are reversed.
    name_derived: bool = False
    #: False when ``response_model=None`` was given: the return annotation then documents the
    #: answer but results are not checked against it (as in the release).
    checks_annotation: bool = True
    #: Rendered once at startup and served by Rust without calling Python (see ``static``).
    fixed: bool = False
    #: Python middleware of enclosing routers and mounted APIs, outermost first (the API's own
    #: and the handler's ``@middleware`` are added when the route is compiled).
    middleware: tuple[Any, ...] = ()
    #: The URL namespaces the route's name is reversed under, outermost first (``namespace=`` of
    #: the routers and mounted APIs it came through; the API's own is added by ``django_bolt.urls``).
    namespace: tuple[str, ...] = ()
    #: The ``LoggingMiddleware`` of the mounted API the route came from (``logging_config=``);
    #: None: the compiling API's.
    request_logger: Any = None
    #: The handler's ``@middleware``/``@cors``/``@rate_limit``/``@skip_middleware`` settings as
    #: they were when the route was made (``recorded_settings``; copies keep the snapshot).
    #: (``None``: the handler had none.)
    handler_middleware: dict[str, Any] | None = dataclasses.field(default_factory=lambda: _NOT_READ)

    def __post_init__(self) -> None:
        if self.handler_middleware is _NOT_READ:
            self.handler_middleware = recorded_settings(self.handler)

    def with_middleware(self, outer: Sequence[Any]) -> RouteDef:
        """This route inside ``outer`` middleware."""
        return dataclasses.replace(self, middleware=(*outer, *self.middleware)) if outer else self

    def with_rust_settings(self, settings: dict[str, Any]) -> RouteDef:
        """This route with an enclosing router's ``rate_limit``/``cors`` settings where the
        handler has none of its own."""
        if not settings:
            return self
        recorded = dict(self.handler_middleware or {})
        for kind, record in settings.items():
            recorded.setdefault(kind, record)
        return dataclasses.replace(self, handler_middleware=recorded)

    def with_prefix(self, prefix: str) -> RouteDef:
        return dataclasses.replace(self, path=join_paths(prefix, self.path))

    def within_namespace(self, namespace: str | None) -> RouteDef:
        """This route as seen from outside a router or API with ``namespace=``."""
        return dataclasses.replace(self, namespace=(namespace, *self.namespace)) if namespace else self

    def with_defaults(
        self, auth: Any, guards: Any, tags: list[str] | None = None, validate_response: bool | None = None
    ) -> RouteDef:
        """This route with ``auth``/``guards``/``validate_response`` filled in where it sets none,
        and ``tags`` (of an enclosing router) put before its own."""
        return dataclasses.replace(
            self,
            auth=self.auth if self.auth is not None else auth,
            guards=self.guards if self.guards is not None else guards,
            # None stays None (no tags given: a WebSocket route gets its default tag); [] stays [].
            tags=None
            if tags is None and self.tags is None
            else list(dict.fromkeys([*(tags or []), *(self.tags or [])])),
            validate_response=self.validate_response if self.validate_response is not None else validate_response,
        )


def takes_route_options(method: F) -> F:
    """Checks that ``method`` takes every ``RouteOptions`` field as a keyword-only parameter of the
    same type and default."""
    parameters = inspect.signature(method).parameters
    for field in dataclasses.fields(RouteOptions):
        parameter = parameters.get(field.name)
        if (
            parameter is None
            or parameter.kind is not inspect.Parameter.KEYWORD_ONLY
            or parameter.annotation != field.type
            or parameter.default != field.default
        ):
            raise TypeError(
                f"{method.__qualname__}() must take `*, {field.name}: {field.type} = {field.default!r}` "
                "as RouteOptions declares"
            )
    return method


def join_paths(prefix: str, path: str) -> str:
    prefix = prefix.rstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    return (prefix + path) if path != "/" or not prefix else prefix or "/"


def with_response_class(fn: Callable[..., Any], response_class: Any) -> Callable[..., Any]:
    """``response_class=EventSourceResponse`` (or any response class): the handler's result, e.g.
    the generator a generator-function handler returns, becomes ``response_class(result)``;
    a result that already is a response is kept."""
    import functools
    import inspect

    from .responses import Response

    def wrap(result: Any) -> Any:
        return result if isinstance(result, Response) else response_class(result)

    wrapper: Any
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def awaited(*args: Any, **kwargs: Any) -> Any:
            return wrap(await fn(*args, **kwargs))

        wrapper = awaited
    elif inspect.isasyncgenfunction(fn) or inspect.isgeneratorfunction(fn):
        # Calling a generator function runs none of its body: done on the event loop, the
        # iteration itself then happens as the response is written.
        @functools.wraps(fn)
        async def stream(*args: Any, **kwargs: Any) -> Any:
            return wrap(fn(*args, **kwargs))

        wrapper = stream
    else:

        @functools.wraps(fn)
        def plain(*args: Any, **kwargs: Any) -> Any:
            return wrap(fn(*args, **kwargs))

        wrapper = plain
    # The OpenAPI document describes the answer by its class (media type, redirect).
    wrapper.__bolt_response_class__ = response_class
    return wrapper


def _not_yet(what: str, value: Any) -> None:
    # Accepting security options without enforcing them would silently open endpoints.
    if value:
        raise NotImplementedError(f"{what} is not supported by this version of django-bolt yet")


class RouteCollection:
    """The decorators: ``@x.get(path)``, ``@x.post(path)``, ... ."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.routes: list[RouteDef] = []

    def _add(self, method: str, path: str, handler: Callable[..., Any], **options: Any) -> None:
        from .auth.compile import check_route_entries

        check_route_entries(options.get("auth"), options.get("guards"), f"{method} {path}")
        self.routes.append(RouteDef(method=method, path=join_paths(self.prefix, path), handler=handler, **options))

    @takes_route_options
    def route(
        self,
        path: str,
        methods: Sequence[str],
        *,
        response_model: Any = _NO_RESPONSE_MODEL,
        status_code: int = 200,
        guards: Any = None,
        auth: Any = None,
        name: str | None = None,
        tags: list[str] | None = None,
        summary: str | None = None,
        description: str | None = None,
        include_in_schema: bool | None = None,
        response_class: Any = None,
        validate_response: bool | None = None,
    ) -> Callable[[F], F]:
        shared = RouteOptions.pick(locals())
        checks_annotation = response_model is not None
        if response_model is _NO_RESPONSE_MODEL:
            response_model = None
        if isinstance(response_model, Mapping):
            from .multi_response import check_status_models

            check_status_models(response_model)
        if not isinstance(status_code, int) or isinstance(status_code, bool) or not 100 <= status_code <= 599:
            raise ValueError(f"status_code must be an HTTP status (100-599), not {status_code!r}")

        def register(fn: F) -> F:
            handler = fn if response_class is None else with_response_class(fn, response_class)
            for method in methods:
                method = method.upper()
                if method not in HTTP_METHODS:
                    raise ValueError(f"unsupported HTTP method {method!r}")
                check_route_declaration(method, path, handler)
                self._add(
                    method,
                    path,
                    handler,
                    response_model=response_model,
                    status_code=status_code,
                    validate_response=validate_response,
                    checks_annotation=checks_annotation,
                    **shared,
                )
            return fn

        return register

    def get(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ["DELETE"], **options)

    def head(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ["HEAD"], **options)

    def options(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route(path, ["OPTIONS"], **options)

    def static(
        self,
        path: str,
        content: Any,
        *,
        status_code: int = 200,
        media_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """A GET route whose response never changes: rendered once, then served entirely in Rust.

        ``content`` is bytes, str, a ``Response``, or anything JSON-encodable.
        """
        from .responses import Response

        response = content if isinstance(content, Response) else Response(content, status_code, headers, media_type)

        def static_response():  # no annotations: compiled like any handler
            return response

        static_response.__qualname__ = f"static {path}"
        self.routes.append(
            RouteDef(method="GET", path=join_paths(self.prefix, path), handler=static_response, fixed=True)
        )

    @takes_route_options
    def websocket(
        self,
        path: str,
        *,
        name: str | None = None,
        guards: Any = None,
        auth: Any = None,
        tags: list[str] | None = None,
        summary: str | None = None,
        description: str | None = None,
        include_in_schema: bool | None = None,
    ) -> Callable[[F], F]:
        """A WebSocket endpoint: ``async def handler(websocket: WebSocket, ...)``. Other
        parameters (path, query, headers, cookies, ``Depends``) work as on HTTP routes."""
        shared = RouteOptions.pick(locals())
        shared["summary"] = summary or name

        def register(fn: F) -> F:
            from .websocket.handlers import mark_websocket_handler

            self._add(WEBSOCKET, path, fn, **shared)
            return mark_websocket_handler(fn)

        return register

    def view(self, path: str, **options: Any) -> Callable[[Any], Any]:
        """``@x.view(path)`` on an ``APIView`` subclass: one route per handler method (options:
        ``name``, ``methods``, ``guards``, ``auth``, ``status_code``, ``tags``, ...)."""
        from .views import register_view

        def register(cls: Any) -> Any:
            register_view(self, path, cls, **options)
            return cls

        return register

    def viewset(self, path: str, **options: Any) -> Callable[[Any], Any]:
        """``@x.viewset(path, lookup_field=...)`` on a ``ViewSet`` subclass: its standard actions
        and ``@action`` methods as routes under ``path``."""
        from .views import register_viewset

        def register(cls: Any) -> Any:
            register_viewset(self, path, cls, **options)
            return cls

        return register

    def query(self, path: str, **options: Any) -> Callable[[F], F]:
        """The HTTP QUERY method (a safe GET with a body)."""
        return self.route(path, ["QUERY"], **options)


def check_namespace(namespace: str | None) -> str | None:
    if namespace is not None and (not isinstance(namespace, str) or not namespace or ":" in namespace):
        raise ValueError(f"namespace= is a non-empty name without ':', not {namespace!r}")
    return namespace


class Router(RouteCollection):
    """A group of routes included into an API with ``api.include_router(router, prefix=...)``.

    ``namespace=``: the routes' names reverse as ``"<namespace>:<name>"`` (``django_bolt.urls``)."""

    def __init__(
        self,
        prefix: str = "",
        tags: list[str] | None = None,
        auth: Any = None,
        guards: Any = None,
        middleware: Sequence[Any] | None = None,
        namespace: str | None = None,
    ) -> None:
        from .middleware.base import check_middleware
        from .middleware.decorators import setting_from_dict

        super().__init__(prefix)
        self.tags = tags
        self.auth = auth
        self.guards = guards
        #: Python middleware around every route of this router (inside the API's own).
        self.middleware = tuple(
            check_middleware(m, "Router(middleware=)") for m in middleware or () if not isinstance(m, dict)
        )
        #: ``{"rate_limit": ..., "cors": ...}`` from the release's dict entries: Rust settings for
        #: every route of the router that sets none of its own.
        self.rust_settings = dict(
            setting_from_dict(m, "Router(middleware=)") for m in middleware or () if isinstance(m, dict)
        )
        self.namespace = check_namespace(namespace)

    def _add(self, method: str, path: str, handler: Callable[..., Any], **options: Any) -> None:
        # Layered like every enclosing router/API (RouteDef.with_defaults, the one place for it):
        # the router's auth/guards where the route sets none; its tags before the route's.
        super()._add(method, path, handler, **options)
        self.routes[-1] = (
            self.routes[-1]
            .with_defaults(self.auth, self.guards, self.tags)
            .with_middleware(self.middleware)
            .with_rust_settings(self.rust_settings)
            .within_namespace(self.namespace)
        )

    def include_router(self, router: Router, prefix: str = "") -> None:
        """``router``'s routes under this router: they also get its auth/guards (where they set
        none) and its tags."""
        for route in router.routes:
            route = (
                route.with_defaults(self.auth, self.guards, self.tags)
                .with_middleware(self.middleware)
                .with_rust_settings(self.rust_settings)
                .within_namespace(self.namespace)
            )
            self.routes.append(route.with_prefix(join_paths(self.prefix, prefix) if prefix or self.prefix else ""))


__all__ = ["Router", "RouteDef", "RouteCollection", "HTTP_METHODS"]
