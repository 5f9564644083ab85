"""The release's token helper forms: ``Token.encode(headers=)``, ``Token.decode(verify_exp=)``
and its error prefix, ``JWTAuthentication.secret`` read from settings, ``email`` in user tokens."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import jwt as pyjwt
import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django_bolt.auth import JWTAuthentication, Token, create_jwt_for_user

from .conftest import SECRET, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def test_encode_headers():
    token = Token(sub="u", exp=datetime.now(timezone.utc) + timedelta(hours=1))
    encoded = token.encode(headers={"kid": "k-1", "typ": "JWT"})
    assert pyjwt.get_unverified_header(encoded)["kid"] == "k-1"
    with pytest.raises(ValueError, match="kid"):
        token.encode(headers={"x5u": "https://example.com/key"})


def test_decode_errors_and_expired_tokens():
    expired = pyjwt_token(claims(exp=int(time.time()) - 60, iat=int(time.time()) - 120))
    with pytest.raises(ValueError, match="Failed to decode token: Token has expired"):
        Token.decode(expired)
    assert Token.decode(expired, verify_exp=False).sub == "1"
    future = pyjwt_token(claims(nbf=int(time.time()) + 3600))
    with pytest.raises(ValueError, match="not yet valid"):
        Token.decode(future, verify_exp=False)
    with pytest.raises(ValueError, match="Failed to decode token"):
        Token.decode(expired, secret="another-secret-of-enough-length", verify_exp=False)


def test_secret_is_read_from_settings_when_used():
    backend = JWTAuthentication()
    assert backend.secret == SECRET
    with override_settings(SECRET_KEY="a-later-secret-key-for-this-test-only"):
        assert backend.secret == "a-later-secret-key-for-this-test-only"
    assert JWTAuthentication(secret="given").secret == "given"
    assert JWTAuthentication(public_key="-----BEGIN PUBLIC KEY-----\n", algorithms=["RS256"]).secret is None


@pytest.mark.django_db
def test_user_tokens_carry_email():
    user = get_user_model().objects.create_user("mail", email="mail@example.com", password="pw")
    decoded = pyjwt.decode(create_jwt_for_user(user), SECRET, algorithms=["HS256"])
    assert decoded["email"] == "mail@example.com"


def test_a_plain_object_standing_for_a_user_gets_a_token():
    """Not a Django model (no ``pk``, no ``get_username``): ``id`` and ``username`` are read."""

    class ServiceAccount:
        id = 7
        username = "robot"
        is_staff = True

    decoded = pyjwt.decode(create_jwt_for_user(ServiceAccount()), SECRET, algorithms=["HS256"])
    assert (decoded["sub"], decoded["username"], decoded["is_staff"], decoded["is_superuser"]) == (
        "7",
        "robot",
        True,
        False,
    )


def test_construction_and_startup_errors(client_for):
    from django.core.exceptions import ImproperlyConfigured
    from django_bolt import BoltAPI

    with pytest.raises(ImproperlyConfigured, match="either 'jwks_url' or 'jwks'"):
        JWTAuthentication(jwks={"keys": []}, jwks_url="https://example.com/jwks.json")
    with pytest.raises(ImproperlyConfigured, match="must not be empty"):
        JWTAuthentication(algorithms=[])

    def fails_at_startup(backend: JWTAuthentication, message: str) -> None:
        api = BoltAPI(auth=[backend])

        @api.get("/x")
        async def x() -> dict:
            return {}

        with pytest.raises(Exception, match=message):
            client_for(api).get("/x")

    fails_at_startup(JWTAuthentication(jwks={"keys": []}, algorithms=["RS256"]), "no usable keys")
    fails_at_startup(JWTAuthentication(secret="not-a-pem", algorithms=["RS256"]), "Invalid RSA public key PEM")
    fails_at_startup(JWTAuthentication(algorithms=["ES512"]), "Unsupported JWT algorithm 'ES512'")
    fails_at_startup(JWTAuthentication(algorithms=["HS256", "RS256"]), "mix key families")


def test_token_at_the_release_older_path():
    from django_bolt.auth import token as older_module
    from django_bolt.auth import tokens

    assert older_module.Token is tokens.Token is Token


def test_a_pair_lives_for_the_default_lifetimes():
    from django_bolt.auth.tokens import DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL, create_token_pair

    assert (DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL) == (15 * 60, 7 * 24 * 3600)
    pair = create_token_pair("u1")
    access, refresh = pair.access_claims, pair.refresh_claims
    assert access["exp"] - access["iat"] == DEFAULT_ACCESS_TTL
    assert refresh["exp"] - refresh["iat"] == DEFAULT_REFRESH_TTL
