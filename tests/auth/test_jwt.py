"""JWTAuthentication: every algorithm, keys, claims, cookies, and what handlers see."""

from __future__ import annotations

import time

import jwt as pyjwt
import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django_bolt import BoltAPI, Request
from django_bolt.auth import (
    IsAuthenticated,
    JWTAuthentication,
    Token,
    create_jwt_for_user,
)
from django_bolt.auth.tokens import encode

from .conftest import FAMILY, SECRET, bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def protected_api(auth: JWTAuthentication) -> BoltAPI:
    api = BoltAPI(auth=[auth], guards=[IsAuthenticated()])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"context": request.context, "user_id": request.user_id, "backend": request.auth_backend}

    return api


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_algorithms_both_directions(client_for, algorithm):
    client = client_for(protected_api(JWTAuthentication(secret="k" * 40, algorithms=[algorithm])))
    foreign = pyjwt_token(claims(role="x"), "k" * 40, algorithm)
    r = client.get("/me", headers=bearer(foreign))
    assert r.status_code == 200, r.text
    assert r.json()["context"]["role"] == "x"
    ours = encode(claims(n=1), "k" * 40, algorithm)
    assert pyjwt.decode(ours, "k" * 40, algorithms=[algorithm])["n"] == 1
    assert client.get("/me", headers=bearer(ours)).status_code == 200


@pytest.mark.parametrize("algorithm", sorted(FAMILY))
def test_asymmetric_algorithms_both_directions(client_for, keys, algorithm):
    private, public = keys[FAMILY[algorithm]]
    client = client_for(protected_api(JWTAuthentication(public_key=public, algorithms=[algorithm])))
    foreign = pyjwt_token(claims(a=algorithm), private, algorithm)
    r = client.get("/me", headers=bearer(foreign))
    assert r.status_code == 200, r.text
    assert r.json()["context"]["a"] == algorithm
    ours = encode(claims(b=2), private, algorithm, kid="k1")
    assert pyjwt.decode(ours, public, algorithms=[algorithm])["b"] == 2
    assert pyjwt.get_unverified_header(ours)["kid"] == "k1"
    assert client.get("/me", headers=bearer(ours)).status_code == 200
    # Same algorithm, another key pair: refused.
    other = encode(
        claims(),
        keys["rsa" if FAMILY[algorithm] != "rsa" else "p256"][0],
        "ES256" if FAMILY[algorithm] == "rsa" else "RS256",
    )
    assert client.get("/me", headers=bearer(other)).status_code == 401


def test_secret_defaults_to_settings_read_when_compiled(client_for):
    auth = JWTAuthentication()  # SECRET_KEY not read yet
    with override_settings(SECRET_KEY="a-later-secret-" + "x" * 20):
        client = client_for(protected_api(auth))
    assert client.get("/me", headers=bearer(pyjwt_token(claims(), "a-later-secret-" + "x" * 20))).status_code == 200
    assert client.get("/me", headers=bearer(pyjwt_token(claims(), SECRET))).status_code == 401


def test_backend_is_built_once_per_instance():
    auth = JWTAuthentication(secret="s" * 32)
    api = BoltAPI(auth=[auth])

    @api.get("/a")
    async def a() -> dict:
        return {}

    @api.get("/b")
    async def b() -> dict:
        return {}

    api.compile()
    built = auth._compiled()
    api._compiled = None
    api.compile()
    assert auth._compiled() is built


@pytest.mark.parametrize(
    ("payload", "options", "detail"),
    [
        ({"exp": -10}, {}, "Token has expired"),
        ({"nbf": 100}, {}, "Token is not yet valid"),
        ({"iat": 100}, {}, "Token was issued in the future"),
        ({"iss": "evil"}, {"issuer": "good"}, "Invalid token issuer"),
        ({}, {"issuer": "good"}, "Invalid token issuer"),
        ({"aud": "other"}, {"audience": "api"}, "Invalid token audience"),
        ({"aud": ["x", "y"]}, {"audience": ["api"]}, "Invalid token audience"),
        ({}, {"required_claims": ["tenant"]}, 'Token is missing the "tenant" claim'),
        ({}, {"require_jti": True}, 'Token is missing the "jti" claim'),
        ({"type": "refresh"}, {"token_type": "access"}, "Wrong token type"),
    ],
)
def test_claim_validation(client_for, payload, options, detail):
    client = client_for(protected_api(JWTAuthentication(**options)))
    now = int(time.time())
    body = claims()
    for name, value in payload.items():
        body[name] = now + value if name in ("exp", "nbf", "iat") else value
    r = client.get("/me", headers=bearer(pyjwt_token(body)))
    assert r.status_code == 401
    assert r.json() == {"detail": detail}
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_claims_that_pass(client_for):
    auth = JWTAuthentication(
        audience="api", issuer=["a", "b"], required_claims=["tenant"], require_jti=True, token_type="access"
    )
    client = client_for(protected_api(auth))
    good = claims(aud=["x", "api"], iss="b", tenant="t", jti="j1", type="access")
    assert client.get("/me", headers=bearer(pyjwt_token(good))).status_code == 200


def test_leeway(client_for):
    now = int(time.time())
    late = pyjwt_token(claims(exp=now - 5))
    early = pyjwt_token(claims(nbf=now + 5))
    strict = client_for(protected_api(JWTAuthentication()))
    lenient = client_for(protected_api(JWTAuthentication(leeway=30)))
    assert strict.get("/me", headers=bearer(late)).status_code == 401
    assert strict.get("/me", headers=bearer(early)).status_code == 401
    assert lenient.get("/me", headers=bearer(late)).status_code == 200
    assert lenient.get("/me", headers=bearer(early)).status_code == 200


def test_header_forms(client_for):
    client = client_for(protected_api(JWTAuthentication()))
    token = pyjwt_token(claims())
    assert client.get("/me", headers={"Authorization": f"bearer   {token} "}).status_code == 200
    assert client.get("/me", headers={"Authorization": token}).status_code == 401
    assert client.get("/me", headers={"Authorization": f"Basic {token}"}).status_code == 401
    custom = client_for(protected_api(JWTAuthentication(header="X-Token")))
    assert custom.get("/me", headers={"X-Token": token}).status_code == 200
    assert custom.get("/me", headers=bearer(token)).status_code == 401


def test_cookie_tokens_and_csrf(client_for):
    api = BoltAPI(auth=[JWTAuthentication(cookie="access_token")], guards=[IsAuthenticated()])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"sub": request.context["sub"]}

    @api.post("/change")
    async def change(request: Request) -> dict:
        return {"changed": True}

    client = client_for(api)
    token = pyjwt_token(claims())
    assert client.get("/me", headers={"Cookie": f"access_token={token}"}).json() == {"sub": "1"}
    r = client.post("/change", headers={"Cookie": f"access_token={token}"})
    assert r.status_code == 403
    assert r.json() == {"detail": "CSRF token missing or incorrect"}
    cookie = f"access_token={token}; csrftoken=abc123"
    assert client.post("/change", headers={"Cookie": cookie, "X-CSRFToken": "wrong"}).status_code == 403
    assert client.post("/change", headers={"Cookie": cookie, "X-CSRFToken": "abc123"}).status_code == 200
    # With cookie= the cookie is the only source: a header token is not read (as in the release).
    assert client.post("/change", headers=bearer(token)).status_code == 401
    # Two cookies of that name (one may come from a sibling subdomain): neither is trusted.
    other = pyjwt_token(claims(sub="2"))
    assert client.get("/me", headers={"Cookie": f"access_token={token}; access_token={other}"}).status_code == 401
    # The browser's Fetch Metadata or Origin also prove a same-site request (the release's check).
    plain = {"Cookie": f"access_token={token}"}
    assert client.post("/change", headers={**plain, "Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert client.post("/change", headers={**plain, "Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/change", headers={**plain, "Sec-Fetch-Site": "same-site"}).status_code == 403
    assert client.post("/change", headers={**plain, "Origin": "http://testserver"}).status_code == 200
    assert client.post("/change", headers={**plain, "Origin": "http://evil.example"}).status_code == 403
    assert client.post("/change", headers={**plain, "Referer": "http://testserver/page"}).status_code == 200
    assert client.post("/change", headers={**plain, "Referer": "http://testserver.evil/"}).status_code == 403
    forwarded = {**plain, "X-Forwarded-Proto": "https"}
    assert client.post("/change", headers={**forwarded, "Origin": "https://testserver"}).status_code == 200
    assert client.post("/change", headers={**forwarded, "Origin": "http://testserver"}).status_code == 403


def test_csrf_follows_the_credential_that_authenticates(client_for):
    cookie_first = [JWTAuthentication(cookie="access_token"), JWTAuthentication()]
    api = BoltAPI(auth=cookie_first, guards=[IsAuthenticated()])

    @api.post("/change")
    async def change(request: Request) -> dict:
        return {"sub": request.context["sub"]}

    client = client_for(api)
    cross_site = {"Sec-Fetch-Site": "cross-site"}
    token = pyjwt_token(claims())
    # A valid cookie sent cross-site is refused even though the header token would be accepted:
    # the browser attached the cookie, and the header does not prove the page is ours.
    both = {**cross_site, "Cookie": f"access_token={token}", **bearer(token)}
    r = client.post("/change", headers=both)
    assert (r.status_code, r.json()) == (403, {"detail": "CSRF token missing or incorrect"})
    # A stale cookie authenticates nobody, so it does not block the header token.
    stale = {**cross_site, "Cookie": "access_token=stale", **bearer(token)}
    assert client.post("/change", headers=stale).json() == {"sub": "1"}
    # Alone, a stale cookie is an invalid credential (401), not a CSRF refusal.
    assert client.post("/change", headers={**cross_site, "Cookie": "access_token=stale"}).status_code == 401
    assert client.post("/change", headers={**cross_site, **bearer(token)}).status_code == 200


def test_token_helpers_cross_checked(db):
    user = get_user_model().objects.create_user("ann", password="pw", is_staff=True)
    token = create_jwt_for_user(user, expires_in=60, extra_claims={"tenant": "t1"})
    decoded = pyjwt.decode(token, SECRET, algorithms=["HS256"])
    assert decoded["sub"] == str(user.pk)
    assert decoded["username"] == "ann"
    assert decoded["is_staff"] is True and decoded["is_superuser"] is False
    assert decoded["tenant"] == "t1" and decoded["jti"]
    assert 55 <= decoded["exp"] - decoded["iat"] <= 60
    t = Token(sub="7", exp=int(time.time()) + 60, permissions=["a.b"], extras={"x": 1})
    round_trip = Token.decode(t.encode())
    assert round_trip.sub == "7" and round_trip.permissions == ["a.b"] and round_trip.extras == {"x": 1}
    with pytest.raises(ValueError, match="Invalid token signature"):
        Token.decode(t.encode(secret="other-secret-" + "y" * 20))


@pytest.mark.django_db(transaction=True)
def test_request_user_loads_lazily_sync_and_async(client_for, django_assert_num_queries):
    user = get_user_model().objects.create_user("bob", password="pw")
    api = BoltAPI(auth=[JWTAuthentication()], guards=[IsAuthenticated()])

    @api.get("/sync")
    def sync_view(request: Request) -> dict:
        first = request.user
        return {"name": first.username, "same": request.user is first}

    @api.get("/async")
    async def async_view(request: Request) -> dict:
        user = await request.auser()
        return {"name": user.username, "cached": (await request.auser()) is user}

    @api.get("/claims-only")
    def claims_only(request: Request) -> dict:
        return {"sub": request.context["sub"]}

    client = client_for(api)
    token = create_jwt_for_user(user)
    assert client.get("/sync", headers=bearer(token)).json() == {"name": "bob", "same": True}
    assert client.get("/async", headers=bearer(token)).json() == {"name": "bob", "cached": True}
    with django_assert_num_queries(0):
        assert client.get("/claims-only", headers=bearer(token)).json() == {"sub": str(user.pk)}
    gone = pyjwt_token(claims(sub="999999"))
    assert client.get("/sync", headers=bearer(gone)).json()["name"] == ""  # AnonymousUser


def test_configuration_errors(keys):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        JWTAuthentication(secret="a", public_key=keys["rsa"][1])
    with pytest.raises(ImproperlyConfigured):
        JWTAuthentication(algorithms=["none"])
    with pytest.raises(ImproperlyConfigured):
        JWTAuthentication(jwks={"keys": []}, jwks_url="http://x")
    with pytest.raises(ValueError, match="public key"):
        JWTAuthentication(public_key=keys["rsa"][1], algorithms=["RS256", "ES256"])._compiled()
    with pytest.raises(ValueError, match="only verifies HS"):
        JWTAuthentication(secret="s" * 32, algorithms=["RS256"])._compiled()
    with pytest.raises(ValueError, match="not a valid"):
        JWTAuthentication(public_key="not a key", algorithms=["RS256"])._compiled()
    with pytest.raises(ValueError, match="Unsupported JWT algorithm"):
        JWTAuthentication(algorithms=["HS1"])._compiled()


@pytest.mark.django_db(transaction=True)
def test_compiled_user_query_matches_the_orm():
    from django.utils import timezone
    from django_bolt.auth.users import _user_by_pk

    model = get_user_model()
    user = model.objects.create_user("hal", password="pw", is_staff=True, last_login=timezone.now())
    loaded = _user_by_pk(str(user.pk))
    expected = model.objects.get(pk=user.pk)
    for field in model._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.attname
    assert loaded.is_staff is True and loaded.last_login.tzinfo is not None
    assert not loaded._state.adding and loaded._state.db == "default"
    for bad in ["999999", "abc", "", None]:
        assert _user_by_pk(bad).is_anonymous
    model.objects.filter(pk=user.pk).update(is_active=False)
    assert _user_by_pk(str(user.pk)).is_anonymous


def test_public_key_pem_given_as_secret_verifies_asymmetric_tokens(client_for, keys):
    # The release's spelling: secret=<public PEM> with an RS* algorithm.
    private, public = keys["rsa"]
    client = client_for(protected_api(JWTAuthentication(secret=public, algorithms=["RS256"])))
    assert client.get("/me", headers=bearer(pyjwt_token(claims(k=1), private, "RS256"))).status_code == 200
    assert client.get("/me", headers=bearer(pyjwt_token(claims(), "x" * 40, "HS256"))).status_code == 401
    # With an HMAC algorithm a PEM stays a (strange but valid) shared secret.
    assert JWTAuthentication(secret=public, algorithms=["HS256"]).secret == public


def test_token_checks_create_and_to_dict():
    from datetime import datetime, timedelta, timezone

    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    with pytest.raises(ValueError, match="'sub' must be a non-empty"):
        Token(sub="", exp=later)
    with pytest.raises(ValueError, match="'exp' must be in the future"):
        Token(sub="u", exp=datetime.now(timezone.utc) - timedelta(seconds=5))
    with pytest.raises(ValueError, match="'iat' must be current or past"):
        Token(sub="u", exp=later, iat=later)
    t = Token.create("u1", expires_delta=timedelta(minutes=30), issuer="me", is_admin=True, tenant="acme")
    assert 1790 <= (t.exp - datetime.now(timezone.utc)).total_seconds() <= 1800
    assert t.exp.microsecond == 0 and t.iat.microsecond == 0
    claims = t.to_dict()
    assert (claims["sub"], claims["iss"], claims["is_admin"], claims["tenant"]) == ("u1", "me", True, "acme")
    assert claims["exp"] == int(t.exp.timestamp()) and claims["jti"] == t.jti
    back = Token.decode(t.encode())
    assert back.exp == t.exp and back.is_admin is True and back.extras == {"tenant": "acme"}


def test_empty_secret_and_negative_leeway_are_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="secret must not be empty"):
        JWTAuthentication(secret="")
    with pytest.raises(ImproperlyConfigured, match="leeway"):
        JWTAuthentication(leeway=-1)
