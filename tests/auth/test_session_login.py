"""A ``SessionAuthentication`` route behaves like a Django view: Django's session and
authentication middleware run on it (``alogin``/``alogout`` work), every unsafe request needs
proof that it comes from this site, and ``login_url=`` redirects to the login page."""

from __future__ import annotations

import pytest
from django.contrib.auth import alogin, alogout, get_user_model
from django.core.exceptions import ImproperlyConfigured
from django_bolt import BoltAPI, Request
from django_bolt.auth import AllowAny, IsAuthenticated, Requires, SessionAuthentication

pytestmark = pytest.mark.django_db(transaction=True)

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}


def login_api() -> BoltAPI:
    api = BoltAPI()  # no django_middleware: the session routes add theirs

    @api.post("/login", auth=[SessionAuthentication()], guards=[AllowAny()])
    async def login(request: Request, username: str) -> dict:
        await alogin(request, await get_user_model().objects.aget(username=username))
        return {"ok": True}

    @api.post("/logout", auth=[SessionAuthentication()], guards=[IsAuthenticated()])
    async def logout(request: Request) -> dict:
        await alogout(request)
        return {"ok": True}

    @api.get("/me", auth=[SessionAuthentication()], guards=[IsAuthenticated()])
    async def me(request: Request) -> dict:
        return {"username": (await request.auser()).username}

    @api.get("/me-sync", auth=[SessionAuthentication()], guards=[IsAuthenticated()])
    def me_sync(request: Request) -> dict:
        return {"username": request.user.username, "visits": request.session.get("visits", 0)}

    return api


def test_alogin_and_alogout_on_a_session_route(client_for):
    get_user_model().objects.create_user("hal", password="pw")
    client = client_for(login_api())
    assert client.get("/me").status_code == 401
    assert client.post("/login?username=hal", headers=SAME_ORIGIN).json() == {"ok": True}
    assert "sessionid" in client.cookies
    assert client.get("/me").json() == {"username": "hal"}
    assert client.get("/me-sync").json() == {"username": "hal", "visits": 0}
    assert client.post("/logout", headers=SAME_ORIGIN).json() == {"ok": True}
    assert client.get("/me").status_code == 401


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"sec-fetch-site": "cross-site"}, 403),
        ({"sec-fetch-site": "same-site"}, 403),
        ({"sec-fetch-site": "same-origin"}, 200),
        ({"sec-fetch-site": "none"}, 200),
        ({"origin": "https://evil.example"}, 403),
        ({"origin": "http://testserver"}, 200),
        ({"referer": "http://testserver/page"}, 200),
        ({"referer": "http://testserver.evil.example/"}, 403),
        ({}, 403),
    ],
)
def test_unsafe_requests_need_proof_of_this_site_even_without_a_session(client_for, headers, status):
    """A cross-site form must not log a browser in to the attacker's account either."""
    get_user_model().objects.create_user("ida", password="pw")
    client = client_for(login_api())
    response = client.post("/login?username=ida", headers={"host": "testserver", **headers})
    assert response.status_code == status, response.text
    if status == 403:
        assert "CSRF" in response.json()["detail"]


def test_a_django_csrf_token_is_proof_too(client_for):
    from django.middleware.csrf import _get_new_csrf_string

    get_user_model().objects.create_user("jo", password="pw")
    client = client_for(login_api())
    token = _get_new_csrf_string()
    headers = {"cookie": f"csrftoken={token}", "x-csrftoken": token, "sec-fetch-site": "cross-site"}
    assert client.post("/login?username=jo", headers=headers).status_code == 200


def test_csrf_false_turns_the_check_off(client_for):
    api = BoltAPI()

    @api.post("/hook", auth=[SessionAuthentication(csrf=False)], guards=[AllowAny()])
    def hook() -> dict:
        return {"ok": True}

    assert client_for(api).post("/hook", headers={"sec-fetch-site": "cross-site"}).status_code == 200


def test_login_url_redirects_who_needs_to_log_in(client_for):
    api = BoltAPI()

    @api.get("/page", auth=[SessionAuthentication(login_url="/accounts/login/")], guards=[IsAuthenticated()])
    def page() -> dict:
        return {"ok": True}

    response = client_for(api).get("/page?tab=1", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/accounts/login/?next=/page%3Ftab%3D1"


def test_login_url_must_be_a_url():
    with pytest.raises(ImproperlyConfigured, match="login_url"):
        SessionAuthentication(login_url="")


def test_only_one_of_the_two_django_middleware_is_refused():
    api = BoltAPI(django_middleware=["django.contrib.sessions.middleware.SessionMiddleware"])
    with pytest.raises(ImproperlyConfigured, match="AuthenticationMiddleware"):

        @api.get("/me", auth=[SessionAuthentication()])
        def me() -> dict:
            return {}


def test_an_api_running_both_middleware_gets_no_second_copy(client_for):
    from django_bolt.auth.session import with_session_middleware
    from django_bolt.middleware.compile import DjangoMiddlewareSetting

    both = (
        DjangoMiddlewareSetting(
            [
                "django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
            ]
        ),
    )
    assert with_session_middleware(both, "GET /x") == both
    added = with_session_middleware((), "GET /x")
    assert [c.__name__ for c in added[0].middleware_classes] == ["SessionMiddleware", "AuthenticationMiddleware"]


def test_session_middleware_names_what_a_route_lacks():
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django_bolt.auth.session import session_middleware
    from django_bolt.middleware.django_adapter import DjangoMiddleware, DjangoMiddlewareStack

    assert session_middleware([DjangoMiddlewareStack([SessionMiddleware, AuthenticationMiddleware])], "GET /x") == []
    # Split over two entries, as the API's and the route's middleware may be.
    split = [DjangoMiddleware(SessionMiddleware), DjangoMiddleware(AuthenticationMiddleware)]
    assert session_middleware(split, "GET /x") == []
    (stack,) = session_middleware([], "GET /x")
    assert stack.middleware_classes == [SessionMiddleware, AuthenticationMiddleware]
    with pytest.raises(ImproperlyConfigured, match="GET /x.*without AuthenticationMiddleware"):
        session_middleware([DjangoMiddleware(SessionMiddleware)], "GET /x")


def test_none_of_on_a_claim_session_users_lack_is_refused():
    api = BoltAPI()
    with pytest.raises(ImproperlyConfigured, match="none_of"):

        @api.get("/page", auth=[SessionAuthentication()], guards=[Requires("role", none_of=["banned"])])
        def page() -> dict:
            return {}

    # On a claim session users have, the exclusion means something.
    @api.get("/safe", auth=[SessionAuthentication()], guards=[Requires("permissions", none_of=["auth.delete_user"])])
    def safe() -> dict:
        return {}
