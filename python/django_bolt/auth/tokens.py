"""Creating tokens: ``Token``, ``create_jwt_for_user``, access/refresh pairs with rotation.
Signing is done in Rust (the same key code that verifies)."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .. import _core, _json

DEFAULT_ACCESS_TTL = 15 * 60
DEFAULT_REFRESH_TTL = 7 * 24 * 3600
_RESERVED = frozenset({"sub", "exp", "iat", "nbf", "jti", "type", "fam"})


def _signing_key(secret: str | bytes | None) -> bytes:
    if secret is None:
        from django.conf import settings

        secret = settings.SECRET_KEY
    return secret.encode() if isinstance(secret, str) else bytes(secret)


def encode(
    claims: Mapping[str, Any], secret: str | bytes | None = None, algorithm: str = "HS256", kid: str | None = None
) -> str:
    """Signs ``claims``. ``secret`` is the HMAC secret or, for RS/PS/ES/EdDSA, the private key PEM;
    it defaults to ``settings.SECRET_KEY``."""
    return _core.jwt_encode(_json.encode(dict(claims)), algorithm, _signing_key(secret), kid)


def _timestamp(value: datetime | int | float) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())
    return int(value)


def _utc_seconds(value: datetime | int | None) -> datetime | int | None:
    # Datetimes are kept in UTC to the second (what a JWT can carry); timestamps stay as they are.
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).replace(microsecond=0)
    return value


@dataclasses.dataclass
class Token:
    """A JWT's claims; ``encode()`` signs them, ``Token.decode()`` verifies a token.

    A new token is checked: ``sub`` non-empty, ``exp`` in the future, ``iat`` (default: now) not
    in the future. ``Token.create(sub, expires_delta=...)`` builds one from a lifetime.
    """

    sub: str
    exp: datetime | int
    iat: datetime | int | None = None
    nbf: datetime | int | None = None
    iss: str | None = None
    aud: str | list[str] | None = None
    jti: str | None = None
    is_staff: bool | None = None
    is_superuser: bool | None = None
    is_admin: bool | None = None
    permissions: list[str] | None = None
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)
    _skip_validation: dataclasses.InitVar[bool] = False

    def __post_init__(self, _skip_validation: bool) -> None:
        self.exp = _utc_seconds(self.exp)  # type: ignore[assignment]
        self.nbf = _utc_seconds(self.nbf)
        self.iat = _utc_seconds(self.iat) if self.iat is not None else datetime.now(timezone.utc).replace(microsecond=0)
        if _skip_validation:  # a decoded token was verified already (with its leeway)
            return
        if not isinstance(self.sub, str) or not self.sub:
            raise ValueError("Token 'sub' must be a non-empty string")
        now = time.time()
        if _timestamp(self.exp) <= now:
            raise ValueError("Token 'exp' must be in the future")
        if _timestamp(self.iat) > now + 1:  # a second of slack for clocks read twice
            raise ValueError("Token 'iat' must be current or past")

    @classmethod
    def create(
        cls,
        sub: str,
        expires_delta: timedelta | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        is_staff: bool = False,
        is_admin: bool = False,
        permissions: list[str] | None = None,
        **extra_claims: Any,
    ) -> Token:
        """A token for ``sub`` that expires after ``expires_delta`` (default: one hour), with a
        fresh ``jti``; other keyword arguments become extra claims."""
        now = datetime.now(timezone.utc)
        return cls(
            sub=sub,
            exp=now + (expires_delta if expires_delta is not None else timedelta(hours=1)),
            iat=now,
            iss=issuer,
            aud=audience,
            jti=uuid.uuid4().hex,
            is_staff=is_staff,
            is_admin=is_admin,
            permissions=permissions,
            extras=dict(extra_claims),
        )

    def to_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": str(self.sub), "exp": _timestamp(self.exp)}
        claims["iat"] = _timestamp(self.iat) if self.iat is not None else int(time.time())
        if self.nbf is not None:
            claims["nbf"] = _timestamp(self.nbf)
        for name in ("iss", "aud", "jti", "is_staff", "is_superuser", "is_admin", "permissions"):
            value = getattr(self, name)
            if value is not None:
                claims[name] = value
        claims.update(self.extras)
        return claims

    def to_dict(self) -> dict[str, Any]:
        """The claims, datetimes as Unix timestamps (the release's name for ``to_claims``)."""
        return self.to_claims()

    def encode(self, secret: str | bytes | None = None, algorithm: str = "HS256", kid: str | None = None) -> str:
        return encode(self.to_claims(), secret, algorithm, kid)

    @classmethod
    def decode(
        cls,
        token: str,
        secret: str | bytes | None = None,
        algorithms: list[str] | None = None,
        audience: str | None = None,
        issuer: str | None = None,
        public_key: str | None = None,
        leeway: int = 0,
    ) -> Token:
        """Verifies ``token`` (``ValueError`` if it is not valid) and returns its claims."""
        from .backends import JWTAuthentication

        backend = JWTAuthentication(
            secret=secret, algorithms=algorithms, audience=audience, issuer=issuer, public_key=public_key, leeway=leeway
        )
        claims = dict(backend.decode(token))
        known = {f.name for f in dataclasses.fields(cls)} - {"extras"}
        fields = {k: claims.pop(k) for k in list(claims) if k in known}
        if "sub" not in fields or "exp" not in fields:
            raise ValueError("token has no sub/exp")
        for name in ("exp", "iat", "nbf"):  # times come back as UTC datetimes, as they went in
            if isinstance(fields.get(name), (int, float)):
                fields[name] = datetime.fromtimestamp(fields[name], timezone.utc)
        return cls(**fields, extras=claims, _skip_validation=True)


def create_jwt_for_user(
    user: Any,
    secret: str | bytes | None = None,
    algorithm: str = "HS256",
    expires_in: int = 3600,
    extra_claims: Mapping[str, Any] | None = None,
    *,
    kid: str | None = None,
    include_permissions: bool = False,
) -> str:
    """An access token for a Django user: ``sub`` (the primary key), ``username``, ``is_staff``,
    ``is_superuser``, a fresh ``jti``, ``iat`` and ``exp``; ``include_permissions=True`` adds the
    user's ``permissions`` (for ``HasPermission``)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user.pk),
        "username": user.get_username(),
        "is_staff": bool(getattr(user, "is_staff", False)),
        "is_superuser": bool(getattr(user, "is_superuser", False)),
        "iat": now,
        "exp": now + int(expires_in),
        "jti": uuid.uuid4().hex,
    }
    if include_permissions:
        claims["permissions"] = sorted(user.get_all_permissions())
    claims.update(extra_claims or {})
    return encode(claims, secret, algorithm, kid)


@dataclasses.dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_in: int
    refresh_expires_in: int
    token_type: str = "Bearer"

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.access_expires_in,
            "refresh_expires_in": self.refresh_expires_in,
        }


class TokenRotationError(Exception):
    """The refresh token is invalid, expired, of the wrong type, or was already used."""


def _user_claims(user: Any) -> dict[str, Any]:
    if hasattr(user, "pk"):
        return {
            "sub": str(user.pk),
            "username": user.get_username(),
            "is_staff": bool(getattr(user, "is_staff", False)),
            "is_superuser": bool(getattr(user, "is_superuser", False)),
        }
    return {"sub": str(user)}


def create_token_pair(
    user: Any,
    *,
    secret: str | bytes | None = None,
    algorithm: str = "HS256",
    kid: str | None = None,
    access_ttl: int = DEFAULT_ACCESS_TTL,
    refresh_ttl: int = DEFAULT_REFRESH_TTL,
    claims: Mapping[str, Any] | None = None,
    family: str | None = None,
) -> TokenPair:
    """A short-lived access token (``type: "access"``) and a refresh token (``type: "refresh"``),
    each with its own ``jti``; both share ``fam``, the rotation family. ``user`` is a Django user or
    a bare user id; ``claims`` are copied into both tokens."""
    extra = dict(claims or {})
    if _RESERVED & extra.keys():
        raise ValueError(f"claims= may not set {sorted(_RESERVED & extra.keys())}")
    now = int(time.time())
    base = {**_user_claims(user), **extra, "iat": now, "fam": family or uuid.uuid4().hex}
    access = {**base, "type": "access", "jti": uuid.uuid4().hex, "exp": now + access_ttl}
    refresh = {**base, "type": "refresh", "jti": uuid.uuid4().hex, "exp": now + refresh_ttl}
    return TokenPair(
        encode(access, secret, algorithm, kid), encode(refresh, secret, algorithm, kid), access_ttl, refresh_ttl
    )


def rotate_refresh_token_sync(
    refresh_token: str,
    *,
    store: Any,
    secret: str | bytes | None = None,
    algorithm: str = "HS256",
    kid: str | None = None,
    public_key: str | None = None,
    access_ttl: int = DEFAULT_ACCESS_TTL,
    refresh_ttl: int = DEFAULT_REFRESH_TTL,
    leeway: int = 0,
) -> TokenPair:
    """Exchanges a refresh token for a new pair and revokes the old one. Using a refresh token
    twice is treated as theft: its whole family is revoked and ``TokenRotationError`` raised.
    For asymmetric algorithms ``secret`` is the private key and ``public_key`` its public half."""
    from .backends import JWTAuthentication

    verifier = JWTAuthentication(
        secret=None if public_key else secret,
        public_key=public_key,
        algorithms=[algorithm],
        token_type="refresh",
        require_jti=True,
        leeway=leeway,
    )
    try:
        claims = dict(verifier._compiled().decode(refresh_token))
    except ValueError as exc:
        raise TokenRotationError(str(exc)) from None
    family = claims.get("fam")
    if family and store.is_revoked("fam:" + family):
        raise TokenRotationError("Refresh token family has been revoked")
    if store.is_revoked(claims["jti"]):
        if family:
            store.revoke("fam:" + family, None)
        raise TokenRotationError("Refresh token was already used")
    store.revoke(claims["jti"], claims.get("exp"))
    kept = {k: v for k, v in claims.items() if k not in _RESERVED and k not in ("iss", "aud")}
    sub = kept.pop("sub", None) or claims.get("sub")
    for name in ("username", "is_staff", "is_superuser"):
        kept.pop(name, None)
    pair_claims = {k: v for k, v in claims.items() if k in ("username", "is_staff", "is_superuser")}
    return create_token_pair(
        sub,
        secret=secret,
        algorithm=algorithm,
        kid=kid,
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
        claims={**pair_claims, **kept},
        family=family,
    )


async def rotate_refresh_token(refresh_token: str, **kwargs: Any) -> TokenPair:
    """``rotate_refresh_token_sync`` for async code (stores may do I/O)."""
    from asgiref.sync import sync_to_async

    return await sync_to_async(rotate_refresh_token_sync)(refresh_token, **kwargs)


def set_token_cookies(
    response: Any,
    pair: TokenPair,
    *,
    access_cookie: str = "access_token",
    refresh_cookie: str = "refresh_token",
    refresh_path: str = "/",
    secure: bool = True,
    samesite: str = "Lax",
    domain: str | None = None,
) -> Any:
    """Puts a pair into ``HttpOnly`` cookies; the refresh cookie is limited to ``refresh_path``."""
    response.set_cookie(
        access_cookie,
        pair.access_token,
        max_age=pair.access_expires_in,
        path="/",
        domain=domain,
        secure=secure,
        httponly=True,
        samesite=samesite,
    )
    response.set_cookie(
        refresh_cookie,
        pair.refresh_token,
        max_age=pair.refresh_expires_in,
        path=refresh_path,
        domain=domain,
        secure=secure,
        httponly=True,
        samesite=samesite,
    )
    return response


__all__ = [
    "Token",
    "TokenPair",
    "TokenRotationError",
    "encode",
    "create_jwt_for_user",
    "create_token_pair",
    "rotate_refresh_token",
    "rotate_refresh_token_sync",
    "set_token_cookies",
]
