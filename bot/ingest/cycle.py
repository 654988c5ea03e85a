"""One ingestion cycle: poll the due feeds, turn new entries into articles and stories.

:func:`run_cycle` is what the scheduler's job (and ``newsbrief ingest --once``) calls.
Every feed is polled concurrently, within the fetcher's per-host and overall limits,
and each feed's failure is caught, recorded on the feed (error, backoff, or gone) and
reported, so one bad feed never holds up or breaks the others; a bad item in a feed is
skipped with its reason and the rest of the feed is stored. An entry is new when
neither its key (GUID, else link) in its feed nor its canonical URL has been seen.

Per entry: fetch the page (HTML only), extract its main text (or use the feed's text
when the page fails or says too little), analyse it, then, under one lock so two copies
arriving at once cannot both start a story: drop it if its canonical URL is stored,
attach it to the story of a near-duplicate (MinHash), else to the best matching recent
story (people, countries, wording), else start a story. The article, its story
membership and its entry's seen mark are written in one transaction: a process killed
at any point leaves all of it or none of it (then the entry is simply new again).

Extraction and analysis run in worker processes (:mod:`bot.ingest.workers`), a page's
together within INGEST_PAGE_BUDGET seconds of work: a hostile page costs its budget,
its worker is killed and replaced, and the entry is stored from what is left (the
feed's text, which gets a budget of its own; no analysis) with the reason on its seen
mark. A story's brief has the same budget. Briefs of the stories touched are
rebuilt once at the end of the cycle, each on its own; a cycle first repairs what a
crash may have left: articles in no story, and stories whose brief misses articles.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.ingest import dedupe, schedule, worker_tasks
from bot.ingest.canonical import canonicalize_url, resolve_canonical
from bot.ingest.extract import Extracted, choose_text, is_html
from bot.ingest.feeds import FeedEntry, FeedParseError, parse_feed
from bot.ingest.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetcher, FetchLimits
from bot.ingest.fetch_errors import FetchError, HTTPStatusError
from bot.ingest.stories import Profile, StoryIndex
from bot.ingest.workers import TaskFailed, WorkerPool, shared_pool
from bot.settings import Settings
from bot.store.errors import is_database_error
from bot.store.records import EntryMark, StoryPlan
from bot.store.types import storable

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

MAX_BRIEF_ARTICLES = 12  # a story's brief is made of its most recent articles
FUTURE_SLACK = timedelta(hours=1)  # feeds dated in the future are clamped to now
REPAIR_LIMIT = 200  # orphans and stories without their brief repaired per cycle


@dataclass(slots=True)
class FeedReport:
    """What happened to one feed in a cycle."""

    feed_id: int
    name: str
    url: str
    status: str = "ok"  # ok | not_modified | failed | gone
    error: str | None = None
    http_status: int | None = None
    entries: int = 0
    new_entries: int = 0
    new_articles: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    pages_fetched: int = 0
    page_failures: int = 0
    feed_text_used: int = 0
    moved_to: str | None = None  # the feed redirected permanently here
    moved: bool = False  # ...on two polls in a row: it is polled there from now on
    polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # bad items left out, with why
    entry_failures: list[str] = field(default_factory=list)  # "key: why", stored or not

    @property
    def answered(self) -> bool:
        """The feed could be polled (a feed, or 304), whatever became of its entries."""
        return self.status in ("ok", "not_modified")


@dataclass(slots=True)
class CycleReport:
    """What one cycle did, for the logs, ``newsbrief ingest --once`` and benchmarks."""

    started_at: datetime
    seconds: float = 0.0
    feeds: list[FeedReport] = field(default_factory=list)
    stories_created: int = 0
    stories_updated: int = 0
    briefs_built: int = 0
    briefs_failed: int = 0
    analysis_errors: int = 0
    pruned_articles: int = 0
    orphans_repaired: int = 0
    briefs_repaired: int = 0
    worker_timeouts: int = 0

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.feeds)

    @property
    def feeds_polled(self) -> int:
        return len(self.feeds)

    @property
    def feeds_answered(self) -> int:
        return sum(1 for f in self.feeds if f.answered)

    @property
    def feeds_not_modified(self) -> int:
        return sum(1 for f in self.feeds if f.status == "not_modified")

    @property
    def feeds_failed(self) -> int:
        return sum(1 for f in self.feeds if f.status in ("failed", "gone"))

    @property
    def failures(self) -> list[FeedReport]:
        return [f for f in self.feeds if f.status in ("failed", "gone")]

    @property
    def new_entries(self) -> int:
        return self._sum("new_entries")

    @property
    def new_articles(self) -> int:
        return self._sum("new_articles")

    @property
    def duplicates(self) -> int:
        return self._sum("duplicates")

    @property
    def near_duplicates(self) -> int:
        return self._sum("near_duplicates")

    @property
    def pages_fetched(self) -> int:
        return self._sum("pages_fetched")

    @property
    def page_failures(self) -> int:
        return self._sum("page_failures")

    @property
    def feed_text_used(self) -> int:
        return self._sum("feed_text_used")

    @property
    def items_skipped(self) -> int:
        return sum(len(f.skipped) for f in self.feeds)

    def summary(self) -> str:
        return (
            f"feeds polled {self.feeds_polled}, not modified {self.feeds_not_modified}, "
            f"failed {self.feeds_failed}; new articles {self.new_articles}, "
            f"duplicates {self.duplicates} (near {self.near_duplicates}); "
            f"stories new {self.stories_created}, updated {self.stories_updated}; "
            f"pages {self.pages_fetched} (failed {self.page_failures}, "
            f"feed text {self.feed_text_used}); items skipped {self.items_skipped}; "
            f"repaired {self.orphans_repaired} orphans, {self.briefs_repaired} briefs; "
            f"{self.seconds:.2f} s"
        )


class FeedRow(Protocol):
    """What the cycle reads of a feed the store hands out (:class:`bot.store.Feed`)."""

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


class ArticleRow(Protocol):
    """What the cycle reads of a stored article (:class:`bot.store.Article`)."""

    @property
    def id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def analysis(self) -> dict[str, Any] | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def fetched_at(self) -> datetime: ...


class OrphanRow(ArticleRow, Protocol):
    """An article in no story, with its signature to place it by."""

    @property
    def minhash(self) -> bytes | None: ...


#: What a story's brief is made of, per article: (analysis JSON, text, title).
BriefInput = tuple[dict[str, Any], str, str | None]


@dataclass(slots=True)
class _Item:
    """An entry on its way to becoming an article."""

    entry: FeedEntry
    url: str
    canonical: str
    text: str = ""
    text_source: str = "feed"
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    content_hash: str = ""
    signature: Any = None  # datasketch MinHash of the text
    analysis: dict[str, Any] | None = None  # Analysis.to_dict()
    people: list[str] = field(default_factory=list)  # persons named (story matching)
    errors: list[str] = field(default_factory=list)  # what failed on the way, and why
    budget: float = 0.0  # seconds of worker time left for this page


def content_hash(text: str) -> str:
    """A hash of the text with whitespace and case normalised: exact copies share it."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


def _transient(exc: BaseException) -> bool:
    """The database or the network failing for now (try the entry again next poll); any
    other exception is the entry's own fault."""
    return isinstance(exc, OSError | TimeoutError) or is_database_error(exc)


class _Cycle:
    def __init__(
        self, store: Store, settings: Settings, fetcher: Fetcher, pool: WorkerPool, now: datetime
    ) -> None:
        self.store = store
        self.settings = settings
        self.fetcher = fetcher
        self.pool = pool
        self.now = now
        self.started = time.monotonic()
        self.report = CycleReport(started_at=now)
        self.interval = float(settings.poll_interval)
        self.floor = float(settings.poll_floor)
        self.window = timedelta(hours=settings.story_window_hours)
        self.oldest = now - timedelta(days=settings.retention_days)
        self.budget = settings.ingest_page_budget
        self.page_cap = settings.http_max_page_bytes
        self.lock = asyncio.Lock()
        self.recent_lock = asyncio.Lock()
        # entries in flight at once: bounds memory (bodies waiting for extraction)
        self.in_flight = asyncio.Semaphore(settings.ingest_concurrency)
        self.index: dedupe.NearDuplicateIndex | None = None
        self.article_story: dict[int, int | None] = {}
        self.stories = StoryIndex(self.window)
        self.touched: dict[int, list[tuple[int, BriefInput | None]]] = {}
        self.repair_at: dict[int, datetime] = {}  # stories rebuilt without news: keep date
        self.created: set[int] = set()
        self.canonicals: set[str] = set()  # stored this cycle
        self.claimed: set[str] = set()  # being handled this cycle (page URL or rel=canonical)
        self.analyses: dict[str, asyncio.Future[Any]] = {}

    async def _work(self, step: str, function: Any, *args: Any, item: _Item | None = None) -> Any:
        """One step in a worker process; TaskFailed says why it gave nothing.

        With ``item``, the step spends what is left of that page's budget; else it has
        a whole budget (a story's brief).
        """
        budget = self.budget if item is None else item.budget
        if budget <= 0:
            raise TaskFailed(f"{step}: no time left of the page's budget of {self.budget:g} s")
        started = time.monotonic()
        try:
            return await self.pool.run(function, *args, budget=budget)
        except TaskFailed as exc:
            if "timeout" in exc.reason:
                self.report.worker_timeouts += 1
            raise TaskFailed(f"{step}: {exc.reason}") from None
        finally:
            if item is not None:
                item.budget -= time.monotonic() - started

    # ---------------------------------------------------------------- feeds
    async def poll(self, feed: FeedRow) -> FeedReport:
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
        interval = float(feed.interval_seconds or self.interval)
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
        max_age = schedule.parse_max_age(result.headers.get("cache-control"))
        if result.not_modified:
            await self._redirects(feed, result.permanent_url, rep)
            rep.status, rep.http_status = "not_modified", 304
            delay = schedule.success_delay(interval, floor=self.floor, max_age=max_age)
            rep.next_poll_at = self._next_poll(polled, delay)
            await self.store.record_feed_success(
                feed.id,
                etag=result.etag or feed.etag,
                last_modified=result.last_modified or feed.last_modified,
                next_poll_at=rep.next_poll_at,
                polled_at=polled,
            )
            log.info("event=feed_not_modified feed_id=%s", feed.id)
            return
        rep.http_status = result.status
        try:
            parsed = parse_feed(result.body, result.url, result.headers.get("content-type"))
        except FeedParseError as exc:
            rep.status, rep.error = "failed", str(exc)
            await self._record_failure(feed, rep, None)
            return
        await self._redirects(feed, result.permanent_url, rep)  # only once it parsed
        if parsed.bozo:  # readable despite errors: take what it has, say so in the report
            rep.error = f"recovered from: {parsed.bozo[:200]}"
            log.info("event=feed_bozo feed_id=%s error=%r", feed.id, parsed.bozo[:200])
        for reason in parsed.skipped:
            log.warning("event=entry_skipped feed_id=%s reason=%r", feed.id, reason)
        rep.skipped = list(parsed.skipped)
        rep.entries = len(parsed.entries)
        handled = await self._entries(feed, parsed.entries, rep)
        delay = schedule.success_delay(
            interval, floor=self.floor, ttl_minutes=parsed.ttl_minutes, max_age=max_age
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
        interval = float(feed.interval_seconds or self.interval)
        failures = int(feed.consecutive_failures or 0) + 1
        gone = rep.status == "gone"
        delay = schedule.failure_delay(
            interval, failures, floor=self.floor, retry_after=retry_after
        )
        polled = rep.polled_at or self.clock()
        rep.next_poll_at = None if gone else self._next_poll(polled, delay, retry_after)
        log.warning(
            "event=feed_failed feed_id=%s url=%s error=%r failures=%d next=%s",
            feed.id,
            feed.url,
            rep.error,
            failures,
            rep.next_poll_at,
        )
        await self.store.record_feed_failure(
            feed.id,
            rep.error or "unknown error",
            next_poll_at=rep.next_poll_at,
            gone=gone,
            polled_at=polled,
        )

    # ---------------------------------------------------------------- entries
    async def _entries(self, feed: FeedRow, entries: list[FeedEntry], rep: FeedReport) -> int:
        """Handle the new entries of one feed; returns how many were marked seen."""
        fresh = [e for e in entries if e.published is None or e.published >= self.oldest]
        stale = [e.key for e in entries if e.published is not None and e.published < self.oldest]
        unseen = set(await self.store.filter_unseen(feed.id, [e.key for e in fresh]))
        todo = [e for e in fresh if e.key in unseen]
        rep.new_entries = len(todo)
        # one query for the feed: entries whose URL is already stored (another feed had it)
        known = await self.store.known_canonical_urls(self._canonical(feed, e) for e in todo)
        repeated = [e.key for e in todo if self._canonical(feed, e) in known]
        rep.duplicates += len(repeated)
        todo = [e for e in todo if self._canonical(feed, e) not in known]
        outcomes = await asyncio.gather(
            *(self._bounded_entry(feed, e, rep) for e in todo), return_exceptions=True
        )
        marks = [EntryMark(k, "stale") for k in stale]
        marks += [EntryMark(k, "duplicate") for k in repeated]
        handled = len(repeated)
        for entry, outcome in zip(todo, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception) or _transient(outcome):
                    log.error(
                        "event=entry_failed feed_id=%s key=%s error=%r retry=next_poll",
                        feed.id,
                        entry.key,
                        outcome,
                    )
                    continue  # not marked seen: tried again next poll
                reason = f"{type(outcome).__name__}: {outcome}"[:300]
                log.error(
                    "event=entry_failed feed_id=%s key=%s error=%r", feed.id, entry.key, reason
                )
                rep.entry_failures.append(f"{entry.key}: {reason}")
                outcome = EntryMark(entry.key, "failed", reason)
            handled += 1
            if outcome is not None:  # else marked with its article, in one transaction
                marks.append(outcome)
        if marks:
            await self.store.mark_entries(feed.id, marks, seen_at=self.now)
        return handled

    async def _bounded_entry(
        self, feed: FeedRow, entry: FeedEntry, rep: FeedReport
    ) -> EntryMark | None:
        async with self.in_flight:
            return await self._entry(feed, entry, rep)

    @staticmethod
    def _canonical(feed: FeedRow, entry: FeedEntry) -> str:
        if entry.link:
            return entry.canonical_url or canonicalize_url(entry.link)
        # no link: the feed's text is the article; a key of its own keeps it unique
        return f"urn:newsbrief:entry:{hashlib.sha1(entry.key.encode()).hexdigest()}"

    async def _entry(self, feed: FeedRow, entry: FeedEntry, rep: FeedReport) -> EntryMark | None:
        """One new entry; returns its seen mark, or None when stored with its article."""
        url = entry.link or feed.html_url or feed.url
        canonical = self._canonical(feed, entry)
        if canonical in self.claimed:  # another feed of this cycle has the same article
            rep.duplicates += 1
            return EntryMark(entry.key, "duplicate")
        self.claimed.add(canonical)
        item = _Item(entry=entry, url=url, canonical=canonical, title=entry.title or None)
        item.budget = self.budget
        page = await self._page(item, rep) if entry.link else None
        if (
            page is not None
            and item.canonical != canonical
            and (item.canonical in self.claimed or await self.store.article_exists(item.canonical))
        ):
            rep.duplicates += 1
            return EntryMark(entry.key, "duplicate")
        self.claimed.add(item.canonical)
        text, item.text_source = choose_text(page, entry.feed_html)
        if page is None:
            item.budget = self.budget  # the feed's text is another input: a budget of its own
        item.text = storable(text)
        if not item.text.strip():
            log.info("event=entry_without_text feed_id=%s key=%s", feed.id, entry.key)
            return EntryMark(entry.key, "no_text", "; ".join(item.errors) or None)
        if item.text_source == "feed":
            rep.feed_text_used += 1
        if page is not None:
            item.title = item.title or page.title
            item.author = page.author
        item.title = storable(item.title) if item.title else None
        item.author = storable(item.author or entry.author or "") or None
        published = entry.published or (page.published if page else None) or self.now
        item.published = min(published, self.now + FUTURE_SLACK)
        item.content_hash = content_hash(item.text)
        await self._signature(item)
        await self._ensure_recent()
        await self._analysis(item)
        async with self.lock:
            return await self._store(feed, item, rep)

    async def _page(self, item: _Item, rep: FeedReport) -> Extracted | None:
        """Fetch and extract the entry's page; None when it fails or is not HTML.

        Any failure, permanent (an invalid URL, a refused scheme or address) or not,
        leaves the feed's own text to be stored at once, the reason on the seen mark.
        """
        try:
            result = await self.fetcher.fetch(item.url, accept=PAGE_ACCEPT, max_bytes=self.page_cap)
        except FetchError as exc:
            rep.page_failures += 1
            item.errors.append(f"page: {exc}"[:300])
            log.info("event=page_failed url=%s kind=%s error=%s", item.url, exc.kind, exc)
            return None
        rep.pages_fetched += 1
        if not is_html(result.content_type):
            log.info("event=page_skipped url=%s type=%s", item.url, result.content_type)
            return None
        need_metadata = not (item.entry.title and item.entry.published)
        try:
            page: Extracted = await self._work(
                "extract", worker_tasks.extract, result.body, result.url, result.charset,
                need_metadata, item=item,
            )  # fmt: skip
        except TaskFailed as exc:
            rep.page_failures += 1
            item.errors.append(exc.reason)
            log.warning("event=page_failed url=%s error=%r", item.url, exc.reason)
            return None
        with contextlib.suppress(ValueError):  # a rel=canonical that is no URL: ours stands
            item.canonical = resolve_canonical(result.url, page.canonical_href)
        return page

    async def _signature(self, item: _Item) -> None:
        try:
            raw = await self._work("signature", worker_tasks.signature, item.text, item=item)
        except TaskFailed as exc:
            item.errors.append(exc.reason)
            log.warning("event=signature_failed url=%s error=%r", item.url, exc.reason)
            return
        item.signature = dedupe.from_bytes(raw) if raw is not None else None

    async def _analysis(self, item: _Item) -> None:
        """Analyse once per distinct text (mirrors and exact copies share one analysis).

        The summarizer is imported by the workers only: a broken one fails each analysis
        (the article is stored without), never the collection of articles.
        """
        future = self.analyses.get(item.content_hash)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self.analyses[item.content_hash] = future
            try:
                result = await self._stored_analysis(item)
                if result is None:
                    result = await self._work(
                        "analysis", worker_tasks.analyse, item.text, item.title, item=item
                    )
            except TaskFailed as exc:
                log.error("event=analysis_failed url=%s error=%r", item.url, exc.reason)
                self.report.analysis_errors += 1
                item.errors.append(exc.reason)
                result = None
            except BaseException:  # copies waiting on this text must not wait for ever
                self.analyses.pop(item.content_hash, None)
                future.set_result(None)
                raise
            future.set_result(result)
        result = await future
        if result is not None:
            item.analysis, item.people = result

    async def _stored_analysis(self, item: _Item) -> tuple[dict[str, Any], list[str]] | None:
        """An exact copy of a stored article (a syndicated text) reuses its analysis."""
        if item.signature is None or self.index is None:
            return None
        near = self.index.best_match(item.signature)
        if near is None or near[1] < 0.99:  # only a (near-)identical text can be a copy
            return None
        rows = await self.store.get_articles([int(near[0])])  # type: ignore[call-overload]
        if not rows or not rows[0].analysis or rows[0].text != item.text:
            return None  # offsets index the text: only a byte-identical text may share them
        return rows[0].analysis, _people_of(rows[0].analysis)

    # ---------------------------------------------------------------- articles and stories
    async def _ensure_recent(self) -> None:
        async with self.recent_lock:
            if self.index is None:
                await self._load_recent()

    async def _load_recent(self) -> None:
        """The near-duplicate index and story profiles of the window, built once a cycle."""
        index = dedupe.NearDuplicateIndex()
        rows = await self.store.recent_minhashes(self.now - self.window)
        index.add_all((row.article_id, row.signature) for row in rows)
        self.article_story = {row.article_id: row.story_id for row in rows}
        member_ids = [row.article_id for row in rows if row.story_id is not None]
        for article in await self.store.get_articles(member_ids):
            self.stories.add(self.article_story[article.id], _profile_of_row(article))
        self.index = index

    def _place(
        self, signature: Any, profile: Profile, exclude: int | None = None
    ) -> tuple[int | None, bool]:
        """The story an article joins (a near-duplicate's, else the best match; None: a
        new one), and whether a near-duplicate was found."""
        assert self.index is not None
        near = self.index.best_match(signature) if signature is not None else None
        if near is not None and near[0] == exclude:
            near = None
        story_id = self.article_story.get(near[0]) if near is not None else None  # type: ignore[call-overload]
        if story_id is None:
            match = self.stories.best(profile)
            story_id = match.story_id if match is not None else None
        return story_id, near is not None

    def _remember(
        self,
        article_id: int,
        story_id: int,
        created: bool,
        profile: Profile,
        signature: Any,
        brief_input: BriefInput | None,
    ) -> None:
        """What this cycle knows once an article is in a story (after the commit only)."""
        if created:
            self.created.add(story_id)
        self.stories.add(story_id, profile)
        self.touched.setdefault(story_id, []).append((article_id, brief_input))
        self.repair_at.pop(story_id, None)  # news after all: the brief is dated now
        self.article_story[article_id] = story_id
        if signature is not None and self.index is not None:
            self.index.add(article_id, signature)

    async def _store(self, feed: FeedRow, item: _Item, rep: FeedReport) -> EntryMark | None:
        if item.canonical in self.canonicals:
            rep.duplicates += 1
            return EntryMark(item.entry.key, "duplicate")
        await self._ensure_recent()
        analysis = item.analysis
        profile = Profile.of_article(
            title=item.title,
            text=item.text,
            people=item.people,
            countries=[c for c, score in _countries(analysis) if score >= 0.25][:4],
            published=item.published,
        )
        story_id, near = self._place(item.signature, profile)
        plan = StoryPlan(
            story_id=story_id,
            headline=item.title or _headline(item.text),
            countries=tuple(_countries(analysis)),
        )
        article = {
            "url": item.url,
            "canonical_url": item.canonical,
            "title": item.title,
            "text": item.text,
            "feed_id": feed.id,
            "outlet": feed.name,
            "guid": item.entry.guid,
            "published_at": item.published,
            "fetched_at": self.now,
            "text_source": item.text_source,
            "language": (analysis or {}).get("language"),
            "analysis": analysis,
            "minhash": dedupe.to_bytes(item.signature) if item.signature is not None else None,
            "content_hash": item.content_hash,
        }
        errors = "; ".join(item.errors) or None
        seen = EntryMark(item.entry.key, "stored", errors)
        result = await self.store.ingest_article(article, plan, seen=seen, at=self.now)
        self.canonicals.add(item.canonical)
        if result is None:  # stored meanwhile under the same canonical URL
            rep.duplicates += 1
            return None
        rep.new_articles += 1
        if errors:
            rep.entry_failures.append(f"{item.entry.key}: {errors}")
        if near:
            rep.near_duplicates += 1
        brief_input = (analysis, item.text, item.title) if analysis is not None else None
        self._remember(
            result.article_id, result.story_id, result.created, profile, item.signature,
            brief_input,
        )  # fmt: skip
        self.analyses.pop(item.content_hash, None)  # later copies find it in the index
        return None

    # ---------------------------------------------------------------- repairs
    async def repair(self) -> None:
        """Put articles that are in no story into one; queue briefs that miss articles.

        Neither happens with this version's transactions; both are what a crash of an
        older one (or a brief lost between two commits) leaves behind. Bounded per cycle.
        """
        try:
            orphans = await self.store.orphan_articles(self.now - self.window, REPAIR_LIMIT)
            if orphans:  # the window's index is loaded only when there is work for it
                await self._ensure_recent()
            for row in orphans:
                try:
                    await self._repair_orphan(row)
                except Exception:
                    log.exception("event=orphan_repair_failed article_id=%s", row.id)
            since = self.now - self.window
            for story_id, updated_at in await self.store.stories_needing_brief(since, REPAIR_LIMIT):
                if story_id not in self.touched:
                    self.touched[story_id] = []
                    self.repair_at[story_id] = updated_at
                    self.report.briefs_repaired += 1
        except Exception:  # a repair that fails must not stop the cycle's real work
            log.exception("event=repair_failed")

    async def _repair_orphan(self, row: OrphanRow) -> None:
        profile = _profile_of_row(row)
        signature = dedupe.from_bytes(row.minhash) if row.minhash else None
        story_id, _ = self._place(signature, profile, exclude=row.id)
        analysis = row.analysis or None
        plan = StoryPlan(
            story_id=story_id,
            headline=row.title or _headline(row.text or row.url),
            countries=tuple(_countries(analysis)),
        )
        async with self.lock:
            result = await self.store.place_article(row.id, plan, at=self.now)
        if result is None:
            return
        log.warning(
            "event=orphan_repaired article_id=%s story_id=%s", result.article_id, result.story_id
        )
        self.report.orphans_repaired += 1
        brief_input = (analysis, row.text or "", row.title) if analysis is not None else None
        self._remember(
            result.article_id, result.story_id, result.created, profile, signature, brief_input
        )

    # ---------------------------------------------------------------- briefs
    async def refresh_briefs(self) -> None:
        """Rebuild the brief, headline and countries of every story touched this cycle.

        Each story on its own: one that fails (its stored analyses unreadable, its
        brief over budget, its row refused) is logged with its id and the rest go on.
        """
        for story_id, fresh in self.touched.items():
            if story_id not in self.created and story_id not in self.repair_at:
                self.report.stories_updated += 1
            try:
                await self._refresh(story_id, dict(fresh))
            except Exception as exc:
                log.error("event=brief_failed story_id=%s error=%r", story_id, exc)
                self.report.briefs_failed += 1
        self.report.stories_created = len(self.created)

    async def _refresh(self, story_id: int, fresh: dict[int, BriefInput | None]) -> None:
        inputs, count = await self._brief_inputs(story_id, fresh)
        if not inputs:
            return
        brief, countries, headline = await self._work("brief", worker_tasks.summarize, inputs)
        await self.store.update_story(
            story_id,
            brief=brief,
            countries=countries or None,
            headline=headline or None,
            at=self.repair_at.get(story_id, self.now),
            built_from=count,
        )
        self.report.briefs_built += 1

    async def _brief_inputs(
        self, story_id: int, fresh: dict[int, BriefInput | None]
    ) -> tuple[list[BriefInput], int]:
        """The latest articles' (analysis, text, title), this cycle's from memory, older
        from the store; and how many articles the story had when they were read."""
        if story_id in self.created:  # all its articles arrived in this cycle
            ids: list[int] = list(fresh)
            older: list[ArticleRow] = []
        else:
            detail = await self.store.get_story(story_id)
            older = list(detail.articles) if detail is not None else []
            ids = [a.id for a in older]
        by_id = {a.id: a for a in older}
        inputs: list[BriefInput] = []
        for article_id in ids[-MAX_BRIEF_ARTICLES:]:
            known = fresh.get(article_id)
            if known is not None:
                inputs.append(known)
                continue
            row = by_id.get(article_id)
            if row is not None and row.analysis:
                inputs.append((row.analysis, row.text or "", row.title))
        return inputs, len(ids)


def _people_of(analysis: dict[str, Any]) -> list[str]:
    return [p.get("name", "") for p in analysis.get("people", []) if p.get("name")]


def _profile_of_row(article: ArticleRow) -> Profile:
    data = article.analysis or {}
    countries = [c["code"] for c in data.get("countries", []) if c.get("score", 0) >= 0.25][:4]
    return Profile.of_article(
        title=article.title,
        text=article.text or "",
        people=_people_of(data),
        countries=countries,
        published=article.published_at or article.fetched_at,
    )


def _countries(analysis: dict[str, Any] | None) -> list[tuple[str, float]]:
    if not analysis:
        return []
    return [(c["code"], float(c.get("score", 0))) for c in analysis.get("countries", [])]


_FIRST_SENTENCE = re.compile(r"(.{20,200}?[.!?])(\s|$)", re.DOTALL)


def _headline(text: str) -> str:
    match = _FIRST_SENTENCE.match(text.strip()[:400])
    return (match.group(1) if match else text.strip()[:120]).strip()


async def run_cycle(
    store: Store,
    settings: Settings,
    *,
    fetcher: Fetcher | None = None,
    now: datetime | None = None,
    feed_ids: Iterable[int] | None = None,
    prune: bool = True,
    pool: WorkerPool | None = None,
) -> CycleReport:
    """Poll every due feed once, store what is new, refresh the stories it joined.

    ``fetcher`` may be shared between cycles (the scheduler keeps one); otherwise one is
    made from ``settings`` and closed. ``pool`` runs extraction and analysis; by default
    the process's shared one (INGEST_WORKERS processes). ``feed_ids`` limits the cycle
    to those feeds (still only when due). Old articles are pruned after RETENTION_DAYS
    unless ``prune`` is False. Never raises for a feed's or a story's failure: it is in
    the report and on the feed's row.
    """
    from bot.store.types import utcnow

    now = now or utcnow()
    started = time.monotonic()
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(FetchLimits.from_settings(settings))
    if pool is None:
        pool = shared_pool(settings.ingest_workers, settings.ingest_page_budget)
    cycle = _Cycle(store, settings, fetcher, pool, now)
    try:
        await cycle.repair()
        feeds = await store.due_feeds(schedule.due_by(now, cycle.interval))  # due at this tick
        if feed_ids is not None:
            wanted = set(feed_ids)
            feeds = [f for f in feeds if f.id in wanted]
        cycle.report.feeds = list(await asyncio.gather(*(cycle.poll(f) for f in feeds)))
        await cycle.refresh_briefs()
        if prune:
            pruned = await store.prune(cycle.oldest)
            cycle.report.pruned_articles = pruned.articles
    finally:
        if own_fetcher:
            await fetcher.aclose()
    cycle.report.seconds = time.monotonic() - started
    log.info("event=cycle_done %s", cycle.report.summary())
    return cycle.report
