"""Key sets: static JWKS with ``kid`` selection, JWKS fetched from a real local HTTP server (cached,
fetched again for an unknown ``kid``), and OIDC discovery."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django_bolt import BoltAPI, Request
from django_bolt.auth import IsAuthenticated, JWTAuthentication

from .conftest import bearer, claims


def jwk(private, kid: str, alg: str) -> dict:
    key = json.loads(pyjwt.algorithms.get_default_algorithms()[alg].to_jwk(private.public_key()))
    return {**key, "kid": kid, "alg": alg, "use": "sig"}


def api_for(auth: JWTAuthentication) -> BoltAPI:
    api = BoltAPI(auth=[auth], guards=[IsAuthenticated()])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"sub": request.context["sub"]}

    return api


@pytest.fixture(scope="module")
def rsa_keys():
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


def test_static_jwks_selects_by_kid(client_for, rsa_keys):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwks = {"keys": [jwk(rsa_keys[0], "r1", "RS256"), jwk(ec_key, "e1", "ES256"), {"kty": "oct", "k": "c2VjcmV0"}]}
    client = client_for(api_for(JWTAuthentication(jwks=jwks, algorithms=["RS256", "ES256"])))
    ok_rsa = pyjwt.encode(claims(sub="r"), rsa_keys[0], algorithm="RS256", headers={"kid": "r1"})
    ok_ec = pyjwt.encode(claims(sub="e"), ec_key, algorithm="ES256", headers={"kid": "e1"})
    assert client.get("/me", headers=bearer(ok_rsa)).json() == {"sub": "r"}
    assert client.get("/me", headers=bearer(ok_ec)).json() == {"sub": "e"}
    wrong_kid = pyjwt.encode(claims(), rsa_keys[0], algorithm="RS256", headers={"kid": "e1"})
    assert client.get("/me", headers=bearer(wrong_kid)).status_code == 401
    unknown = pyjwt.encode(claims(), rsa_keys[1], algorithm="RS256", headers={"kid": "zz"})
    r = client.get("/me", headers=bearer(unknown))
    assert r.status_code == 401 and r.json() == {"detail": "Token signing key is unknown"}
    # The oct key in the set is ignored: a symmetric token cannot use it.
    hs = pyjwt.encode(claims(), "secret", algorithm="HS256")
    assert client.get("/me", headers=bearer(hs)).status_code == 401


#: A provider's key set signs tokens for many apps: remote sets need the issuer and audience.
ISSUER = "https://issuer.test"
AUDIENCE = "our-api"


def remote_claims(**extra) -> dict:
    return claims(**{"iss": ISSUER, "aud": AUDIENCE, **extra})


class JwksServer:
    """A real HTTP server publishing a JWKS (and an OIDC discovery document); counts fetches."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": outer.url, "jwks_uri": outer.url + "/jwks.json"}
                elif self.path == "/jwks.json":
                    outer.fetches += 1
                    body = {"keys": outer.keys}
                elif self.path == "/moved":
                    self.send_response(302)
                    self.send_header("location", "/jwks.json")
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server():
    server = JwksServer()
    yield server
    server.close()


def test_jwks_url_cached_and_refreshed_on_unknown_kid(client_for, rsa_keys, jwks_server):
    jwks_server.keys = [jwk(rsa_keys[0], "k1", "RS256")]
    auth = JWTAuthentication(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_server.url + "/jwks.json", jwks_min_refresh=0
    )
    client = client_for(api_for(auth))
    assert jwks_server.fetches == 1  # at startup
    t1 = pyjwt.encode(remote_claims(sub="one"), rsa_keys[0], algorithm="RS256", headers={"kid": "k1"})
    for _ in range(3):
        assert client.get("/me", headers=bearer(t1)).json() == {"sub": "one"}
    assert jwks_server.fetches == 1  # cached
    # The provider rotates in a new key; a token naming it triggers one fetch.
    jwks_server.keys = [jwk(rsa_keys[0], "k1", "RS256"), jwk(rsa_keys[1], "k2", "RS256")]
    t2 = pyjwt.encode(remote_claims(sub="two"), rsa_keys[1], algorithm="RS256", headers={"kid": "k2"})
    assert client.get("/me", headers=bearer(t2)).json() == {"sub": "two"}
    assert jwks_server.fetches == 2
    assert client.get("/me", headers=bearer(t2)).json() == {"sub": "two"}
    assert jwks_server.fetches == 2


def test_unknown_kid_refetches_are_rate_limited(client_for, rsa_keys, jwks_server):
    jwks_server.keys = [jwk(rsa_keys[0], "k1", "RS256")]
    client = client_for(
        api_for(
            JWTAuthentication(
                issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_server.url + "/jwks.json", jwks_min_refresh=60
            )
        )
    )
    forged = [pyjwt.encode(remote_claims(), rsa_keys[1], algorithm="RS256", headers={"kid": f"x{i}"}) for i in range(5)]
    for token in forged:
        assert client.get("/me", headers=bearer(token)).status_code == 401
    assert jwks_server.fetches <= 2


def test_oidc_issuer_discovery(client_for, rsa_keys, jwks_server):
    jwks_server.keys = [jwk(rsa_keys[0], "k1", "RS256")]
    client = client_for(api_for(JWTAuthentication(oidc_issuer=jwks_server.url, audience=AUDIENCE)))
    good = pyjwt.encode(remote_claims(iss=jwks_server.url), rsa_keys[0], algorithm="RS256", headers={"kid": "k1"})
    assert client.get("/me", headers=bearer(good)).status_code == 200
    other_issuer = pyjwt.encode(
        remote_claims(iss="https://evil"), rsa_keys[0], algorithm="RS256", headers={"kid": "k1"}
    )
    assert client.get("/me", headers=bearer(other_issuer)).json() == {"detail": "Invalid token issuer"}


def test_provider_down_at_startup(client_for, rsa_keys):
    server = JwksServer()
    url = server.url + "/jwks.json"
    server.close()
    client = client_for(
        api_for(
            JWTAuthentication(issuer=ISSUER, audience=AUDIENCE, jwks_url=url, fetch_timeout=0.5, jwks_min_refresh=0)
        )
    )
    token = pyjwt.encode(remote_claims(), rsa_keys[0], algorithm="RS256", headers={"kid": "k1"})
    assert client.get("/me", headers=bearer(token)).status_code == 401


def test_a_set_older_than_the_refresh_interval_is_fetched_again(client_for, rsa_keys, jwks_server):
    """The first request after ``jwks_refresh_interval`` fetches the set again whatever the token's
    kid: a key the provider withdrew stops verifying then (refetches for unknown kids are held off
    by jwks_min_refresh=60, so only the interval can cause the fetch)."""
    interval = 3.0
    jwks_server.keys = [jwk(rsa_keys[0], "k1", "RS256"), jwk(rsa_keys[1], "k2", "RS256")]
    auth = JWTAuthentication(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=jwks_server.url + "/jwks.json",
        jwks_refresh_interval=interval,
        jwks_min_refresh=60,
    )
    client = client_for(api_for(auth))
    fetched_by = time.monotonic()  # the startup fetch happened before this
    assert jwks_server.fetches == 1
    t1 = pyjwt.encode(remote_claims(sub="one"), rsa_keys[0], algorithm="RS256", headers={"kid": "k1"})
    t2 = pyjwt.encode(remote_claims(sub="two"), rsa_keys[1], algorithm="RS256", headers={"kid": "k2"})
    assert client.get("/me", headers=bearer(t1)).json() == {"sub": "one"}
    assert jwks_server.fetches == 1  # cached within the interval
    jwks_server.keys = [jwk(rsa_keys[1], "k2", "RS256")]  # k1 withdrawn
    # The set is stale once the interval has passed (a documented duration, not a race).
    time.sleep(max(0.0, fetched_by + interval + 0.1 - time.monotonic()))
    r = client.get("/me", headers=bearer(t1))
    assert r.status_code == 401 and r.json() == {"detail": "Token signing key is unknown"}
    assert jwks_server.fetches == 2
    assert client.get("/me", headers=bearer(t2)).json() == {"sub": "two"}
    assert jwks_server.fetches == 2  # fresh again


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"jwks_url": "http://issuer.example/jwks.json", "issuer": ISSUER, "audience": AUDIENCE}, "HTTPS"),
        ({"oidc_issuer": "http://issuer.example", "audience": AUDIENCE}, "HTTPS"),
        ({"jwks_url": "ftp://issuer.example/jwks.json", "issuer": ISSUER, "audience": AUDIENCE}, "HTTPS"),
        ({"jwks_url": "https://issuer.example/jwks.json", "audience": AUDIENCE}, "issuer= and audience="),
        ({"jwks_url": "https://issuer.example/jwks.json", "issuer": ISSUER}, "issuer= and audience="),
        ({"oidc_issuer": "https://issuer.example"}, "audience="),
    ],
)
def test_remote_key_sets_need_https_issuer_and_audience(kwargs, match):
    """A provider's keys sign tokens for other apps too: without the audience (and issuer)
    checked, their tokens would pass; over plain HTTP anyone on the path could swap the keys."""
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=match):
        JWTAuthentication(**kwargs)


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost", "[::1]:9000"])
def test_plain_http_key_sets_are_taken_from_this_machine(host):
    auth = JWTAuthentication(jwks_url=f"http://{host}/jwks.json", issuer=ISSUER, audience=AUDIENCE)
    assert auth.to_metadata()["jwks_url"] == f"http://{host}/jwks.json"


def test_a_redirect_of_the_key_set_is_not_followed(client_for, rsa_keys, jwks_server):
    """A key set URL is the provider's own: a redirect (which could lead from HTTPS to plain HTTP)
    is a failed fetch, not a new source of keys."""
    jwks_server.keys = [jwk(rsa_keys[0], "k1", "RS256")]
    auth = JWTAuthentication(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_server.url + "/moved", jwks_min_refresh=0)
    client = client_for(api_for(auth))
    token = pyjwt.encode(remote_claims(), rsa_keys[0], algorithm="RS256", headers={"kid": "k1"})
    assert client.get("/me", headers=bearer(token)).status_code == 401
    assert jwks_server.fetches == 0
