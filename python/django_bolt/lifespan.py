"""``BoltAPI(lifespan=)``: startup and shutdown hooks, run on the event loop handlers run on.

``lifespan(api)`` returns an async context manager (``@asynccontextmanager``, as in the release):
its code before ``yield`` runs before the first request, the rest after the last. The lifespans
of mounted APIs run too, the mounting API's first; a failing startup leaves the ones already
entered and stops the server from starting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any


def _context_of(owner: Any, factory: Any) -> Any:
    cm = factory(owner)
    if not (hasattr(cm, "__aenter__") and hasattr(cm, "__aexit__")):
        raise TypeError(
            f"lifespan {factory!r} must return an async context manager (decorate it with "
            f"contextlib.asynccontextmanager), not {type(cm).__name__}"
        )
    return cm


async def enter_lifespans(lifespans: list[tuple[Any, Any]]) -> AsyncExitStack:
    """Enters every lifespan in order; the stack leaves them in reverse."""
    stack = AsyncExitStack()
    try:
        for owner, factory in lifespans:
            await stack.enter_async_context(_context_of(owner, factory))
    except BaseException:
        await stack.aclose()
        raise
    return stack


def run_on(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
    """Runs ``coro`` on ``loop`` (another thread's) and waits for its result."""
    return asyncio.run_coroutine_threadsafe(coro, loop).result()


async def serve_with_lifespan(source_lifespans: list[tuple[Any, Any]], server_fn: Any) -> None:
    """Runs ``server_fn()`` (blocking, in a worker thread) inside every ``(api, lifespan)`` of
    ``source_lifespans``: entered in order before it starts, left in reverse after it returns."""
    async with await enter_lifespans(list(source_lifespans)):
        await asyncio.to_thread(server_fn)


@contextmanager
def lifespans_running(api: Any, loop_kind: str) -> Iterator[None]:
    """The API's lifespans entered for the duration of the block (runbolt's serving)."""
    if not api.lifespans:
        yield
        return
    from ._runtime import event_loop

    loop = event_loop(loop_kind)
    stack = run_on(loop, enter_lifespans(list(api.lifespans)))
    try:
        yield
    finally:
        run_on(loop, stack.aclose())


__all__ = ["enter_lifespans", "lifespans_running", "run_on", "serve_with_lifespan"]
