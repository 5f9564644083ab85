"""Server-Sent Events: ``ServerSentEvent`` and its ``text/event-stream`` wire form."""

from __future__ import annotations

from typing import Any

import msgspec

from .. import _json


def _no_line_breaks(field: str, value: str) -> None:
    if "\n" in value or "\r" in value or "\0" in value:
        raise ValueError(f"SSE '{field}' must not contain line breaks or NUL characters")


class ServerSentEvent(msgspec.Struct, frozen=True):
    """One event. ``data`` is sent as JSON; ``raw_data`` as the given text.

    ``ServerSentEvent(data={"price": 1}, event="tick", id="7")``,
    ``ServerSentEvent(raw_data="plain text")``, ``ServerSentEvent(retry=5000)``,
    ``ServerSentEvent(comment="still here")``.
    """

    data: Any = None
    raw_data: str | None = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.data is not None and self.raw_data is not None:
            raise ValueError("set either 'data' (JSON-encoded) or 'raw_data' (text), not both")
        if self.event is not None:
            _no_line_breaks("event", self.event)
        if self.id is not None:
            _no_line_breaks("id", self.id)
        if self.retry is not None and (not isinstance(self.retry, int) or self.retry < 0):
            raise ValueError("SSE 'retry' must be a non-negative integer (milliseconds)")


def _field_lines(name: str, text: str) -> list[str]:
    # Each line of a multi-line value becomes its own field line, as the spec reassembles them.
    return [f"{name}: {line}" for line in (text.splitlines() or [""])]


def encode_event(event: ServerSentEvent) -> bytes:
    lines: list[str] = []
    if event.comment is not None:
        lines += [f": {line}" for line in (event.comment.splitlines() or [""])]
    if event.event is not None:
        lines.append(f"event: {event.event}")
    if event.id is not None:
        lines.append(f"id: {event.id}")
    if event.retry is not None:
        lines.append(f"retry: {event.retry}")
    if event.raw_data is not None:
        lines += _field_lines("data", event.raw_data)
    elif event.data is not None:
        lines += _field_lines("data", _json.encode(event.data).decode())
    return ("\n".join(lines) + "\n\n").encode()


def encode_sse_chunk(chunk: Any) -> bytes:
    """What an ``EventSourceResponse`` iterator yields, on the wire: bytes and str as they are,
    a ``ServerSentEvent`` framed, anything else as one JSON ``data:`` event."""
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    if isinstance(chunk, ServerSentEvent):
        return encode_event(chunk)
    return b"data: " + _json.encode(chunk) + b"\n\n"
