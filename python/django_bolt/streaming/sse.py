"""Server-Sent Events: ``ServerSentEvent`` and its ``text/event-stream`` wire form."""

from __future__ import annotations

from typing import Any

import msgspec

from .. import _json


def _no_line_breaks(field: str, value: str) -> None:
    # A line break would end the field early and let the rest inject other fields.
    if "\n" in value or "\r" in value or "\0" in value:
        raise ValueError(f"SSE '{field}' must not contain null characters or line breaks")


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
            raise ValueError("Cannot set both 'data' (JSON-encoded) and 'raw_data' (text)")
        if self.event is not None:
            _no_line_breaks("event", self.event)
        if self.id is not None:
            _no_line_breaks("id", self.id)
        if self.retry is not None and (not isinstance(self.retry, int) or self.retry < 0):
            raise ValueError("SSE 'retry' must be a non-negative integer (milliseconds)")


def format_sse_event(
    *,
    data_str: str | None = None,
    data_bytes: bytes | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """One event in ``text/event-stream`` form from already serialized data (``data_str``, or
    ``data_bytes`` when it is encoded already). Each line of a multi-line data or comment gets
    its own field line; fields come in the order comment, event, data, id, retry; the block
    ends with a blank line (an event with no field is just that blank line)."""
    if data_str is not None and data_bytes is not None:
        raise ValueError("Cannot set both 'data_str' and 'data_bytes'")
    if event is not None:
        _no_line_breaks("event", event)
    if id is not None:
        _no_line_breaks("id", id)
    out = bytearray()
    if comment is not None:
        for line in comment.splitlines() or [""]:
            out += b": " + line.encode() + b"\n"
    if event is not None:
        out += b"event: " + event.encode() + b"\n"
    if data_bytes is not None:
        data_str = data_bytes.decode()
    if data_str is not None:
        for line in data_str.splitlines() or [""]:
            out += b"data: " + line.encode() + b"\n"
    if id is not None:
        out += b"id: " + id.encode() + b"\n"
    if retry is not None:
        out += b"retry: " + str(int(retry)).encode() + b"\n"
    out += b"\n"
    return bytes(out)


def encode_event(event: ServerSentEvent) -> bytes:
    if event.data is not None:
        # JSON never contains a line break (msgspec escapes them in strings), so it is one
        # `data:` line as it is: splitting it would also break it at U+2028/U+0085, which
        # `str.splitlines` treats as line ends but SSE does not, corrupting the JSON.
        payload = _json.encode(event.data)
        if event.event is None and event.id is None and event.retry is None and event.comment is None:
            return b"data: " + payload + b"\n\n"
        head = format_sse_event(event=event.event, comment=event.comment)[:-1]
        tail = format_sse_event(id=event.id, retry=event.retry)
        return head + b"data: " + payload + b"\n" + tail
    return format_sse_event(
        data_str=event.raw_data, event=event.event, id=event.id, retry=event.retry, comment=event.comment
    )


def encode_sse_chunk(chunk: Any) -> bytes:
    """What an ``EventSourceResponse`` iterator yields, on the wire: bytes and str as they are,
    a ``ServerSentEvent`` framed, anything else as one JSON ``data:`` event."""
    if type(chunk) is ServerSentEvent:  # the usual chunk, checked first
        return encode_event(chunk)
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    if isinstance(chunk, ServerSentEvent):
        return encode_event(chunk)
    return b"data: " + _json.encode(chunk) + b"\n\n"
