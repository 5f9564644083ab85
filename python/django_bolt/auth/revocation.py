"""Revoked token ids (``jti``). A backend with ``revocation_store=`` answers 401 for a revoked
token. ``InMemoryRevocation`` is checked in Rust without Python (one process only); the Django
cache, database and Redis stores are shared between processes and machines."""

from __future__ import annotations

import time
from typing import Any

from .. import _core

#: Revocations without a known expiry are kept this long (seconds).
DEFAULT_TTL = 7 * 24 * 3600


def _expiry(exp: float | None, default_ttl: int) -> float:
    """Until when a revocation matters: the token's own expiry (after it, the token is refused
    anyway), else ``default_ttl`` from now."""
    return float(exp) if exp is not None else time.time() + default_ttl


class RevocationStore:
    """Interface: ``revoke(jti, exp=None)``, ``is_revoked(jti)`` and their ``a``-prefixed async forms."""

    def revoke(self, jti: str, exp: float | None = None) -> None:
        raise NotImplementedError

    def is_revoked(self, jti: str) -> bool:
        raise NotImplementedError

    async def arevoke(self, jti: str, exp: float | None = None) -> None:
        from asgiref.sync import sync_to_async

        await sync_to_async(self.revoke)(jti, exp)

    async def ais_revoked(self, jti: str) -> bool:
        from asgiref.sync import sync_to_async

        return await sync_to_async(self.is_revoked)(jti)


class InMemoryRevocation(RevocationStore):
    """This process only; entries expire with their token."""

    def __init__(self, default_ttl: int = DEFAULT_TTL) -> None:
        self._rust_set = _core.RevocationSet()
        self.default_ttl = default_ttl

    def revoke(self, jti: str, exp: float | None = None) -> None:
        self._rust_set.revoke(jti, _expiry(exp, self.default_ttl))

    def is_revoked(self, jti: str) -> bool:
        return self._rust_set.is_revoked(jti)

    async def arevoke(self, jti: str, exp: float | None = None) -> None:
        self.revoke(jti, exp)

    async def ais_revoked(self, jti: str) -> bool:
        return self.is_revoked(jti)


class DjangoCacheRevocation(RevocationStore):
    """Django's cache framework (``cache_alias``); shared when the cache is (Redis, Memcached, DB)."""

    def __init__(self, cache_alias: str = "default", key_prefix: str = "bolt:revoked:", default_ttl: int = DEFAULT_TTL):
        self.cache_alias = cache_alias
        self.key_prefix = key_prefix
        self.default_ttl = default_ttl

    @property
    def _cache(self) -> Any:
        from django.core.cache import caches

        return caches[self.cache_alias]

    def revoke(self, jti: str, exp: float | None = None) -> None:
        ttl = max(1, int(_expiry(exp, self.default_ttl) - time.time()))
        self._cache.set(self.key_prefix + jti, 1, ttl)

    def is_revoked(self, jti: str) -> bool:
        return self._cache.get(self.key_prefix + jti) is not None


class DjangoORMRevocation(RevocationStore):
    """The database (model ``django_bolt.RevokedToken``, or ``model="app.Model"`` with ``jti`` and
    ``expires_at`` fields)."""

    def __init__(self, model: str = "django_bolt.RevokedToken", default_ttl: int = DEFAULT_TTL) -> None:
        self.model_label = model
        self.default_ttl = default_ttl

    @property
    def _model(self) -> Any:
        from django.apps import apps

        return apps.get_model(self.model_label)

    def revoke(self, jti: str, exp: float | None = None) -> None:
        from datetime import datetime, timezone

        expires = datetime.fromtimestamp(_expiry(exp, self.default_ttl), tz=timezone.utc)
        self._model._default_manager.update_or_create(jti=jti, defaults={"expires_at": expires})

    def is_revoked(self, jti: str) -> bool:
        from django.utils import timezone

        return self._model._default_manager.filter(jti=jti, expires_at__gt=timezone.now()).exists()

    def purge_expired(self) -> int:
        """Deletes entries whose token has expired anyway; returns how many."""
        from django.utils import timezone

        deleted, _ = self._model._default_manager.filter(expires_at__lte=timezone.now()).delete()
        return deleted


class RedisRevocation(RevocationStore):
    """Redis (``redis`` package): keys expire with their token, shared by every process and host."""

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        key_prefix: str = "bolt:revoked:",
        client: Any = None,
        default_ttl: int = DEFAULT_TTL,
    ) -> None:
        if client is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.client = client
        self.key_prefix = key_prefix
        self.default_ttl = default_ttl

    def revoke(self, jti: str, exp: float | None = None) -> None:
        ttl = max(1, int(_expiry(exp, self.default_ttl) - time.time()))
        self.client.set(self.key_prefix + jti, b"1", ex=ttl)

    def is_revoked(self, jti: str) -> bool:
        return bool(self.client.exists(self.key_prefix + jti))


__all__ = [
    "RevocationStore",
    "InMemoryRevocation",
    "DjangoCacheRevocation",
    "DjangoORMRevocation",
    "RedisRevocation",
]
