"""The cache of verified tokens: bounded in size and in time, never past the token's expiry."""

from __future__ import annotations

import time

from cheatcode_api.adapters.auth.cache import VerifiedTokenCache
from cheatcode_api.ports.auth import AuthenticatedUser

USER = AuthenticatedUser("u")


def test_a_cached_token_is_returned_until_it_expires() -> None:
    cache = VerifiedTokenCache(10, 300)
    cache.put("fresh", USER, expires_at=time.time() + 60)
    cache.put("stale", USER, expires_at=time.time() - 1)
    assert cache.get("fresh") is USER
    assert cache.get("stale") is None
    assert cache.get("unknown") is None


def test_entries_never_outlive_max_age() -> None:
    cache = VerifiedTokenCache(10, 0.0)
    cache.put("t", USER, expires_at=time.time() + 3600)
    assert cache.get("t") is None


def test_the_least_recently_used_entry_is_evicted() -> None:
    cache = VerifiedTokenCache(2, 300)
    for token in ("a", "b"):
        cache.put(token, USER, expires_at=time.time() + 60)
    assert cache.get("a") is USER  # "b" is now the least recently used
    cache.put("c", USER, expires_at=time.time() + 60)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (USER, None, USER)


def test_size_zero_disables_caching() -> None:
    cache = VerifiedTokenCache(0, 300)
    cache.put("t", USER, expires_at=time.time() + 60)
    assert cache.get("t") is None
