"""``Settled``: the answer of a store operation that has already run, usable both ways.

Revocation stores answer plain calls (``if store.is_revoked(jti): ...``, this project's form)
and awaits (``await store.is_revoked(jti)``, ``asyncio.run(store.revoke(jti))``, the release's
form) with the same object: the work is done when the method returns, and awaiting the answer
gives its value at once."""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


class Settled(Coroutine[Any, Any, Any]):
    """A finished result. ``bool()``, ``==``, ``int()`` read the value; ``await`` returns it.

    It is a ``collections.abc.Coroutine`` so ``asyncio.run()`` and ``asyncio.gather()`` accept
    it; unlike a native coroutine, dropping it unawaited is not a mistake (nothing is pending)."""

    __slots__ = ("value",)

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def send(self, _: Any) -> Any:
        raise StopIteration(self.value)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        raise val if val is not None else typ

    def close(self) -> None:
        return None

    def __await__(self) -> Generator[Any, None, Any]:
        return self.value
        yield  # makes this a generator: awaiting it never suspends

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == (other.value if isinstance(other, Settled) else other)

    def __hash__(self) -> int:
        return hash(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __index__(self) -> int:
        return int(self.value)

    def __repr__(self) -> str:
        return f"Settled({self.value!r})"


async def resolve(answer: Any) -> Any:
    """The value of a store answer: a ``Settled``, another awaitable, or a plain value."""
    if isinstance(answer, Settled):
        return answer.value
    if hasattr(answer, "__await__"):
        return await answer
    return answer


def resolve_sync(answer: Any) -> Any:
    """``resolve`` for a thread without a running event loop (a store written for the release,
    whose methods are ``async def``, is driven to completion on a private loop)."""
    if isinstance(answer, Settled):
        return answer.value
    if hasattr(answer, "__await__"):
        import asyncio

        return asyncio.run(resolve(answer))
    return answer


__all__ = ["Settled", "resolve", "resolve_sync"]
