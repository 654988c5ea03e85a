"""When to poll a feed next: its interval, what the server asked for, and its health.

A healthy feed is polled every interval (POLL_INTERVAL, or the feed's own override),
but never sooner than the feed's ``<ttl>`` or the response's ``Cache-Control:
max-age`` say its content can change, and never more often than POLL_FLOOR. A failing
feed backs off exponentially (interval x 2^(failures-1)) up to a day; a 429 or 503 with
``Retry-After`` waits at least that long. A feed that answers 410 Gone is not polled
again (the cycle marks it gone).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

DAY = 86_400.0
MAX_HINT = DAY  # a ttl or max-age longer than a day is not worth missing a day of news for
_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)


def parse_max_age(cache_control: str | None) -> int | None:
    """Seconds of freshness from Cache-Control (s-maxage wins over max-age), or None."""
    if not cache_control:
        return None
    found = {name.lower(): int(value) for name, value in _MAX_AGE.findall(cache_control)}
    if "s-maxage" in found:
        return found["s-maxage"]
    return found.get("max-age")


def success_delay(
    interval: float,
    *,
    floor: float,
    ttl_minutes: int | None = None,
    max_age: int | None = None,
) -> float:
    """Seconds until the next poll of a feed that answered (200 or 304)."""
    delay = float(interval)
    for hint in (ttl_minutes * 60 if ttl_minutes else None, max_age):
        if hint:
            delay = max(delay, min(float(hint), MAX_HINT))
    return max(delay, float(floor))


def failure_delay(
    interval: float,
    failures: int,
    *,
    floor: float,
    retry_after: float | None = None,
    cap: float = DAY,
) -> float:
    """Seconds until the retry of a feed that has failed ``failures`` times in a row."""
    exponent = min(max(failures - 1, 0), 32)
    delay = min(float(interval) * (2**exponent), cap)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), cap))
    return max(delay, float(floor))


def next_time(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)


def is_due(next_poll_at: datetime | None, now: datetime) -> bool:
    """A feed never polled, or whose time has come."""
    return next_poll_at is None or next_poll_at <= now
