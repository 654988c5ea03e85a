"""Updates already seen, by ``update_id``, so a replayed one is acted on once.

Telegram re-posts a webhook update it thinks was not received, and anyone holding a
captured update (and the webhook secret) could post it again: a /stop confirmation or
a /digest must not run twice. The memory is bounded in both time and size: ids older
than ``ttl`` seconds, or beyond the newest ``size``, are forgotten.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_TTL = 3600.0
DEFAULT_SIZE = 100_000


class SeenUpdates:
    """A bounded set of recent update ids, oldest first."""

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL,
        size: int = DEFAULT_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._seen: OrderedDict[int, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def check_and_add(self, update_id: int) -> bool:
        """True if ``update_id`` was seen within the window; remember it either way."""
        now = self._clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at <= self.ttl and len(self._seen) < self.size:
                break
            del self._seen[oldest]
        if update_id in self._seen:
            return True
        self._seen[update_id] = now
        return False
