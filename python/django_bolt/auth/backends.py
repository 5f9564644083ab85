"""Authentication backends. JWT and API-key backends are compiled once into Rust objects that verify
requests before any Python runs; ``SessionAuthentication`` uses Django's session framework."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .. import _core
from ..exceptions import AuthenticationFailed, Forbidden
from .users import DjangoUserLoader, LoopSafeUserLoader, load_user_by_pk_sync


class BaseAuthentication:
    """Base of every authentication backend.

    A custom backend implements ``authenticate(self, request)`` (``def`` or ``async def``) and
    returns the caller's identity: a user object (it becomes ``request.user``, and
    ``request.context`` gets its claims as a token would carry them) or a dict of claims (it becomes
    ``request.context``); ``None`` lets the next backend try. When no backend of the route
    identifies the caller the request is answered 401 with ``WWW-Authenticate: <scheme>`` (unless
    the route's guards include ``AllowAny()``). Raising ``AuthenticationFailed`` answers 401 at
    once. Custom backends run after the route's JWT/API-key backends found no credential, and the
    route's guards then apply to the identity they return. A sync ``authenticate`` of an
    ``async def`` route runs in a thread (it may use the ORM).
    """

    #: ``WWW-Authenticate`` scheme sent with 401 responses.
    scheme = "Bearer"

    @property
    def scheme_name(self) -> str:
        """The backend's name as ``request.context["auth_backend"]`` gives it (``"jwt"``,
        ``"api_key"``, ``"session"``); a custom backend's class name unless it sets its own."""
        return type(self).__name__

    def to_metadata(self) -> dict[str, Any]:
        """The backend's configuration as plain data (``{"type": scheme_name, ...}``), e.g. to log
        or compare it. Secrets and keys are included: do not send it to clients."""
        return {"type": self.scheme_name}

    def _compiled(self) -> Any:
        """The Rust backend, or ``None`` for backends that run in Python."""
        return None


def _read_secret_key() -> str:
    from django.conf import settings

    return settings.SECRET_KEY


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _one_or_list(values: list[str]) -> str | list[str] | None:
    """A claim setting as it is usually written: one value as a string, several as a list."""
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def _fetch_text(url: str, timeout: float) -> str:
    """The body of a GET to a key set or OIDC document (``httpx``: redirects are not followed, so
    an HTTPS URL cannot be sent on to a plain HTTP one; an error status raises)."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"JWKS/OIDC URL must be http(s): {url!r}")
    import httpx  # only apps with a remote key set pay for importing it

    response = httpx.get(url, timeout=timeout)
    response.raise_for_status()
    return response.text


def revocation_takes_claims(handler: Callable[..., Any]) -> bool:
    """Whether a ``revoked_token_handler`` is called ``handler(jti, claims)`` (it takes two
    positional parameters) rather than ``handler(jti)``; read once, when the backend compiles."""
    import inspect

    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in positional) >= 2


def __getattr__(name: str) -> Any:
    # ``backends.httpx`` as in the release (tests written for it patch ``backends.httpx.get``),
    # imported on first use rather than with every app.
    if name == "httpx":
        import httpx

        return httpx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_remote_key_set(jwks_url: str | None, oidc_issuer: str | None, issuer: Any, audience: Any) -> None:
    """A key set fetched from a provider: over HTTPS (a man in the middle could otherwise hand
    out his own keys; plain HTTP only to this machine), and with the audience (and, for
    ``jwks_url``, the issuer) checked, because the provider signs tokens for other apps too."""
    from urllib.parse import urlsplit

    from django.core.exceptions import ImproperlyConfigured

    url = jwks_url if jwks_url is not None else oidc_issuer
    if url is None:
        return
    parts = urlsplit(url)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ImproperlyConfigured(
            f"JWTAuthentication fetches keys over HTTPS only (http:// only for localhost), got {url!r}"
        )
    if jwks_url is not None and (not _as_list(issuer) or not _as_list(audience)):
        raise ImproperlyConfigured(
            "JWTAuthentication(jwks_url=) needs issuer= and audience=: the provider signs tokens for other "
            "apps too, and without both checked their tokens would pass here"
        )
    if oidc_issuer is not None and not _as_list(audience):
        raise ImproperlyConfigured(
            "JWTAuthentication(oidc_issuer=) needs audience=: the provider signs tokens for other apps too, "
            "and without the audience checked their tokens would pass here"
        )


def _is_public_key_pem(value: Any) -> bool:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return isinstance(value, str) and value.lstrip().startswith("-----BEGIN") and "PUBLIC KEY-----" in value


class JWTAuthentication(BaseAuthentication):
    """Bearer JWTs verified in Rust.

    ``secret`` (HS*) defaults to ``settings.SECRET_KEY``, read when the API is compiled;
    ``public_key`` (PEM) serves RS*/PS*/ES*/EdDSA; ``jwks`` (a JWKS dict or JSON string),
    ``jwks_url`` or ``oidc_issuer`` give a key set selected by ``kid`` and fetched again when a token
    names an unknown ``kid`` (at most every ``jwks_min_refresh`` seconds) or the set is older than
    ``jwks_refresh_interval``. Only ``algorithms`` are accepted (``alg: none`` never is).
    """

    def __init__(
        self,
        secret: str | bytes | None = None,
        algorithms: Iterable[str] | None = None,
        header: str = "authorization",
        cookie: str | None = None,
        audience: str | Iterable[str] | None = None,
        issuer: str | Iterable[str] | None = None,
        public_key: str | None = None,
        leeway: int = 0,
        jwks: Mapping[str, Any] | str | None = None,
        jwks_url: str | None = None,
        oidc_issuer: str | None = None,
        revocation_store: Any = None,
        require_jti: bool = False,
        token_type: str | None = None,
        revoked_token_handler: Any = None,
        csrf: bool = True,
        required_claims: Iterable[str] | None = None,
        jwks_refresh_interval: float = 300,
        jwks_min_refresh: float = 30,
        fetch_timeout: float = 5.0,
        user_loader: Any = None,
    ) -> None:
        from django.core.exceptions import ImproperlyConfigured

        if secret is not None and public_key is not None:
            raise ImproperlyConfigured("JWTAuthentication takes either secret= (HMAC) or public_key=, not both")
        if secret is not None and not secret:
            raise ImproperlyConfigured("JWTAuthentication secret must not be empty (omit it to use SECRET_KEY)")
        if leeway < 0:
            raise ImproperlyConfigured(f"JWTAuthentication leeway must be >= 0 seconds, got {leeway!r}")
        if _is_public_key_pem(secret) and algorithms and not any(a.upper().startswith("HS") for a in algorithms):
            # The release takes the verifying PEM as secret= for RS*/PS*/ES*/EdDSA.
            secret, public_key = None, secret.decode() if isinstance(secret, bytes) else secret
        sources = [x for x in (jwks, jwks_url, oidc_issuer) if x is not None]
        if len(sources) > 1:
            raise ImproperlyConfigured(
                "JWTAuthentication takes either 'jwks_url' or 'jwks' or 'oidc_issuer', not more than one"
            )
        if sources and (secret is not None or public_key is not None):
            raise ImproperlyConfigured("a JWKS replaces secret=/public_key=; give only one of them")
        if oidc_issuer is not None and issuer is not None:
            raise ImproperlyConfigured("oidc_issuer= sets the issuer; do not also pass issuer=")
        _check_remote_key_set(jwks_url, oidc_issuer, issuer, audience)
        if algorithms is None:
            algorithms = ["RS256"] if (sources or public_key) else ["HS256"]
        self.algorithms = list(algorithms)
        if not self.algorithms or "none" in (a.lower() for a in self.algorithms):
            raise ImproperlyConfigured(
                "JWTAuthentication algorithms must not be empty and must be real algorithms ('none' is refused)"
            )
        self._secret = secret
        self.public_key = public_key
        self.header = header.lower()
        self.cookie = cookie
        self.audience = _as_list(audience)
        self.issuer = _as_list(oidc_issuer.rstrip("/") if oidc_issuer else issuer)
        self.leeway = int(leeway)
        self.jwks = jwks
        self.jwks_url = jwks_url
        self.oidc_issuer = oidc_issuer.rstrip("/") if oidc_issuer else None
        if revoked_token_handler is not None and not callable(revoked_token_handler):
            raise ImproperlyConfigured(
                "JWTAuthentication revoked_token_handler must be callable: handler(jti[, claims])"
            )
        self.revocation_store = revocation_store
        self.revoked_token_handler = revoked_token_handler
        self.require_jti = require_jti or revocation_store is not None or revoked_token_handler is not None
        self.token_type = token_type
        self.csrf = csrf
        self.required_claims = list(required_claims or [])
        self.jwks_refresh_interval = jwks_refresh_interval
        self.jwks_min_refresh = jwks_min_refresh
        self.fetch_timeout = fetch_timeout
        if user_loader is not None and not callable(getattr(user_loader, "load_user", None)):
            raise ImproperlyConfigured(
                "JWTAuthentication(user_loader=) needs an object with load_user(user_id, claims)"
            )
        overridden = [
            n for n in ("get_user", "get_user_sync") if getattr(type(self), n) is not getattr(JWTAuthentication, n)
        ]
        if overridden and user_loader is not None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} overrides {' and '.join(overridden)} and also gets user_loader=: "
                "give one way of loading users"
            )
        if overridden:  # the release's way: the subclass's methods load request.user
            from .user_loader import BackendMethodsLoader

            user_loader = BackendMethodsLoader(self)
        self.user_loader = user_loader or DjangoUserLoader()
        self._backend: Any = None
        self._jwks_uri: str | None = jwks_url

    @property
    def secret(self) -> str | bytes | None:
        """The HMAC secret: the one given, else ``settings.SECRET_KEY`` read now (so settings
        finished after the backend was built count). ``None`` for public-key and JWKS backends."""
        if self._secret is not None or self.public_key is not None or self._uses_jwks():
            return self._secret
        return _read_secret_key()

    @secret.setter
    def secret(self, value: str | bytes | None) -> None:
        if self._backend is not None:
            raise AttributeError("the secret of a JWTAuthentication in use cannot change")
        self._secret = value

    scheme_name = "jwt"  # type: ignore[assignment]

    def to_metadata(self) -> dict[str, Any]:
        """``type``, the key (``secret``: the HMAC secret or the public key PEM), ``algorithms``,
        where the token is read (``header``, ``cookie``), the claims checked (``audience``,
        ``issuer``: one string, a list or ``None``, ``leeway``, ``token_type``,
        ``required_claims``, ``require_jti``), ``cookie_csrf`` and the key set's source
        (``jwks``, ``jwks_url``, ``oidc_issuer``)."""
        return {
            "type": "jwt",
            "secret": self.public_key if self.public_key is not None else self.secret,
            "algorithms": list(self.algorithms),
            "header": self.header,
            "cookie": self.cookie,
            "audience": _one_or_list(self.audience),
            "issuer": _one_or_list(self.issuer),
            "leeway": self.leeway,
            "token_type": self.token_type,
            "required_claims": list(self.required_claims),
            "require_jti": self.require_jti,
            "cookie_csrf": self.csrf,
            "jwks": self.jwks,
            "jwks_url": self.jwks_url,
            "oidc_issuer": self.oidc_issuer,
        }

    def _uses_jwks(self) -> bool:
        return self.jwks is not None or self.jwks_url is not None or self.oidc_issuer is not None

    def get_user_sync(self, user_id: str) -> Any:
        """The user model's row with this primary key, or ``None``. Override it (and/or
        ``get_user``) in a subclass to load users another way; ``user_loader=`` is the other."""
        from django.contrib.auth import get_user_model

        from ..concurrency import run_orm_blocking

        return run_orm_blocking(load_user_by_pk_sync, get_user_model(), user_id)

    async def get_user(self, user_id: str, auth_context: Any) -> Any:
        """Async form of ``get_user_sync`` (``await request.auser()``)."""
        from django.contrib.auth import get_user_model

        from ..concurrency import run_in_orm_executor

        return await run_in_orm_executor(load_user_by_pk_sync, get_user_model(), user_id)

    def _fetch_jwks(self) -> str:
        if self._jwks_uri is None and self.oidc_issuer is not None:
            config = json.loads(_fetch_text(self.oidc_issuer + "/.well-known/openid-configuration", self.fetch_timeout))
            self._jwks_uri = config["jwks_uri"]
        if self._jwks_uri is None:
            raise ValueError("no JWKS URL")
        return _fetch_text(self._jwks_uri, self.fetch_timeout)

    def _compiled(self) -> Any:
        """Builds the Rust backend once; later routes and requests reuse it."""
        if self._backend is not None:
            return self._backend
        kwargs: dict[str, Any] = {}
        if self.jwks is not None:
            kwargs["jwks"] = self.jwks if isinstance(self.jwks, str) else json.dumps(self.jwks)
            if not (json.loads(kwargs["jwks"]) or {}).get("keys"):
                # A static set is never fetched again: without keys no token could ever pass.
                from django.core.exceptions import ImproperlyConfigured

                raise ImproperlyConfigured("JWTAuthentication jwks= has no usable keys")
        elif self.jwks_url is not None or self.oidc_issuer is not None:
            kwargs["jwks_fetch"] = self._fetch_jwks
            try:
                kwargs["jwks"] = self._fetch_jwks()
            except Exception as exc:  # noqa: BLE001 - the provider may be down at startup
                import logging

                logging.getLogger("django_bolt.auth").warning(
                    "JWKS not fetched at startup (%s); fetching on the first token", exc
                )
        elif self.public_key is not None:
            kwargs["public_key"] = self.public_key
        else:
            secret = self.secret
            kwargs["secret"] = secret.encode() if isinstance(secret, str) else bytes(secret)
        self._backend = _core.JwtBackend(
            algorithms=self.algorithms,
            jwks_ttl=float(self.jwks_refresh_interval),
            jwks_min_refresh=float(self.jwks_min_refresh),
            audience=self.audience,
            issuer=self.issuer,
            leeway=self.leeway,
            required=self.required_claims,
            require_jti=self.require_jti,
            token_type=self.token_type,
            header=self.header,
            cookie=self.cookie,
            csrf=self.csrf,
            revocation=self._revocation(),
            user_loader=LoopSafeUserLoader(self.user_loader),
            **kwargs,
        )
        return self._backend

    def _revocation(self) -> Any:
        """What Rust checks a token's ``jti`` with: the in-memory store's Rust set (no Python per
        request), or a ``RevocationCheck`` around the handler or the store's ``is_revoked``."""
        from .revocation import InMemoryRevocation, RevocationCheck

        checks = []
        store = self.revocation_store
        if store is not None:
            if isinstance(store, InMemoryRevocation) and type(store).is_revoked is InMemoryRevocation.is_revoked:
                if self.revoked_token_handler is None:
                    return store._rust_set
            checks.append(RevocationCheck(store.is_revoked))
        if self.revoked_token_handler is not None:
            checks.append(RevocationCheck(self.revoked_token_handler))
        if not checks:
            return None
        return checks[0] if len(checks) == 1 else _AnyOf(checks)

    def decode(self, token: str) -> dict[str, Any]:
        """Verifies ``token`` like a request would (signature, claims, revocation); raises
        ``ValueError`` with the reason."""
        claims = self._compiled().decode(token)
        jti = claims.get("jti")
        check = self._revocation()
        if check is not None and jti:
            revoked = check.is_revoked(jti) if hasattr(check, "is_revoked") else check(jti, dict(claims))
            if revoked:
                raise ValueError("Token has been revoked")
        return claims


class _AnyOf:
    """A token is revoked when the store or the handler says so."""

    def __init__(self, checks: list[Any]) -> None:
        self.checks = checks

    def __call__(self, jti: str, claims: dict[str, Any]) -> bool:
        return any(check(jti, claims) for check in self.checks)


class APIKeyAuthentication(BaseAuthentication):
    """Static API keys in a header (``X-API-Key`` by default), compared in constant time.

    ``key_permissions`` maps a key to the permissions put in ``request.context["permissions"]``,
    which ``Requires("permissions", ...)``/``HasPermission`` check.
    """

    scheme = "ApiKey"

    def __init__(
        self,
        api_keys: Iterable[str] | None = None,
        header: str = "x-api-key",
        key_permissions: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.api_keys = list(api_keys or [])
        self.header = header.lower()
        self.key_permissions = {k: list(v) for k, v in (key_permissions or {}).items()}
        self._backend: Any = None

    scheme_name = "api_key"  # type: ignore[assignment]

    def to_metadata(self) -> dict[str, Any]:
        """``type``, ``api_keys`` (every accepted key), ``header`` and ``key_permissions``."""
        return {
            "type": "api_key",
            "api_keys": list(dict.fromkeys([*self.api_keys, *self.key_permissions])),
            "header": self.header,
            "key_permissions": {k: list(v) for k, v in self.key_permissions.items()},
        }

    def _compiled(self) -> Any:
        if self._backend is None:
            keys = list(dict.fromkeys([*self.api_keys, *self.key_permissions]))
            # The id shown to handlers: a short prefix, enough to tell keys apart in logs.
            entries = [(key, f"key-{i}:{key[:4]}", self.key_permissions.get(key, [])) for i, key in enumerate(keys)]
            self._backend = _core.ApiKeyBackend(entries, header=self.header, user_loader=self._user_loader())
        return self._backend

    def _user_loader(self) -> Any:
        """A subclass overriding ``get_user_sync(user_id)`` and/or ``async get_user(user_id,
        auth_context)`` (the release's way) loads ``request.user`` with them; ``user_id`` is
        ``"apikey:<key>"``. Otherwise an API key has no user (``AnonymousUser``)."""
        if not any(callable(getattr(type(self), name, None)) for name in ("get_user", "get_user_sync")):
            return None
        from .user_loader import BackendMethodsLoader

        return LoopSafeUserLoader(BackendMethodsLoader(self))


class SessionAuthentication(BaseAuthentication):
    """The Django session cookie (``django.contrib.sessions``). Runs in Python, only on the
    routes that use it.

    Such a route also gets Django's ``SessionMiddleware`` and ``AuthenticationMiddleware`` when
    the API does not run them, so ``alogin``/``alogout``/``request.session`` work in its handler
    as in a Django view (giving only one of the two is refused). Unsafe methods (``POST``, ...)
    need proof that the browser request comes from this site, with or without a session (a
    cross-site form must not log a browser in either): a valid Django CSRF token, else
    ``Sec-Fetch-Site: same-origin``/``none``, else an ``Origin``/``Referer`` of this server;
    ``csrf=False`` turns that off. ``login_url=`` redirects a request that needs a user and has
    none to that page (Django's ``redirect_to_login``, with ``?next=``) instead of a 401.
    """

    scheme = "Session"
    scheme_name = "session"  # type: ignore[assignment]

    def __init__(self, *, csrf: bool = True, login_url: str | None = None) -> None:
        if login_url is not None and (not isinstance(login_url, str) or not login_url):
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(f"SessionAuthentication(login_url=) must be a non-empty URL, got {login_url!r}")
        self.csrf = csrf
        self.login_url = login_url

    def to_metadata(self) -> dict[str, Any]:
        """``type``, ``cookie`` (``SESSION_COOKIE_NAME``), ``csrf`` and ``login_url``."""
        from django.conf import settings

        return {
            "type": "session",
            "cookie": settings.SESSION_COOKIE_NAME,
            "csrf": self.csrf,
            "login_url": self.login_url,
        }

    def authenticate(self, request: Any) -> Any:
        """The session's user, or ``None``; an unsafe method must first pass the CSRF check."""
        from .session import csrf_failure, session_user

        if self.csrf and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE", "QUERY"):
            reason = csrf_failure(request)
            if reason:
                raise Forbidden(reason)
        return session_user(request)


def get_default_authentication_classes() -> list[BaseAuthentication]:
    from ..conf import BoltConfig

    return list(BoltConfig.from_settings().authentication_classes)


__all__ = [
    "AuthenticationFailed",
    "BaseAuthentication",
    "JWTAuthentication",
    "APIKeyAuthentication",
    "SessionAuthentication",
    "get_default_authentication_classes",
    "revocation_takes_claims",
]
