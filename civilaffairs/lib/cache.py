"""Django's Redis cache, except that an unreachable Redis is a miss, not an error.

Everything the platform keeps in the cache can be done without it: sessions are written
through to PostgreSQL (``cached_db`` reads the database on a miss), throttles count nothing
for a while. So a dead Redis answers reads with misses and writes with no-ops, costs at most
one short connect timeout per process every few seconds (``Outage``), and logs one warning
per outage.

A write or delete that could not reach Redis leaves whatever Redis held before: a session
signed out during the outage would come back from the cache once Redis does. Every key this
process wrote while Redis was unreachable is therefore deleted from Redis before it is used
again (past ``STALE_KEYS_MAX`` keys, every key of this cache is)."""
from __future__ import annotations

import logging
import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

from .outage import Outage

log = logging.getLogger("civilaffairs.cache")

STALE_KEYS_MAX = 100_000
# A dead or unroutable Redis must cost milliseconds; a live one on the local network
# answers in well under one.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 1.0}


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, *, key_prefix: str = "", retry_after: float = 5.0, **options):
        super().__init__(servers, **options)
        self._errors = (self._lib.exceptions.ConnectionError, self._lib.exceptions.TimeoutError)
        self.outage = Outage("Redis cache", retry_after=retry_after)
        self._key_prefix = key_prefix
        self._stale: set[str] = set()
        self._stale_overflow = False
        self._stale_lock = threading.Lock()

    def _run(self, call, fallback, written=()):
        if self.outage.should_skip():
            self._remember(written)
            return fallback()
        try:
            if self._stale or self._stale_overflow:
                self._drop_stale()
            result = call()
        except self._errors as exc:
            self.outage.failed(exc)
            self._remember(written)
            return fallback()
        self.outage.succeeded()
        return result

    def _remember(self, keys) -> None:
        with self._stale_lock:
            if self._stale_overflow:
                return
            self._stale.update(keys)
            if len(self._stale) > STALE_KEYS_MAX:
                self._stale.clear()
                self._stale_overflow = True

    def _drop_stale(self) -> None:
        with self._stale_lock:
            keys, overflow = self._stale, self._stale_overflow
            self._stale, self._stale_overflow = set(), False
        try:
            client = self.get_client(None, write=True)
            if overflow:
                keys = set(client.scan_iter(match=f"{self._key_prefix}:*", count=1000))
            batch = list(keys)
            for start in range(0, len(batch), 1000):
                client.delete(*batch[start:start + 1000])
        except self._errors:
            with self._stale_lock:  # still down: keep them for the next try
                self._stale_overflow = self._stale_overflow or overflow
                if not self._stale_overflow:
                    self._stale.update(keys)
            raise
        log.info("dropped %d cache entries written while Redis was unreachable", len(keys))

    # --- the operations, each with its answer when Redis cannot be reached ---------------

    def add(self, key, value, timeout):
        # As if stored and evicted at once: a caller that then incr()s meets an ordinary miss.
        return self._run(lambda: RedisCacheClient.add(self, key, value, timeout), lambda: True, (key,))

    def get(self, key, default):
        return self._run(lambda: RedisCacheClient.get(self, key, default), lambda: default)

    def set(self, key, value, timeout):
        return self._run(lambda: RedisCacheClient.set(self, key, value, timeout), lambda: None, (key,))

    def touch(self, key, timeout):
        return self._run(lambda: RedisCacheClient.touch(self, key, timeout), lambda: False, (key,))

    def delete(self, key):
        return self._run(lambda: RedisCacheClient.delete(self, key), lambda: False, (key,))

    def get_many(self, keys):
        return self._run(lambda: RedisCacheClient.get_many(self, keys), dict)

    def has_key(self, key):
        return self._run(lambda: RedisCacheClient.has_key(self, key), lambda: False)

    def incr(self, key, delta):
        def missing():
            raise ValueError("Key '%s' not found." % key)  # what a miss means to incr()
        return self._run(lambda: RedisCacheClient.incr(self, key, delta), missing, (key,))

    def set_many(self, data, timeout):
        return self._run(lambda: RedisCacheClient.set_many(self, data, timeout), lambda: None, tuple(data))

    def delete_many(self, keys):
        keys = list(keys)
        return self._run(lambda: RedisCacheClient.delete_many(self, keys), lambda: None, tuple(keys))

    def clear(self):
        def unreachable():
            with self._stale_lock:  # whatever Redis holds is stale now
                self._stale, self._stale_overflow = set(), True
            return False
        return self._run(lambda: RedisCacheClient.clear(self), unreachable)


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that degrades to misses and no-ops.

    ``OPTIONS`` are Django's (passed to the connection pool) plus ``RETRY_AFTER``: seconds
    to leave an unreachable Redis alone before trying again (default 5)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
        options = {key: value for key, value in self._options.items() if key != "RETRY_AFTER"}
        self._options = {**DEFAULT_OPTIONS, **options}
        self._retry_after = float(params.get("OPTIONS", {}).get("RETRY_AFTER", 5.0))

    @cached_property
    def _cache(self):
        return self._class(self._servers, key_prefix=self.key_prefix, retry_after=self._retry_after,
                           **self._options)
