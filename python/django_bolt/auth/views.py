"""``JWTAuthViews``: login, refresh and logout routes for token pairs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from ..exceptions import Unauthorized
from ..responses import JSON
from .backends import JWTAuthentication
from .settled import resolve
from .tokens import (
    DEFAULT_ACCESS_TTL,
    DEFAULT_REFRESH_TTL,
    TokenRotationError,
    _user_claims,
    _user_version,
    create_token_pair,
    rotate_refresh_token,
    set_token_cookies,
)


class LoginCredentials(msgspec.Struct):
    username: str
    password: str


class RefreshRequest(msgspec.Struct):
    refresh_token: str | None = None


class JWTAuthViews:
    """Registers ``POST {prefix}/login`` (username + password → token pair, also set as cookies),
    ``POST {prefix}/refresh`` (a refresh token from the body or cookie → a new pair; the old
    refresh token is revoked, and reusing it revokes its family) and ``POST {prefix}/logout``
    (revokes the presented access and refresh tokens, clears the cookies).

    ``auth`` is the ``JWTAuthentication`` protecting the API; pass it the same ``store`` as its
    ``revocation_store`` so logged-out access tokens stop working at once."""

    def __init__(
        self,
        *,
        store: Any,
        secret: str | None = None,
        algorithm: str = "HS256",
        kid: str | None = None,
        public_key: str | None = None,
        prefix: str = "/auth",
        access_cookie: str = "access_token",
        refresh_cookie: str = "refresh_token",
        secure_cookies: bool = True,
        access_ttl: int = DEFAULT_ACCESS_TTL,
        refresh_ttl: int = DEFAULT_REFRESH_TTL,
        credential_validator: Callable[[Any, LoginCredentials], Awaitable[Any]] | None = None,
    ) -> None:
        self.store = store
        self.secret = secret
        self.algorithm = algorithm
        self.kid = kid
        self.public_key = public_key
        self.prefix = prefix.rstrip("/")
        self.access_cookie = access_cookie
        self.refresh_cookie = refresh_cookie
        self.secure_cookies = secure_cookies
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.credential_validator = credential_validator or self._authenticate

    async def _authenticate(self, request: Any, credentials: LoginCredentials) -> Any:
        from django.contrib.auth import aauthenticate

        return await aauthenticate(username=credentials.username, password=credentials.password)

    def _respond(self, pair: Any) -> JSON:
        response = JSON(pair.as_dict())
        return set_token_cookies(
            response,
            pair,
            access_cookie=self.access_cookie,
            refresh_cookie=self.refresh_cookie,
            refresh_path=self.prefix or "/",
            secure=self.secure_cookies,
        )

    def _verifier(self, token_type: str) -> JWTAuthentication:
        return JWTAuthentication(
            secret=None if self.public_key else self.secret,
            public_key=self.public_key,
            algorithms=[self.algorithm],
            token_type=token_type,
            require_jti=True,
        )

    def register(self, api: Any) -> None:
        # The routes check credentials themselves, so the API's own auth/guards do not apply.

        @api.post(f"{self.prefix}/login", auth=[], guards=[])
        async def login(request: Any, credentials: LoginCredentials) -> Any:
            user = await self.credential_validator(request, credentials)
            if user is None or not getattr(user, "is_active", True):
                raise Unauthorized("Invalid username or password", headers={"WWW-Authenticate": 'Bearer realm="api"'})
            pair = create_token_pair(
                user,
                version=await _user_version(self.store, str(user.pk)),
                secret=self.secret,
                algorithm=self.algorithm,
                kid=self.kid,
                access_ttl=self.access_ttl,
                refresh_ttl=self.refresh_ttl,
            )
            return self._respond(pair)

        @api.post(f"{self.prefix}/refresh", auth=[], guards=[])
        async def refresh(request: Any, body: RefreshRequest | None = None) -> Any:
            token = (body.refresh_token if body else None) or request.cookies.get(self.refresh_cookie)
            if not token:
                raise Unauthorized("No refresh token", headers={"WWW-Authenticate": 'Bearer realm="api"'})
            refresh_verifier = self._verifier("refresh")
            try:
                claims = refresh_verifier._compiled().decode(token)
                user_claims: dict[str, Any] = {}
                if self.credential_validator == self._authenticate:
                    # Django's users: re-read, as staff status may have changed since login.
                    user = await _active_user(claims.get("sub"))
                    user_claims = {k: v for k, v in _user_claims(user).items() if k != "sub"}
                pair = await rotate_refresh_token(
                    claims,
                    store=self.store,
                    secret=self.secret,
                    algorithm=self.algorithm,
                    kid=self.kid,
                    access_ttl=self.access_ttl,
                    refresh_ttl=self.refresh_ttl,
                    claims=user_claims,
                )
            except (ValueError, TokenRotationError) as exc:
                raise Unauthorized(str(exc), headers={"WWW-Authenticate": 'Bearer realm="api"'}) from None
            return self._respond(pair)

        @api.post(f"{self.prefix}/logout", auth=[], guards=[])
        async def logout(request: Any, body: RefreshRequest | None = None) -> Any:
            await self._revoke_presented(request, body)
            return self._logged_out()

        @api.post(f"{self.prefix}/logout-all", auth=[], guards=[])
        async def logout_all(request: Any, body: RefreshRequest | None = None) -> Any:
            """Logs the user out everywhere: every refresh token issued before stops rotating."""
            claims = await self._revoke_presented(request, body)
            user_ids = {c.get("sub") for c in claims if c.get("sub")}
            if len(user_ids) != 1:
                raise Unauthorized("No valid token", headers={"WWW-Authenticate": 'Bearer realm="api"'})
            await resolve(self.store.bump_user_version(user_ids.pop()))
            return self._logged_out()

    def _logged_out(self) -> JSON:
        response = JSON({"detail": "Logged out"})
        response.delete_cookie(self.access_cookie, path="/")
        response.delete_cookie(self.refresh_cookie, path=self.prefix or "/")
        return response

    async def _revoke_presented(self, request: Any, body: RefreshRequest | None) -> list[dict[str, Any]]:
        """Revokes the valid tokens the request presents (access in cookie or header, refresh in
        body or cookie, with its family); returns their claims."""
        access_verifier = self._verifier("access")
        presented = [request.cookies.get(self.access_cookie)]
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            presented.append(header[7:].strip())
        refresh = (body.refresh_token if body else None) or request.cookies.get(self.refresh_cookie)
        verifiers = [(t, access_verifier) for t in presented if t]
        if refresh:
            verifiers.append((refresh, self._verifier("refresh")))
        revoked = []
        for token, verifier in verifiers:
            try:
                claims = verifier._compiled().decode(token)
            except ValueError:
                continue
            await resolve(self.store.revoke(claims["jti"], exp=claims.get("exp")))
            if claims.get("fam"):
                await resolve(self.store.revoke_family(claims["fam"], exp=claims.get("exp")))
            revoked.append(claims)
        return revoked


async def _active_user(user_id: Any) -> Any:
    """The refresh token's user, still existing and active (else the token is refused)."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    try:
        user = await model._default_manager.aget(pk=user_id)
    except (model.DoesNotExist, ValueError, TypeError):
        raise TokenRotationError("Refresh token user no longer exists") from None
    if not getattr(user, "is_active", True):
        raise TokenRotationError("Refresh token user is inactive")
    return user


__all__ = ["JWTAuthViews", "LoginCredentials"]
