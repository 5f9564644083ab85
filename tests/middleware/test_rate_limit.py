"""Rate limits in process: token buckets in Rust, 429 with Retry-After before the handler runs."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.middleware import rate_limit, skip_middleware
from django_bolt.testing import TestClient


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

    @api.get("/user")
    @rate_limit(rps=0.5, burst=2, key="user")
    async def by_user() -> dict:
        return {}

    @api.get("/key")
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
    assert r.json() == {"detail": "Too Many Requests"}
    assert r.headers["retry-after"] == "2"
    assert calls == ["ip"] * 3


def test_buckets_are_per_client_address():
    client = TestClient(make_api([]))
    for _ in range(3):
        client.get("/ip")
    assert client.get("/ip").status_code == 429
    other = TestClient(make_api([]).compile())
    assert other.get("/ip").status_code == 200  # a new app: new buckets


@pytest.mark.parametrize("path,header", [("/header", "x-tenant"), ("/user", "authorization"), ("/key", "x-api-key")])
def test_keys_by_header_user_and_api_key(path, header):
    client = TestClient(make_api([]))
    a, b = {header: "alice"}, {header: "bob"}
    assert [client.get(path, headers=a).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(path, headers=b).status_code == 200
    # Without the header the client address is the key.
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 429]


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
        skip_middleware("nope")
