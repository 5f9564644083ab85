"""The release's route metadata, described from our compiled routes: ``__bolt_middleware__`` in
its list form (the form the compiler reads), ``BoltAPI._handler_middleware`` and the helpers of
``django_bolt.middleware.compiler``."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django_bolt import BoltAPI, Router, UploadFile
from django_bolt.auth import IsAuthenticated, JWTAuthentication
from django_bolt.middleware import compiler, cors, rate_limit, skip_middleware
from django_bolt.param_functions import File, Header
from django_bolt.testing import TestClient


def test_decorators_record_the_release_list_form():
    @rate_limit(rps=5)
    @cors(origins=["https://a.example"], max_age=60)
    @skip_middleware("compression")
    async def handler() -> dict:
        return {}

    assert [entry["type"] for entry in handler.__bolt_middleware__] == ["cors", "rate_limit"]
    assert handler.__bolt_middleware__[1] == {"type": "rate_limit", "rps": 5.0, "burst": 10.0, "key": "ip"}
    assert handler.__bolt_middleware__[0]["max_age"] == 60
    assert handler.__bolt_skip_middleware__ == {"compression"}


def test_a_rate_limit_written_in_the_list_form_is_enforced(client_for):
    api = BoltAPI()

    async def limited() -> dict:
        return {}

    limited.__bolt_middleware__ = [{"type": "rate_limit", "rps": 0.001, "burst": 1, "key": "ip"}]
    api.get("/limited")(limited)
    client = client_for(api)

    assert client.get("/limited").status_code == 200
    assert client.get("/limited").status_code == 429


def test_an_unknown_setting_in_the_list_form_is_refused():
    async def handler() -> dict:
        return {}

    handler.__bolt_middleware__ = [{"type": "gzip"}]
    api = BoltAPI()
    with pytest.raises(TypeError, match="not a cors or rate_limit setting"):
        api.get("/x")(handler)


def test_handler_middleware_describes_the_compiled_route():
    api = BoltAPI()

    @api.get("/items/{item_id}", auth=[JWTAuthentication(secret="s" * 32)], guards=[IsAuthenticated()])
    @cors(origins=["https://a.example"])
    @rate_limit(rps=3)
    @skip_middleware("cors")
    async def item(item_id: int, x_token: Annotated[str, Header()], q: str | None = None) -> dict:
        return {}

    meta = api._handler_middleware[0]
    assert api._handlers[0] is item
    assert [m["type"] for m in meta["middleware"]] == ["rate_limit"]
    assert meta["skip"] == ["cors"]
    assert meta["auth_backends"][0]["type"] == "jwt"
    assert meta["guards"] == [{"type": "is_authenticated"}]
    assert {k: meta[k] for k in ("needs_body", "needs_query", "needs_headers", "needs_cookies")} == {
        "needs_body": False,
        "needs_query": True,
        "needs_headers": True,
        "needs_cookies": False,
    }
    assert meta["is_static_route"] is False
    assert meta["default_status_code"] == 200
    assert [(b["lookup_key"], b["arg_kind"], b["required"]) for b in meta["rust_arg_bindings"]] == [
        ("item_id", "keyword", True),
        ("x-token", "keyword", True),
        ("q", "keyword", False),
    ]


def test_a_request_argument_reads_every_part_and_a_websocket_route_none():
    api = BoltAPI()

    @api.post("/echo", status_code=201)
    async def echo(request) -> dict:
        return {}

    @api.websocket("/ws")
    async def ws(websocket) -> None:
        await websocket.accept()

    echo_meta, ws_meta = api._handler_middleware[0], api._handler_middleware[api._websocket_routes[0][1]]
    assert all(echo_meta[k] for k in ("needs_body", "needs_query", "needs_headers", "needs_cookies"))
    assert echo_meta["needs_form_parsing"] is False
    assert echo_meta["default_status_code"] == 201
    assert "rust_arg_bindings" not in echo_meta
    assert not any(ws_meta[k] for k in ("needs_body", "needs_query", "needs_headers", "needs_path_params"))


def test_the_upload_read_limit_is_the_largest_file_max_size_else_the_setting():
    api = BoltAPI()

    @api.post("/two")
    async def two(a: Annotated[UploadFile, File(max_size=10)], b: Annotated[UploadFile, File(max_size=30)]) -> dict:
        return {}

    @api.post("/open")
    async def open_size(a: Annotated[UploadFile, File()]) -> dict:
        return {}

    with override_settings(BOLT_MAX_UPLOAD_SIZE=4096):
        described = api._handler_middleware
    assert described[0]["max_upload_size"] == 30
    assert described[1]["max_upload_size"] == 4096


def test_type_hint_ids_follow_the_parameter_kinds():
    assert compiler.get_type_hint_id(int | None) == compiler.TYPE_INT
    assert compiler.get_type_hint_id(Annotated[uuid.UUID, "x"]) == compiler.TYPE_UUID
    assert compiler.get_type_hint_id(datetime.date) == compiler.TYPE_DATE
    assert compiler.get_type_hint_id(list[int]) == compiler.TYPE_STRING


def test_compile_middleware_meta_is_none_for_a_plain_route():
    async def plain() -> dict:
        return {}

    assert compiler.compile_middleware_meta(plain, "GET", "/", [], guards=[], auth=[]) is None
    assert compiler.middleware_to_dict(IsAuthenticated) is None


@pytest.mark.parametrize(
    "config",
    [
        {"default-src": ["'self'", "<CSP_NONCE_SENTINEL>"], "img-src": None},
        {"upgrade-insecure-requests": True, "script-src": {"https://b.example", "https://a.example"}},
        {"report-uri": "/csp/", "default-src": []},
    ],
)
def test_the_csp_builder_renders_as_django(config):
    csp = pytest.importorskip("django.utils.csp")
    assert compiler._build_policy_without_nonce(config) == csp.build_policy(config)


def test_settings_helpers_read_what_the_server_reads():
    with override_settings(BOLT_TRUSTED_PROXIES=["10.0.0.0/8"], BOLT_MEMORY_SPOOL_THRESHOLD=7):
        assert compiler.get_trusted_proxies() == ["10.0.0.0/8"]
        assert compiler.read_size_setting("BOLT_MEMORY_SPOOL_THRESHOLD", 1) == 7
    with override_settings(BOLT_MEMORY_SPOOL_THRESHOLD="7"), pytest.raises(ImproperlyConfigured):
        compiler.read_size_setting("BOLT_MEMORY_SPOOL_THRESHOLD", 1)
    with override_settings(BOLT_TRUSTED_PROXIES=[10]), pytest.raises(ImproperlyConfigured, match="expected a string"):
        TestClient(BoltAPI())


def test_a_router_rate_limit_dict_applies_to_its_routes_without_their_own(client_for):
    api = BoltAPI()
    router = Router(prefix="/r", middleware=[{"type": "rate_limit", "rps": 0.001, "burst": 1, "key": "ip"}])

    @router.get("/tight")
    async def tight() -> dict:
        return {}

    @router.get("/own")
    @rate_limit(rps=1000)
    async def own() -> dict:
        return {}

    api.include_router(router)
    assert api._handler_middleware[0]["middleware"][0] == {
        "type": "rate_limit",
        "rps": 0.001,
        "burst": 1.0,
        "key": "ip",
    }
    client = client_for(api)
    assert [client.get("/r/tight").status_code for _ in range(2)] == [200, 429]
    assert [client.get("/r/own").status_code for _ in range(2)] == [200, 200]


@pytest.mark.parametrize(
    ("entry", "message"),
    [({"type": "gzip"}, "not a middleware class"), ({"type": "rate_limit", "rps": -1}, "rps must be a positive")],
)
def test_a_wrong_router_middleware_dict_is_refused(entry, message):
    with pytest.raises((TypeError, ValueError), match=message):
        Router(middleware=[entry])


def test_a_route_without_guards_is_described_as_open_to_anyone():
    api = BoltAPI()

    @api.get("/open")
    async def open_route() -> dict:
        return {}

    @api.get("/none", guards=[], auth=[])
    async def no_checks() -> dict:
        return {}

    assert api._handler_middleware[0]["guards"] == [{"type": "allow_any"}]
    assert "guards" not in api._handler_middleware[1]
