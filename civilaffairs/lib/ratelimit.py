"""A per-client fixed-window limit for anonymous pages that do work on every request (the policy
self-check). Counted in the cache: with Redis unreachable the cache misses and nothing is
limited — the page stays up, which is the lesser harm. The client's address is hashed before
it becomes a cache key (no address is stored in the clear)."""
from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from .clientip import client_ip


def hit(request, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one request of this client for ``scope``; False when it is over ``limit`` in the
    current window."""
    address = client_ip(request) or "unknown"
    bucket = int(time.time() // window_seconds)
    digest = hashlib.sha256(f"{scope}|{address}".encode()).hexdigest()[:24]
    key = f"ratelimit:{scope}:{digest}:{bucket}"
    if cache.add(key, 1, timeout=window_seconds + 5):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr, or no cache: start again
        cache.add(key, 1, timeout=window_seconds + 5)
        return True
    return count <= limit
