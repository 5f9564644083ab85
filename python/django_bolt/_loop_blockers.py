"""Async handlers and dependencies whose own code would block the event loop, found by reading
their source (``analysis``): ``django-bolt doctor`` warns about them before a request does.

A sync query there raises Django's ``SynchronousOnlyOperation``; blocking I/O stalls every
request the loop serves. Only what the function's body calls directly is seen.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from .analysis import analyze_handler


def _is_async(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


def async_code(handler: Callable[..., Any], dependencies: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """``("handler" | "dependency", function)`` for the async functions a route runs: its handler
    and its dependencies (``DependencyPlan``s) at any depth, each once."""
    if _is_async(handler):
        yield "handler", handler
    seen: set[int] = set()
    pending = list(dependencies.values())
    while pending:
        plan = pending.pop()
        if id(plan.fn) in seen:
            continue
        seen.add(id(plan.fn))
        if _is_async(plan.fn):
            yield "dependency", plan.fn
        pending.extend(arg.dependency for arg in plan.args if arg.dependency is not None)


def loop_blockers(fn: Any) -> list[str]:
    """The calls in ``fn``'s body that block an event loop, sorted; none when it has no source
    (or an object the analysis does not expect: the check advises, it never fails a project)."""
    try:
        return sorted(analyze_handler(fn).event_loop_blockers)
    except Exception:  # noqa: BLE001
        return []


def describe(where: str, kind: str, fn: Any, blockers: list[str]) -> str:
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return (
        f"{where}: async {kind} {name} calls {', '.join(blockers)} on the event loop "
        "(Django refuses a sync query there; blocking I/O stalls every request): use the async "
        "form (acount(), asave(), asyncio.sleep, an async client), sync_to_async, or a sync handler"
    )
