"""The service's Prometheus metrics, and one small function for each place that counts.

The instrumented modules call these helpers with one line each (``record_cycle(report)``
at the end of an ingestion cycle, ``observe_send(call)`` around a Bot API call...), so
what is counted and how it is named lives here. Gauges that need the database
(subscribers, outbox depth and age) are refreshed when ``/metrics`` is scraped
(:mod:`bot.ops.health`).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from prometheus_client import Counter, Gauge, Histogram

P = ParamSpec("P")
T = TypeVar("T")

FEED_POLLS = Counter(
    "newsbrief_feed_polls_total",
    "Feed polls, by outcome (ok, not_modified, failed, gone)",
    ["status"],
)
FEED_FAILURES = Counter(
    "newsbrief_feed_failures_total",
    "Failed feed polls, by reason (timeout, dns, http_5xx...)",
    ["reason"],
)
ARTICLES = Counter("newsbrief_articles_ingested_total", "New articles stored")
STORIES = Counter(
    "newsbrief_stories_ingested_total", "Stories created or updated by ingestion", ["change"]
)
LAST_POLL = Gauge(
    "newsbrief_last_successful_poll_timestamp_seconds",
    "When a feed was last polled successfully (Unix time)",
)
SUBSCRIBERS = Gauge("newsbrief_subscribers", "Subscribers, all and active", ["state"])
DIGEST_MESSAGES = Counter(
    "newsbrief_digest_messages_total",
    "Outbox (digest) messages by outcome: sent, failed, blocked, retried",
    ["outcome"],
)
OUTBOX_DEPTH = Gauge("newsbrief_outbox_pending", "Messages waiting in the outbox")
OUTBOX_AGE = Gauge(
    "newsbrief_outbox_oldest_age_seconds", "Age of the oldest message waiting in the outbox"
)
SEND_SECONDS = Histogram(
    "newsbrief_telegram_send_seconds",
    "Latency of one Bot API call that sends or edits a message",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
RATE_LIMITED = Counter("newsbrief_telegram_429_total", "429 Too Many Requests from Telegram")
BRIEF_SECONDS = Histogram(
    "newsbrief_brief_seconds",
    "Time to answer /brief, from the command to the last message sent",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
)

_REASON = re.compile(r"[a-z][a-z0-9_]{0,31}")


def failure_reason(error: str | None) -> str:
    """``timeout: read timed out`` -> ``timeout``: a bounded label, never free text."""
    head = (error or "").split(":", 1)[0].strip().lower()
    return head if _REASON.fullmatch(head) else "other"


def record_cycle(report: T) -> T:
    """Count one ingestion cycle (a :class:`bot.ingest.cycle.CycleReport`); return it."""
    succeeded = False
    for feed in report.feeds:  # type: ignore[attr-defined]
        FEED_POLLS.labels(feed.status).inc()
        if feed.status in ("failed", "gone"):
            FEED_FAILURES.labels(failure_reason(feed.error)).inc()
        else:
            succeeded = True
        ARTICLES.inc(feed.new_articles)
    STORIES.labels("created").inc(report.stories_created)  # type: ignore[attr-defined]
    STORIES.labels("updated").inc(report.stories_updated)  # type: ignore[attr-defined]
    if succeeded:
        LAST_POLL.set(time.time())
    return report


def last_poll_at() -> float | None:
    """When a feed was last polled successfully in this process (Unix time), if ever."""
    value = next(iter(LAST_POLL.collect())).samples[0].value
    return value or None


def record_flush(report: Any) -> None:
    """Count one outbox flush (a :class:`bot.delivery.DeliveryReport`)."""
    for outcome in ("sent", "failed", "blocked", "retried"):
        DIGEST_MESSAGES.labels(outcome).inc(getattr(report, outcome, 0) or 0)


def record_rate_limited() -> None:
    RATE_LIMITED.inc()


async def observe_send(call: Callable[[], Awaitable[T]]) -> T:
    """Await one Bot API call, recording how long it took (failures too)."""
    started = time.perf_counter()
    try:
        return await call()
    finally:
        SEND_SECONDS.observe(time.perf_counter() - started)


def timed_brief(handler: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorator: record how long answering a /brief took."""

    @functools.wraps(handler)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with BRIEF_SECONDS.time():
            return await handler(*args, **kwargs)

    return wrapper


def set_backlog(subscribers: int, active: int, pending: int, oldest_age: float) -> None:
    """The database-backed gauges, refreshed before a scrape."""
    SUBSCRIBERS.labels("total").set(subscribers)
    SUBSCRIBERS.labels("active").set(active)
    OUTBOX_DEPTH.set(pending)
    OUTBOX_AGE.set(oldest_age)
