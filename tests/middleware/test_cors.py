"""CORS in process: preflights answered in Rust, headers on every response (errors included),
credentials and wildcards as the Fetch standard requires, spoofed origins refused."""

from __future__ import annotations

import time

import jwt
import pytest
from django_bolt import BoltAPI, HTTPException
from django_bolt.auth import IsAuthenticated, JWTAuthentication, Requires
from django_bolt.conf import BoltConfig
from django_bolt.middleware import cors, rate_limit, skip_middleware
from django_bolt.testing import TestClient

APP = "https://app.example.com"


def client_with(api: BoltAPI, **settings) -> TestClient:
    return TestClient(api.compile(BoltConfig.build(**settings)))


def make_api() -> BoltAPI:
    api = BoltAPI()

    @api.get("/items")
    @cors(origins=[APP], credentials=True, expose_headers=["x-total"])
    async def items() -> dict:
        return {"items": []}

    @api.post("/items")
    @cors(origins=[APP], credentials=True, headers=["content-type", "x-token"])
    async def create(body: dict) -> dict:
        return body

    @api.get("/boom")
    @cors(origins=[APP])
    async def boom() -> dict:
        raise RuntimeError("boom")

    @api.get("/forbidden")
    @cors(origins=[APP])
    async def forbidden() -> dict:
        raise HTTPException(403, "no")

    @api.get("/public")
    @cors(origins="*")
    async def public() -> dict:
        return {}

    @api.get("/global")
    async def global_() -> dict:
        return {}

    @api.get("/private")
    @skip_middleware("cors")
    async def private() -> dict:
        return {}

    return api


def preflight(client: TestClient, path: str, origin: str = APP, method: str = "GET", headers: str | None = None):
    h = {"origin": origin, "access-control-request-method": method}
    if headers:
        h["access-control-request-headers"] = headers
    return client.options(path, headers=h)


def test_preflight_answered_with_route_policy():
    client = TestClient(make_api())
    r = preflight(client, "/items", method="POST", headers="Content-Type, X-Token")
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == APP
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-headers"] == "content-type, x-token"
    assert r.headers["access-control-max-age"] == "3600"
    assert "origin" in r.headers["vary"].lower()


def test_preflight_refusals():
    client = TestClient(make_api())
    assert preflight(client, "/items", method="POST", headers="x-other").status_code == 403
    r = preflight(client, "/items", origin="https://evil.example")
    assert r.status_code == 403
    assert "access-control-allow-origin" not in r.headers
    # No route answers PURGE, so no policy grants it.
    assert "access-control-allow-origin" not in preflight(client, "/items", method="PURGE").headers
    # The global policy's CORS_ALLOW_METHODS is enforced.
    limited = client_with(make_api(), cors_allowed_origins=[APP], cors_allow_methods=["GET"])
    assert preflight(limited, "/global", method="GET").status_code == 204
    assert preflight(limited, "/items", method="DELETE").status_code == 403


def test_actual_response_headers():
    client = TestClient(make_api())
    r = client.get("/items", headers={"origin": APP})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == APP
    assert r.headers["access-control-allow-credentials"] == "true"
    assert r.headers["access-control-expose-headers"] == "x-total"
    assert r.headers["vary"].lower() == "origin"
    # No Origin: no CORS headers, but the response still varies by Origin.
    r = client.get("/items")
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["vary"].lower() == "origin"


@pytest.mark.parametrize(
    "path,method,kwargs,status",
    [
        ("/boom", "GET", {}, 500),
        ("/forbidden", "GET", {}, 403),
        ("/items", "POST", {"content": b"not json", "headers": {"content-type": "application/json"}}, 422),
        ("/items", "POST", {"content": b"x" * 70000}, 413),
    ],
)
def test_cors_headers_on_errors(path, method, kwargs, status):
    client = client_with(make_api(), max_body_bytes=65536)
    headers = {"origin": APP, **kwargs.pop("headers", {})}
    r = client.request(method, path, headers=headers, **kwargs)
    assert r.status_code == status
    assert r.headers["access-control-allow-origin"] == APP


def test_wildcard_without_credentials():
    client = TestClient(make_api())
    r = client.get("/public", headers={"origin": "https://anyone.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers


def test_wildcard_with_credentials_refused_by_decorator():
    with pytest.raises(ValueError, match="credentials"):
        cors(origins=["*"], credentials=True)
    with pytest.raises(ValueError, match="origins"):
        cors()


def test_global_settings_cover_unrouted_errors():
    settings = {"cors_allowed_origins": [APP], "cors_expose_headers": ["x-request-id"]}
    client = client_with(make_api(), **settings)
    for method, path, status in [("GET", "/global", 200), ("GET", "/missing", 404), ("DELETE", "/global", 405)]:
        r = client.request(method, path, headers={"origin": APP})
        assert r.status_code == status
        assert r.headers["access-control-allow-origin"] == APP
        assert r.headers["access-control-expose-headers"] == "x-request-id"
    r = preflight(client, "/global")
    assert r.status_code == 204
    assert r.headers["access-control-max-age"] == "86400"
    assert r.headers["access-control-allow-methods"] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"
    # skip_middleware("cors") removes the global policy from one route.
    assert "access-control-allow-origin" not in client.get("/private", headers={"origin": APP}).headers
    # A plain OPTIONS (no preflight headers) is still answered by the router.
    r = client.options("/global")
    assert r.status_code == 204 and "GET" in r.headers["allow"]


def test_global_policy_answers_a_preflight_for_a_path_no_route_serves():
    # The browser sends the real request (and reads its 404) only after a preflight passes.
    client = client_with(make_api(), cors_allowed_origins=[APP])
    r = preflight(client, "/no/such/path", method="POST", headers="content-type")
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == APP
    assert "POST" in r.headers["access-control-allow-methods"]
    assert preflight(client, "/no/such/path", origin="https://evil.example").status_code == 403
    # Without a global policy there is nothing to answer with: the 404 stays.
    assert preflight(TestClient(make_api()), "/no/such/path").status_code == 404
    assert client.options("/no/such/path").status_code == 404


def test_cors_without_origins_names_the_argument():
    with pytest.raises(ValueError, match=r"@cors\(\) requires 'origins'"):
        cors()


def test_global_allow_all_with_credentials_echoes_the_origin():
    client = client_with(make_api(), cors_allow_all_origins=True, cors_allow_credentials=True)
    r = client.get("/global", headers={"origin": "https://x.example"})
    assert r.headers["access-control-allow-origin"] == "https://x.example"
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "origin" in r.headers["vary"].lower()


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example.com.evil.com",
        "https://evilapp.example.com",
        "http://app.example.com",
        "https://app.example.com:8443",
        "null",
        "https://APP.example.com.evil",
        "https://app.example.co",
    ],
)
def test_spoofed_origins_are_not_allowed(origin):
    settings = {"cors_allowed_origins": [APP], "cors_allowed_origin_regexes": [r"^https://[a-z]+\.partner\.example$"]}
    client = client_with(make_api(), **settings)
    r = client.get("/global", headers={"origin": origin})
    assert "access-control-allow-origin" not in r.headers
    assert preflight(client, "/global", origin=origin).status_code == 403
    r = client.get("/items", headers={"origin": origin})
    assert "access-control-allow-origin" not in r.headers


def test_origin_regexes():
    settings = {"cors_allowed_origin_regexes": [r"^https://[a-z]+\.partner\.example$"]}
    client = client_with(make_api(), **settings)
    ok = client.get("/global", headers={"origin": "https://shop.partner.example"})
    assert ok.headers["access-control-allow-origin"] == "https://shop.partner.example"
    bad = client.get("/global", headers={"origin": "https://shop.partner.example.evil"})
    assert "access-control-allow-origin" not in bad.headers


def test_old_setting_names_and_bad_values(settings):
    settings.CORS_ORIGIN_WHITELIST = [APP]
    assert BoltConfig.from_settings().cors_allowed_origins == (APP,)
    with pytest.raises(ValueError, match="CORS_ALLOWED_ORIGINS"):
        BoltConfig.build(cors_allowed_origins=["app.example.com"])


def test_cors_headers_on_auth_failures_and_rate_limits():
    api = BoltAPI()

    @api.get(
        "/secure", auth=[JWTAuthentication(secret="cors-test-secret-long-enough-0123")], guards=[IsAuthenticated()]
    )
    @cors(origins=[APP])
    async def secure() -> dict:
        return {}

    @api.get(
        "/admin",
        auth=[JWTAuthentication(secret="cors-test-secret-long-enough-0123")],
        guards=[Requires("role", "admin")],
    )
    @cors(origins=[APP])
    @rate_limit(rps=0.01, burst=1)
    async def admin() -> dict:
        return {}

    token = jwt.encode({"sub": "u", "role": "user", "exp": int(time.time()) + 60}, "cors-test-secret-long-enough-0123")
    client = TestClient(api)
    r = client.get("/secure", headers={"origin": APP})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == APP
    auth = {"origin": APP, "authorization": f"Bearer {token}"}
    r = client.get("/admin", headers=auth)
    assert r.status_code == 403 and r.headers["access-control-allow-origin"] == APP
    r = client.get("/admin", headers=auth)
    assert r.status_code == 429 and r.headers["access-control-allow-origin"] == APP


def test_allowed_headers_are_sent_as_configured_and_matched_without_case():
    api = BoltAPI()

    @api.post("/submit")
    @cors(origins=[APP], headers=["Content-Type", "X-Custom-Header"])
    async def submit() -> dict:
        return {}

    client = TestClient(api)
    r = preflight(client, "/submit", method="POST", headers="content-type, X-CUSTOM-HEADER")
    assert r.status_code == 204
    assert r.headers["access-control-allow-headers"] == "Content-Type, X-Custom-Header"
    assert r.headers["vary"] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    assert preflight(client, "/submit", method="POST", headers="X-Other").status_code == 403


def test_any_header_echoes_the_requested_names_as_sent():
    api = BoltAPI()

    @api.post("/open")
    @cors(origins=[APP], headers=["*"])
    async def open_route() -> dict:
        return {}

    r = preflight(TestClient(api), "/open", method="POST", headers="X-Trace-Id, Content-Type")
    assert r.headers["access-control-allow-headers"] == "X-Trace-Id, Content-Type"


def test_vary_names_origin_in_its_usual_case():
    r = TestClient(make_api()).get("/items", headers={"origin": APP})
    assert r.headers["vary"] == "Origin"
