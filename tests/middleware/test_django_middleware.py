"""Django's real middleware classes around bolt handlers, in process: sessions saved with their
cookie, request.user from the session (sync and async handlers), CSRF on unsafe methods, messages,
locale, SecurityMiddleware headers and a third-party middleware (django-csp)."""

from __future__ import annotations

import pytest

from tests.testapp.django_middleware_api import HAS_CSP, api

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(client_for):
    from django.contrib.auth.models import User

    User.objects.create_user("ada")  # no password: no hashing
    return client_for(api)


def test_login_sets_the_session_cookie_and_user_follows(client):
    assert client.get("/django/me").json() == {"user": "", "authenticated": False}
    r = client.post("/django/login", data={"username": "ada"})
    assert r.status_code == 200
    assert "sessionid=" in r.headers["set-cookie"]
    assert client.get("/django/me").json() == {"user": "ada", "authenticated": True}
    # An async handler gets the user without touching the database on the event loop.
    assert client.get("/django/ame").json() == {"user": "ada", "authenticated": True}


def test_sync_only_middleware_touching_the_database_under_an_async_handler(client):
    r = client.get("/django/ame")
    assert r.status_code == 200
    assert r.headers["x-users"] == "1"


def test_async_login_and_async_session(client):
    assert client.post("/django/alogin", data={"username": "ada"}).json() == {"logged_in": "ada"}
    assert client.get("/django/ame").json()["authenticated"] is True
    token = client.get("/django/token").json()["token"]
    headers = {"x-csrftoken": token}
    assert [client.post("/django/acount", headers=headers).json()["count"] for _ in range(2)] == [1, 2]


def test_session_is_saved_between_requests(client):
    token = client.get("/django/token").json()["token"]
    counts = [client.post("/django/count", headers={"x-csrftoken": token}).json()["count"] for _ in range(3)]
    assert counts == [1, 2, 3]


def test_csrf_refuses_unsafe_methods_without_a_token(client):
    r = client.post("/django/unsafe")
    assert r.status_code == 403
    assert "CSRF" in r.text
    token = client.get("/django/token").json()["token"]
    assert client.cookies.get("csrftoken")  # the cookie get_token asked for was set
    assert client.post("/django/unsafe", headers={"x-csrftoken": token}).json() == {"changed": True}
    # @skip_middleware("CsrfViewMiddleware") and @csrf_exempt turn the check off for one route.
    assert client.post("/django/no-csrf").json() == {"changed": True}


def test_messages_are_stored_and_read_once(client):
    assert client.post("/django/message").json() == {"queued": True}
    assert client.get("/django/messages").json() == {"messages": ["saved"]}
    assert client.get("/django/messages").json() == {"messages": []}


def test_locale_and_security_headers(client):
    r = client.get("/django/language", headers={"accept-language": "de"})
    assert r.json() == {"language": "de", "active": "de"}
    assert r.headers["content-language"] == "de"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def test_streamed_bolt_response_keeps_its_body_and_gets_the_headers(client):
    r = client.get("/django/stream")
    assert r.text == "ab"
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.skipif(not HAS_CSP, reason="django-csp is not installed")
def test_third_party_middleware_changes_request_and_response(client):
    r = client.get("/django/nonce")
    assert len(r.json()["nonce"]) >= 16
    assert r.headers["content-security-policy"] == "default-src 'self'"


def test_one_django_middleware_with_arguments_in_middleware_list(client_for):
    from django_bolt import BoltAPI
    from django_bolt.middleware import DjangoMiddleware, get_django_middleware_setting, load_django_middleware

    class Header:
        def __init__(self, get_response, value="x"):
            self.get_response = get_response
            self.value = value

        def __call__(self, request):
            response = self.get_response(request)
            response["X-Value"] = self.value
            return response

    local = BoltAPI(middleware=[DjangoMiddleware(Header, value="configured")])

    @local.get("/v")
    async def v() -> dict:
        return {}

    assert client_for(local).get("/v").headers["x-value"] == "configured"
    assert get_django_middleware_setting() == []  # tests.settings has no MIDDLEWARE
    assert load_django_middleware(True) == [] and load_django_middleware(False) == []
