"""The token lifecycle in the release's form: ``typ``/``oat``/``ver``/``amr`` claims, a family on
the refresh token only, rotation from verified claims, "log out everywhere" by user version, the
session cap, and stores answering plain calls and awaits alike."""

from __future__ import annotations

import asyncio
import time

import jwt as pyjwt
import pytest
from django_bolt import BoltAPI, Request
from django_bolt.auth import (
    DjangoCacheRevocation,
    InMemoryRevocation,
    IsAuthenticated,
    JWTAuthentication,
    TokenRotationError,
    create_token_pair,
    rotate_refresh_token,
    rotate_refresh_token_sync,
    set_token_cookies,
)
from django_bolt.auth.revocation import _ttl_for
from django_bolt.auth.settled import Settled
from django_bolt.responses import JSON

from .conftest import SECRET, bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def decoded(token: str) -> dict:
    return pyjwt.decode(token, SECRET, algorithms=["HS256"])


def test_pair_claims():
    pair = create_token_pair("u1", method="otp", version=3, claims={"tenant": "t"}, access_ttl=60, refresh_ttl=600)
    access, refresh = decoded(pair.access_token), decoded(pair.refresh_token)
    assert access == pair.access_claims and refresh == pair.refresh_claims
    assert access["typ"] == "access" and refresh["typ"] == "refresh"
    assert "fam" in refresh and "fam" not in access
    assert access["oat"] == refresh["oat"] == access["iat"]
    assert access["ver"] == refresh["ver"] == 3
    assert access["amr"] == refresh["amr"] == ["otp"]
    assert access["tenant"] == refresh["tenant"] == "t"
    assert access["jti"] != refresh["jti"]
    assert pair.access_expires_in == 60 and pair.refresh_expires_in == 600
    assert pair.as_dict()["expires_in"] == 60
    assert create_token_pair("u", oat=1000).access_claims["oat"] == 1000


@pytest.mark.parametrize("name", ["sub", "iat", "exp", "typ", "jti", "fam", "oat", "ver"])
def test_lifecycle_claims_cannot_be_set(name):
    with pytest.raises(ValueError, match=name):
        create_token_pair("u", claims={name: "x"})
    with pytest.raises(ValueError, match=name):
        asyncio.run(
            rotate_refresh_token(create_token_pair("u").refresh_claims, store=InMemoryRevocation(), claims={name: 1})
        )


def test_rotation_from_claims_keeps_family_oat_amr_not_custom_claims():
    store = InMemoryRevocation()
    pair = create_token_pair("u", method="pwd", claims={"role": "admin"})
    new = asyncio.run(rotate_refresh_token(pair.refresh_claims, store=store))
    assert new.refresh_claims["fam"] == pair.refresh_claims["fam"]
    assert new.refresh_claims["oat"] == pair.refresh_claims["oat"]
    assert new.access_claims["amr"] == ["pwd"]
    assert "role" not in new.access_claims  # may be stale: pass it again in claims=
    assert store.is_revoked(pair.refresh_claims["jti"])
    with pytest.raises(TokenRotationError, match="already used"):
        asyncio.run(rotate_refresh_token(pair.refresh_claims, store=store))
    assert store.is_family_revoked(pair.refresh_claims["fam"])
    with pytest.raises(TokenRotationError, match="family"):
        asyncio.run(rotate_refresh_token(new.refresh_claims, store=store))


def test_concurrent_rotations_mint_one_pair():
    store = InMemoryRevocation()
    pair = create_token_pair("u")

    async def both():
        return await asyncio.gather(
            rotate_refresh_token(pair.refresh_claims, store=store),
            rotate_refresh_token(pair.refresh_claims, store=store),
            return_exceptions=True,
        )

    results = asyncio.run(both())
    assert sum(isinstance(r, TokenRotationError) for r in results) == 1


def test_access_only_rotation_leaves_the_refresh_token_usable():
    store = InMemoryRevocation()
    pair = create_token_pair("u")
    new = asyncio.run(rotate_refresh_token(pair.refresh_claims, store=store, rotate=False))
    assert new.refresh_token == "" and new.access_claims["typ"] == "access"
    assert "refresh_token" not in new.as_dict()
    assert not store.is_revoked(pair.refresh_claims["jti"])
    asyncio.run(rotate_refresh_token(pair.refresh_claims, store=store, rotate=False))


def test_log_out_everywhere_by_user_version():
    store = InMemoryRevocation()
    pair = create_token_pair("u", version=int(store.get_user_version("u")))
    assert store.bump_user_version("u") == 1
    with pytest.raises(TokenRotationError, match="version"):
        rotate_refresh_token_sync(pair.refresh_token, store=store)
    fresh = create_token_pair("u", version=1)
    assert rotate_refresh_token_sync(fresh.refresh_token, store=store).access_claims["ver"] == 1


def test_session_cap():
    store = InMemoryRevocation()
    old = create_token_pair("u", oat=int(time.time()) - 3000)
    new = asyncio.run(rotate_refresh_token(old.refresh_claims, store=store, access_ttl=900, max_session_lifetime=3600))
    assert new.access_claims["exp"] <= old.refresh_claims["oat"] + 3600
    expired = create_token_pair("u", oat=int(time.time()) - 4000)
    with pytest.raises(TokenRotationError, match="maximum lifetime"):
        asyncio.run(rotate_refresh_token(expired.refresh_claims, store=store, max_session_lifetime=3600))
    no_oat = dict(create_token_pair("u").refresh_claims)
    del no_oat["oat"]
    with pytest.raises(TokenRotationError, match="origin auth time"):
        asyncio.run(rotate_refresh_token(no_oat, store=store, max_session_lifetime=3600))


def test_store_without_families_cannot_rotate():
    class JtiOnly:
        def __init__(self):
            self.revoked = set()

        async def is_revoked(self, jti):
            return jti in self.revoked

        async def revoke(self, jti, *, exp=None):
            self.revoked.add(jti)

    with pytest.raises(TokenRotationError, match="families"):
        asyncio.run(rotate_refresh_token(create_token_pair("u").refresh_claims, store=JtiOnly()))


def test_store_answers_plain_calls_and_awaits():
    store = InMemoryRevocation()
    assert asyncio.run(store.is_revoked("a")) is False
    asyncio.run(store.revoke("a", exp=int(time.time()) + 60))
    assert store.is_revoked("a") and asyncio.run(store.is_revoked("a")) is True
    assert asyncio.run(store.consume("b")) is True and asyncio.run(store.consume("b")) is False
    assert repr(Settled(1)) == "Settled(1)" and Settled(2) == 2 and int(Settled(3)) == 3

    async def awaited():
        await store.revoke_family("f")
        return await store.is_family_revoked("f"), await store.bump_user_version("x")

    assert asyncio.run(awaited()) == (True, 1)
    store.clear()
    assert not store.is_revoked("a") and store.get_user_version("x") == 0


def test_cache_store_families_and_versions():
    store = DjangoCacheRevocation(key_prefix=f"lifecycle-{time.time()}:")
    assert asyncio.run(store.consume("j", exp=int(time.time()) + 60)) is True
    assert not store.consume("j")
    assert store.bump_user_version("u") == 1 and asyncio.run(store.bump_user_version("u")) == 2
    assert store.get_user_version("u") == 2
    store.revoke_family("f")
    assert store.is_family_revoked("f")


def test_ttl_for():
    assert _ttl_for(None, 5) == 5
    assert _ttl_for(time.time() - 10) == 0
    assert 58 <= _ttl_for(time.time() + 60) <= 60


def test_type_separation_on_routes(client_for):
    api = BoltAPI()

    @api.get("/api", auth=[JWTAuthentication()], guards=[IsAuthenticated()])
    async def ordinary(request: Request) -> dict:
        return {"sub": request.context["sub"]}

    @api.post("/refresh", auth=[JWTAuthentication(token_type="refresh")], guards=[IsAuthenticated()])
    async def refresh(request: Request) -> dict:
        return {"amr": request.context["auth_claims"].get("amr")}

    client = client_for(api)
    pair = create_token_pair("u", method="pwd")
    assert client.get("/api", headers=bearer(pair.access_token)).status_code == 200
    assert client.get("/api", headers=bearer(pair.refresh_token)).status_code == 401
    for name, value in [("typ", "Refresh"), ("token_type", "REFRESH"), ("token_use", "id"), ("typ", "Offline")]:
        assert client.get("/api", headers=bearer(pyjwt_token(claims(**{name: value})))).status_code == 401
    assert client.get("/api", headers=bearer(pyjwt_token(claims(typ="Bearer")))).status_code == 200
    assert client.post("/refresh", headers=bearer(pair.refresh_token)).json() == {"amr": ["pwd"]}
    assert client.post("/refresh", headers=bearer(pair.access_token)).status_code == 401
    # Tokens issued before `typ` (with `type`) keep working on the rotation route.
    assert client.post("/refresh", headers=bearer(pyjwt_token(claims(type="refresh")))).status_code == 200
    conflicting = pyjwt_token(claims(typ="refresh", token_type="access"))
    assert client.post("/refresh", headers=bearer(conflicting)).status_code == 401


def test_refresh_route_in_the_release_form(client_for):
    store = InMemoryRevocation()
    api = BoltAPI()

    @api.post("/refresh", auth=[JWTAuthentication(token_type="refresh")], guards=[IsAuthenticated()])
    async def refresh(request: Request) -> JSON:
        try:
            pair = await rotate_refresh_token(request.context["auth_claims"], store=store)
        except TokenRotationError:
            return JSON({"detail": "Invalid refresh token"}, status_code=401)
        return set_token_cookies(JSON({"access_token": pair.access_token}), pair, secure=False)

    client = client_for(api)
    pair = create_token_pair("u")
    r = client.post("/refresh", headers=bearer(pair.refresh_token))
    assert r.status_code == 200
    assert len(r.headers.get_list("set-cookie")) == 2
    assert client.post("/refresh", headers=bearer(pair.refresh_token)).status_code == 401


def test_revoked_token_handler(client_for):
    revoked: set[str] = set()
    seen: list[tuple[str, str | None]] = []

    async def by_jti(jti: str) -> bool:
        return jti in revoked

    def by_session(jti: str, token_claims: dict) -> bool:
        seen.append((jti, token_claims.get("sid")))
        return token_claims.get("sid") == "ended"

    api = BoltAPI()

    @api.get("/a", auth=[JWTAuthentication(revoked_token_handler=by_jti)], guards=[IsAuthenticated()])
    async def a() -> dict:
        return {}

    @api.get("/b", auth=[JWTAuthentication(revoked_token_handler=by_session)], guards=[IsAuthenticated()])
    def b() -> dict:
        return {}

    client = client_for(api)
    token = pyjwt_token(claims(jti="t1"))
    assert client.get("/a", headers=bearer(token)).status_code == 200
    revoked.add("t1")
    assert client.get("/a", headers=bearer(token)).status_code == 401
    # A handler makes jti required: a token without one cannot be checked.
    assert client.get("/a", headers=bearer(pyjwt_token(claims()))).status_code == 401
    assert client.get("/b", headers=bearer(pyjwt_token(claims(jti="t2", sid="live")))).status_code == 200
    assert client.get("/b", headers=bearer(pyjwt_token(claims(jti="t3", sid="ended")))).status_code == 401
    assert seen == [("t2", "live"), ("t3", "ended")]
    with pytest.raises(Exception, match="callable"):
        JWTAuthentication(revoked_token_handler="nope")


def test_which_revocation_handlers_take_the_claims():
    from django_bolt.auth.backends import revocation_takes_claims
    from django_bolt.auth.revocation import RevocationCheck

    def one(jti):
        return False

    def two(jti, token_claims):
        return token_claims.get("sid") == "ended"

    def keyword_claims(jti, *, token_claims=None):
        return False

    assert not revocation_takes_claims(one)
    assert revocation_takes_claims(two)
    assert revocation_takes_claims(lambda jti, token_claims: False)
    assert not revocation_takes_claims(keyword_claims)
    assert not revocation_takes_claims(print)  # only *args: called with the jti alone
    # What the revocation check calls, decided the same way.
    assert RevocationCheck(two)("t", {"sid": "ended"}) is True
    assert RevocationCheck(one)("t", {"sid": "ended"}) is False


def test_auth_views_with_a_custom_validator_and_logout_everywhere(client_for):
    from django_bolt.auth import JWTAuthViews

    class Member:
        pk = "member-1"
        is_active = True

    async def validate(request, credentials):
        return Member() if credentials.password == "right" else None

    store = InMemoryRevocation()
    api = BoltAPI()
    JWTAuthViews(store=store, secure_cookies=False, credential_validator=validate).register(api)
    client = client_for(api)
    assert client.post("/auth/login", json={"username": "m", "password": "wrong"}).status_code == 401
    first = client.post("/auth/login", json={"username": "m", "password": "right"}).json()
    # A user that is not Django's rotates without a database lookup.
    rotated = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    other_device = client.post("/auth/login", json={"username": "m", "password": "right"}).json()
    r = client.post("/auth/logout-all", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 200
    assert store.get_user_version("member-1") == 1
    # Every refresh token issued before, on any device, stops rotating.
    assert client.post("/auth/refresh", json={"refresh_token": other_device["refresh_token"]}).status_code == 401
    assert client.post("/auth/logout-all", json={}).status_code == 401
    # A new login carries the new version and rotates again.
    fresh = client.post("/auth/login", json={"username": "m", "password": "right"}).json()
    assert client.post("/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).status_code == 200
