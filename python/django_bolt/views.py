"""Class-based views: ``APIView``, ``ViewSet``, the CRUD mixins, ``ModelViewSet`` and ``@action``.

Every handler method becomes an ordinary route (``RouteDef``): a function is made per method with
the method's own signature minus ``self``, so its parameters compile like a function handler's
(Rust coercion, 422s, auth, guards, dependencies) and the route shows in the OpenAPI document. Per
request, the function makes a new view instance, sets ``request``/``action``/``kwargs`` on it and
calls the method; a ViewSet then writes model results through its serializer (and paginator).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Any

from ._view_context import _current_action, _current_request
from .concurrency import _running_loop
from .exceptions import HTTPException
from .pagination import PaginatedResponse, PaginationBase
from .request import Request
from .router import HTTP_METHODS
from .serializers import Serializer
from .serializers.base import defer_many_to_many

#: Keyword of the request argument added to a method that does not take the request itself.
_REQUEST = "_bolt_view_request"

#: The standard ViewSet actions: (HTTP method, detail route, status of plain results).
_ACTIONS: dict[str, tuple[str, bool, int]] = {
    "list": ("GET", False, 200),
    "create": ("POST", False, 201),
    "retrieve": ("GET", True, 200),
    "update": ("PUT", True, 200),
    "partial_update": ("PATCH", True, 200),
    "destroy": ("DELETE", True, 204),
}


@dataclasses.dataclass(frozen=True)
class _ActionInfo:
    methods: tuple[str, ...]
    detail: bool
    path: str | None
    options: dict[str, Any]


def action(
    methods: Sequence[str] | None = None,
    detail: bool = False,
    path: str | None = None,
    *,
    url_path: str | None = None,
    name: str | None = None,
    auth: list[Any] | None = None,
    guards: list[Any] | None = None,
    response_model: Any = None,
    status_code: int | None = None,
    validate_response: bool | None = None,
    tags: list[str] | None = None,
    summary: str | None = None,
    description: str | None = None,
) -> Callable[[Any], Any]:
    """A custom ViewSet route: ``detail=True`` → ``{base}/{lookup}/{path}``, ``detail=False`` →
    ``{base}/{path}``; ``path`` (or ``url_path``) defaults to the method name. ``auth``/``guards``
    replace the view's for this action."""
    if path is not None and url_path is not None and path != url_path:
        raise ValueError("pass path= or url_path=, not both")
    verbs = tuple(m.upper() for m in (methods or ["GET"]))
    unknown = [m for m in verbs if m not in HTTP_METHODS]
    if unknown:
        raise ValueError(f"Invalid HTTP method {unknown[0]!r} in @action(methods=): use {', '.join(HTTP_METHODS)}")

    def mark(fn: Any) -> Any:
        fn.__bolt_action__ = _ActionInfo(
            verbs,
            detail,
            path or url_path,
            {
                "name": name,
                "auth": auth,
                "guards": guards,
                "response_model": response_model,
                "status_code": status_code,
                "validate_response": validate_response,
                "tags": tags,
                "summary": summary,
                "description": description,
            },
        )
        # The release's ActionHandler attributes, read from the method itself.
        for key, value in fn.__bolt_action__.options.items():
            setattr(fn, key, value)
        fn.methods, fn.detail, fn.path = list(verbs), detail, path or url_path
        fn.fn = fn
        return fn

    return mark


class _RequestScoped:
    """``view.request`` / ``view.action``: set on the view for each request. A view made outside
    a request handler reads the release's context variables (``django_bolt._view_context``), and
    without them raises ``LookupError`` (there is no request to give)."""

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = f"_bolt_{name}"

    def __get__(self, view: Any, owner: Any = None) -> Any:
        if view is None:
            return self
        try:
            return view.__dict__[self.slot]
        except KeyError:
            pass
        try:
            return self.variable.get()
        except LookupError:
            raise LookupError(
                f"{type(view).__name__}.{self.name} is only available while the view handles a request"
            ) from None

    def __set__(self, view: Any, value: Any) -> None:
        view.__dict__[self.slot] = value


async def _call_maybe_sync(fn: Callable[..., Any], *args: Any) -> Any:
    """Awaits an async hook; runs a sync one on a thread (it may use the sync ORM)."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    from asgiref.sync import sync_to_async

    result = await sync_to_async(fn, thread_sensitive=True)(*args)
    return await result if inspect.isawaitable(result) else result


class APIView:
    """A class whose ``get``/``post``/... methods (sync or async) are the handlers of one path.

    ``auth``, ``guards`` and ``status_code`` apply to every method; ``self.request`` is the
    current request and ``self.kwargs`` its path parameters. A new instance serves each request.
    """

    http_method_names: tuple[str, ...] = ("get", "post", "put", "patch", "delete", "head", "options", "query")
    guards: list[Any] | None = None
    auth: list[Any] | None = None
    status_code: int | None = None
    validate_response: bool | None = None
    include_in_schema: bool | None = None
    tags: list[str] | None = None

    request: Any = _RequestScoped(_current_request)
    action: Any = _RequestScoped(_current_action)

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)
        self.kwargs: dict[str, Any] = {}

    def initialize(self, request: Any) -> None:
        """Called before the handler method on every request (override to set things up)."""

    @classmethod
    def get_allowed_methods(cls) -> set[str]:
        return {m.upper() for m in cls.http_method_names if callable(getattr(cls, m, None))}

    @classmethod
    def as_view(cls, method: str, action: str | None = None, lookup: str | None = None) -> Callable[..., Any]:
        """The route function of handler method ``action`` (default: ``method``)."""
        return _view_function(cls, action or method.lower(), lookup)

    # Results: APIView returns them as they are (ViewSet writes them through its serializer).
    def _output_serializer(self, action: str) -> Any:
        return None

    def _finish(self, result: Any, action: str, serializer: Any) -> Any:
        if serializer is None or not _serializable(result):
            return result
        if isinstance(result, PaginatedResponse):
            # A page from @paginate on the method: its rows written by the view's serializer.
            result.items = _struct_output(serializer, result.items)
            return result
        return _struct_output(serializer, result)

    async def _afinish(self, result: Any, action: str, serializer: Any) -> Any:
        if serializer is None or not _serializable(result):
            return result
        if isinstance(result, PaginatedResponse):
            result.items = await _astruct_output(serializer, result.items)
            return result
        return await _astruct_output(serializer, result)


def _serializable(result: Any) -> bool:
    """Whether the view's serializer writes ``result``: not responses, plain data, or structs the
    method built itself (one, or a list of them: ``[MiniSchema.from_model(a) ...]``)."""
    import msgspec

    from .responses import Response

    if isinstance(result, PaginatedResponse):
        return True  # its rows are written by the serializer
    if result is None or isinstance(result, (Response, dict, str, bytes, msgspec.Struct)):
        return False
    if isinstance(result, (list, tuple)) and result and all(isinstance(item, msgspec.Struct) for item in result):
        return False
    return True


def _struct_output(serializer: Any, value: Any) -> Any:
    """``value`` written by a Serializer, or by a plain msgspec Struct class (read from the model
    instances' attributes, as the release accepts for ``serializer_class``)."""
    if hasattr(serializer, "output"):
        return serializer.output(value)
    if not isinstance(serializer, type):
        return serializer.dump_many(value)  # a page's item writer (a Struct's, from @paginate)
    import msgspec

    if hasattr(value, "_iterable_class") or isinstance(value, (list, tuple)):
        return [
            v if isinstance(v, (dict, serializer)) else msgspec.convert(v, serializer, from_attributes=True)
            for v in value
        ]
    if isinstance(value, serializer):
        return value
    return msgspec.convert(value, serializer, from_attributes=True)


async def _astruct_output(serializer: Any, value: Any) -> Any:
    if hasattr(serializer, "aoutput"):
        return await serializer.aoutput(value)
    from asgiref.sync import sync_to_async

    # Model attributes (relations too) are read by the sync ORM: off the event loop.
    return await sync_to_async(_struct_output, thread_sensitive=True)(serializer, value)


def _return_serializer(fn: Callable[..., Any]) -> Any:
    from .serializers.base import nested_of

    try:
        hint = typing.get_type_hints(fn, include_extras=True).get("return")
    except Exception:  # noqa: BLE001 - an unresolvable return hint documents nothing here
        return None
    serializer, _ = nested_of(hint) if hint is not None else (None, False)
    return serializer


#: Keyword of the typed body argument given to the standard create/update actions.
_BODY = "_bolt_body"


def _view_function(cls: type[APIView], attr: str, lookup: str | None, body_type: Any = None) -> Callable[..., Any]:
    """A function with ``cls.<attr>``'s parameters (minus ``self``), plus the request and the
    lookup path parameter when the method does not take them, that runs the method on a new view."""
    method = getattr(cls, attr)
    signature = inspect.signature(method)
    try:
        hints = typing.get_type_hints(method, include_extras=True)
    except Exception as exc:  # noqa: BLE001 - reported with the view, like a function handler
        from ._compile import RouteDefinitionError

        raise RouteDefinitionError(f"{cls.__qualname__}.{attr}: cannot resolve type hints: {exc}") from exc
    parameters = list(signature.parameters.values())[1:]
    names = [p.name for p in parameters]
    request_name = next(
        (p.name for p in parameters if p.name == "request" or hints.get(p.name) is Request),
        None,
    )
    extra: list[inspect.Parameter] = []
    if request_name is None:
        extra.append(inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    hidden_lookup = lookup is not None and lookup not in names
    if hidden_lookup:
        extra.append(inspect.Parameter(lookup, inspect.Parameter.KEYWORD_ONLY, annotation=str))
    if body_type is not None:
        # The body is decoded (and validated, every failing field) before the method runs, and
        # the route documents it like a function handler's body parameter.
        extra.append(inspect.Parameter(_BODY, inspect.Parameter.KEYWORD_ONLY, annotation=body_type))
    var_kw = next((i for i, p in enumerate(parameters) if p.kind is inspect.Parameter.VAR_KEYWORD), len(parameters))
    parameters[var_kw:var_kw] = extra
    request_position = names.index(request_name) if request_name is not None else -1
    is_async = inspect.iscoroutinefunction(method)
    declared = _return_serializer(method)
    if declared is None and getattr(method, "__bolt_paginated__", None) is not None:
        from .pagination import paginated_item_serializer, paginated_return

        declared = paginated_item_serializer(paginated_return(method))

    def begin(args: tuple[Any, ...], kwargs: dict[str, Any]) -> APIView:
        if request_name is None:
            request = kwargs.pop(_REQUEST)
        else:
            request = kwargs[request_name] if request_name in kwargs else args[request_position]
        view = cls()
        view.request = request
        view.action = attr
        view.kwargs = dict(getattr(request, "params", None) or {})
        if hidden_lookup:
            kwargs.pop(lookup)
        if body_type is not None:
            view._bolt_data = kwargs.pop(_BODY)
        view.initialize(request)
        return view

    if is_async:

        async def handler(*args: Any, **kwargs: Any) -> Any:
            view = begin(args, kwargs)
            result = await getattr(view, attr)(*args, **kwargs)
            return await view._afinish(result, attr, declared or view._output_serializer(attr))

    else:

        def handler(*args: Any, **kwargs: Any) -> Any:
            view = begin(args, kwargs)
            result = getattr(view, attr)(*args, **kwargs)
            return view._finish(result, attr, declared or view._output_serializer(attr))

    # The method's return type stays visible on the route function (inspect.signature); the
    # compiler reads annotations, which leave it out: the view writes its own results.
    handler.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=hints.get("return", inspect.Signature.empty)
    )
    annotations = {k: v for k, v in hints.items() if k in names}
    if request_name is None:
        annotations[_REQUEST] = Request
    if hidden_lookup:
        annotations[lookup] = str
    if body_type is not None:
        annotations[_BODY] = body_type
    handler.__annotations__ = annotations
    handler.__name__ = attr
    handler.__bolt_view_output__ = True  # results are written by the view (_finish), not the route
    handler.__qualname__ = f"{cls.__qualname__}.{attr}"
    handler.__module__ = cls.__module__
    handler.__doc__ = method.__doc__
    # Decorators that mark functions (@cors, @rate_limit, ...) were applied to the method.
    for key, value in vars(method).items():
        if key.startswith("__bolt") and key not in ("__bolt_action__", "__bolt_paginate__"):
            setattr(handler, key, value)
    return handler


# ---------------------------------------------------------------- ViewSet


class _AwaitableQuerySet:
    """Lets ``await self.get_queryset()`` (the release's async form) and plain
    ``self.get_queryset()`` both give the queryset."""

    def __await__(self):  # type: ignore[no-untyped-def]
        return self
        yield  # noqa: B901 - a generator: awaiting it returns the queryset without suspending


_AWAITABLE: dict[type, type] = {}


def _awaitable(queryset: Any) -> Any:
    base = type(queryset)
    if isinstance(queryset, _AwaitableQuerySet):
        return queryset
    sub = _AWAITABLE.get(base)
    if sub is None:
        sub = _AWAITABLE[base] = type(base.__name__, (_AwaitableQuerySet, base), {})
    queryset.__class__ = sub
    return queryset


class ViewSet(APIView):
    """Actions of a resource: ``list``/``create`` on ``{path}``, ``retrieve``/``update``/
    ``partial_update``/``destroy`` on ``{path}/{lookup}``, and ``@action`` methods.

    Model results (instances, querysets, lists) are written by ``get_serializer_class()`` for the
    action; ``list`` results are paginated by ``pagination_class`` when it is set.
    """

    queryset: Any = None
    serializer_class: Any = None
    list_serializer_class: Any = None
    create_serializer_class: Any = None
    update_serializer_class: Any = None
    lookup_field: str = "pk"
    pagination_class: Any = None

    def get_queryset(self) -> Any:
        """A fresh copy of ``queryset`` (awaitable too, for the release's ``await`` form)."""
        if self.queryset is None:
            raise TypeError(f"{type(self).__name__} sets no queryset and does not override get_queryset()")
        return _awaitable(self.queryset.all())

    def filter_queryset(self, queryset: Any) -> Any:
        """Override to narrow ``list``/``get_object`` results (by query parameters, say)."""
        return queryset

    def _filters(self) -> bool:
        # The base hook returns its argument: not called unless a class overrides it.
        return type(self).filter_queryset is not ViewSet.filter_queryset

    async def _aqueryset(self) -> Any:
        queryset = self.get_queryset()
        if inspect.isawaitable(queryset):
            queryset = await queryset
        if not self._filters():
            return queryset
        queryset = self.filter_queryset(queryset)
        return await queryset if inspect.isawaitable(queryset) else queryset

    def _queryset(self) -> Any:
        queryset = self.get_queryset()
        if inspect.iscoroutine(queryset):
            queryset.close()
            raise TypeError(f"{type(self).__name__}.get_queryset() is async: call it from async handlers only")
        if not self._filters():
            return queryset
        queryset = self.filter_queryset(queryset)
        if inspect.iscoroutine(queryset):
            queryset.close()
            raise TypeError(f"{type(self).__name__}.filter_queryset() is async: call it from async handlers only")
        return queryset

    def _lookup(self, args: tuple[Any, ...], lookup: dict[str, Any]) -> dict[str, Any]:
        if args:
            if len(args) != 1 or lookup:
                raise TypeError("get_object() takes one lookup value or keyword lookups")
            return {self.lookup_field: args[0]}
        if lookup:
            return lookup
        params = getattr(self.request, "params", None) or {}
        if self.lookup_field not in params:
            raise HTTPException(400, f"Missing lookup field: {self.lookup_field}")
        return {self.lookup_field: params[self.lookup_field]}

    def get_object(self, *args: Any, **lookup: Any) -> Any:
        """The object of this request (``lookup_field`` from the path), or a 404. From async code
        it returns an awaitable (``await self.get_object()``), from sync code the object."""
        if _running_loop() is not None:
            return self.aget_object(*args, **lookup)
        queryset = self._queryset()
        try:
            return queryset.get(**self._lookup(args, lookup))
        except (queryset.model.DoesNotExist, ValueError, TypeError, _validation_error()):
            # A lookup value that is not even of the field's type finds nothing either.
            raise HTTPException(404, "Not found") from None

    async def aget_object(self, *args: Any, **lookup: Any) -> Any:
        queryset = await self._aqueryset()
        try:
            return await queryset.aget(**self._lookup(args, lookup))
        except (queryset.model.DoesNotExist, ValueError, TypeError, _validation_error()):
            raise HTTPException(404, "Not found") from None

    def get_serializer_class(self, action: str | None = None) -> Any:
        """The serializer of ``action`` (default: the current one): ``list_``/``create_``/
        ``update_serializer_class`` when set for those (updates fall back to the create one, an
        input serializer too, as in the release), else ``serializer_class``."""
        action = action or self.action
        update = self.update_serializer_class or self.create_serializer_class
        specific = {
            "list": self.list_serializer_class,
            "create": self.create_serializer_class,
            "update": update,
            "partial_update": update,
        }.get(action or "")
        return specific or self.serializer_class

    def _output_serializer(self, action: str) -> Any:
        # Writes answer with the read serializer, not the input one (which may have write-only fields).
        return self.get_serializer_class(action if action not in ("create", "update", "partial_update") else "retrieve")

    def _model(self) -> Any:
        queryset = self.queryset if self.queryset is not None else None
        if queryset is None:
            queryset = self.get_queryset()
            if inspect.iscoroutine(queryset):
                queryset.close()
                raise TypeError(f"{type(self).__name__}: set queryset to create objects from async get_queryset()")
        return queryset.model

    def _finish(self, result: Any, action: str, serializer: Any) -> Any:
        if action == "list" and self.pagination_class is not None and _pageable(result):
            return self.pagination_class(serializer).paginate(result, self.request)
        return super()._finish(result, action, serializer)

    async def _afinish(self, result: Any, action: str, serializer: Any) -> Any:
        if action == "list" and self.pagination_class is not None and _pageable(result):
            return await self.pagination_class(serializer).apaginate(result, self.request)
        if serializer is None and hasattr(result, "_iterable_class") and hasattr(result, "model"):
            # Encoded without a serializer, a queryset would be read by the sync ORM on the loop.
            return [row async for row in result]
        return await super()._afinish(result, action, serializer)

    # Hooks of the write mixins (sync or async overrides both work).
    async def perform_create(self, obj: Any) -> None:
        await obj.asave()

    async def perform_update(self, obj: Any) -> None:
        await obj.asave()

    async def perform_destroy(self, obj: Any) -> None:
        await obj.adelete()

    async def perform_destory(self, obj: Any) -> None:
        """The release's misspelt name of ``perform_destroy``: a view that overrides this one
        (and not ``perform_destroy``) has it called on delete."""
        await obj.adelete()


def _validation_error() -> type[Exception]:
    from django.core.exceptions import ValidationError

    return ValidationError


def _pageable(result: Any) -> bool:
    return isinstance(result, (list, tuple)) or (hasattr(result, "_iterable_class") and hasattr(result, "model"))


def _decode_body(request: Any) -> Any:
    import msgspec

    from .exceptions import RequestValidationError, invalid_json_error

    try:
        return msgspec.json.decode(request.body or b"null")
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise RequestValidationError([invalid_json_error(exc, request.body, ["body"])]) from None
    except RecursionError:
        raise RequestValidationError(
            [{"loc": ["body"], "msg": "Invalid JSON: nested too deeply", "type": "json_invalid"}]
        ) from None


def _input_serializer(view: ViewSet, action: str) -> Any:
    serializer = view.get_serializer_class(action)
    if serializer is None or not hasattr(serializer, "model_validate"):
        raise TypeError(f"{type(view).__name__}: {action} needs a serializer_class (or {action}_serializer_class)")
    return serializer


async def _write(hook: Callable[..., Any], obj: Any) -> None:
    """Runs a perform_* hook; what the database refuses is the client's error, not a 500."""
    from django.db import DataError, IntegrityError

    try:
        await _call_maybe_sync(hook, obj)
    except IntegrityError:
        # A unique value taken, a foreign key to no row, ...: the details stay in the server.
        raise HTTPException(409, "The data conflicts with a database constraint") from None
    except (DataError, OverflowError):
        raise HTTPException(400, "A value does not fit its database column") from None


def _validated(view: Any, action: str, request: Any) -> Any:
    """The body as the action's input serializer: already decoded by the route when its type is
    known at startup, else validated here with ``get_serializer_class()`` of this request."""
    data = getattr(view, "_bolt_data", None)
    if data is not None:
        return data
    return _input_serializer(view, action).model_validate(_decode_body(request))


class ListMixin:
    async def list(self, request: Request) -> Any:
        """List the objects (paginated when the view has a ``pagination_class``)."""
        return await self._aqueryset()  # type: ignore[attr-defined]


class RetrieveMixin:
    async def retrieve(self, request: Request) -> Any:
        """One object by its lookup field; 404 when there is none."""
        return await self.aget_object()  # type: ignore[attr-defined]


class CreateMixin:
    async def create(self, request: Request) -> Any:
        """Create an object from the body (``create_serializer_class`` or ``serializer_class``)."""
        data = _validated(self, "create", request)
        obj = data.to_model(self._model())  # type: ignore[attr-defined]
        await _write(self.perform_create, obj)  # type: ignore[attr-defined]
        return obj


class UpdateMixin:
    async def update(self, request: Request) -> Any:
        """Replace an object's writable fields with the body."""
        obj = await self.aget_object()  # type: ignore[attr-defined]
        data = _validated(self, "update", request)
        data.update_instance(obj)
        await _write(self.perform_update, obj)  # type: ignore[attr-defined]
        return obj


class PartialUpdateMixin:
    async def partial_update(self, request: Request) -> Any:
        """Change the fields the body has (only those are validated)."""
        obj = await self.aget_object()  # type: ignore[attr-defined]
        serializer = _input_serializer(self, "partial_update")  # type: ignore[arg-type]
        values = serializer.validate_partial(_decode_body(request))
        specs = {s.name: s for s in serializer._specs()}
        links: dict[str, Any] = {}
        for name, value in values.items():
            target = _model_attname(type(obj), specs[name].source)
            if target == type(obj)._meta.pk.attname:
                continue  # the key of the row being changed is not changed by its body
            if isinstance(target, tuple):
                links[target[0]] = (specs[name].key, value)
            elif target is not None:
                setattr(obj, target, value)
        if links:
            defer_many_to_many(obj, links)
        await _write(self.perform_update, obj)  # type: ignore[attr-defined]
        return obj


class DestroyMixin:
    async def destroy(self, request: Request) -> None:
        """Delete an object: 204 with no body."""
        obj = await self.aget_object()  # type: ignore[attr-defined]
        cls = type(self)
        legacy = cls.perform_destroy is ViewSet.perform_destroy and cls.perform_destory is not ViewSet.perform_destory  # type: ignore[attr-defined]
        await _write(self.perform_destory if legacy else self.perform_destroy, obj)  # type: ignore[attr-defined]


def _model_attname(model: Any, name: str) -> str | tuple[str] | None:
    """The attribute a body value is written to; ``(name,)`` for a many-to-many field."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    from django.db import models

    if isinstance(field, models.ManyToManyField):
        return (field.name,)
    if not getattr(field, "concrete", False):
        return None
    return field.attname


class ReadOnlyModelViewSet(ListMixin, RetrieveMixin, ViewSet):
    """``list`` and ``retrieve`` of ``queryset`` through ``serializer_class``."""


class ModelViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PartialUpdateMixin, DestroyMixin, ViewSet):
    """Every standard action of ``queryset`` (create 201, destroy 204, missing object 404)."""


# ---------------------------------------------------------------- registration


def _title(action: str, cls: type) -> str:
    return f"{action.replace('_', ' ').capitalize()} ({cls.__name__})"


def _summary(fn: Any, action: str, cls: type) -> str:
    doc = inspect.getdoc(fn)
    return doc.splitlines()[0] if doc else _title(action, cls)


def register_view(
    target: Any,
    path: str,
    cls: type[APIView],
    *,
    name: str | None = None,
    methods: list[str] | None = None,
    guards: Any = None,
    auth: Any = None,
    status_code: int | None = None,
    validate_response: bool | None = None,
    tags: list[str] | None = None,
    include_in_schema: bool | None = None,
) -> None:
    if not (isinstance(cls, type) and issubclass(cls, APIView)):
        raise TypeError(f"{cls!r} must inherit from APIView (view() takes an APIView subclass)")
    actions = sorted(attr for attr in dir(cls) if hasattr(getattr(cls, attr, None), "__bolt_action__"))
    if actions:
        # view() registers only the HTTP-method handlers: the @action routes would be lost.
        raise ValueError(
            f"{cls.__name__} uses @action decorator on {', '.join(actions)}: register it with api.viewset(), "
            "which serves @action routes (api.view() does not)"
        )
    allowed = cls.get_allowed_methods()
    chosen = {m.upper() for m in methods} if methods else allowed
    missing = chosen - allowed
    if missing:
        names = ", ".join(repr(m.lower()) for m in sorted(missing))
        raise ValueError(f"{cls.__name__} does not implement method {names}")
    if not chosen:
        raise ValueError(
            f"{cls.__name__} does not implement any HTTP methods (define one of {', '.join(cls.http_method_names)})"
        )
    for verb in sorted(chosen):
        method = getattr(cls, verb.lower())
        target._add(
            verb,
            path,
            _view_function(cls, verb.lower(), None),
            response_model=_return_serializer(method),
            status_code=status_code or cls.status_code or 200,
            # None: as the API says (the view writes its results, the route checks them).
            validate_response=_first(validate_response, cls.validate_response),
            guards=guards if guards is not None else cls.guards,
            auth=auth if auth is not None else cls.auth,
            name=name or cls.__name__,
            tags=tags if tags is not None else cls.tags,
            summary=_summary(method, verb.lower(), cls),
            description=inspect.getdoc(method),
            include_in_schema=_included(include_in_schema, cls.include_in_schema),
            name_derived=name is None,
        )


def _included(*values: bool | None) -> bool | None:
    """The first layer that says (route, then class); None: as the API says."""
    return next((v for v in values if v is not None), None)


def register_viewset(
    target: Any,
    path: str,
    cls: type[ViewSet],
    *,
    name: str | None = None,
    guards: Any = None,
    auth: Any = None,
    status_code: int | None = None,
    validate_response: bool | None = None,
    lookup_field: str = "pk",
    tags: list[str] | None = None,
    include_in_schema: bool | None = None,
) -> None:
    if not (isinstance(cls, type) and issubclass(cls, ViewSet)):
        raise TypeError(f"viewset() takes a ViewSet subclass, not {cls!r}")
    if lookup_field != "pk":
        # api.viewset(lookup_field=) wins over the class's (the view reads self.lookup_field).
        cls.lookup_field = lookup_field
    lookup = cls.lookup_field
    base = path.rstrip("/")
    detail_path = f"{base}/{{{lookup}}}"
    base_name = name or cls.__name__
    for action_name, (verb, detail, default_status) in _ACTIONS.items():
        method = getattr(cls, action_name, None)
        if not callable(method):
            continue
        response_model = _return_serializer(method)
        if response_model is None and action_name != "destroy":
            # Writes answer with the read serializer (``_output_serializer``).
            item = _documented_serializer(cls, "list" if action_name == "list" else "retrieve")
            response_model = _response_model_for(
                item, cls.pagination_class if action_name == "list" else None, action_name == "list"
            )
        handler = _view_function(cls, action_name, lookup if detail else None, _static_body(cls, action_name))
        own = {"create": CreateMixin.create, "update": UpdateMixin.update}
        own["partial_update"] = PartialUpdateMixin.partial_update
        if action_name in own and method is own[action_name]:
            body = _documented_serializer(cls, action_name)
            if body is not None:
                # For the document only (the body itself is read as the action reads it).
                handler.__bolt_doc_body__ = (body, action_name == "partial_update")  # type: ignore[attr-defined]
        if action_name == "list" and cls.pagination_class is not None and not _return_serializer(method):
            handler.__bolt_pagination_class__ = cls.pagination_class  # type: ignore[attr-defined]
        target._add(
            verb,
            detail_path if detail else (base or "/"),
            handler,
            response_model=response_model,
            status_code=status_code or cls.status_code or default_status,
            validate_response=_first(validate_response, cls.validate_response),
            guards=guards if guards is not None else cls.guards,
            auth=auth if auth is not None else cls.auth,
            name=f"{base_name}-{action_name}",
            tags=tags if tags is not None else cls.tags,
            summary=_summary(method, action_name, cls),
            description=inspect.getdoc(method),
            include_in_schema=_included(include_in_schema, cls.include_in_schema),
            name_derived=name is None,
        )
    for attr in dir(cls):
        fn = getattr(cls, attr, None)
        info = getattr(fn, "__bolt_action__", None)
        if info is None:
            continue
        segment = (info.path or attr).strip("/")
        route_path = f"{detail_path}/{segment}" if info.detail else f"{base}/{segment}"
        options = info.options
        for verb in info.methods:
            target._add(
                verb,
                route_path,
                _view_function(cls, attr, lookup if info.detail else None),
                response_model=options["response_model"] or _return_serializer(fn),
                status_code=options["status_code"] or status_code or cls.status_code or 200,
                validate_response=_first(validate_response, options["validate_response"], cls.validate_response),
                guards=_first(options["guards"], guards, cls.guards),
                auth=_first(options["auth"], auth, cls.auth),
                name=f"{base_name}-{options['name'] or segment}",
                tags=options["tags"] if options["tags"] is not None else (tags if tags is not None else cls.tags),
                summary=options["summary"] or _summary(fn, attr, cls),
                description=options["description"] or inspect.getdoc(fn),
                include_in_schema=_included(include_in_schema, cls.include_in_schema),
                name_derived=name is None and options["name"] is None,
            )


def _static_body(cls: type[ViewSet], action_name: str) -> Any:
    """The body type of the standard create/update when it is fixed at startup: the mixin's own
    method and ``get_serializer_class`` not overridden (else the body is read per request)."""
    own = {"create": CreateMixin.create, "update": UpdateMixin.update}.get(action_name)
    if own is None or getattr(cls, action_name) is not own:
        return None
    if cls.get_serializer_class is not ViewSet.get_serializer_class:
        return None
    specific = (
        cls.create_serializer_class
        if action_name == "create"
        else (cls.update_serializer_class or cls.create_serializer_class)
    )
    serializer = specific or cls.serializer_class
    return serializer if isinstance(serializer, type) and issubclass(serializer, Serializer) else None


def _documented_serializer(cls: type[ViewSet], action: str) -> Any:
    """The serializer ``get_serializer_class()`` names for ``action`` at startup (an override is
    asked on a view without a request; one that needs the request gives ``serializer_class``)."""
    view = cls.__new__(cls)
    view.action = action
    view.request = None  # type: ignore[assignment]
    view.kwargs = {}
    try:
        found = view.get_serializer_class()
    except Exception:  # noqa: BLE001 - an override that needs a request: the class default
        found = None
    if inspect.iscoroutine(found):
        found.close()
        found = None
    if not (isinstance(found, type) and issubclass(found, Serializer)):
        found = ViewSet.get_serializer_class(view, action)
    return found if isinstance(found, type) and issubclass(found, Serializer) else None


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _response_model_for(serializer: Any, pagination_class: Any, many: bool) -> Any:
    """The documented response type of a standard action (for the OpenAPI document)."""
    if serializer is None:
        return None
    if not many:
        return serializer
    if pagination_class is not None:
        return pagination_class.response_class[serializer]
    return list[serializer]


__all__ = [
    "APIView",
    "ViewSet",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "ListMixin",
    "RetrieveMixin",
    "CreateMixin",
    "UpdateMixin",
    "PartialUpdateMixin",
    "DestroyMixin",
    "action",
    "PaginationBase",
    "Serializer",
]
