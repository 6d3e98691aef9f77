"""Failed API-key attempts counted per client address: past ``limit`` failures within
``window`` seconds the address gets 429 (with Retry-After) until the oldest failure ages
out, whatever key it sends. In-process: each service process counts on its own."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

#: addresses tracked at most; past that, those whose failures are all old are dropped first
MAX_ADDRESSES = 100_000


class FailureLimiter:
    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try a key again, or None if it may now."""
        times = self.failures.get(address)
        if not times:
            return None
        now = self.clock()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self.failures[address]
            return None
        if len(times) < self.limit:
            return None
        return max(1, math.ceil(times[0] + self.window - now))

    def failed(self, address: str) -> None:
        if len(self.failures) >= MAX_ADDRESSES and address not in self.failures:
            self._prune()
        self.failures.setdefault(address, deque(maxlen=self.limit)).append(self.clock())

    def _prune(self) -> None:
        horizon = self.clock() - self.window
        for address in [a for a, t in self.failures.items() if not t or t[-1] <= horizon]:
            del self.failures[address]
        while len(self.failures) >= MAX_ADDRESSES:
            del self.failures[next(iter(self.failures))]
