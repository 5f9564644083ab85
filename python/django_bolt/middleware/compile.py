"""A route's Python middleware, resolved once at compile time: the API's, its routers', the
handler's ``@middleware``, minus what ``@skip_middleware`` names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .base import route_python_middleware
from .chain import compile_middleware, middleware_names
from .decorators import RUST_MIDDLEWARE, route_middleware


class DjangoMiddlewareSetting:
    """``django_middleware=...`` as given; read (``settings.MIDDLEWARE``, imports) when routes are
    compiled, so an API can be defined before settings are."""

    def __init__(self, config: Any) -> None:
        if not (config is True or isinstance(config, (list, tuple, dict))):
            raise TypeError(
                f"BoltAPI(django_middleware=) takes True, a list of dotted paths or an include/exclude dict, "
                f"not {config!r}"
            )
        self.config = config

    def resolve(self) -> list[Any]:
        from .django_adapter import load_django_middleware

        return load_django_middleware(self.config)


def _definition_error(message: str) -> Exception:
    from .._compile import RouteDefinitionError

    return RouteDefinitionError(message)


def route_middleware_chain(
    configured: Sequence[Any],
    handler: Callable[..., Any],
    recorded: dict[str, Any] | None,
    is_async: bool,
    status_code: int,
    shape: Callable[[Any], Any] | None,
    where: str,
) -> Callable[[Any], Any] | None:
    """``run(request)`` for the route's middleware slot, or None when it has no Python middleware.
    ``recorded``: the handler's decorator settings as the route was registered with."""
    factories: list[Any] = []
    for entry in (*configured, *route_python_middleware(recorded)):
        factories.extend(entry.resolve() if isinstance(entry, DjangoMiddlewareSetting) else [entry])
    settings = route_middleware(recorded)
    skip = {n for n in (settings["skip"] if settings else ()) if n not in RUST_MIDDLEWARE}
    if skip:
        matched: set[str] = set()
        kept: list[Any] = []
        for factory in factories:
            if hasattr(factory, "bolt_django_stack"):
                # "*" means bolt's own middleware; Django's are skipped by class name only.
                matched |= factory.names() & skip
                factory = factory.without(skip)
                if factory.middleware_classes:
                    kept.append(factory)
                continue
            names = middleware_names(factory)
            if "*" in skip or names & skip:
                matched |= names & skip
                continue
            kept.append(factory)
        unknown = skip - matched - {"*"}
        if unknown:
            raise _definition_error(
                f"{where}: @skip_middleware names {sorted(unknown)}, which no middleware of this route is "
                f"called (Rust middleware: {', '.join(RUST_MIDDLEWARE)}; Python/Django middleware by class "
                "or function name or dotted path)"
            )
        factories = kept
    if not factories:
        return None
    run = compile_middleware(factories, is_async, status_code, shape, handler)
    if not any(hasattr(factory, "bolt_django_stack") for factory in factories):
        return run
    if is_async:
        from ..concurrency import on_async_lane

        return on_async_lane(run, where, handler)
    return on_sync_lane(run)


def on_sync_lane(run: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A sync route's chain with Django middleware, all of it on the request's thread (its lane):
    bolt middleware around or inside the stack too, and async ones under ``async_to_sync``, whose
    ORM work (a user read) comes back to this thread with the state the Django hooks set."""
    from ..concurrency import run_on_lane

    def on_lane(request: Any) -> Any:
        return run_on_lane(run, request)

    return on_lane


__all__ = ["DjangoMiddlewareSetting", "route_middleware_chain"]
