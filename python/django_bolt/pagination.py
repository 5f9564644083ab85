"""Pagination of querysets and lists: page numbers, limit/offset, and opaque cursors.

Each paginator's logic is written once, as a generator that asks for the two things that touch
the database (a count, the rows of a slice); ``paginate`` answers them with the sync ORM and
``apaginate`` with the async one (``acount``, async iteration), so sync and async handlers page
the same way.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import functools
import inspect
import uuid
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

import msgspec

from .exceptions import HTTPException

T = TypeVar("T")


class PaginatedResponse(msgspec.Struct, Generic[T], omit_defaults=True):
    """The envelope of one page. ``items``, ``total``, ``has_next`` and ``has_previous`` are
    always present; the other keys only for the scheme that sets them."""

    items: list[T]
    total: int
    has_next: bool
    has_previous: bool
    page: int | None = None
    page_size: int | None = None
    total_pages: int | None = None
    next_page: int | None = None
    previous_page: int | None = None
    limit: int | None = None
    offset: int | None = None
    next_cursor: str | None = None
    previous_cursor: str | None = None


def _query(request: Any) -> dict[str, str]:
    if request is None:
        return {}
    if isinstance(request, dict):  # the release's request-dict form
        return request.get("query", {}) or {}
    return request.query


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _is_queryset(value: Any) -> bool:
    return hasattr(value, "_iterable_class") and hasattr(value, "model")


#: A paginator step asks for ("count", source) or ("fetch", source slice) and gets the answer.
_Steps = Generator[tuple[str, Any], Any, Any]


class PaginationBase:
    """Base of the paginators. Subclasses implement ``_steps(source, query)``."""

    page_size: int = 100
    max_page_size: int = 1000
    #: Query parameter that overrides ``page_size`` (capped at ``max_page_size``); None: fixed.
    page_size_query_param: str | None = None
    #: Item serializer (set by views and ``@paginate`` from the route's serializer).
    serializer_class: type | None = None
    #: Generic envelope type taking the item type (``response_class[Item]``).
    response_class: type = PaginatedResponse

    def __init__(self, serializer_class: type | None = None) -> None:
        if serializer_class is not None:
            self.serializer_class = serializer_class
        self._build: Any = None

    def build_response(
        self, items: list[Any], *, total: int, request: Any, has_next: bool, has_previous: bool, **info: Any
    ) -> Any:
        """The envelope of one page; override (with ``response_class``) for another shape."""
        return self.response_class(items=items, total=total, has_next=has_next, has_previous=has_previous, **info)

    def _get_page_size(self, query: dict[str, str]) -> int:
        size = self.page_size
        if self.page_size_query_param and self.page_size_query_param in query:
            asked = _int(query[self.page_size_query_param], self.page_size)
            size = asked if asked >= 1 else self.page_size
        return min(size, self.max_page_size)

    def _steps(self, source: Any, query: dict[str, str]) -> _Steps:  # pragma: no cover - abstract
        raise NotImplementedError

    #: The scheme reads nothing from the rows themselves (the cursor scheme reads its keys).
    _rows_opaque = True

    def _prepare(self, source: Any) -> Any:
        serializer = self.serializer_class
        self._build = None
        if _is_queryset(source) and serializer is not None and hasattr(serializer, "prepare_queryset"):
            if self._rows_opaque:
                from .serializers.base import values_queryset

                fast = values_queryset(serializer, source)
                if fast is not None:
                    # Columns only: each row tuple is built straight into its output dict.
                    source, self._build = fast
                    return source
            return serializer.prepare_queryset(source)
        return source

    def _items(self, rows: list[Any]) -> list[Any]:
        if self._build is not None:
            build = self._build
            return [build(row) for row in rows]
        serializer = self.serializer_class
        if serializer is not None and hasattr(serializer, "dump_many"):
            return serializer.dump_many(rows)
        return rows

    def paginate(self, source: Any, request: Any) -> Any:
        """One page of ``source`` (a queryset or a list) for ``request``'s query parameters."""
        steps = self._steps(self._prepare(source), _query(request))
        answer: Any = None
        try:
            while True:
                kind, value = steps.send(answer)
                if kind == "count":
                    answer = value.count() if _is_queryset(value) else len(value)
                else:
                    answer = list(value)
        except StopIteration as done:
            rows, info = done.value
        return self.build_response(self._items(rows), request=request, **info)

    async def apaginate(self, source: Any, request: Any) -> Any:
        """``paginate`` from async code: ``acount()`` and async iteration for querysets."""
        steps = self._steps(self._prepare(source), _query(request))
        answer: Any = None
        try:
            while True:
                kind, value = steps.send(answer)
                if kind == "count":
                    answer = await value.acount() if _is_queryset(value) else len(value)
                elif _is_queryset(value):
                    answer = [row async for row in value]
                else:
                    answer = list(value)
        except StopIteration as done:
            rows, info = done.value
        return self.build_response(self._items(rows), request=request, **info)

    async def paginate_queryset(self, queryset: Any, request: Any, **params: Any) -> Any:
        """The release's name for ``apaginate``."""
        return await self.apaginate(queryset, request)


class PageNumberPagination(PaginationBase):
    """``?page=2&page_size=20``. A page past the last one is the last page; a page below 1 (or
    not a number) is the first."""

    page_size_query_param: str | None = "page_size"
    page_query_param: str = "page"
    #: The envelope keys this scheme writes besides items/total/has_next/has_previous (the
    #: OpenAPI document lists them).
    envelope_keys: tuple[str, ...] = ("page", "page_size", "total_pages", "next_page", "previous_page")

    def _steps(self, source: Any, query: dict[str, str]) -> _Steps:
        size = self._get_page_size(query)
        page = max(_int(query.get(self.page_query_param, 1), 1), 1)
        total = yield ("count", source)
        pages = (total + size - 1) // size
        page = min(page, pages) if pages else 1
        rows = yield ("fetch", source[(page - 1) * size : page * size])
        return rows, {
            "total": total,
            "has_next": page < pages,
            "has_previous": page > 1,
            "page": page,
            "page_size": size,
            "total_pages": pages,
            "next_page": page + 1 if page < pages else None,
            "previous_page": page - 1 if page > 1 else None,
        }


class LimitOffsetPagination(PaginationBase):
    """``?limit=20&offset=40``; ``limit`` defaults to ``page_size`` and is capped at
    ``max_page_size``."""

    limit_query_param: str = "limit"
    offset_query_param: str = "offset"
    envelope_keys: tuple[str, ...] = ("limit", "offset")

    def _steps(self, source: Any, query: dict[str, str]) -> _Steps:
        limit = _int(query.get(self.limit_query_param), self.page_size)
        limit = min(limit if limit >= 1 else self.page_size, self.max_page_size)
        offset = max(_int(query.get(self.offset_query_param, 0), 0), 0)
        total = yield ("count", source)
        # Past the end nothing is fetched (a huge offset would not even fit the SQL OFFSET).
        rows = (yield ("fetch", source[offset : offset + limit])) if offset < total else []
        return rows, {
            "total": total,
            "has_next": offset + limit < total,
            "has_previous": offset > 0,
            "limit": limit,
            "offset": offset,
        }


class CursorPagination(PaginationBase):
    """``?cursor=...&page_size=20``: keyset pagination, stable while rows are inserted.

    ``ordering`` is a field or a list of fields (``"-created"``, ``["-score", "name"]``); the
    primary key is added as the last key when the ordering does not end with a unique field, so
    rows with equal values are never skipped or repeated. The cursor is opaque (the last row's
    ordering values) and goes both ways (``next_cursor``, ``previous_cursor``). ``total`` is 0: a
    count is what this scheme avoids. Ordering fields must not be null.
    """

    page_size_query_param: str | None = "page_size"
    cursor_query_param: str = "cursor"
    envelope_keys: tuple[str, ...] = ("page_size", "next_cursor", "previous_cursor")
    _rows_opaque = False
    ordering: str | list[str] | tuple[str, ...] = "-id"

    def _keys(self, model: Any) -> list[tuple[str, bool]]:
        ordering = [self.ordering] if isinstance(self.ordering, str) else list(self.ordering)
        keys = [(o.lstrip("-"), o.startswith("-")) for o in ordering]
        last = keys[-1][0] if keys else None
        unique = False
        if model is not None and last is not None:
            name = model._meta.pk.name if last == "pk" else last
            try:
                unique = model._meta.get_field(name).unique
            except Exception:  # noqa: BLE001 - a related path or annotation: not known to be unique
                unique = False
        if not unique and model is not None:
            keys.append(("pk", keys[-1][1] if keys else False))
        return keys

    def _encode(self, values: list[Any], reverse: bool) -> str:
        raw = msgspec.json.encode({"v": [_plain(v) for v in values], "r": reverse})
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode(self, cursor: str, count: int) -> tuple[list[Any], bool]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = msgspec.json.decode(raw)
            values, reverse = data["v"], data.get("r", False)
            if not isinstance(values, list) or len(values) != count or not isinstance(reverse, bool):
                raise ValueError
            return values, reverse
        except (binascii.Error, ValueError, TypeError, KeyError, msgspec.DecodeError):
            raise HTTPException(400, "Invalid cursor") from None

    def _steps(self, source: Any, query: dict[str, str]) -> _Steps:
        size = self._get_page_size(query)
        cursor = query.get(self.cursor_query_param)
        if not _is_queryset(source):
            return (yield from self._list_steps(list(source), size, cursor))
        from django.db.models import Q

        keys = self._keys(source.model)
        values, reverse = self._decode(cursor, len(keys)) if cursor else ([], False)
        qs = source.order_by(*[("-" if desc != reverse else "") + name for name, desc in keys])
        if values:
            # (k1 after v1) or (k1 = v1 and k2 after v2) or ...: the rows after the cursor row.
            typed = [_field_value(source.model, name, value) for (name, _), value in zip(keys, values, strict=True)]
            condition = Q()
            for i, (name, desc) in enumerate(keys):
                after = "lt" if desc != reverse else "gt"
                term = Q(**{f"{name}__{after}": typed[i]})
                for j in range(i):
                    term &= Q(**{keys[j][0]: typed[j]})
                condition |= term
            qs = qs.filter(condition)
        rows = yield ("fetch", qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        has_next = more if not reverse else True
        has_previous = bool(values) if not reverse else more
        first = [_attr(rows[0], name) for name, _ in keys] if rows else None
        last = [_attr(rows[-1], name) for name, _ in keys] if rows else None
        return rows, {
            "total": 0,
            "has_next": has_next and last is not None,
            "has_previous": has_previous and first is not None,
            "page_size": size,
            "next_cursor": self._encode(last, False) if has_next and last is not None else None,
            "previous_cursor": self._encode(first, True) if has_previous and first is not None else None,
        }

    def _list_steps(self, items: list[Any], size: int, cursor: str | None) -> _Steps:
        # A list has no keys to seek on: its cursor is an offset (still opaque to clients).
        offset = 0
        if cursor:
            (offset,), _ = self._decode(cursor, 1)
            if not isinstance(offset, int) or offset < 0:
                raise HTTPException(400, "Invalid cursor")
        rows = yield ("fetch", items[offset : offset + size])
        has_next = offset + size < len(items)
        return rows, {
            "total": 0,
            "has_next": has_next,
            "has_previous": offset > 0,
            "page_size": size,
            "next_cursor": self._encode([offset + size], False) if has_next else None,
            "previous_cursor": self._encode([max(offset - size, 0)], False) if offset > 0 else None,
        }


def _attr(row: Any, name: str) -> Any:
    if isinstance(row, dict):
        return row.get(name)
    return getattr(row, name)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def _field_value(model: Any, name: str, value: Any) -> Any:
    """A cursor value back in the field's Python type (a bad one is the client's 400)."""
    from django.core.exceptions import FieldDoesNotExist, ValidationError

    try:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        return field.to_python(value)
    except FieldDoesNotExist:
        return value
    except (ValidationError, TypeError, ValueError):
        raise HTTPException(400, "Invalid cursor") from None


# ---------------------------------------------------------------- @paginate


def paginate(pagination_class: type[PaginationBase] = PageNumberPagination) -> Callable[[Any], Any]:
    """The handler returns a queryset or list; the route answers one page of it in the
    paginator's envelope. With ``response_model=list[S]`` on the route, items are dumped by the
    serializer ``S`` (loading the relations it needs). The handler may take ``request`` or not."""

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        from .request import Request

        signature = inspect.signature(handler)
        takes_request = "request" in signature.parameters
        # Rust passes arguments positionally unless they are keyword-only.
        position = list(signature.parameters).index("request") if takes_request else -1

        def request_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            if not takes_request:
                return kwargs.pop("request")
            return kwargs["request"] if "request" in kwargs else args[position]

        parameters = list(signature.parameters.values())
        if not takes_request:
            extra = inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
            var_kw = next((i for i, p in enumerate(parameters) if p.kind is inspect.Parameter.VAR_KEYWORD), None)
            parameters.insert(len(parameters) if var_kw is None else var_kw, extra)

        def bind(serializer: type | None) -> Callable[..., Any]:
            if inspect.iscoroutinefunction(handler):

                @functools.wraps(handler)
                async def paged(*args: Any, **kwargs: Any) -> Any:
                    request = request_of(args, kwargs)
                    result = await handler(*args, **kwargs)
                    return await pagination_class(serializer).apaginate(result, request)

            else:

                @functools.wraps(handler)
                def paged(*args: Any, **kwargs: Any) -> Any:
                    request = request_of(args, kwargs)
                    result = handler(*args, **kwargs)
                    return pagination_class(serializer).paginate(result, request)

            paged.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
            paged.__annotations__ = {**getattr(handler, "__annotations__", {}), "request": Request}
            paged.__annotations__.pop("return", None)
            paged.__bolt_paginate__ = bind  # type: ignore[attr-defined]
            paged.__bolt_pagination_class__ = pagination_class  # type: ignore[attr-defined]
            paged.__bolt_paginated__ = handler  # type: ignore[attr-defined]
            return paged

        return bind(None)

    return decorator


def paginated_model(route: Any) -> Any:
    """The page's item type of a ``@paginate`` route: its ``response_model``, else the return
    annotation of the function it decorates (``-> list[S]``), else the function's
    ``response_model`` attribute (the release reads both)."""
    if route.response_model is not None:
        return route.response_model
    return paginated_return(route.handler)


def paginated_return(paged: Any) -> Any:
    import typing

    handler = getattr(paged, "__bolt_paginated__", None)
    if handler is None:
        return None
    try:
        hint = typing.get_type_hints(handler).get("return")
    except Exception:  # noqa: BLE001 - an unresolvable annotation names no serializer
        hint = None
    return hint if hint is not None else getattr(paged, "response_model", getattr(handler, "response_model", None))


class _StructItems:
    """Page items written by a plain ``msgspec.Struct`` class (attributes of the rows)."""

    def __init__(self, struct: type) -> None:
        self.struct = struct

    def dump_many(self, rows: Any) -> list[Any]:
        return [
            row if isinstance(row, (dict, self.struct)) else msgspec.convert(row, self.struct, from_attributes=True)
            for row in rows
        ]


def extract_pagination_item_type(response_type: Any) -> Any:
    """The item type ``T`` of a ``list[T]`` or ``PaginatedResponse[T]`` (or subclass) response
    model, else None: what a ``@paginate`` route's page items are written as."""
    import typing

    origin = typing.get_origin(response_type)
    args = typing.get_args(response_type)
    if not args:
        return None
    if origin is list or (isinstance(origin, type) and issubclass(origin, PaginatedResponse)):
        return args[0]
    return None


def paginated_item_serializer(response_model: Any) -> Any:
    """The serializer of a ``list[S]`` (or ``PaginatedResponse[S]``) response model, or None."""
    from .serializers.base import nested_of

    if response_model is None:
        return None
    item = extract_pagination_item_type(response_model)
    # A bare ``S`` (or another container of them) names its serializer too.
    serializer, _ = nested_of(response_model if item is None else item)
    if serializer is None and isinstance(item, type) and issubclass(item, msgspec.Struct):
        return _StructItems(item)
    return serializer


__all__ = [
    "PaginationBase",
    "PageNumberPagination",
    "LimitOffsetPagination",
    "CursorPagination",
    "PaginatedResponse",
    "extract_pagination_item_type",
    "paginate",
]
