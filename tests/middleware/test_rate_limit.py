"""Rate limits in process: token buckets in Rust, 429 with Retry-After before the handler runs."""

from __future__ import annotations

import time

import jwt
import pytest
from django_bolt import BoltAPI
from django_bolt.auth import APIKeyAuthentication, IsAuthenticated, JWTAuthentication
from django_bolt.middleware import rate_limit, skip_middleware
from django_bolt.testing import TestClient

SECRET = "rate-limit-test-secret-with-enough-length"


def make_api(calls: list) -> BoltAPI:
    api = BoltAPI()

    @api.get("/ip")
    @rate_limit(rps=0.5, burst=3)
    async def by_ip() -> dict:
        calls.append("ip")
        return {}

    @api.get("/header")
    @rate_limit(rps=0.5, burst=2, key="x-tenant")
    async def by_header() -> dict:
        return {}

    @api.get("/user", auth=[JWTAuthentication(secret=SECRET)])
    @rate_limit(rps=0.5, burst=2, key="user")
    async def by_user() -> dict:
        return {}

    @api.get("/key", auth=[APIKeyAuthentication(api_keys=["key-one", "key-two"])])
    @rate_limit(rps=0.5, burst=2, key="api_key")
    def by_key() -> dict:
        return {}

    @api.get("/skipped")
    @rate_limit(rps=0.5, burst=1)
    @skip_middleware("rate_limit")
    async def skipped() -> dict:
        return {}

    return api


def test_burst_then_429_without_running_the_handler():
    calls: list = []
    client = TestClient(make_api(calls))
    assert [client.get("/ip").status_code for _ in range(3)] == [200, 200, 200]
    r = client.get("/ip")
    assert r.status_code == 429
    assert r.json() == {"detail": "Rate limit exceeded. Try again in 2 seconds"}
    assert r.headers["retry-after"] == "2"
    # The limit that was hit: the rate per second and the burst.
    assert (r.headers["x-ratelimit-limit"], r.headers["x-ratelimit-burst"]) == ("0.5", "3")
    assert calls == ["ip"] * 3


def test_buckets_are_per_client_address():
    client = TestClient(make_api([]))
    for _ in range(3):
        client.get("/ip")
    assert client.get("/ip").status_code == 429
    other = TestClient(make_api([]).compile())
    assert other.get("/ip").status_code == 200  # a new app: new buckets


def test_keys_by_header():
    client = TestClient(make_api([]))
    a, b = {"x-tenant": "alice"}, {"x-tenant": "bob"}
    assert [client.get("/header", headers=a).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/header", headers=b).status_code == 200
    # Without the header the client address is the key.
    assert [client.get("/header").status_code for _ in range(3)] == [200, 200, 429]


def token(sub: str, jti: str) -> dict:
    claims = {"sub": sub, "jti": jti, "exp": int(time.time()) + 600}
    return {"authorization": "Bearer " + jwt.encode(claims, SECRET, algorithm="HS256")}


def test_key_user_is_the_verified_user():
    client = TestClient(make_api([]))
    assert [client.get("/user", headers=token("alice", str(i))).status_code for i in range(3)] == [200, 200, 429]
    # A fresh token for the same user spends the same budget; another user has their own.
    assert client.get("/user", headers=token("alice", "new")).status_code == 429
    assert client.get("/user", headers=token("bob", "1")).status_code == 200


def test_made_up_credentials_are_limited_per_address():
    # Invalid tokens are 401 and each is charged to the client address, so guessing is limited
    # and a new fake token per request is not a new budget.
    client = TestClient(make_api([]))
    fake = [client.get("/user", headers={"authorization": f"Bearer fake{i}"}).status_code for i in range(4)]
    assert fake == [401, 401, 429, 429]
    keys = [client.get("/key", headers={"x-api-key": f"guess-{i}"}).status_code for i in range(3)]
    assert keys == [401, 401, 429]


def test_key_api_key_is_the_verified_key():
    client = TestClient(make_api([]))
    one = {"x-api-key": "key-one"}
    assert [client.get("/key", headers=one).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/key", headers={"x-api-key": "key-two"}).status_code == 200


@pytest.mark.parametrize("key", ["user", "api_key"])
def test_identity_keys_need_an_auth_backend(key):
    api = BoltAPI()

    @api.get("/x")
    @rate_limit(rps=1, key=key)
    async def x() -> dict:
        return {}

    with pytest.raises(ValueError, match="needs JWTAuthentication or APIKeyAuthentication"):
        api.compile()


def test_skip_middleware_turns_it_off():
    client = TestClient(make_api([]))
    assert {client.get("/skipped").status_code for _ in range(5)} == {200}


def test_bad_arguments():
    with pytest.raises(ValueError):
        rate_limit(rps=0)
    with pytest.raises(ValueError):
        rate_limit(rps=1, burst=0)
    with pytest.raises(ValueError):
        rate_limit(key="")
    with pytest.raises(ValueError):
        skip_middleware("")


def test_skip_of_a_middleware_the_route_does_not_have_is_refused_at_compile():
    from django_bolt import BoltAPI
    from django_bolt._compile import RouteDefinitionError

    api = BoltAPI()

    @api.get("/typo")
    @skip_middleware("ratelimit")
    async def typo() -> dict:
        return {}

    with pytest.raises(RouteDefinitionError, match="ratelimit"):
        api.compile()


def test_forwarded_for_counts_only_from_trusted_proxies():
    # The in-process client's peer is 127.0.0.1.
    from django_bolt.conf import BoltConfig

    untrusted = TestClient(make_api([]).compile(BoltConfig.build()))
    spoofed = [untrusted.get("/ip", headers={"x-forwarded-for": f"198.51.100.{i}"}).status_code for i in range(5)]
    assert spoofed == [200, 200, 200, 429, 429]

    behind_proxy = TestClient(make_api([]).compile(BoltConfig.build(trusted_proxies=["127.0.0.1"])))
    for i in range(5):
        assert behind_proxy.get("/ip", headers={"x-forwarded-for": f"198.51.100.{i}"}).status_code == 200
    # The right-most untrusted address is the client: a forged left-most entry changes nothing.
    forged = [
        behind_proxy.get("/ip", headers={"x-forwarded-for": f"10.9.9.{i}, 203.0.113.5"}).status_code for i in range(4)
    ]
    assert forged == [200, 200, 200, 429]


def test_each_test_client_starts_with_empty_buckets():
    """The app is compiled once per API and cached; a new client still starts as a new server,
    so a test's result does not depend on the tests that ran before it."""
    api = make_api([])
    first = TestClient(api)
    statuses = [first.get("/ip").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    second = TestClient(api)
    assert second.get("/ip").status_code == 200
    first.close()
    second.close()


def guarded_api_key_route() -> BoltAPI:
    """``key="api_key"`` on a route whose callers prove themselves with a token or an API key."""
    api = BoltAPI()

    @api.get(
        "/mixed",
        auth=[JWTAuthentication(secret=SECRET), APIKeyAuthentication(api_keys=["key-one"])],
        guards=[IsAuthenticated()],
    )
    @rate_limit(rps=0.5, burst=2, key="api_key")
    async def mixed() -> dict:
        return {}

    return api


def test_a_request_refused_for_giving_no_credential_spends_nothing():
    client = TestClient(guarded_api_key_route())
    assert [client.get("/mixed").status_code for _ in range(4)] == [401] * 4
    # The address's bucket is untouched: the token callers that share it get the whole burst.
    assert [client.get("/mixed", headers=token("alice", str(i))).status_code for i in range(3)] == [200, 200, 429]


def test_key_api_key_keys_token_callers_by_address():
    client = TestClient(guarded_api_key_route())
    # Different users with tokens share the address's bucket: they have no API key.
    statuses = [client.get("/mixed", headers=token(user, "1")).status_code for user in ("ann", "ben", "cat")]
    assert statuses == [200, 200, 429]
    # The API key caller has its own.
    assert client.get("/mixed", headers={"x-api-key": "key-one"}).status_code == 200


def test_a_refusal_is_reported_on_stderr_without_the_key(capfd):
    """Each 429 counts toward a line on the server's stderr naming the route and its limit; the
    API key the bucket is keyed by never appears (it is a credential)."""
    client = TestClient(make_api([]))
    deadline = time.monotonic() + 5
    output = ""
    # At most one line a second per process: keep being refused until this second's line is ours.
    while "Rate limit exceeded: GET /key" not in output:
        assert time.monotonic() < deadline, output
        client.get("/key", headers={"X-API-Key": "key-two"})
        output += capfd.readouterr().err
    assert "key: api_key" in output and "limit: 0.5 rps (burst: 2)" in output
    assert "key-two" not in output


def test_a_flood_of_refusals_writes_a_line_a_second(capfd):
    client = TestClient(make_api([]))
    started = time.monotonic()
    statuses = [client.get("/ip").status_code for _ in range(60)]
    seconds = time.monotonic() - started
    lines = [line for line in capfd.readouterr().err.splitlines() if "Rate limit exceeded" in line]
    assert statuses.count(429) == 57
    assert len(lines) <= int(seconds) + 2, lines  # one per refusal would be 57
