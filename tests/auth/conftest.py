"""Keys for every supported algorithm (generated once per session with ``cryptography``, a test-only
dependency) and helpers to sign tokens independently of django-bolt (PyJWT)."""

from __future__ import annotations

import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

SECRET = "django-bolt-tests-not-secret"  # tests/settings.py SECRET_KEY


def _pem_pair(private) -> tuple[str, str]:
    priv = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    pub = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return priv, pub


@pytest.fixture(scope="session")
def keys() -> dict[str, tuple[str, str]]:
    """``{"rsa"|"p256"|"p384"|"ed25519": (private_pem, public_pem)}``."""
    return {
        "rsa": _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "p256": _pem_pair(ec.generate_private_key(ec.SECP256R1())),
        "p384": _pem_pair(ec.generate_private_key(ec.SECP384R1())),
        "ed25519": _pem_pair(ed25519.Ed25519PrivateKey.generate()),
    }


#: Key kind each algorithm needs.
FAMILY = {
    "RS256": "rsa",
    "RS384": "rsa",
    "RS512": "rsa",
    "PS256": "rsa",
    "PS384": "rsa",
    "PS512": "rsa",
    "ES256": "p256",
    "ES384": "p384",
    "EdDSA": "ed25519",
}


def claims(**extra) -> dict:
    now = int(time.time())
    return {"sub": "1", "iat": now, "exp": now + 300, **extra}


def pyjwt_token(payload: dict, key: str = SECRET, algorithm: str = "HS256", headers: dict | None = None) -> str:
    return pyjwt.encode(payload, key, algorithm=algorithm, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
