"""A handler result as the bytes a client receives, outside a request.

``serialize_response(result)`` (async) and ``serialize_response_sync(result)`` answer with the
same conversion the server applies to what a handler returns (a dict, a ``Response``, a
``(status, body)`` tuple...), through an in-process request: ``SerializedResponse(status_code,
headers, media_type, body)``. ``meta`` (optional) gives the route options the conversion
depends on: ``default_status_code`` and ``response_model``. Meant for tests and tools; the
server does not call them.

The release's module of the same name returns its own internal tuple for its Rust core; these
names exist so code importing them works, with this project's result (see
``docs/compatibility.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

#: The keys ``meta`` may carry, with their defaults; the release's other keys are accepted and
#: have no effect here (its conversion plan is internal to it).
_META_DEFAULTS: dict[str, Any] = {"default_status_code": 200, "response_model": None, "validate_response": True}


class SerializedResponse(NamedTuple):
    status_code: int
    #: Every header as sent, in order (``set-cookie`` once per cookie), names in lower case.
    headers: list[tuple[str, str]]
    media_type: str | None
    body: bytes


def compile_response_handlers(meta: dict[str, Any]) -> dict[str, Any]:
    """Fills ``meta`` with the defaults of the options ``serialize_response`` reads and checks
    them; returns ``meta``."""
    if not isinstance(meta, dict):
        raise TypeError(f"compile_response_handlers() takes a dict of route options, not {type(meta).__name__}")
    for key, default in _META_DEFAULTS.items():
        if meta.get(key) is None:
            meta[key] = default
    status = meta["default_status_code"]
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"default_status_code must be an HTTP status (100-599), not {status!r}")
    return meta


def _render_api(result: Any, meta: Mapping[str, Any] | None) -> Any:
    from .api import BoltAPI
    from .openapi import OpenAPIConfig

    options = compile_response_handlers(dict(meta or {}))
    api = BoltAPI(
        openapi_config=OpenAPIConfig(title="serialization", version="0", enabled=False),
        validate_response=bool(options["validate_response"]),
    )

    async def render() -> Any:
        return result

    api.get("/", status_code=options["default_status_code"], response_model=options["response_model"])(render)
    return api


def _serialized(response: Any) -> SerializedResponse:
    headers = [(k.lower(), v) for k, v in response.headers.multi_items()]
    media_type = response.headers.get("content-type")
    return SerializedResponse(response.status_code, headers, media_type, response.content)


def serialize_response_sync(result: Any, meta: Mapping[str, Any] | None = None) -> SerializedResponse:
    """``result`` converted as the server converts a handler's return value."""
    from .testing import TestClient

    with TestClient(_render_api(result, meta), raise_server_exceptions=False, follow_redirects=False) as client:
        return _serialized(client.get("/"))


async def serialize_response(result: Any, meta: Mapping[str, Any] | None = None) -> SerializedResponse:
    """``serialize_response_sync`` for async code."""
    from .testing import AsyncTestClient

    async with AsyncTestClient(
        _render_api(result, meta), raise_server_exceptions=False, follow_redirects=False
    ) as client:
        return _serialized(await client.get("/"))


def _serializer_values_path_eligible(serializer: Any) -> bool:
    """Whether querysets answered through ``serializer`` may be read with ``values_list()``
    instead of model instances (the release's name; ours also requires every field to be a
    column of the queryset's model, checked per model)."""
    from .serializers.base import Serializer, values_path_possible

    return isinstance(serializer, type) and issubclass(serializer, Serializer) and values_path_possible(serializer)


def _compile_serializer_values_evaluators(serializer: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """``(evaluate_sync, evaluate_async)``: a queryset as the list of output dicts the server
    sends for a route answering ``list[serializer]`` (the release's name): ``values_list()``
    rows when every field is a column, else model instances loaded by the serializer's plan."""
    return serializer.dump_many, serializer.adump_many


def _serialize_kind(result: Any, expected: type) -> SerializedResponse:
    if not isinstance(result, expected):
        raise TypeError(f"expected a {expected.__name__}, not {type(result).__name__}")
    return serialize_response_sync(result)


def is_response_instance(value: Any) -> bool:
    """Whether the server sends ``value`` as the response it describes (a ``Response`` of any kind,
    or a Django ``HttpResponseBase``) rather than encoding it as the body."""
    from django.http.response import HttpResponseBase

    from .responses import Response

    return isinstance(value, (Response, HttpResponseBase))


def _json_meta(result: Any, meta: Mapping[str, Any] | None, status_code: int | None) -> dict[str, Any]:
    if is_response_instance(result):
        raise TypeError(f"serialize_json_data() takes data to encode, not a {type(result).__name__}")
    options = dict(meta or {})
    if status_code is not None:
        options["default_status_code"] = status_code
    return options


def serialize_json_data_sync(
    result: Any, meta: Mapping[str, Any] | None = None, *, status_code: int | None = None
) -> SerializedResponse:
    """Data (dict, list, Struct...) as the JSON answer a handler returning it gets; ``status_code``
    replaces the route's default status."""
    return serialize_response_sync(result, _json_meta(result, meta, status_code))


async def serialize_json_data(
    result: Any, meta: Mapping[str, Any] | None = None, *, status_code: int | None = None
) -> SerializedResponse:
    """``serialize_json_data_sync`` for async code."""
    return await serialize_response(result, _json_meta(result, meta, status_code))


def serialize_django_response(response: Any) -> SerializedResponse:
    """A Django ``HttpResponseBase`` as the server sends it when a handler returns it."""
    from django.http.response import HttpResponseBase

    return _serialize_kind(response, HttpResponseBase)


def serialize_file_response(response: Any) -> SerializedResponse:
    """A ``File`` (read into memory) as the server sends it."""
    from .responses import File

    return _serialize_kind(response, File)


def serialize_file_streaming_response(response: Any) -> SerializedResponse:
    """A ``FileResponse`` (streamed from disk) as the server sends it, body read whole."""
    from .responses import FileResponse

    return _serialize_kind(response, FileResponse)


def serialize_plaintext_response(response: Any) -> SerializedResponse:
    from .responses import PlainText

    return _serialize_kind(response, PlainText)


def serialize_html_response(response: Any) -> SerializedResponse:
    from .responses import HTML

    return _serialize_kind(response, HTML)


def serialize_redirect_response(response: Any) -> SerializedResponse:
    from .responses import Redirect

    return _serialize_kind(response, Redirect)


__all__ = [
    "SerializedResponse",
    "compile_response_handlers",
    "is_response_instance",
    "serialize_django_response",
    "serialize_file_response",
    "serialize_file_streaming_response",
    "serialize_html_response",
    "serialize_json_data",
    "serialize_json_data_sync",
    "serialize_plaintext_response",
    "serialize_redirect_response",
    "serialize_response",
    "serialize_response_sync",
]
