"""Authentication over the real socket: tokens checked in Rust, the Django user loaded from the
server's database for sync and async handlers."""

from __future__ import annotations

import json
import uuid

import httpx

from tests.server.wire import RawConnection


def test_jwt_and_user_over_the_socket(client: httpx.Client):
    r = client.get("/auth-test/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="api"'
    assert r.json() == {"detail": "Authentication required"}
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


def _token(client: httpx.Client) -> str:
    return client.post("/auth-test/users", params={"username": f"body-{uuid.uuid4().hex[:8]}"}).json()["token"]


def test_refused_credentials_are_answered_before_the_body_is_read(server, client: httpx.Client):
    """Auth runs before the body: the server answers a refused client without waiting for it."""
    with RawConnection(server.port) as conn:
        conn.request("POST", "/auth-test/echo", {"Content-Type": "application/json", "Content-Length": "4000"})
        r = conn.read_response()  # nothing of the body has been sent
        assert r.status == 401
        assert r.header("www-authenticate") == 'Bearer realm="api"'
        # The unread body makes the connection unusable: the server closes it.
        assert conn.is_closed(timeout=5)


def test_expect_continue_is_refused_without_credentials_and_granted_with_them(server, client: httpx.Client):
    body = json.dumps({"b": 1, "a": 2}).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Expect": "100-continue"}
    with RawConnection(server.port) as conn:
        conn.request("POST", "/auth-test/echo", headers)
        r = conn.read_response()
        assert r.status == 401 and r.interim == []  # no 100 Continue: the client never sends it
    with RawConnection(server.port) as conn:
        conn.request("POST", "/auth-test/echo", {**headers, "Authorization": f"Bearer {_token(client)}"})
        assert conn.read_interim().startswith(b"HTTP/1.1 100 Continue")
        conn.send(body)
        r = conn.read_response()
        assert r.status == 200 and r.json() == {"keys": ["a", "b"]}


def test_request_user_in_async_handlers_over_the_socket(client: httpx.Client):
    name = f"readme-{uuid.uuid4().hex[:8]}"
    headers = {"Authorization": f"Bearer {client.post('/auth-test/users', params={'username': name}).json()['token']}"}
    for path in ("/auth-test/readme", "/auth-test/helper"):
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.text)
        assert r.json() == {"username": name}


def test_custom_backends_over_the_socket(client: httpx.Client):
    name = f"ticket-{uuid.uuid4().hex[:8]}"
    client.post("/auth-test/users", params={"username": name})
    staff = client.post("/auth-test/users", params={"username": name + "-s", "staff": "true"}).json()["token"]
    for path in ("/auth-test/ticket", "/auth-test/sync-ticket"):
        anonymous = client.get(path)
        assert anonymous.status_code == 401, (path, anonymous.text)
        assert anonymous.headers["www-authenticate"] == 'Ticket realm="api"'
        refused = client.get(path, headers={"X-Ticket": "bad"})
        assert refused.status_code == 401 and refused.json() == {"detail": "Ticket refused"}
        assert client.get(path, headers={"X-Ticket": "no-such-user"}).status_code == 401
        ok = client.get(path, headers={"X-Ticket": name})
        assert ok.status_code == 200, (path, ok.text)
        assert ok.json() == {"username": name, "staff": False}
    # Guards apply to the Python identity as to a token's.
    assert client.get("/auth-test/ticket-staff", headers={"X-Ticket": name}).status_code == 403
    assert client.get("/auth-test/ticket-staff", headers={"X-Ticket": name + "-s"}).json() == {"staff": name + "-s"}
    r = client.get("/auth-test/ticket-staff", headers={"Authorization": f"Bearer {staff}"})
    assert r.json() == {"staff": name + "-s"}
