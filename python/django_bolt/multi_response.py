"""``response_model={200: Item, 404: Error, ...: Problem}``: one response model per status.

The handler answers ``(status, body)``, a ``Response`` with its ``status_code``, or a bare body
(sent with the route's default status: ``status_code=`` when it is one of the keys, else the
lowest 2xx key, else the lowest key). A tuple's body is validated against the model of its
status (``...`` is the model of every other status; a status with neither is sent as it is);
``None`` as a model means no body (``{204: None}``). ``Response`` objects are sent as they are.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ._results import converting_results
from .concurrency import load_queryset
from .responses import JSON, Response


def is_multi_response(response_model: Any) -> bool:
    return isinstance(response_model, Mapping)


def check_status_models(models: Mapping[Any, Any]) -> dict[Any, Any]:
    """The models by status; refuses keys other than statuses and ``...``."""
    checked: dict[Any, Any] = {}
    for status, model in models.items():
        if status is not Ellipsis and (
            not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599
        ):
            raise ValueError(f"response_model keys must be HTTP statuses (100-599) or ..., not {status!r}")
        checked[status] = model
    if not any(status is not Ellipsis for status in checked):
        raise ValueError("response_model={...} needs at least one integer status code besides ...")
    return checked


def default_status(models: Mapping[Any, Any], declared: int) -> int:
    """The status of a bare body (see the module doc)."""
    codes = sorted(s for s in models if s is not Ellipsis)
    if declared in codes:
        return declared
    successes = [s for s in codes if 200 <= s < 300]
    return (successes or codes)[0]


def _body_shaper(model: Any, validate: bool) -> Callable[[Any], Any] | None:
    if model is None or not validate:
        return None
    from ._compile import response_shaper

    return response_shaper(model)


def status_responder(
    handler: Callable[..., Any], is_async: bool, models: Mapping[Any, Any], status: int, validate: bool
) -> Callable[..., Any]:
    """``handler`` answering as the module doc says."""
    shapers = {s: _body_shaper(m, validate) for s, m in models.items()}
    no_body = {s for s, m in models.items() if m is None}

    def answer(result: Any) -> Any:
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
            code, body = result
            key = code if code in models else (Ellipsis if Ellipsis in models else None)
            if key in no_body or (body is None and key is not None and models[key] is None):
                return Response(b"", status_code=code)
            shape = shapers.get(key) if key is not None else None
            return JSON(shape(body) if shape is not None else body, status_code=code)
        if isinstance(result, Response):
            return result
        if status in no_body:
            return Response(b"", status_code=status)
        shape = shapers.get(status)
        return shape(result) if shape is not None else result

    if is_async:

        @functools.wraps(handler)
        async def arespond(*args: Any, **kwargs: Any) -> Any:
            result = await handler(*args, **kwargs)
            # Shaped here, on the event loop: a lazy QuerySet's rows are loaded on the ORM pool.
            await load_queryset(result[1] if isinstance(result, tuple) and len(result) == 2 else result)
            return answer(result)

        return arespond

    return converting_results(handler, False, answer)


__all__ = ["check_status_models", "default_status", "is_multi_response", "status_responder"]
