"""``DjangoCacheRevocation``: the keys it writes (the release's ``revoked:`` prefix, so entries
written by the release stay in force), a cache object given directly, and the caches refused for
the operations that need an atomic ``add``/``incr``."""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django_bolt.auth import DjangoCacheRevocation


def test_entries_use_the_release_key_prefix():
    store = DjangoCacheRevocation()
    jti = uuid.uuid4().hex
    store.revoke(jti, exp=int(time.time()) + 60)
    assert caches["default"].get(f"revoked:{jti}") == "1"
    assert store.is_revoked(jti)
    # An entry the release wrote (same cache, same key) is a revocation here too.
    written_by_release = uuid.uuid4().hex
    caches["default"].set(f"revoked:{written_by_release}", "1", timeout=60)
    assert store.is_revoked(written_by_release)


def test_a_first_version_bump_seeds_the_counter_under_the_prefix():
    store = DjangoCacheRevocation()
    user = uuid.uuid4().hex
    assert store.bump_user_version(user) == 1
    assert store.bump_user_version(user) == 2
    assert caches["default"].get(f"revoked:ver:{user}") == 2


def test_a_cache_object_given_directly_is_used_instead_of_the_alias():
    own = LocMemCache(f"own-{uuid.uuid4().hex}", {})
    store = DjangoCacheRevocation()
    store._cache = own
    jti = uuid.uuid4().hex
    store.revoke(jti)
    assert own.get(f"revoked:{jti}") == "1"
    assert caches["default"].get(f"revoked:{jti}") is None
    assert store.consume("once")
    assert not store.consume("once")


def test_caches_without_atomic_operations_are_refused(tmp_path):
    store = DjangoCacheRevocation()
    store._cache = FileBasedCache(str(tmp_path), {})
    with pytest.raises(NotImplementedError, match="atomic"):
        store.consume("tok")

    class WrappedFileCache:
        """A class defined in the file cache's module (a wrapper, a copy) is no more atomic."""

        def add(self, *args, **kwargs):
            return True

        def incr(self, *args, **kwargs):
            return 1

    WrappedFileCache.__module__ = FileBasedCache.__module__
    store._cache = WrappedFileCache()
    with pytest.raises(NotImplementedError, match="atomic"):
        store.bump_user_version("u")

    class ReadThenWrite(LocMemCache):
        incr = BaseCache.incr  # get, then set: two callers can both win

    store._cache = ReadThenWrite(f"rtw-{uuid.uuid4().hex}", {})
    with pytest.raises(NotImplementedError, match="atomic"):
        store.consume("tok")
