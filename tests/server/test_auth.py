"""Authentication over the real socket: tokens checked in Rust, the Django user loaded from the
server's database for sync and async handlers."""

from __future__ import annotations

import uuid

import httpx


def test_jwt_and_user_over_the_socket(client: httpx.Client):
    r = client.get("/auth-test/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="api"'
    assert r.json() == {"detail": "Authentication credentials were not provided"}
    assert client.get("/auth-test/me", headers={"Authorization": "Bearer a.b.c"}).status_code == 401
    name = f"sock-{uuid.uuid4().hex[:8]}"
    token = client.post("/auth-test/users", params={"username": name}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/auth-test/me", headers=headers)
    assert me.status_code == 200, me.text
    assert me.json()["username"] == name
    assert client.get("/auth-test/ame", headers=headers).json() == {"username": name}
    denied = client.get("/auth-test/staff", headers=headers)
    assert denied.status_code == 403 and "www-authenticate" not in denied.headers
    staff = client.post("/auth-test/users", params={"username": name + "-s", "staff": "true"}).json()["token"]
    assert client.get("/auth-test/staff", headers={"Authorization": f"Bearer {staff}"}).json() == {"staff": True}


def test_api_key_over_the_socket(client: httpx.Client):
    assert client.get("/auth-test/key", headers={"x-api-key": "socket-key-1"}).json() == {"auth": "api_key"}
    r = client.get("/auth-test/key", headers={"x-api-key": "socket-key-2"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'ApiKey realm="api"'
