"""Revoked tokens, refresh-token families and per-user token versions.

A backend with ``revocation_store=`` (or ``revoked_token_handler=``) answers 401 for a revoked
token. ``InMemoryRevocation`` is checked in Rust without Python (one process only); the Django
cache, database and Redis stores are shared between processes and machines.

Every store method can be called plainly (``store.revoke(jti, exp)``: done when it returns) or
awaited (``await store.revoke(jti, exp=exp)``, the release's form); see ``settled.Settled``.
The database-backed stores, called inside a running event loop, return a coroutine that runs
the query on a thread: await it there."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps

from .. import _core
from ..concurrency import _running_loop
from .settled import Settled, resolve, resolve_sync

#: Revocations without a known expiry (``exp``) are kept this long (seconds).
DEFAULT_TTL = 7 * 24 * 3600
_DEFAULT_TTL_SECONDS = DEFAULT_TTL  # the release's name


def _ttl_for(exp: float | None, default: int = DEFAULT_TTL) -> int:
    """Seconds an entry must live: until the token's own ``exp`` (after it the token is refused
    anyway; a past ``exp`` gives 0), else ``default``."""
    if exp is None:
        return int(default)
    return max(0, int(exp) - int(time.time()))


class RevocationStore:
    """Interface. Implement ``revoke(jti, exp=None)`` and ``is_revoked(jti)`` (plain or
    ``async def``); ``consume``, ``revoke_family``/``is_family_revoked`` and
    ``get_user_version``/``bump_user_version`` are needed for refresh-token rotation and
    "log out everywhere" (``rotate_refresh_token``)."""

    def revoke(self, jti: str, exp: float | None = None) -> Any:
        raise NotImplementedError("This revocation store does not implement revoke")

    def is_revoked(self, jti: str) -> Any:
        raise NotImplementedError("This revocation store does not implement is_revoked")

    def revoke_all(self, user_id: str) -> Any:
        raise NotImplementedError("This revocation store does not support revoke_all; use bump_user_version")

    def consume(self, jti: str, exp: float | None = None) -> Any:
        """Marks a refresh token used; true only for the first caller (atomically)."""
        raise NotImplementedError("This revocation store does not support atomic token consumption")

    def get_user_version(self, user_id: str) -> Any:
        raise NotImplementedError("This revocation store does not support token versioning")

    def bump_user_version(self, user_id: str) -> Any:
        raise NotImplementedError("This revocation store does not support token versioning")

    def revoke_family(self, fam: str, exp: float | None = None) -> Any:
        raise NotImplementedError("This revocation store does not support family revocation")

    def is_family_revoked(self, fam: str) -> Any:
        raise NotImplementedError("This revocation store does not support family revocation")

    async def arevoke(self, jti: str, exp: float | None = None) -> None:
        await resolve(self.revoke(jti, exp=exp))

    async def ais_revoked(self, jti: str) -> bool:
        return bool(await resolve(self.is_revoked(jti)))


class _FamiliesAsEntries(RevocationStore):
    """Revokes a refresh-token family as one more revoked entry, ``fam:<id>``."""

    def _key(self, kind: str, name: str) -> str:
        raise NotImplementedError

    def revoke_family(self, fam: str, exp: float | None = None) -> Any:
        return self.revoke(self._key("fam", fam), exp=exp)

    def is_family_revoked(self, fam: str) -> Any:
        return self.is_revoked(self._key("fam", fam))


class InMemoryRevocation(_FamiliesAsEntries):
    """This process only; entries expire with their token. User versions are kept for the
    life of the process."""

    def __init__(self, default_ttl: int = DEFAULT_TTL) -> None:
        self._rust_set = _core.RevocationSet()
        self.default_ttl = default_ttl
        self._lock = threading.Lock()
        self._user_versions: dict[str, int] = {}

    def _key(self, kind: str, name: str) -> str:
        return f"{kind}:{name}"

    def _expires_at(self, exp: float | None) -> float:
        return float(exp) if exp is not None else time.time() + self.default_ttl

    def revoke(self, jti: str, exp: float | None = None) -> Settled:
        self._rust_set.revoke(jti, self._expires_at(exp))
        return Settled(None)

    def is_revoked(self, jti: str) -> Settled:
        return Settled(self._rust_set.is_revoked(jti))

    def consume(self, jti: str, exp: float | None = None) -> Settled:
        with self._lock:
            if self._rust_set.is_revoked(jti):
                return Settled(False)
            self._rust_set.revoke(jti, self._expires_at(exp))
        return Settled(True)

    def get_user_version(self, user_id: str) -> Settled:
        return Settled(self._user_versions.get(str(user_id), 0))

    def bump_user_version(self, user_id: str) -> Settled:
        with self._lock:
            version = self._user_versions.get(str(user_id), 0) + 1
            self._user_versions[str(user_id)] = version
        return Settled(version)

    def clear(self) -> None:
        """Forgets every revocation, family and user version (tests)."""
        self._rust_set.clear()
        self._user_versions.clear()


class DjangoCacheRevocation(_FamiliesAsEntries):
    """Django's cache framework (``cache_alias``); shared when the cache is (Redis, Memcached,
    database). Rotation (``consume``) and ``bump_user_version`` need a cache whose ``add`` and
    ``incr`` are atomic: the file-based and dummy caches are refused for them."""

    def __init__(self, cache_alias: str = "default", key_prefix: str = "revoked:", default_ttl: int = DEFAULT_TTL):
        self.cache_alias = cache_alias
        # The release's prefix: revocations its stores wrote stay in force after moving here.
        self.key_prefix = key_prefix
        self.default_ttl = default_ttl
        #: A cache object to use instead of ``caches[cache_alias]`` (as the release's ``_cache``).
        self._cache: Any = None

    @property
    def cache(self) -> Any:
        if self._cache is not None:
            return self._cache
        from django.core.cache import caches

        # Looked up per call: Django gives each thread its own cache connection.
        return caches[self.cache_alias]

    def _key(self, kind: str, name: str) -> str:
        return f"{kind}:{name}"

    def _run(self, work: Callable[[], Any]) -> Any:
        # The database cache queries Django's database, which is refused on an event loop.
        from django.core.cache.backends.db import BaseDatabaseCache

        if isinstance(self.cache, BaseDatabaseCache) and _running_loop() is not None:
            from asgiref.sync import sync_to_async

            return sync_to_async(work)()
        return Settled(work())

    def _require_atomic(self) -> None:
        from django.core.cache.backends.base import BaseCache
        from django.core.cache.backends.dummy import DummyCache
        from django.core.cache.backends.filebased import FileBasedCache

        cache = self.cache
        # By class or by module (a class defined in those caches' modules is no more atomic), or
        # a cache whose ``incr`` is the base class's read-then-write.
        modules = {cls.__module__ for cls in type(cache).__mro__}
        if (
            isinstance(cache, (FileBasedCache, DummyCache))
            or modules & {FileBasedCache.__module__, DummyCache.__module__}
            or getattr(type(cache), "incr", None) is BaseCache.incr
        ):
            raise NotImplementedError(
                f"{type(cache).__name__} has no atomic add/incr: refresh rotation and user versions "
                "need Redis, Memcached, the database cache or (one process) the local-memory cache"
            )

    def revoke(self, jti: str, exp: float | None = None) -> Any:
        ttl = _ttl_for(exp, self.default_ttl)
        return self._run(lambda: self.cache.set(self.key_prefix + jti, "1", timeout=ttl))

    def is_revoked(self, jti: str) -> Any:
        return self._run(lambda: self.cache.get(self.key_prefix + jti) is not None)

    def consume(self, jti: str, exp: float | None = None) -> Any:
        self._require_atomic()
        ttl = _ttl_for(exp, self.default_ttl)
        return self._run(lambda: bool(self.cache.add(self.key_prefix + jti, "1", timeout=ttl)))

    def get_user_version(self, user_id: str) -> Any:
        return self._run(lambda: int(self.cache.get(f"{self.key_prefix}ver:{user_id}") or 0))

    def bump_user_version(self, user_id: str) -> Any:
        self._require_atomic()
        key = f"{self.key_prefix}ver:{user_id}"

        def bump() -> int:
            try:
                return int(self.cache.incr(key))
            except ValueError:  # no key yet: seed it; if another caller won, count on top
                if self.cache.add(key, 1, timeout=None):  # versions never expire
                    return 1
                return int(self.cache.incr(key))

        return self._run(bump)


class DjangoORMRevocation(_FamiliesAsEntries):
    """The database (model ``django_bolt.RevokedToken``, or ``model="app.Model"`` with ``jti``
    (unique) and ``expires_at`` fields). User versions are not kept (``bump_user_version`` is
    refused): use the cache or Redis store for "log out everywhere"."""

    def __init__(self, model: str = "django_bolt.RevokedToken", default_ttl: int = DEFAULT_TTL) -> None:
        parts = model.split(".")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"model must be 'app_label.ModelName', got {model!r}")
        self.model_label = model
        self.default_ttl = default_ttl

    @property
    def model(self) -> Any:
        return apps.get_model(self.model_label)

    def _key(self, kind: str, name: str) -> str:
        return f"{kind}:{name}"

    def _run(self, work: Callable[[], Any]) -> Any:
        if _running_loop() is not None:
            from asgiref.sync import sync_to_async

            return sync_to_async(work)()
        return Settled(work())

    def _expires_at(self, exp: float | None) -> Any:
        from datetime import datetime, timedelta, timezone

        return datetime.now(timezone.utc) + timedelta(seconds=_ttl_for(exp, self.default_ttl))

    def revoke(self, jti: str, exp: float | None = None) -> Any:
        expires = self._expires_at(exp)
        return self._run(
            lambda: self.model._default_manager.update_or_create(jti=jti, defaults={"expires_at": expires})
        )

    def is_revoked(self, jti: str) -> Any:
        from django.utils import timezone

        return self._run(lambda: self.model._default_manager.filter(jti=jti, expires_at__gt=timezone.now()).exists())

    def consume(self, jti: str, exp: float | None = None) -> Any:
        from django.db import IntegrityError, transaction
        from django.utils import timezone

        expires = self._expires_at(exp)

        def consume() -> bool:
            manager = self.model._default_manager
            manager.filter(jti=jti, expires_at__lte=timezone.now()).delete()  # a stale row
            try:
                with transaction.atomic(using=manager.db):
                    manager.create(jti=jti, expires_at=expires)
            except IntegrityError:
                return False
            return True

        return self._run(consume)

    def purge_expired(self) -> int:
        """Deletes entries whose token has expired anyway; returns how many."""
        from django.utils import timezone

        deleted, _ = self.model._default_manager.filter(expires_at__lte=timezone.now()).delete()
        return deleted


class RedisRevocation(_FamiliesAsEntries):
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

    def _key(self, kind: str, name: str) -> str:
        return f"{kind}:{name}"

    def revoke(self, jti: str, exp: float | None = None) -> Settled:
        ttl = _ttl_for(exp, self.default_ttl)
        if ttl > 0:  # an expired token needs no entry (Redis refuses ex=0)
            self.client.set(self.key_prefix + jti, b"1", ex=ttl)
        return Settled(None)

    def is_revoked(self, jti: str) -> Settled:
        return Settled(bool(self.client.exists(self.key_prefix + jti)))

    def consume(self, jti: str, exp: float | None = None) -> Settled:
        ttl = max(1, _ttl_for(exp, self.default_ttl))
        return Settled(bool(self.client.set(self.key_prefix + jti, b"1", ex=ttl, nx=True)))

    def get_user_version(self, user_id: str) -> Settled:
        return Settled(int(self.client.get(f"{self.key_prefix}ver:{user_id}") or 0))

    def bump_user_version(self, user_id: str) -> Settled:
        return Settled(int(self.client.incr(f"{self.key_prefix}ver:{user_id}")))


def create_revocation_handler(store: Any) -> Callable[[str], Any]:
    """``revoked_token_handler`` form of a store: ``async handler(jti) -> bool``."""

    async def handler(jti: str) -> bool:
        return bool(await resolve(store.is_revoked(jti)))

    return handler


class RevocationCheck:
    """What Rust calls on a blocking thread for each token with a ``jti``: ``check(jti, claims)``.
    Runs a store's ``is_revoked`` or a ``revoked_token_handler`` (plain or ``async def``; one
    taking two positional parameters also gets the verified claims)."""

    def __init__(self, handler: Callable[..., Any]) -> None:
        self.handler = handler
        from .backends import revocation_takes_claims

        self.takes_claims = revocation_takes_claims(handler)

    def __call__(self, jti: str, claims: dict[str, Any]) -> bool:
        answer = self.handler(jti, claims) if self.takes_claims else self.handler(jti)
        return bool(resolve_sync(answer))


__all__ = [
    "RevocationStore",
    "InMemoryRevocation",
    "DjangoCacheRevocation",
    "DjangoORMRevocation",
    "RedisRevocation",
    "RevocationCheck",
    "create_revocation_handler",
]
