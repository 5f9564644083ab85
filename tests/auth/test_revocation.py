"""Revocation stores (memory, Django cache, database, Redis), token pairs with rotation, and the
login/refresh/logout routes of ``JWTAuthViews``."""

from __future__ import annotations

import time
import uuid

import jwt as pyjwt
import pytest
from django.contrib.auth import get_user_model
from django_bolt import BoltAPI, Request
from django_bolt.auth import (
    DjangoCacheRevocation,
    DjangoORMRevocation,
    InMemoryRevocation,
    IsAuthenticated,
    JWTAuthentication,
    JWTAuthViews,
    RedisRevocation,
    TokenRotationError,
    create_token_pair,
    rotate_refresh_token_sync,
)

from .conftest import SECRET, bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def check_store(client_for, store) -> None:
    api = BoltAPI(auth=[JWTAuthentication(revocation_store=store)], guards=[IsAuthenticated()])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"jti": request.context["jti"]}

    client = client_for(api)
    jti = uuid.uuid4().hex
    token = pyjwt_token(claims(jti=jti))
    assert client.get("/me", headers=bearer(token)).json() == {"jti": jti}
    assert not store.is_revoked(jti)
    store.revoke(jti, int(time.time()) + 60)
    assert store.is_revoked(jti)
    r = client.get("/me", headers=bearer(token))
    assert r.status_code == 401
    assert r.json() == {"detail": "Token has been revoked"}
    # With a store, a token without jti cannot be revoked, so it is refused.
    assert client.get("/me", headers=bearer(pyjwt_token(claims()))).status_code == 401
    other = pyjwt_token(claims(jti=uuid.uuid4().hex))
    assert client.get("/me", headers=bearer(other)).status_code == 200


def test_in_memory_revocation(client_for):
    store = InMemoryRevocation()
    check_store(client_for, store)
    store.revoke("old", time.time() - 1)  # already expired: not kept
    assert not store.is_revoked("old")


def test_django_cache_revocation(client_for):
    check_store(client_for, DjangoCacheRevocation())


@pytest.mark.django_db(transaction=True)
def test_django_orm_revocation(client_for):
    from django_bolt.models import RevokedToken

    store = DjangoORMRevocation()
    check_store(client_for, store)
    assert RevokedToken.objects.count() == 1
    RevokedToken.objects.create(jti="expired", expires_at="2000-01-01T00:00:00Z")
    assert not store.is_revoked("expired")
    assert store.purge_expired() == 1


@pytest.mark.redis
def test_redis_revocation(client_for, redis_url):
    pytest.importorskip("redis")
    store = RedisRevocation(url=redis_url, key_prefix=f"t{uuid.uuid4().hex[:6]}:")
    check_store(client_for, store)
    ttl = store.client.ttl(
        store.key_prefix
        + next(iter(k.decode()[len(store.key_prefix) :] for k in store.client.keys(store.key_prefix + "*")))
    )
    assert 0 < ttl <= 60


def test_failing_store_refuses_the_token(client_for):
    class Broken:
        def is_revoked(self, jti: str) -> bool:
            raise ConnectionError("store down")

    api = BoltAPI(auth=[JWTAuthentication(revocation_store=Broken())], guards=[IsAuthenticated()])

    @api.get("/me")
    async def me() -> dict:
        return {}

    r = client_for(api).get("/me", headers=bearer(pyjwt_token(claims(jti="j"))))
    assert r.status_code == 503


def test_token_pair_rotation_and_reuse_detection():
    store = InMemoryRevocation()
    pair = create_token_pair("42", claims={"role": "editor"}, access_ttl=60, refresh_ttl=600)
    access = pyjwt.decode(pair.access_token, SECRET, algorithms=["HS256"])
    refresh = pyjwt.decode(pair.refresh_token, SECRET, algorithms=["HS256"])
    assert access["typ"] == "access" and refresh["typ"] == "refresh"
    assert access["sub"] == refresh["sub"] == "42" and access["role"] == "editor"
    assert access["jti"] != refresh["jti"] and "fam" in refresh and "fam" not in access
    with pytest.raises(TokenRotationError, match="Wrong token type"):
        rotate_refresh_token_sync(pair.access_token, store=store)
    new = rotate_refresh_token_sync(pair.refresh_token, store=store, claims={"role": "editor"})
    new_claims = pyjwt.decode(new.access_token, SECRET, algorithms=["HS256"])
    new_refresh = pyjwt.decode(new.refresh_token, SECRET, algorithms=["HS256"])
    assert new_claims["sub"] == "42" and new_claims["role"] == "editor" and new_refresh["fam"] == refresh["fam"]
    with pytest.raises(TokenRotationError, match="already used"):
        rotate_refresh_token_sync(pair.refresh_token, store=store)
    # Reuse revoked the family: the newest refresh token is dead too.
    with pytest.raises(TokenRotationError, match="family"):
        rotate_refresh_token_sync(new.refresh_token, store=store)
    with pytest.raises(ValueError):
        create_token_pair("1", claims={"sub": "2"})


@pytest.mark.django_db(transaction=True)
def test_jwt_auth_views_flow(client_for):
    get_user_model().objects.create_user("carol", password="pw-123", is_staff=True)
    store = InMemoryRevocation()
    api = BoltAPI(auth=[JWTAuthentication(revocation_store=store, token_type="access")], guards=[IsAuthenticated()])
    JWTAuthViews(store=store, secure_cookies=False).register(api)

    @api.get("/me")
    async def me(request: Request) -> dict:
        user = await request.auser()
        return {"username": user.username}

    client = client_for(api)
    assert client.post("/auth/login", json={"username": "carol", "password": "bad"}).status_code == 401
    r = client.post("/auth/login", json={"username": "carol", "password": "pw-123"})
    assert r.status_code == 200, r.text
    pair = r.json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    cookies = r.headers.get_list("set-cookie")
    assert any(c.startswith("access_token=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("refresh_token=") and "Path=/auth" in c for c in cookies)
    assert client.get("/me", headers=bearer(pair["access_token"])).json() == {"username": "carol"}
    # A refresh token is not an access token.
    assert client.get("/me", headers=bearer(pair["refresh_token"])).status_code == 401
    r = client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    r = client.post(
        "/auth/logout", json={"refresh_token": rotated["refresh_token"]}, headers=bearer(rotated["access_token"])
    )
    assert r.status_code == 200
    assert client.get("/me", headers=bearer(rotated["access_token"])).json() == {"detail": "Token has been revoked"}
    assert client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]}).status_code == 401
