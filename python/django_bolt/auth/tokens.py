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
from .settled import resolve

DEFAULT_ACCESS_TTL = 15 * 60
DEFAULT_REFRESH_TTL = 7 * 24 * 3600
_NO_EXPIRY_LEEWAY = 100 * 365 * 24 * 3600  # Token.decode(verify_exp=False)
#: Claims ``create_token_pair`` and rotation set; ``claims=`` may not override them (``ver``
#: would escape "log out everywhere", ``oat`` the session cap).
RESERVED_CLAIMS = frozenset({"sub", "iat", "exp", "typ", "jti", "fam", "oat", "ver", "nbf", "type"})


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

    def encode(
        self,
        secret: str | bytes | None = None,
        algorithm: str = "HS256",
        kid: str | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """Signs the claims. ``headers`` may give ``kid`` (and ``typ: "JWT"``, always written);
        other header fields are refused rather than dropped."""
        if headers:
            extra = sorted(set(headers) - {"kid", "typ", "alg"})
            if extra or headers.get("typ", "JWT") != "JWT" or headers.get("alg", algorithm) != algorithm:
                raise ValueError(f"Token.encode(headers=) supports kid (and typ 'JWT') only, got {dict(headers)!r}")
            kid = headers.get("kid", kid)
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
        verify_exp: bool = True,
    ) -> Token:
        """Verifies ``token`` (``ValueError`` "Failed to decode token: <reason>" if it is not
        valid) and returns its claims. ``verify_exp=False`` accepts an expired token (its
        signature, ``nbf``, ``iat``, audience and issuer are still checked)."""
        from .backends import JWTAuthentication

        backend = JWTAuthentication(
            secret=secret,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            public_key=public_key,
            leeway=leeway if verify_exp else _NO_EXPIRY_LEEWAY,
        )
        try:
            claims = dict(backend.decode(token))
        except ValueError as exc:
            raise ValueError(f"Failed to decode token: {exc}") from None
        if not verify_exp:  # the wide leeway served exp only: nbf and iat get the caller's
            now = time.time()
            for name, message in (("nbf", "not yet valid"), ("iat", "issued in the future")):
                value = claims.get(name)
                if isinstance(value, (int, float)) and value > now + leeway:
                    raise ValueError(f"Failed to decode token: Token {message}")
        known = {f.name for f in dataclasses.fields(cls)} - {"extras"}
        fields = {k: claims.pop(k) for k in list(claims) if k in known}
        if "sub" not in fields or "exp" not in fields:
            raise ValueError("token has no sub/exp")
        for name in ("exp", "iat", "nbf"):  # times come back as UTC datetimes, as they went in
            if isinstance(fields.get(name), (int, float)):
                fields[name] = datetime.fromtimestamp(fields[name], timezone.utc)
        return cls(**fields, extras=claims, _skip_validation=True)


def _primary_key(user: Any) -> Any:
    """A Django model's ``pk``; ``id`` for a plain object standing for a user (as the release reads)."""
    pk = getattr(user, "pk", None)
    return user.id if pk is None else pk


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
    """An access token for a Django user: ``sub`` (the primary key), ``username``, ``email``,
    ``is_staff``, ``is_superuser``, a fresh ``jti``, ``iat`` and ``exp``; ``include_permissions=True`` adds the
    user's ``permissions`` (for ``HasPermission``)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(_primary_key(user)),
        "username": user.get_username() if hasattr(user, "get_username") else getattr(user, "username", ""),
        "is_staff": bool(getattr(user, "is_staff", False)),
        "is_superuser": bool(getattr(user, "is_superuser", False)),
        "email": getattr(user, "email", None) or "",
        "iat": now,
        "exp": now + int(expires_in),
        "jti": uuid.uuid4().hex,
    }
    if include_permissions:
        claims["permissions"] = sorted(user.get_all_permissions())
    claims.update(extra_claims or {})
    return encode(claims, secret, algorithm, kid)


@dataclasses.dataclass
class TokenPair:
    """An issued access + refresh pair and the claims of each (``refresh_token`` is ``""`` when
    a rotation issued only a new access token)."""

    access_token: str
    refresh_token: str
    access_claims: dict[str, Any]
    refresh_claims: dict[str, Any]
    token_type: str = "Bearer"

    @property
    def access_expires_in(self) -> int:
        return _lifetime(self.access_claims)

    @property
    def refresh_expires_in(self) -> int:
        return _lifetime(self.refresh_claims) if self.refresh_token else 0

    def as_dict(self) -> dict[str, Any]:
        """The OAuth-style body: ``access_token``, ``refresh_token``, ``token_type``,
        ``expires_in``, ``refresh_expires_in``."""
        out: dict[str, Any] = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.access_expires_in,
            "refresh_expires_in": self.refresh_expires_in,
        }
        if not self.refresh_token:
            del out["refresh_token"], out["refresh_expires_in"]
        return out


def _lifetime(claims: Mapping[str, Any]) -> int:
    return int(claims["exp"]) - int(claims.get("iat", claims["exp"]))


class TokenRotationError(Exception):
    """The refresh token cannot be exchanged: invalid, expired, of the wrong type, already used,
    revoked (itself or its family), of an older user version, or past the session cap."""


def _user_claims(user: Any) -> dict[str, Any]:
    if hasattr(user, "pk"):
        claims: dict[str, Any] = {"sub": str(user.pk)}
        if hasattr(user, "get_username"):  # a Django user: what guards and request.user read
            claims["username"] = user.get_username()
            claims["is_staff"] = bool(getattr(user, "is_staff", False))
            claims["is_superuser"] = bool(getattr(user, "is_superuser", False))
        return claims
    return {"sub": str(user)}


def _check_reserved(claims: Mapping[str, Any] | None) -> None:
    taken = sorted(RESERVED_CLAIMS & set(claims or ()))
    if taken:
        raise ValueError(f"claims= may not set the lifecycle claims {taken}")


def create_token_pair(
    user: Any,
    *,
    secret: str | bytes | None = None,
    algorithm: str = "HS256",
    kid: str | None = None,
    access_ttl: int = DEFAULT_ACCESS_TTL,
    refresh_ttl: int = DEFAULT_REFRESH_TTL,
    claims: Mapping[str, Any] | None = None,
    method: str | list[str] | None = None,
    version: int = 0,
    oat: int | None = None,
    family: str | None = None,
) -> TokenPair:
    """A short-lived access token (``typ: "access"``) and a refresh token (``typ: "refresh"``),
    each with its own ``jti``; only the refresh token carries ``fam``, its rotation family.

    ``user`` is a Django user (``sub`` is its primary key; ``username``, ``is_staff`` and
    ``is_superuser`` are added) or a bare user id. Both tokens carry ``oat`` (when the user
    authenticated: now, or ``oat=`` through rotations), ``ver`` (``version=``, the user's
    token version from ``store.get_user_version``), ``amr`` (``[method]``, RFC 8176) when
    ``method=`` is given, and ``claims``, which may not set a lifecycle claim."""
    _check_reserved(claims)
    now = int(time.time())
    base: dict[str, Any] = {**_user_claims(user), "iat": now, "oat": now if oat is None else int(oat), "ver": version}
    base.update(claims or {})
    if method is not None:
        base["amr"] = list(method) if isinstance(method, (list, tuple)) else [method]
    access = {**base, "typ": "access", "exp": now + access_ttl, "jti": uuid.uuid4().hex}
    refresh = {**base, "typ": "refresh", "exp": now + refresh_ttl, "jti": uuid.uuid4().hex}
    refresh["fam"] = family or uuid.uuid4().hex
    return TokenPair(encode(access, secret, algorithm, kid), encode(refresh, secret, algorithm, kid), access, refresh)


def _verified_refresh_claims(
    refresh: str | Mapping[str, Any], secret: Any, algorithm: str, public_key: str | None, leeway: int
) -> dict[str, Any]:
    """A token string is verified here (signature, expiry, ``typ: "refresh"``); a claims dict is
    taken as verified already (``request.context["auth_claims"]`` of a ``token_type="refresh"``
    route)."""
    if not isinstance(refresh, str):
        return dict(refresh)
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
        return dict(verifier._compiled().decode(refresh))
    except ValueError as exc:
        raise TokenRotationError(str(exc)) from None


async def rotate_refresh_token(
    refresh: str | Mapping[str, Any],
    *,
    store: Any,
    secret: str | bytes | None = None,
    algorithm: str = "HS256",
    kid: str | None = None,
    public_key: str | None = None,
    access_ttl: int = DEFAULT_ACCESS_TTL,
    refresh_ttl: int = DEFAULT_REFRESH_TTL,
    rotate: bool = True,
    max_session_lifetime: int | None = None,
    leeway: int | None = None,
    claims: Mapping[str, Any] | None = None,
) -> TokenPair:
    """Exchanges a refresh token (its string, or its verified claims) for a new pair.

    Refused with ``TokenRotationError``: no ``jti``; the token or its family revoked; a token
    already used (its whole family is then revoked: reuse means theft); ``ver`` different from
    ``store.get_user_version(sub)`` (``bump_user_version`` logs a user out everywhere); with
    ``max_session_lifetime``, a session older than that since ``oat`` (the new access token
    never outlives the cap). ``rotate=False`` issues only a new access token and leaves the
    refresh token usable. Only ``oat`` and ``amr`` are carried over: pass the other claims again
    in ``claims=`` (they may have changed since login). ``leeway``: the verifying backends'
    clock-skew tolerance, so a used token stays marked while any of them would accept it
    (default: 0 to verify a token string, 60 s of marker retention, the release's default).
    For asymmetric algorithms ``secret`` is the private key and ``public_key`` its public half."""
    _check_reserved(claims)
    if leeway is not None and leeway < 0:
        raise ValueError("leeway must be >= 0")
    old = _verified_refresh_claims(refresh, secret, algorithm, public_key, leeway or 0)
    jti = old.get("jti")
    if not isinstance(jti, str) or not jti:
        raise TokenRotationError("Refresh token missing jti")
    family = old.get("fam")
    if rotate and (not isinstance(family, str) or not family):
        raise TokenRotationError("Rotating refresh token missing family id")
    if isinstance(family, str) and family and await _store_call(store, "is_family_revoked", family):
        raise TokenRotationError("Refresh token family revoked")
    if not rotate and await resolve(store.is_revoked(jti)):
        raise TokenRotationError("Refresh token revoked")
    user_id = old.get("sub")
    if not isinstance(user_id, str) or not user_id:
        raise TokenRotationError("Refresh token missing subject")
    now = int(time.time())
    origin = _origin_time(old.get("oat"), now)
    access_ttl = _capped_access_ttl(access_ttl, origin, max_session_lifetime, now)
    version = await _user_version(store, user_id)
    try:
        token_version = int(old.get("ver", 0))
    except (TypeError, ValueError):
        raise TokenRotationError("Refresh token has invalid version") from None
    if token_version != version:  # equal, not "not older": a version from elsewhere is no proof
        raise TokenRotationError("Refresh token version does not match current version")
    carried = {k: old[k] for k in ("amr",) if k in old}
    carried.update(claims or {})
    if not rotate:
        access = {
            **carried,
            "sub": user_id,
            "iat": now,
            "exp": now + access_ttl,
            "typ": "access",
            "jti": uuid.uuid4().hex,
            "ver": version,
        }
        if origin is not None:
            access["oat"] = origin
        return TokenPair(encode(access, secret, algorithm, kid), "", access, old)
    try:
        old_exp = int(old["exp"])
    except (KeyError, TypeError, ValueError):
        raise TokenRotationError("Refresh token has invalid expiry") from None
    marker_exp = max(old_exp, now + (60 if leeway is None else leeway))
    if not await _store_call(store, "consume", jti, exp=marker_exp, what="atomic refresh rotation"):
        # Used twice: burn the family for longer than any descendant could live.
        await _store_call(store, "revoke_family", family, exp=max(now + refresh_ttl, marker_exp))
        raise TokenRotationError("Refresh token revoked or already used")
    return create_token_pair(
        user_id,
        secret=secret,
        algorithm=algorithm,
        kid=kid,
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
        claims=carried,
        version=version,
        oat=origin,
        family=family,
    )


def rotate_refresh_token_sync(refresh: str | Mapping[str, Any], **kwargs: Any) -> TokenPair:
    """``rotate_refresh_token`` for sync code (a thread without a running event loop)."""
    import asyncio

    return asyncio.run(rotate_refresh_token(refresh, **kwargs))


def _origin_time(value: Any, now: int) -> int | None:
    if value is None:
        return None
    try:
        origin = int(value)
    except (TypeError, ValueError):
        raise TokenRotationError("Refresh token has invalid origin auth time") from None
    if origin > now:
        raise TokenRotationError("Refresh token origin auth time is in the future")
    return origin


def _capped_access_ttl(access_ttl: int, origin: int | None, cap: int | None, now: int) -> int:
    if cap is None:
        return access_ttl
    if cap < 0:
        raise ValueError("max_session_lifetime must be >= 0")
    if origin is None:  # fail closed: a fresh oat would restart the session's clock
        raise TokenRotationError("Refresh token missing origin auth time")
    remaining = origin + cap - now
    if remaining <= 0:
        raise TokenRotationError("Session exceeded maximum lifetime")
    return min(access_ttl, remaining)


async def _user_version(store: Any, user_id: str) -> int:
    try:
        return int(await resolve(store.get_user_version(user_id)))
    except (NotImplementedError, AttributeError):
        return 0


async def _store_call(store: Any, name: str, *args: Any, what: str = "refresh-token families", **kwargs: Any) -> Any:
    try:
        return await resolve(getattr(store, name)(*args, **kwargs))
    except (AttributeError, NotImplementedError):
        raise TokenRotationError(f"Revocation store does not support {what}") from None


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
    """Puts a pair into ``HttpOnly`` cookies that expire with their tokens; the refresh cookie
    is limited to ``refresh_path`` (and not set when the pair has no refresh token)."""
    now = int(time.time())
    cookies = [(access_cookie, pair.access_token, pair.access_claims, "/")]
    if pair.refresh_token:
        cookies.append((refresh_cookie, pair.refresh_token, pair.refresh_claims, refresh_path))
    for name, token, claims, path in cookies:
        response.set_cookie(
            name,
            token,
            max_age=max(0, int(claims["exp"]) - now),
            path=path,
            domain=domain,
            secure=secure,
            httponly=True,
            samesite=samesite,
        )
    return response


__all__ = [
    "DEFAULT_ACCESS_TTL",
    "DEFAULT_REFRESH_TTL",
    "RESERVED_CLAIMS",
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
