"""One ingestion cycle: poll the due feeds, turn new entries into articles and stories.

:func:`run_cycle` is what the scheduler's job (and ``newsbrief ingest --once``) calls.
Every feed is polled concurrently, within the fetcher's per-host and overall limits,
and each feed's failure is caught, recorded on the feed (error, backoff, or gone) and
reported, so one bad feed never holds up or breaks the others. An entry is new when
neither its key (GUID, else link) in its feed nor its canonical URL has been seen; an
entry is marked seen only once it has been handled, so a crash mid-way is retried.

Per entry: fetch the page (HTML only), extract its main text (or use the feed's text
when the page fails or says too little), analyse it, then, under one lock so two copies
arriving at once cannot both start a story: drop it if its canonical URL is stored,
attach it to the story of a near-duplicate (MinHash), else to the best matching recent
story (people, countries, wording), else start a story. Briefs of the stories touched
are rebuilt once at the end of the cycle with ``summarize_story``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.ingest import dedupe, schedule
from bot.ingest.canonical import canonicalize_url, resolve_canonical
from bot.ingest.extract import Extracted, choose_text, extract_page, is_html
from bot.ingest.feeds import FeedEntry, FeedParseError, parse_feed
from bot.ingest.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetcher, FetchError, FetchLimits
from bot.ingest.stories import Profile, StoryIndex

log = logging.getLogger(__name__)

MAX_BRIEF_ARTICLES = 12  # a story's brief is made of its most recent articles
FUTURE_SLACK = timedelta(hours=1)  # feeds dated in the future are clamped to now


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


@dataclass(slots=True)
class CycleReport:
    """What one cycle did, for the logs, ``newsbrief ingest --once`` and benchmarks."""

    started_at: datetime
    seconds: float = 0.0
    feeds: list[FeedReport] = field(default_factory=list)
    stories_created: int = 0
    stories_updated: int = 0
    briefs_built: int = 0
    analysis_errors: int = 0
    pruned_articles: int = 0

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.feeds)

    @property
    def feeds_polled(self) -> int:
        return len(self.feeds)

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

    def summary(self) -> str:
        return (
            f"feeds polled {self.feeds_polled}, not modified {self.feeds_not_modified}, "
            f"failed {self.feeds_failed}; new articles {self.new_articles}, "
            f"duplicates {self.duplicates} (near {self.near_duplicates}); "
            f"stories new {self.stories_created}, updated {self.stories_updated}; "
            f"pages {self.pages_fetched} (failed {self.page_failures}, "
            f"feed text {self.feed_text_used}); {self.seconds:.2f} s"
        )


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
    analysis: Any = None


def _summarizer() -> tuple[Callable[..., Any] | None, Callable[..., Any] | None]:
    try:
        from summarizer import analyse, summarize_story
    except Exception as exc:  # a broken summarizer must not stop articles being collected
        log.error("event=summarizer_unavailable error=%r", exc)
        return None, None
    return analyse, summarize_story


def _setting(settings: Any, name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    return default if value is None else value


def content_hash(text: str) -> str:
    """A hash of the text with whitespace and case normalised: exact copies share it."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


class _Cycle:
    def __init__(self, store: Any, settings: Any, fetcher: Fetcher, now: datetime) -> None:
        self.store = store
        self.settings = settings
        self.fetcher = fetcher
        self.now = now
        self.started = time.monotonic()
        self.report = CycleReport(started_at=now)
        self.interval = float(_setting(settings, "poll_interval", 900))
        self.floor = float(_setting(settings, "poll_floor", 60))
        self.window = timedelta(hours=float(_setting(settings, "story_window_hours", 48)))
        retention = float(_setting(settings, "retention_days", 30))
        self.oldest = now - timedelta(days=retention)
        self.analyse, self.summarize_story = _summarizer()
        self.lock = asyncio.Lock()
        self.recent_lock = asyncio.Lock()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-cpu")
        # entries in flight at once: bounds memory (bodies waiting for extraction)
        self.in_flight = asyncio.Semaphore(int(_setting(settings, "ingest_concurrency", 12)))
        self.index: dedupe.NearDuplicateIndex | None = None
        self.article_story: dict[int, int | None] = {}
        self.stories = StoryIndex(self.window)
        self.touched: dict[int, list[Any]] = {}  # story id -> analyses added this cycle
        self.created: set[int] = set()
        self.canonicals: set[str] = set()  # stored this cycle
        self.claimed: set[str] = set()  # being handled this cycle (page URL or rel=canonical)
        self.analyses: dict[str, asyncio.Future[Any]] = {}

    async def _cpu(self, work: Callable[[], Any]) -> Any:
        """Run CPU-bound work (extraction, analysis) off the event loop, one at a time.

        One worker thread: the GIL would serialise more threads anyway, and one thread
        bounds memory (one parse tree, one analysis) and loads the summarizer's data once.
        """
        return await asyncio.get_running_loop().run_in_executor(self.executor, work)

    # ---------------------------------------------------------------- feeds
    async def poll(self, feed: Any) -> FeedReport:
        started = time.monotonic()
        rep = FeedReport(feed_id=feed.id, name=feed.name, url=feed.url)
        try:
            await self._poll(feed, rep)
        except Exception as exc:  # the last line of defence: one feed, one error
            log.exception("event=feed_crashed feed_id=%s url=%s", feed.id, feed.url)
            rep.status, rep.error = "failed", f"internal: {type(exc).__name__}: {exc}"
            await self._record_failure(feed, rep, None)
        rep.seconds = time.monotonic() - started
        return rep

    def clock(self) -> datetime:
        """The cycle's ``now`` moved on by the time spent since: when a feed is polled."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    async def _poll(self, feed: Any, rep: FeedReport) -> None:
        interval = float(feed.interval_seconds or self.interval)
        polled = rep.polled_at = self.clock()  # the next poll counts from this request
        try:
            result = await self.fetcher.fetch(
                feed.poll_url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
        except FetchError as exc:
            rep.status, rep.error, rep.http_status = "failed", str(exc), exc.status
            if exc.status == 410:
                rep.status = "gone"
            await self._record_failure(feed, rep, exc.retry_after)
            return
        max_age = schedule.parse_max_age(result.headers.get("cache-control"))
        if result.not_modified:
            await self._redirects(feed, result.permanent_url, rep)
            rep.status, rep.http_status = "not_modified", 304
            delay = schedule.success_delay(interval, floor=self.floor, max_age=max_age)
            rep.next_poll_at = schedule.next_time(polled, delay)
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
        rep.entries = len(parsed.entries)
        handled = await self._entries(feed, parsed.entries, rep)
        delay = schedule.success_delay(
            interval, floor=self.floor, ttl_minutes=parsed.ttl_minutes, max_age=max_age
        )
        rep.next_poll_at = schedule.next_time(polled, delay)
        await self.store.record_feed_success(
            feed.id,
            etag=result.etag,
            last_modified=result.last_modified,
            items_seen_delta=handled,
            next_poll_at=rep.next_poll_at,
            polled_at=polled,
        )
        log.info(
            "event=feed_polled feed_id=%s entries=%d new=%d articles=%d dups=%d",
            feed.id,
            rep.entries,
            rep.new_entries,
            rep.new_articles,
            rep.duplicates,
        )

    async def _redirects(self, feed: Any, permanent_url: str | None, rep: FeedReport) -> None:
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

    async def _record_failure(self, feed: Any, rep: FeedReport, retry_after: float | None) -> None:
        interval = float(feed.interval_seconds or self.interval)
        failures = int(feed.consecutive_failures or 0) + 1
        gone = rep.status == "gone"
        delay = schedule.failure_delay(
            interval, failures, floor=self.floor, retry_after=retry_after
        )
        polled = rep.polled_at or self.clock()
        rep.next_poll_at = None if gone else schedule.next_time(polled, delay)
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
    async def _entries(self, feed: Any, entries: list[FeedEntry], rep: FeedReport) -> int:
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
        done = stale + repeated
        for entry, outcome in zip(todo, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                log.error(
                    "event=entry_failed feed_id=%s key=%s error=%r", feed.id, entry.key, outcome
                )
                continue  # not marked seen: tried again next poll
            done.append(entry.key)
        if done:
            await self.store.mark_seen(feed.id, done, seen_at=self.now)
        return len(done) - len(stale)

    async def _bounded_entry(self, feed: Any, entry: FeedEntry, rep: FeedReport) -> None:
        async with self.in_flight:
            await self._entry(feed, entry, rep)

    @staticmethod
    def _canonical(feed: Any, entry: FeedEntry) -> str:
        if entry.link:
            return entry.canonical_url or canonicalize_url(entry.link)
        # no link: the feed's text is the article; a key of its own keeps it unique
        return f"urn:newsbrief:entry:{hashlib.sha1(entry.key.encode()).hexdigest()}"

    async def _entry(self, feed: Any, entry: FeedEntry, rep: FeedReport) -> None:
        url = entry.link or feed.html_url or feed.url
        canonical = self._canonical(feed, entry)
        if canonical in self.claimed:  # another feed of this cycle has the same article
            rep.duplicates += 1
            return
        self.claimed.add(canonical)
        item = _Item(entry=entry, url=url, canonical=canonical, title=entry.title or None)
        page = await self._page(item, rep) if entry.link else None
        if (
            page is not None
            and item.canonical != canonical
            and (item.canonical in self.claimed or await self.store.article_exists(item.canonical))
        ):
            rep.duplicates += 1
            return
        self.claimed.add(item.canonical)
        item.text, item.text_source = choose_text(page, entry.feed_html)
        if not item.text.strip():
            log.info("event=entry_without_text feed_id=%s key=%s", feed.id, entry.key)
            return
        if item.text_source == "feed":
            rep.feed_text_used += 1
        if page is not None:
            item.title = item.title or page.title
            item.author = page.author
        item.author = item.author or entry.author
        published = entry.published or (page.published if page else None) or self.now
        item.published = min(published, self.now + FUTURE_SLACK)
        item.content_hash = content_hash(item.text)
        item.signature = await self._cpu(partial(dedupe.signature, item.text))
        await self._ensure_recent()
        item.analysis = await self._analysis(item)
        async with self.lock:
            await self._store(feed, item, rep)

    async def _page(self, item: _Item, rep: FeedReport) -> Extracted | None:
        """Fetch and extract the entry's page; None when it fails or is not HTML."""
        try:
            result = await self.fetcher.fetch(item.url, accept=PAGE_ACCEPT)
        except FetchError as exc:
            rep.page_failures += 1
            log.info("event=page_failed url=%s error=%s", item.url, exc)
            return None
        rep.pages_fetched += 1
        if not is_html(result.content_type):
            log.info("event=page_skipped url=%s type=%s", item.url, result.content_type)
            return None
        need_metadata = not (item.entry.title and item.entry.published)
        page = await self._cpu(
            partial(
                extract_page,
                result.body,
                result.url,
                result.charset,
                metadata=need_metadata,
            )
        )
        item.canonical = resolve_canonical(result.url, page.canonical_href)
        return page

    async def _analysis(self, item: _Item) -> Any:
        """Analyse once per distinct text (mirrors and exact copies share one analysis)."""
        if self.analyse is None:
            return None
        future = self.analyses.get(item.content_hash)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self.analyses[item.content_hash] = future
            try:
                result = await self._stored_analysis(item)
                if result is None:
                    result = await self._cpu(partial(self.analyse, item.text, item.title))
            except Exception as exc:
                log.error("event=analysis_failed url=%s error=%r", item.url, exc)
                self.report.analysis_errors += 1
                result = None
            future.set_result(result)
        return await future

    async def _stored_analysis(self, item: _Item) -> Any:
        """An exact copy of a stored article (a syndicated text) reuses its analysis."""
        if item.signature is None or self.index is None:
            return None
        near = self.index.best_match(item.signature)
        if near is None or near[1] < 0.99:  # only a (near-)identical text can be a copy
            return None
        rows = await self.store.get_articles([int(near[0])])  # type: ignore[call-overload]
        if not rows or not rows[0].analysis or rows[0].text != item.text:
            return None  # offsets index the text: only a byte-identical text may share them
        from summarizer import Analysis

        return Analysis.from_dict(rows[0].analysis, text=item.text, title=item.title)

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

    async def _store(self, feed: Any, item: _Item, rep: FeedReport) -> None:
        if item.canonical in self.canonicals:
            rep.duplicates += 1
            return
        await self._ensure_recent()
        assert self.index is not None
        signature = item.signature
        near = self.index.best_match(signature) if signature is not None else None
        analysis = item.analysis
        article_id = await self.store.add_article(
            url=item.url,
            canonical_url=item.canonical,
            title=item.title,
            text=item.text,
            feed_id=feed.id,
            outlet=feed.name,
            guid=item.entry.guid,
            published_at=item.published,
            fetched_at=self.now,
            text_source=item.text_source,
            language=getattr(analysis, "language", None),
            analysis=analysis.to_dict() if analysis is not None else None,
            minhash=dedupe.to_bytes(signature) if signature is not None else None,
            content_hash=item.content_hash,
        )
        self.canonicals.add(item.canonical)
        if article_id is None:  # stored meanwhile under the same canonical URL
            rep.duplicates += 1
            return
        rep.new_articles += 1
        profile = (
            Profile.of_analysis(analysis, published=item.published)
            if analysis is not None
            else Profile.of_article(title=item.title, text=item.text, published=item.published)
        )
        story_id: int | None = None
        if near is not None:
            story_id = self.article_story.get(near[0])  # type: ignore[arg-type]
            rep.near_duplicates += 1
        if story_id is None:
            match = self.stories.best(profile)
            story_id = match.story_id if match is not None else None
        if story_id is None:
            story_id = await self.store.create_story(
                item.title or _headline(item.text),
                article_ids=[article_id],
                countries=_countries(analysis),
                at=self.now,
            )
            self.created.add(story_id)
        else:
            await self.store.attach_article(story_id, article_id, at=self.now)
        self.stories.add(story_id, profile)
        self.touched.setdefault(story_id, []).append((article_id, _light(analysis)))
        self.analyses.pop(item.content_hash, None)  # later copies find it in the index
        self.article_story[article_id] = story_id
        if signature is not None:
            self.index.add(article_id, signature)

    async def refresh_briefs(self) -> None:
        """Rebuild the brief, headline and countries of every story touched this cycle."""
        for story_id, fresh in self.touched.items():
            if story_id not in self.created:
                self.report.stories_updated += 1
            if self.summarize_story is None:
                continue
            try:
                analyses = await self._story_analyses(story_id, dict(fresh))
                if not analyses:
                    continue
                brief = await self._cpu(partial(self.summarize_story, analyses))
            except Exception as exc:
                log.error("event=brief_failed story_id=%s error=%r", story_id, exc)
                self.report.analysis_errors += 1
                continue
            countries = [(c.code, c.score) for c in brief.countries]
            await self.store.update_story(
                story_id,
                brief=brief.to_dict(),
                countries=countries or None,
                headline=brief.headline or None,
                at=self.now,
            )
            self.report.briefs_built += 1
        self.report.stories_created = len(self.created)

    async def _story_analyses(self, story_id: int, fresh: dict[int, Any]) -> list[Any]:
        """Analyses of the story's latest articles, this cycle's in full, older from JSON."""
        from summarizer import Analysis

        if story_id in self.created:  # all its articles arrived in this cycle
            ids: list[int] = list(fresh)
            older: list[Any] = []
        else:
            detail = await self.store.get_story(story_id)
            older = list(detail.articles) if detail is not None else []
            ids = [a.id for a in older]
        by_id = {a.id: a for a in older}
        analyses = []
        for article_id in ids[-MAX_BRIEF_ARTICLES:]:
            if fresh.get(article_id) is not None:
                analyses.append(fresh[article_id])
                continue
            row = by_id.get(article_id)
            if row is not None and row.analysis:
                analyses.append(Analysis.from_dict(row.analysis, text=row.text, title=row.title))
        return analyses


def _profile_of_row(article: Any) -> Profile:
    data = article.analysis or {}
    people = [p.get("name", "") for p in data.get("people", []) if p.get("name")]
    countries = [c["code"] for c in data.get("countries", []) if c.get("score", 0) >= 0.25][:4]
    return Profile.of_article(
        title=article.title,
        text=article.text or "",
        people=people,
        countries=countries,
        published=article.published_at or article.fetched_at,
    )


def _light(analysis: Any) -> Any:
    """What a story's brief needs of an analysis, without its sentences and mentions.

    A cycle keeps the analyses of every article it stored until the briefs are built;
    the full ones (every sentence as an object) would make that the cycle's peak memory.
    """
    if analysis is None:
        return None
    from summarizer import Analysis

    return Analysis.from_dict(analysis.to_dict(), text=analysis.text, title=analysis.title)


def _countries(analysis: Any) -> list[tuple[str, float]]:
    if analysis is None:
        return []
    return [(c.code, c.score) for c in analysis.countries]


_FIRST_SENTENCE = re.compile(r"(.{20,200}?[.!?])(\s|$)", re.DOTALL)


def _headline(text: str) -> str:
    match = _FIRST_SENTENCE.match(text.strip())
    return (match.group(1) if match else text.strip()[:120]).strip()


async def run_cycle(
    store: Any,
    settings: Any,
    *,
    fetcher: Fetcher | None = None,
    now: datetime | None = None,
    feed_ids: Iterable[int] | None = None,
    prune: bool = True,
) -> CycleReport:
    """Poll every due feed once, store what is new, refresh the stories it joined.

    ``fetcher`` may be shared between cycles (the scheduler keeps one); otherwise one is
    made from ``settings`` and closed. ``feed_ids`` limits the cycle to those feeds (still
    only when due). Old articles are pruned after RETENTION_DAYS unless ``prune`` is False.
    Never raises for a feed's failure: it is in the report and on the feed's row.
    """
    from bot.store.types import utcnow

    now = now or utcnow()
    started = time.monotonic()
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(FetchLimits.from_settings(settings))
    cycle = _Cycle(store, settings, fetcher, now)
    try:
        feeds = await store.due_feeds(now)
        if feed_ids is not None:
            wanted = set(feed_ids)
            feeds = [f for f in feeds if f.id in wanted]
        cycle.report.feeds = list(await asyncio.gather(*(cycle.poll(f) for f in feeds)))
        await cycle.refresh_briefs()
        if prune:
            pruned = await store.prune(cycle.oldest)
            cycle.report.pruned_articles = pruned.articles
    finally:
        cycle.executor.shutdown(wait=False, cancel_futures=True)
        if own_fetcher:
            await fetcher.aclose()
    cycle.report.seconds = time.monotonic() - started
    log.info("event=cycle_done %s", cycle.report.summary())
    return cycle.report
