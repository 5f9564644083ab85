"""Called from Rust to complete a WebSocket future on the loop that awaits it."""

from __future__ import annotations

import asyncio
from typing import Any


def _set(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():  # cancelled meanwhile
        future.set_result(value)


def deliver(future: asyncio.Future[Any], value: Any) -> None:
    future.get_loop().call_soon_threadsafe(_set, future, value)


def wake(future: asyncio.Future[Any]) -> None:
    future.get_loop().call_soon_threadsafe(_set, future, None)
