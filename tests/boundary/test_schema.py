"""The records Python hands Rust (``django_bolt._schema``) and the Rust structs reading them
(``src/python/schema/``) declare the same keys, and a record that does not match is refused with
the record and key named."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from django_bolt import BoltAPI, Response, _core
from django_bolt._runtime import runtime
from django_bolt._schema import RECORDS
from django_bolt.auth import JWTAuthentication, Requires
from django_bolt.conf import BoltConfig
from django_bolt.middleware import cors, rate_limit, skip_middleware
from django_bolt.middleware.compression import CompressionConfig
from django_bolt.params import Depends, File, Header, Query


def test_python_and_rust_declare_the_same_records_and_keys():
    rust = {name: (sorted(required), sorted(optional)) for name, (required, optional) in _core.record_keys().items()}
    python = {
        name: (sorted(cls.__required_keys__), sorted(cls.__optional_keys__))  # type: ignore[attr-defined]
        for name, cls in RECORDS.items()
    }
    assert rust == python


class Item(msgspec.Struct):
    name: str


def _full_api() -> BoltAPI:
    """Routes that use every record and optional key the producers emit."""
    api = BoltAPI(compression=CompressionConfig(backend="gzip"))
    jwt = JWTAuthentication(secret="s" * 32)

    def dep(request) -> int:
        return 1

    @api.post("/items/{item_id}", auth=[jwt], guards=[Requires("roles", "a")])
    @cors(origins=["https://a.example"], max_age=None)
    @rate_limit(rps=5, key="user")
    async def create(
        item_id: int,
        item: Item,
        q: Annotated[str, Query(min_length=1, max_length=5, pattern="^[a-z]+$")] = "a",
        n: Annotated[float, Query(gt=0, le=10)] = 1.0,
        x_token: Annotated[str | None, Header()] = None,
        value: int = Depends(dep),
    ) -> dict:
        return {}

    @api.post("/upload")
    @skip_middleware("compression")
    async def upload(f: Annotated[Any, File(max_size=10, min_size=1, allowed_types=["text/plain"], max_files=2)]):
        return {}

    @api.websocket("/ws")
    async def ws(websocket):
        await websocket.accept()

    api.static("/s", Response(b"x"))
    return api


def _records(api: BoltAPI) -> tuple[list[Any], Any, Any, Any]:
    config = BoltConfig.build(cors_allowed_origins=["https://b.example"], trusted_proxies=["10.0.0.0/8"])
    routes = [api._compile_route(r, config) for r in api.routes]
    return routes, runtime(), config.server_dict(), api.compression.to_dict()


def test_every_producer_emits_only_declared_keys():
    # Rust refuses undeclared keys, so compiling routes that use every option proves the producers
    # (api, _compile, auth, middleware decorators, conf, _runtime) and the records agree.
    routes, refs, server, compression = _records(_full_api())
    app = _core.App(routes, refs, server, "strip", compression=compression)
    assert app.route_count == 4


def _refused(routes, refs, server, compression=None) -> str:
    with pytest.raises(ValueError) as refused:
        _core.App(routes, refs, server, "strip", compression=compression)
    return str(refused.value)


def test_unknown_key_is_refused_with_record_and_key_named():
    routes, refs, server, compression = _records(_full_api())
    routes[0]["bogus"] = 1
    message = _refused(routes, refs, server)
    assert "route record routes[0] (POST /items/{item_id})" in message
    assert 'RouteRecord has no key "bogus"' in message


def test_missing_key_is_named():
    routes, refs, server, _ = _records(_full_api())
    del routes[1]["status_code"]
    assert 'RouteRecord is missing the key "status_code"' in _refused(routes, refs, server)
    routes, refs, server, _ = _records(_full_api())
    del server["max_headers"]
    assert "invalid server config" in _refused(routes, refs, server)


def test_nested_record_errors_name_the_path_to_the_key():
    routes, refs, server, _ = _records(_full_api())
    routes[0]["params"][2]["min_length"] = "five"
    message = _refused(routes, refs, server)
    assert "at RouteRecord.params[2].min_length:" in message, message

    routes, refs, server, _ = _records(_full_api())
    routes[0]["auth"]["guards"][0]["extra"] = True
    assert 'at RouteRecord.auth.guards[0]: ValueError: GuardRecord has no key "extra"' in _refused(routes, refs, server)

    routes, refs, server, _ = _records(_full_api())
    server["cors"]["max_age"] = "soon"
    assert "invalid server config at ServerConfigRecord.cors.max_age:" in _refused(routes, refs, server)

    routes, refs, server, compression = _records(_full_api())
    del compression["zstd_level"]
    assert 'CompressionRecord is missing the key "zstd_level"' in _refused(routes, refs, server, compression)

    routes, refs, server, _ = _records(_full_api())
    refs["locked_loop"] = {"loop": None}
    assert "invalid runtime at RuntimeRecord.locked_loop" in _refused(routes, refs, server)


def test_invalid_values_name_the_route_and_key():
    routes, refs, server, _ = _records(_full_api())
    routes[0]["params"][0]["source"] = "moon"
    message = _refused(routes, refs, server)
    assert 'POST /items/{item_id}: ParamRecord.source: unknown parameter source "moon"' in message


def test_invalid_settings_name_where_they_come_from():
    routes, refs, server, _ = _records(_full_api())
    server["cors"]["origin_regexes"] = ["("]
    assert "settings: CorsRecord.origin_regexes: CORS origin regex" in _refused(routes, refs, server)
    routes, refs, server, _ = _records(_full_api())
    server["trusted_proxies"] = ["not an address"]
    assert "server config: ServerConfigRecord.trusted_proxies:" in _refused(routes, refs, server)


def test_unknown_route_kind_is_refused():
    routes, refs, server, _ = _records(_full_api())
    routes[0]["kind"] = "ws"
    assert 'RouteRecord.kind: expected "http", "websocket" or "mount", not "ws"' in _refused(routes, refs, server)
