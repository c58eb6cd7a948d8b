"""One process's view of whether a backing service (the Redis cache, the Celery broker) is up.

After a failure the service is left alone for ``retry_after`` seconds, so a dead server costs
one connect timeout per process and interval, not one per request; the first failure logs a
warning and the recovery logs how long it lasted, instead of a line per request."""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("civilaffairs.outage")


class Outage:
    def __init__(self, name: str, *, retry_after: float = 5.0) -> None:
        self.name = name
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self.skipped = 0  # calls answered without the service during the current outage

    def reset(self) -> None:
        """Forget the outage (tests; a process that knows the service is back)."""
        with self._lock:
            self._down_since, self._retry_at, self.skipped = None, 0.0, 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def should_skip(self) -> bool:
        """True while the service failed less than ``retry_after`` seconds ago: answer without it."""
        if self._down_since is None or time.monotonic() >= self._retry_at:
            return False
        with self._lock:
            self.skipped += 1
        return True

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            first = self._down_since is None
            if first:
                self._down_since = now
                self.skipped = 0
            self.skipped += 1
            self._retry_at = now + self.retry_after
        if first:
            log.warning("%s unreachable (%s: %s); carrying on without it, next try in %.0f s",
                        self.name, type(exc).__name__, exc, self.retry_after)

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            lasted, skipped = time.monotonic() - self._down_since, self.skipped
            self._down_since, self._retry_at, self.skipped = None, 0.0, 0
        log.warning("%s reachable again after %.0f s (%d calls went without it)", self.name, lasted, skipped)
