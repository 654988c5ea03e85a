"""When to poll a feed next: its interval, what the server asked for, and its health.

A healthy feed is polled every interval (POLL_INTERVAL, or the feed's own override),
but never sooner than the feed's ``<ttl>`` or the response's ``Cache-Control:
max-age`` say its content can change, and never more often than POLL_FLOOR. A failing
feed backs off exponentially (interval x 2^(failures-1)) up to a day; a 429 or 503 with
``Retry-After`` waits at least that long. A feed that answers 410 Gone is not polled
again (the cycle marks it gone).

Polling on time: the poll job ticks every interval, always a few milliseconds late,
and never late by the same amount twice. A feed's next poll is therefore counted from
the tick of the cycle that polled it (not from its request, which comes a little after
the tick), and a feed due within a small tolerance after a tick counts as due at that
tick (:func:`due_by`). Otherwise a feed due a few milliseconds after the next tick
would wait a whole interval more: 15 minutes would become 30. The tolerance is at most
MAX_EARLY and a quarter of the interval, and a feed is still never polled sooner than
POLL_FLOOR (or a Retry-After) after its last request.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

DAY = 86_400.0
MAX_HINT = DAY  # a ttl or max-age longer than a day is not worth missing a day of news for
MAX_EARLY = 30.0  # seconds a feed may be polled before its time, to be polled at a tick
EARLY_SHARE = 0.25  # ...and never more than this share of the poll interval
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


def early_by(interval: float) -> float:
    """Seconds a feed may be polled before its time: covers how unevenly ticks fire."""
    return max(0.0, min(MAX_EARLY, EARLY_SHARE * float(interval)))


def due_by(now: datetime, interval: float) -> datetime:
    """A feed whose next poll is at or before this is due at the tick ``now``."""
    return now + timedelta(seconds=early_by(interval))


def next_poll(
    tick: datetime,
    polled: datetime,
    delay: float,
    *,
    interval: float,
    floor: float,
    retry_after: float | None = None,
) -> datetime:
    """When to poll next: ``delay`` after the cycle's tick, so the next tick finds it due.

    Never sooner than the floor (or the server's Retry-After, capped at a day) after
    this request, even counting the tolerance of :func:`due_by`: a cycle that took long
    to reach the feed does not make it polled twice in a row.
    """
    least = max(float(floor), min(float(retry_after or 0.0), DAY))
    return max(
        next_time(tick, delay),
        next_time(polled, least + early_by(interval)),
    )


def is_due(next_poll_at: datetime | None, now: datetime, interval: float | None = None) -> bool:
    """A feed never polled, or whose time has come (within the tolerance, given the
    interval)."""
    cutoff = now if interval is None else due_by(now, interval)
    return next_poll_at is None or next_poll_at <= cutoff
