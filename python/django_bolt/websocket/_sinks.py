"""Where a WebSocket handler's unhandled exception goes besides the log: the in-process test
client registers its connection's client address here, so the test sees the handler's error
raised (as the release's client does) instead of only a 500 or a 1011 close."""

from __future__ import annotations

from typing import Any

#: client address ``(host, port)`` → the exceptions of that connection's handler.
sinks: dict[tuple[str, int], list[BaseException]] = {}


def report_unhandled(websocket: Any, exc: BaseException) -> None:
    if not sinks:
        return  # no test client listening: the server's case
    sink = sinks.get(websocket.client)
    if sink is not None:
        sink.append(exc)
