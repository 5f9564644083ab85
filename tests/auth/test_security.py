"""Attacks on authentication: forged, expired, wrong-audience and wrong-algorithm tokens,
``alg: none``, HS/RS key confusion, oversized tokens, header injection from handlers."""

from __future__ import annotations

import base64
import json

import pytest
from django_bolt import BoltAPI, Request, Response
from django_bolt.auth import IsAuthenticated, JWTAuthentication

from .conftest import SECRET, bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict, payload: dict, signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def api_with(auth: JWTAuthentication) -> BoltAPI:
    api = BoltAPI(auth=[auth], guards=[IsAuthenticated()])
    ran = []

    @api.get("/secret")
    async def secret(request: Request) -> dict:
        ran.append(1)
        return {"sub": request.context["sub"]}

    api.ran = ran  # type: ignore[attr-defined]
    return api


def rejected(client, token: str, detail: str | None = None) -> None:
    r = client.get("/secret", headers=bearer(token))
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"].startswith("Bearer")
    if detail:
        assert r.json() == {"detail": detail}


def test_forged_and_tampered_tokens(client_for):
    api = api_with(JWTAuthentication())
    client = client_for(api)
    rejected(client, pyjwt_token(claims(), "guessed-secret-" + "z" * 20), "Invalid token signature")
    good = pyjwt_token(claims(sub="1"))
    head, _, sig = good.split(".")
    tampered = f"{head}.{b64(json.dumps(claims(sub='2')).encode())}.{sig}"
    rejected(client, tampered, "Invalid token signature")
    rejected(client, good[:-3], None)
    for junk in ["", "a", "a.b", "a.b.c.d", "...", "x" * 100]:
        assert client.get("/secret", headers=bearer(junk)).status_code == 401
    latin1 = client.get("/secret", headers={"Authorization": "Bearer \u00e9.\u00e9.\u00e9".encode("latin-1")})
    assert latin1.status_code == 401
    assert api.ran == []


def test_alg_none_is_refused(client_for):
    client = client_for(api_with(JWTAuthentication()))
    for alg in ["none", "None", "NONE", "nOnE"]:
        rejected(client, raw_token({"alg": alg, "typ": "JWT"}, claims()), "Token algorithm is not allowed")
    rejected(client, raw_token({"typ": "JWT"}, claims()), "Token algorithm is not allowed")
    rejected(client, raw_token({"alg": "HS256", "crit": ["exp"]}, claims()), "Malformed token")


def test_wrong_algorithm_is_refused(client_for, keys):
    client = client_for(api_with(JWTAuthentication(algorithms=["HS256"])))
    rejected(client, pyjwt_token(claims(), SECRET, "HS512"), "Token algorithm is not allowed")
    rejected(client, pyjwt_token(claims(), keys["rsa"][0], "RS256"), "Token algorithm is not allowed")


def test_hs_rs_key_confusion(client_for, keys):
    """An attacker signs HS256 with the (public) RSA key as the secret: an RS256 backend must refuse it,
    and a backend cannot be configured to accept both with one key."""
    _, public = keys["rsa"]
    client = client_for(api_with(JWTAuthentication(public_key=public, algorithms=["RS256"])))
    forged = raw_token({"alg": "HS256", "typ": "JWT"}, claims())
    import hashlib
    import hmac

    head, body, _ = forged.split(".")
    sig = hmac.new(public.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    rejected(client, f"{head}.{body}.{b64(sig)}", "Token algorithm is not allowed")
    with pytest.raises(ValueError):
        JWTAuthentication(public_key=public, algorithms=["RS256", "HS256"])._compiled()
    # ES256 signature presented as RS256 (same header alg swap) fails verification.
    es = pyjwt_token(claims(), keys["p256"][0], "ES256")
    h, b, s = es.split(".")
    swapped = f"{b64(json.dumps({'alg': 'RS256'}).encode())}.{b}.{s}"
    rejected(client, swapped, "Invalid token signature")


def test_expired_and_wrong_audience(client_for):
    import time

    client = client_for(api_with(JWTAuthentication(audience="bolt")))
    rejected(client, pyjwt_token(claims(aud="bolt", exp=int(time.time()) - 1)), "Token has expired")
    rejected(client, pyjwt_token(claims(aud="someone-else")), "Invalid token audience")
    rejected(client, pyjwt_token(claims()), "Invalid token audience")
    rejected(client, pyjwt_token(claims(aud="bolt", exp="tomorrow")), "Malformed token")


def test_oversized_tokens(client_for):
    client = client_for(api_with(JWTAuthentication()))
    big = pyjwt_token(claims(pad="x" * 9000))
    rejected(client, big, "Token is too large")


def test_handler_header_injection_is_refused(client_for):
    api = BoltAPI()

    @api.get("/inject")
    async def inject(value: str) -> Response:
        return Response({"ok": True}, headers={"X-Echo": value})

    client = client_for(api)
    assert client.get("/inject", params={"value": "fine"}).headers["x-echo"] == "fine"
    for evil in ["a\r\nSet-Cookie: session=stolen", "a\nX-Injected: 1", "a\rb"]:
        r = client.get("/inject", params={"value": evil})
        assert r.status_code == 500
        assert "set-cookie" not in r.headers and "x-injected" not in r.headers
    cookie = Response({"ok": True})
    with pytest.raises(ValueError):
        cookie.set_cookie("sid", "a\r\nX-Evil: 1")


def test_api_keys_compare_whole_keys():
    """Unit level: keys are compared as SHA-256 digests in constant time (src/auth/api_key.rs has the
    Rust unit test); here the visible contract: prefixes, extensions and case variants never match."""
    from django_bolt.auth import APIKeyAuthentication
    from django_bolt.testing import TestClient

    app = BoltAPI(auth=[APIKeyAuthentication(api_keys=["Secret-Key-0001"])], guards=[IsAuthenticated()])

    @app.get("/k")
    async def k() -> dict:
        return {}

    with TestClient(app) as client:
        for wrong in ["Secret-Key-000", "Secret-Key-00012", "secret-key-0001", "Secret-Key-0002", " ", "\x00"]:
            assert client.get("/k", headers={"x-api-key": wrong}).status_code == 401
        assert client.get("/k", headers={"x-api-key": "Secret-Key-0001"}).status_code == 200
