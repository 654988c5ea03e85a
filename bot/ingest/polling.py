"""Polling one feed: conditional GET, parse, and the feed's row brought up to date.

:class:`FeedPoller` does for a cycle what concerns the feed itself: it asks with the
feed's validators (ETag, Last-Modified), follows a move confirmed on two polls, records
a success (validators, next poll per TTL and Cache-Control) or a failure (backoff,
Retry-After, gone on 410), and hands the entries of a feed that answered to the cycle.
A feed's failure, even an unexpected one, ends in its report and on its row; it never
reaches the other feeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.ingest import schedule
from bot.ingest.feeds import FeedEntry, FeedParseError, ParsedFeed, parse_feed
from bot.ingest.fetch import FEED_ACCEPT, Fetcher, FetchResult
from bot.ingest.fetch_errors import FetchError, HTTPStatusError
from bot.ingest.report import FeedReport

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import Store

__all__ = ["EntriesHandler", "FeedPoller", "FeedRow"]

log = logging.getLogger(__name__)


class FeedRow(Protocol):
    """What polling reads of a feed the store hands out (:class:`bot.store.Feed`)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def poll_url(self) -> str: ...
    @property
    def html_url(self) -> str | None: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def interval_seconds(self) -> int | None: ...
    @property
    def consecutive_failures(self) -> int: ...
    @property
    def moved_candidate(self) -> str | None: ...


#: Handles the entries of a feed that answered; returns how many were marked seen.
EntriesHandler = Callable[[FeedRow, list[FeedEntry], FeedReport], Awaitable[int]]


class FeedPoller:
    """Polls feeds for one cycle whose tick is ``now``."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        settings: Settings,
        now: datetime,
        entries: EntriesHandler,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.now = now
        self.started = time.monotonic()
        self.interval = float(settings.poll_interval)
        self.floor = float(settings.poll_floor)
        self.entries = entries

    async def poll(self, feed: FeedRow) -> FeedReport:
        """Poll ``feed`` once; whatever happens is in the report and on its row."""
        started = time.monotonic()
        rep = FeedReport(feed_id=feed.id, name=feed.name, url=feed.url)
        try:
            await self._poll(feed, rep)
        except Exception as exc:  # the last line of defence: one feed, one error
            log.exception("event=feed_crashed feed_id=%s url=%s", feed.id, feed.url)
            rep.status, rep.error = "failed", f"internal: {type(exc).__name__}: {exc}"
            try:
                await self._record_failure(feed, rep, None)
            except Exception:  # the database too: the report still says what happened
                log.exception("event=feed_failure_not_recorded feed_id=%s", feed.id)
        rep.seconds = time.monotonic() - started
        return rep

    def clock(self) -> datetime:
        """The cycle's ``now`` moved on by the time spent since: when a feed is polled."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def _next_poll(
        self, polled: datetime, delay: float, retry_after: float | None = None
    ) -> datetime:
        """``delay`` after this cycle's tick, so the next tick finds the feed due."""
        return schedule.next_poll(
            self.now,
            polled,
            delay,
            interval=self.interval,
            floor=self.floor,
            retry_after=retry_after,
        )

    async def _poll(self, feed: FeedRow, rep: FeedReport) -> None:
        polled = rep.polled_at = self.clock()  # the floor counts from this request
        try:
            result = await self.fetcher.fetch(
                feed.poll_url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
        except FetchError as exc:
            rep.status, rep.error, rep.http_status = "failed", str(exc), exc.status
            if isinstance(exc, HTTPStatusError) and exc.status == 410:
                rep.status = "gone"
            await self._record_failure(feed, rep, exc.retry_after)
            return
        if result.not_modified:
            await self._not_modified(feed, rep, result, polled)
            return
        rep.http_status = result.status
        try:
            parsed = parse_feed(result.body, result.url, result.headers.get("content-type"))
        except FeedParseError as exc:
            rep.status, rep.error = "failed", str(exc)
            await self._record_failure(feed, rep, None)
            return
        await self._redirects(feed, result.permanent_url, rep)  # only once it parsed
        await self._answered(feed, rep, result, parsed, polled)

    async def _not_modified(
        self, feed: FeedRow, rep: FeedReport, result: FetchResult, polled: datetime
    ) -> None:
        """304: nothing to read; the validators stay, the next poll is scheduled."""
        await self._redirects(feed, result.permanent_url, rep)
        rep.status, rep.http_status = "not_modified", 304
        delay = schedule.success_delay(
            self._interval(feed), floor=self.floor, max_age=_max_age(result)
        )
        rep.next_poll_at = self._next_poll(polled, delay)
        await self.store.record_feed_success(
            feed.id,
            etag=result.etag or feed.etag,
            last_modified=result.last_modified or feed.last_modified,
            next_poll_at=rep.next_poll_at,
            polled_at=polled,
        )
        log.info("event=feed_not_modified feed_id=%s", feed.id)

    async def _answered(
        self,
        feed: FeedRow,
        rep: FeedReport,
        result: FetchResult,
        parsed: ParsedFeed,
        polled: datetime,
    ) -> None:
        """A feed that parsed: its entries to the cycle, then its success on its row."""
        if parsed.bozo:  # readable despite errors: take what it has, say so in the report
            rep.error = f"recovered from: {parsed.bozo[:200]}"
            log.info("event=feed_bozo feed_id=%s error=%r", feed.id, parsed.bozo[:200])
        for reason in parsed.skipped:
            log.warning("event=entry_skipped feed_id=%s reason=%r", feed.id, reason)
        rep.skipped = list(parsed.skipped)
        rep.entries = len(parsed.entries)
        handled = await self.entries(feed, parsed.entries, rep)
        delay = schedule.success_delay(
            self._interval(feed),
            floor=self.floor,
            ttl_minutes=parsed.ttl_minutes,
            max_age=_max_age(result),
        )
        rep.next_poll_at = self._next_poll(polled, delay)
        await self.store.record_feed_success(
            feed.id,
            etag=result.etag,
            last_modified=result.last_modified,
            items_seen_delta=handled,
            next_poll_at=rep.next_poll_at,
            polled_at=polled,
        )
        log.info(
            "event=feed_polled feed_id=%s entries=%d new=%d articles=%d dups=%d skipped=%d",
            feed.id,
            rep.entries,
            rep.new_entries,
            rep.new_articles,
            rep.duplicates,
            len(rep.skipped),
        )

    def _interval(self, feed: FeedRow) -> float:
        """The feed's own interval, else POLL_INTERVAL."""
        return float(feed.interval_seconds or self.interval)

    async def _redirects(self, feed: FeedRow, permanent_url: str | None, rep: FeedReport) -> None:
        """Follow a feed that moved: confirmed on two polls in a row, then polled there.

        Why not at once: one 301 can be a mistake (a misconfigured server, a domain that
        changed hands, a CDN migration rolled back), and moving is sticky; a move that
        lasts a poll interval is a move. Until then the redirect is followed each time,
        at the cost of one hop. Only a poll that answered a feed (parsed, or 304) counts;
        a failed poll neither confirms nor forgets.
        """
        target = permanent_url if permanent_url != feed.poll_url else None
        if target is None and not feed.moved_candidate:
            return
        rep.moved_to = target
        rep.moved = await self.store.record_feed_redirect(feed.id, target, at=rep.polled_at)
        if target is not None:
            log.warning(
                "event=%s feed_id=%s url=%s polled=%s new_url=%s",
                "feed_moved" if rep.moved else "feed_redirected_permanently",
                feed.id,
                feed.url,
                feed.poll_url,
                target,
            )

    async def _record_failure(
        self, feed: FeedRow, rep: FeedReport, retry_after: float | None
    ) -> None:
        failures = int(feed.consecutive_failures or 0) + 1
        gone = rep.status == "gone"
        delay = schedule.failure_delay(
            self._interval(feed), failures, floor=self.floor, retry_after=retry_after
        )
        polled = rep.polled_at or self.clock()
        rep.next_poll_at = None if gone else self._next_poll(polled, delay, retry_after)
        log.warning(
            "event=feed_failed feed_id=%s url=%s error=%r failures=%d next=%s",
            feed.id,
            feed.url,
            rep.error,
            failures,
            rep.next_poll_at.isoformat() if rep.next_poll_at else None,  # one token, no space
        )
        await self.store.record_feed_failure(
            feed.id,
            rep.error or "unknown error",
            next_poll_at=rep.next_poll_at,
            gone=gone,
            polled_at=polled,
        )


def _max_age(result: FetchResult) -> int | None:
    return schedule.parse_max_age(result.headers.get("cache-control"))
