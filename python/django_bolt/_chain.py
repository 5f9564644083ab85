"""The per-route Python stage chain, built once at startup.

Rust calls ``chain(request, handler, args, kwargs)`` for a route that has one, instead of
``handler(*args, **kwargs)``. The stages run in this order: Python authentication backends, Python
guards, dependencies, Python middleware (``middleware.chain``), then the handler. A route with no
stage has no chain at all, so Rust calls its handler directly and pays nothing.

A sync handler gets a sync chain (it runs on the worker thread that runs the handler); an async
handler gets an ``async def`` chain that Rust steps like the handler's own coroutine.

Dependencies (``Depends``) are resolved here too: their signatures and type hints are read once,
when the route is compiled, into a ``DependencyPlan`` that only looks values up per request.
"""

from __future__ import annotations

import dataclasses
import decimal
import inspect
import typing
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .exceptions import RequestValidationError
from .params import _UNSET, Cookie, Depends, Header, Param

#: A sync stage: ``step(request, kwargs)`` may fill handler keywords or raise an HTTP error.
SyncStep = Callable[[Any, dict], None]
#: The same for async handlers.
AsyncStep = Callable[[Any, dict], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage of a chain: the sync and async forms of the same step."""

    name: str
    run: SyncStep
    arun: AsyncStep


def _definition_error(message: str) -> TypeError:
    from ._compile import RouteDefinitionError  # imported late: _compile imports this module

    return RouteDefinitionError(message)


# ---------------------------------------------------------------- dependencies

_MISSING = object()


def _coercer(annotation: Any) -> Callable[[str], Any] | None:
    from ._compile import _split_annotated, _unwrap_optional

    base, _ = _unwrap_optional(_split_annotated(annotation)[0])
    if base is bool:
        return lambda value: value.lower() in ("1", "true", "yes", "on")
    if base in (int, float, decimal.Decimal, uuid.UUID):
        return base
    return None


@dataclasses.dataclass(frozen=True)
class _Arg:
    """How one argument of a dependency is filled per request."""

    name: str
    #: "depends", "request", "query", "header" or "cookie".
    source: str
    key: str = ""
    default: Any = _MISSING
    coerce: Callable[[str], Any] | None = None
    dependency: DependencyPlan | None = None


@dataclasses.dataclass(frozen=True)
class DependencyPlan:
    """A ``Depends`` target with its arguments resolved once."""

    fn: Callable[..., Any]
    use_cache: bool
    args: tuple[_Arg, ...]
    #: The target or one of its own dependencies is ``async def``.
    any_async: bool


def _hints(fn: Any, where: str) -> dict[str, Any]:
    if isinstance(fn, type):
        target = fn.__init__
    elif inspect.isfunction(fn) or inspect.ismethod(fn):
        target = fn
    else:  # a callable object: its __call__ carries the annotations
        target = type(fn).__call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except NameError as exc:
        raise _definition_error(f"{where}: cannot resolve the type hints of dependency {fn!r}: {exc}") from exc
    except Exception:  # noqa: BLE001 - objects typing cannot read (partials, builtins): raw annotations
        return {}


def compile_dependency(dep: Depends, where: str, _seen: tuple[Any, ...] = ()) -> DependencyPlan:
    """Reads ``dep``'s target (and its own ``Depends``) once: the per-request work is lookups."""
    from ._compile import _is_request_type, _marker_of, _split_annotated, _unwrap_optional

    fn = dep.dependency
    if fn is None or not callable(fn):
        raise _definition_error(f"{where}: Depends() needs a dependency callable, got {fn!r}")
    if fn in _seen:
        raise _definition_error(f"{where}: dependency {fn!r} depends on itself")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise _definition_error(f"{where}: cannot read the signature of dependency {fn!r}: {exc}") from exc
    hints = _hints(fn, where)
    args: list[_Arg] = []
    # A class instance with ``async def __call__`` is async too.
    any_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        annotation = hints.get(name, parameter.annotation)
        base, extras = _split_annotated(annotation)
        marker, default = _marker_of(extras, parameter.default)
        if default is _UNSET or default is inspect.Parameter.empty:
            default = _MISSING
        if isinstance(marker, Depends):
            nested = compile_dependency(marker, where, (*_seen, fn))
            any_async = any_async or nested.any_async
            args.append(_Arg(name, "depends", dependency=nested))
        elif _is_request_type(_unwrap_optional(base)[0]) or name == "request":
            args.append(_Arg(name, "request"))
        else:
            key = marker.alias if isinstance(marker, Param) and marker.alias else name
            if isinstance(marker, Header):
                source, key = "header", key.replace("_", "-").lower()
            elif isinstance(marker, Cookie):
                source = "cookie"
            else:
                source = "query"
            args.append(_Arg(name, source, key, default, _coercer(annotation)))
    return DependencyPlan(fn, dep.use_cache, tuple(args), any_async)


def _lookup(arg: _Arg, request: Any, kwargs: dict[str, Any]) -> None:
    if arg.source == "header":
        values = request.headers
    elif arg.source == "cookie":
        values = request.cookies
    else:
        values = request.query
    raw = values.get(arg.key)
    if raw is None:
        if arg.default is _MISSING:
            raise RequestValidationError([{"loc": [arg.source, arg.key], "msg": "Field required", "type": "missing"}])
        kwargs[arg.name] = arg.default
        return
    if arg.coerce is None:
        kwargs[arg.name] = raw
        return
    try:
        kwargs[arg.name] = arg.coerce(raw)
    except (ValueError, TypeError, ArithmeticError):
        raise RequestValidationError(
            [{"loc": [arg.source, arg.key], "msg": f"Invalid value {raw!r}", "type": "validation_error"}]
        ) from None


def _resolve_sync(plan: DependencyPlan, request: Any, cache: dict[Any, Any]) -> Any:
    if plan.use_cache and plan.fn in cache:
        return cache[plan.fn]
    kwargs: dict[str, Any] = {}
    for arg in plan.args:
        if arg.dependency is not None:
            kwargs[arg.name] = _resolve_sync(arg.dependency, request, cache)
        elif arg.source == "request":
            kwargs[arg.name] = request
        else:
            _lookup(arg, request, kwargs)
    value = plan.fn(**kwargs)
    if inspect.isawaitable(value):  # a callable object that hides an async __call__
        from asgiref.sync import async_to_sync

        value = async_to_sync(_await)(value)
    if plan.use_cache:
        cache[plan.fn] = value
    return value


async def _resolve_async(plan: DependencyPlan, request: Any, cache: dict[Any, Any]) -> Any:
    if plan.use_cache and plan.fn in cache:
        return cache[plan.fn]
    kwargs: dict[str, Any] = {}
    for arg in plan.args:
        if arg.dependency is not None:
            kwargs[arg.name] = await _resolve_async(arg.dependency, request, cache)
        elif arg.source == "request":
            kwargs[arg.name] = request
        else:
            _lookup(arg, request, kwargs)
    value = plan.fn(**kwargs)
    if inspect.isawaitable(value):
        value = await value
    if plan.use_cache:
        cache[plan.fn] = value
    return value


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def dependency_stage(dependencies: dict[str, DependencyPlan]) -> Stage:
    """Fills the handler's ``Depends`` arguments; one cache per request (``use_cache``)."""
    plans = tuple(dependencies.items())
    any_async = any(p.any_async for _, p in plans)

    async def arun(request: Any, kwargs: dict[str, Any]) -> None:
        cache: dict[Any, Any] = {}
        for name, plan in plans:
            kwargs[name] = await _resolve_async(plan, request, cache)

    if any_async:
        # An async dependency of a sync handler: one event loop hop for all of them.
        def run(request: Any, kwargs: dict[str, Any]) -> None:
            from asgiref.sync import async_to_sync

            async_to_sync(arun)(request, kwargs)

    else:

        def run(request: Any, kwargs: dict[str, Any]) -> None:
            cache: dict[Any, Any] = {}
            for name, plan in plans:
                kwargs[name] = _resolve_sync(plan, request, cache)

    return Stage("dependencies", run, arun)


# ---------------------------------------------------------------- the chain


def build_chain(
    stages: Sequence[Stage], is_async: bool, middleware: Callable[[Any], Any] | None = None
) -> Callable[..., Any] | None:
    """The route's ``chain(request, handler, args, kwargs)``, or ``None`` when it has no stage and
    no middleware.

    ``middleware`` is the route's compiled Python middleware (``middleware.chain``): ``run(request)``
    in the route's mode, calling the handler stored on the request last."""
    if not stages and middleware is None:
        return None
    steps = tuple(s.run for s in stages)
    asteps = tuple(s.arun for s in stages)
    names = tuple(s.name for s in stages) + (("middleware",) if middleware is not None else ())

    if middleware is not None:
        from .middleware.chain import CALL

        run = middleware
        if is_async:

            async def amiddleware_chain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
                for astep in asteps:
                    await astep(request, kwargs)
                setattr(request, CALL, (handler, args, kwargs))
                return await run(request)

            amiddleware_chain.stages = names  # type: ignore[attr-defined]
            return amiddleware_chain

        def middleware_chain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
            for step in steps:
                step(request, kwargs)
            setattr(request, CALL, (handler, args, kwargs))
            return run(request)

        middleware_chain.stages = names  # type: ignore[attr-defined]
        return middleware_chain

    if is_async:

        async def achain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
            for astep in asteps:
                await astep(request, kwargs)
            return await handler(*args, **kwargs)

        achain.stages = names  # type: ignore[attr-defined]
        return achain

    def chain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        for step in steps:
            step(request, kwargs)
        return handler(*args, **kwargs)

    chain.stages = names  # type: ignore[attr-defined]
    return chain


__all__ = ["Stage", "DependencyPlan", "compile_dependency", "dependency_stage", "build_chain"]
