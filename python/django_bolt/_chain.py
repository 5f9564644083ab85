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
import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .params import Depends

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


@dataclasses.dataclass(frozen=True)
class _Arg:
    """How one argument of a dependency is filled per request."""

    name: str
    #: "depends", "request" or "value" (the route keyword ``key``, coerced by Rust).
    source: str
    key: str = ""
    dependency: DependencyPlan | None = None


@dataclasses.dataclass(frozen=True)
class DependencyPlan:
    """A ``Depends`` target with its arguments resolved once."""

    fn: Callable[..., Any]
    use_cache: bool
    args: tuple[_Arg, ...]
    #: The target or one of its own dependencies is ``async def`` (in the sync form below).
    any_async: bool
    #: What a sync handler's chain calls: the target, or the sync form it names (``_sync_form``,
    #: e.g. ``get_current_user``), so a sync handler needs no event loop for it.
    sync_fn: Callable[..., Any] | None = None


class DependencyCycleError(RecursionError, TypeError):
    """A dependency that depends on itself, directly or through others: resolving it would
    recurse until the stack runs out. A ``RecursionError`` as in the release, and a ``TypeError``
    like every route definition error."""


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


def compile_dependency(
    dep: Depends, where: str, bind: Callable[[str, Any, Any, str], str | None], _seen: tuple[Any, ...] = ()
) -> DependencyPlan:
    """Reads ``dep``'s target (and its own ``Depends``) once. Its value arguments become route
    parameters through ``bind(name, annotation, default, where)`` (``_dependency_params``), so
    Rust coerces them like the handler's; per request the plan only looks them up."""
    from ._compile import _is_request_type, _split_annotated, _unwrap_optional
    from .dependencies import sync_form

    fn = dep.dependency
    if fn is None or not callable(fn):
        raise _definition_error(f"{where}: Depends() needs a dependency callable, got {fn!r}")
    if fn in _seen:
        raise DependencyCycleError(f"{where}: dependency {fn!r} depends on itself")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise _definition_error(f"{where}: cannot read the signature of dependency {fn!r}: {exc}") from exc
    hints = _hints(fn, where)
    args: list[_Arg] = []
    sync_fn = sync_form(dep).dependency
    # A class instance with ``async def __call__`` is async too.
    any_async = inspect.iscoroutinefunction(sync_fn) or inspect.iscoroutinefunction(type(sync_fn).__call__)
    dep_where = f"{where} (dependency {getattr(fn, '__qualname__', fn)!r})"
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        annotation = hints.get(name, parameter.annotation)
        base, extras = _split_annotated(annotation)
        nested = next((e for e in extras if isinstance(e, Depends)), None)
        if nested is None and isinstance(parameter.default, Depends):
            nested = parameter.default
        if nested is not None:
            plan = compile_dependency(nested, where, bind, (*_seen, fn))
            any_async = any_async or plan.any_async
            args.append(_Arg(name, "depends", dependency=plan))
        elif name == "request" or _is_request_type(_unwrap_optional(base)[0]):
            args.append(_Arg(name, "request"))
        else:
            key = bind(name, annotation, parameter.default, dep_where)
            args.append(_Arg(name, "request") if key is None else _Arg(name, "value", key))
    return DependencyPlan(fn, dep.use_cache, tuple(args), any_async, sync_fn)


def _arguments(plan: DependencyPlan, request: Any, values: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for arg in plan.args:
        if arg.source == "value":
            kwargs[arg.name] = values[arg.key]
        elif arg.source == "request":
            kwargs[arg.name] = request
    return kwargs


def _resolve_sync(plan: DependencyPlan, request: Any, values: dict[str, Any], cache: dict[Any, Any]) -> Any:
    if plan.use_cache and plan.fn in cache:
        return cache[plan.fn]
    kwargs = _arguments(plan, request, values)
    for arg in plan.args:
        if arg.dependency is not None:
            kwargs[arg.name] = _resolve_sync(arg.dependency, request, values, cache)
    value = (plan.sync_fn or plan.fn)(**kwargs)
    if inspect.isawaitable(value):  # a callable object that hides an async __call__
        from asgiref.sync import async_to_sync

        value = async_to_sync(_await)(value)
    if plan.use_cache:
        cache[plan.fn] = value
    return value


async def _resolve_async(plan: DependencyPlan, request: Any, values: dict[str, Any], cache: dict[Any, Any]) -> Any:
    if plan.use_cache and plan.fn in cache:
        return cache[plan.fn]
    kwargs = _arguments(plan, request, values)
    for arg in plan.args:
        if arg.dependency is not None:
            kwargs[arg.name] = await _resolve_async(arg.dependency, request, values, cache)
    value = plan.fn(**kwargs)
    if inspect.isawaitable(value):
        value = await value
    if plan.use_cache:
        cache[plan.fn] = value
    return value


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def dependency_stage(dependencies: dict[str, DependencyPlan], hidden: Sequence[str] = ()) -> Stage:
    """Fills the handler's ``Depends`` arguments; one cache per request (``use_cache``).
    ``hidden``: the route keywords only dependencies read, taken out before the handler runs."""
    plans = tuple(dependencies.items())
    any_async = any(p.any_async for _, p in plans)
    hidden = tuple(hidden)

    async def arun(request: Any, kwargs: dict[str, Any]) -> None:
        cache: dict[Any, Any] = {}
        for name, plan in plans:
            kwargs[name] = await _resolve_async(plan, request, kwargs, cache)
        for name in hidden:
            del kwargs[name]

    if any_async:
        # An async dependency of a sync handler: one event loop hop for all of them.
        def run(request: Any, kwargs: dict[str, Any]) -> None:
            from asgiref.sync import async_to_sync

            async_to_sync(arun)(request, kwargs)

    else:

        def run(request: Any, kwargs: dict[str, Any]) -> None:
            cache: dict[Any, Any] = {}
            for name, plan in plans:
                kwargs[name] = _resolve_sync(plan, request, kwargs, cache)
            for name in hidden:
                del kwargs[name]

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
        # Dependencies are resolved inside the middleware, right before the handler: they read
        # what middleware put on the request (Django's session and user for ``CurrentUser``,
        # a tenant...). Authentication and guards stay in front.
        inner = tuple(s for s in stages if s.name == "dependencies")
        steps = tuple(s.run for s in stages if s not in inner)
        asteps = tuple(s.arun for s in stages if s not in inner)
        if is_async:

            async def amiddleware_chain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
                for astep in asteps:
                    await astep(request, kwargs)
                if inner:
                    setattr(request, CALL, (_async_with_dependencies(inner, request, handler, kwargs), args, {}))
                else:
                    setattr(request, CALL, (handler, args, kwargs))
                return await run(request)

            amiddleware_chain.stages = names  # type: ignore[attr-defined]
            return amiddleware_chain

        def middleware_chain(request: Any, handler: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
            for step in steps:
                step(request, kwargs)
            if inner:
                setattr(request, CALL, (_with_dependencies(inner, request, handler, kwargs), args, {}))
            else:
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


def _async_with_dependencies(
    inner: Sequence[Stage], request: Any, handler: Callable[..., Any], kwargs: dict
) -> Callable[..., Any]:
    """The handler call the middleware make last: dependencies into ``kwargs``, then the handler."""

    async def call(*args: Any) -> Any:
        for stage in inner:
            await stage.arun(request, kwargs)
        return await handler(*args, **kwargs)

    return call


def _with_dependencies(
    inner: Sequence[Stage], request: Any, handler: Callable[..., Any], kwargs: dict
) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        for stage in inner:
            stage.run(request, kwargs)
        return handler(*args, **kwargs)

    return call


__all__ = ["Stage", "DependencyPlan", "compile_dependency", "dependency_stage", "build_chain"]
