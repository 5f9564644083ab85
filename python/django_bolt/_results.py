"""What a handler's return annotation asks of its results (the route has no ``response_model``).

``-> Item`` / ``-> list[Item]``: results are validated against the type, as with
``response_model=`` (a mismatch is a 500 "Response validation error"); plain containers and
scalars (``dict``, ``list``, ``str``...), ``Any`` and response classes are not checked.
``-> AsyncIterator[Item]`` (or ``Iterator``, ``Generator``, ``AsyncIterable``...): a returned
iterator is streamed, one JSON line per item (``application/x-ndjson``, each item validated);
with ``str``/``bytes`` items, or no item type, the chunks are sent as they are.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from . import _json
from .exceptions import ResponseValidationError

NDJSON = "application/x-ndjson"
#: Types a result is not checked against (as the release: containers and scalars as they are).
_NOT_CHECKED: tuple[Any, ...] = (dict, list, str, int, float, bool, bytes, bytearray, type(None), Any, object)
#: Stream items written as they are, not as JSON lines.
_RAW_CHUNKS = (bytes, bytearray, memoryview, str)
_STREAM_ORIGINS = {
    collections.abc.AsyncIterable,
    collections.abc.AsyncIterator,
    collections.abc.AsyncGenerator,
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Generator,
}
#: No body: a ``None`` result of such a route is sent empty, not checked against its type.
NO_BODY_STATUSES = frozenset({204, 205, 304})


def return_annotation(handler: Callable[..., Any]) -> Any:
    """The handler's resolved return annotation; None when it has none or it cannot be resolved."""
    try:
        return typing.get_type_hints(handler).get("return")
    except Exception:  # noqa: BLE001 - a forward reference that does not resolve: nothing to check
        return None


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def stream_item(annotation: Any) -> tuple[bool, Any]:
    """``(True, item type or None)`` for an iterator annotation (also inside ``X | None``)."""
    if annotation in _STREAM_ORIGINS:
        return True, None
    if _is_union(annotation):
        for arg in typing.get_args(annotation):
            found = stream_item(arg)
            if found[0]:
                return found
        return False, None
    if typing.get_origin(annotation) in _STREAM_ORIGINS:
        args = typing.get_args(annotation)
        return True, (args[0] if args else None)
    return False, None


def _is_response_class(tp: Any) -> bool:
    from django.http.response import HttpResponseBase

    from .responses import Response

    return isinstance(tp, type) and issubclass(tp, (Response, HttpResponseBase))


def _describable(tp: Any) -> bool:
    """msgspec can convert to ``tp`` (no class it does not know anywhere inside)."""
    try:
        info = msgspec.inspect.type_info(tp)
    except (TypeError, ValueError):
        return False
    pending, seen = [info], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, msgspec.inspect.CustomType):
            return False
        for slot in getattr(type(node), "__struct_fields__", ()):
            pending.extend(_children(getattr(node, slot)))
    return True


def _children(value: Any) -> list[Any]:
    if isinstance(value, msgspec.inspect.Type):
        return [value]
    if isinstance(value, msgspec.inspect.Field):
        return [value.type]
    if isinstance(value, tuple):
        return [v for item in value for v in _children(item)]
    return []


def checked_type(annotation: Any) -> Any:
    """The type results are validated against, or None (nothing to check, or a type msgspec
    cannot convert to: such an annotation documents, it does not validate)."""
    if annotation is None or isinstance(annotation, (str, typing.TypeVar)):
        return None
    if _is_union(annotation):
        kept = tuple(a for a in typing.get_args(annotation) if not _is_response_class(a))
        if all(a in _NOT_CHECKED for a in kept):
            return None
        annotation = typing.Union[kept] if len(kept) > 1 else kept[0]  # noqa: UP007 - built at runtime
    if annotation in _NOT_CHECKED or _is_response_class(annotation):
        return None
    return annotation if _describable(annotation) else None


def _mentions_serializer(tp: Any) -> bool:
    from .serializers.base import Serializer

    if isinstance(tp, type) and issubclass(tp, Serializer):
        return True
    return any(_mentions_serializer(arg) for arg in typing.get_args(tp))


def _output_form(value: Any) -> Any:
    """A serializer without its write-only fields (``dump()``), its tag kept as msgspec writes it."""
    from .serializers.base import Serializer

    if isinstance(value, list):
        return [_output_form(item) for item in value]
    if not isinstance(value, Serializer):
        return value
    out = value.dump()
    config = value.__struct_config__
    if config.tag_field is not None and config.tag is not None:
        out = {config.tag_field: config.tag, **out}
    return out


def checked_shape(annotation: Any) -> Callable[[Any], Any] | None:
    """The shape of a route annotated ``annotation`` (see ``checked_type``); serializers among
    the union members it converts to are sent in their output form (no write-only fields)."""
    from ._compile import response_shaper

    checked = checked_type(annotation)
    if checked is None:
        return None
    shape = response_shaper(checked)
    if not _mentions_serializer(checked):
        return shape

    def shape_to_output(result: Any) -> Any:
        return _output_form(shape(result))

    return shape_to_output


def passes_none(shape: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``shape`` for a route whose status has no body: a ``None`` result stays ``None``."""

    def shape_unless_none(result: Any) -> Any:
        return None if result is None else shape(result)

    return shape_unless_none


def _is_stream(result: Any) -> bool:
    from .responses import Response

    if isinstance(result, (str, bytes, bytearray, memoryview, dict, list, tuple, set, frozenset, Response)):
        return False
    if hasattr(result, "_iterable_class") and hasattr(result, "model"):  # a QuerySet: rows, not a stream
        return False
    return hasattr(result, "__aiter__") or hasattr(result, "__next__")


def _item_encoder(item_type: Any, validate: bool) -> Callable[[Any], Any]:
    from ._compile import _msgspec_error
    from .serializers.base import Serializer

    check = validate and checked_type(item_type) is not None

    def encode(item: Any) -> Any:
        if isinstance(item, _RAW_CHUNKS):
            return item
        if check:
            try:
                item = msgspec.convert(item, item_type, from_attributes=True)
            except msgspec.ValidationError as exc:
                raise ResponseValidationError([_msgspec_error(exc, ["response"])]) from None
        if isinstance(item, Serializer):
            item = item.dump()  # its output form: no write-only fields
        return _json.encode(item) + b"\n"

    return encode


async def _async_lines(items: Any, encode: Callable[[Any], Any]) -> Any:
    try:
        async for item in items:
            yield encode(item)
    finally:
        # Closed early (the client went away): the handler's iterator runs its finally blocks.
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()


def _lines(items: Any, encode: Callable[[Any], Any]) -> Any:
    try:
        for item in items:
            yield encode(item)
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def streaming_handler(
    handler: Callable[..., Any], is_async: bool, item_type: Any, status_code: int, validate: bool
) -> Callable[..., Any]:
    """``handler`` whose iterator results are sent as a ``StreamingResponse`` (JSON lines for a
    typed item); other results pass through."""
    from .responses import StreamingResponse

    typed = item_type is not None and item_type not in _RAW_CHUNKS
    encode = _item_encoder(item_type, validate) if typed else None

    def to_stream(result: Any) -> Any:
        if not _is_stream(result):
            return result
        if encode is None:
            return StreamingResponse(result, status_code=status_code)
        lines = _async_lines(result, encode) if hasattr(result, "__aiter__") else _lines(result, encode)
        return StreamingResponse(lines, status_code=status_code, media_type=NDJSON)

    return converting_results(handler, is_async, to_stream)


def converting_results(
    handler: Callable[..., Any], is_async: bool, convert: Callable[[Any], Any]
) -> Callable[..., Any]:
    """``handler`` (sync or async, as it is) whose result goes through ``convert``."""
    import functools

    if is_async:

        @functools.wraps(handler)
        async def converted(*args: Any, **kwargs: Any) -> Any:
            return convert(await handler(*args, **kwargs))

        return converted

    @functools.wraps(handler)
    def converted_sync(*args: Any, **kwargs: Any) -> Any:
        return convert(handler(*args, **kwargs))

    return converted_sync


def shaped_response(response: Any, shape: Callable[[Any], Any], status_code: int) -> Any:
    """A ``Response``/``JSON`` a handler returns with its route's status carries the body the
    route's type describes: its data is checked (and put in output form) like a plain result.
    Other statuses carry other bodies (a 400's field errors), and text or bytes are sent as given."""
    from .responses import JSON, Response

    if type(response) not in (Response, JSON) or response.status_code != status_code:
        return response
    content = response.content
    if content is None or isinstance(content, (str, bytes, bytearray, memoryview)):
        return response
    response.content = shape(content)
    return response


NONE_RESULT = "the handler returned None: return the response body, or declare a status without one (status_code=204)"


def stream_result(result: Any, status_code: int) -> Any:
    """A generator a handler returns (sync or async) is streamed: its chunks as they come."""
    from .responses import StreamingResponse

    return StreamingResponse(result, status_code=status_code)


__all__ = [
    "NDJSON",
    "NONE_RESULT",
    "NO_BODY_STATUSES",
    "checked_shape",
    "checked_type",
    "converting_results",
    "passes_none",
    "shaped_response",
    "stream_result",
    "return_annotation",
    "stream_item",
    "streaming_handler",
]
