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
story (people, countries, wording), else start a story. The articles ready at once
(a placer waits a moment for the pages about to be: GATHER_SECONDS) are placed together
under one hold of that lock, on both backends: one transaction for the articles, their
story memberships and their entries' seen marks (a process killed at any point leaves
all of a hold or none of it: then its entries are simply new again), one sync of the
window, each story decided in queue order, all written in a few statements; an article
that fails fails alone (bot/store/placement.py).

Extraction and analysis run in worker processes (:mod:`bot.ingest.workers`), a page's
together within INGEST_PAGE_BUDGET seconds of work: a hostile page costs its budget,
its worker is killed and replaced, and the entry is stored from what is left (the
feed's text, which gets a budget of its own; no analysis) with the reason on its seen
mark. A story's brief has the same budget. Briefs of the stories touched are
rebuilt once at the end of the cycle, each on its own; a cycle first repairs what a
crash may have left: articles in no story, and stories whose brief misses articles.

This module handles entries, articles and their stories; polling a feed is
:mod:`bot.ingest.polling`, rebuilding briefs :mod:`bot.ingest.story_briefs`, what is
read of stored articles :mod:`bot.ingest.articles`, the reports :mod:`bot.ingest.report`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.ingest import dedupe, schedule, worker_tasks
from bot.ingest.articles import (
    BriefInput,
    OrphanRow,
    content_hash,
    countries_of,
    fallback_headline,
    main_countries,
    person_names,
    profile_of_row,
)
from bot.ingest.canonical import canonicalize_url, resolve_canonical
from bot.ingest.claims import poll_claimed
from bot.ingest.extract import Extracted, choose_text, is_html
from bot.ingest.feeds import FeedEntry
from bot.ingest.fetch import PAGE_ACCEPT, Fetcher, FetchLimits
from bot.ingest.fetch_errors import FetchError
from bot.ingest.polling import FeedPoller, FeedRow
from bot.ingest.report import CycleReport, FeedReport
from bot.ingest.stories import Profile
from bot.ingest.story_briefs import StoryBriefs
from bot.ingest.window import StoryWindow
from bot.ingest.workers import TaskFailed, WorkerPool, shared_pool
from bot.settings import Settings
from bot.store.articles import Placed
from bot.store.errors import is_database_error
from bot.store.records import EntryMark, PreparedArticle, StoryPlan
from bot.store.types import storable

if TYPE_CHECKING:
    from bot.store import Store
    from bot.store.placement import Placement

__all__ = ["CycleReport", "FeedReport", "StoryWindow", "run_cycle"]

log = logging.getLogger(__name__)

FUTURE_SLACK = timedelta(hours=1)  # feeds dated in the future are clamped to now
REPAIR_LIMIT = 200  # orphans and stories without their brief repaired per cycle
#: A placer waits at most this long for the pages in its pipeline to be ready, and for
#: at most this many, so that one hold of the lock places several (181 pages, one
#: process: 46 holds at 0.05 s and 8, 13 at 0.25 s and 32, 0.4 s less CPU in it, the
#: cycle no slower; an article waits a quarter of a second more at most).
GATHER_SECONDS = 0.25
GATHER_AT_MOST = 32


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
    terms: dict[str, int] | None = None  # story-matching terms from the analysis task
    errors: list[str] = field(default_factory=list)  # what failed on the way, and why
    budget: float = 0.0  # seconds of worker time left for this page


@dataclass(slots=True)
class _Ready:
    """An item ready to be placed, with what its placement needs that the window does
    not decide (made before the placement lock is taken), and its outcome to come."""

    feed: FeedRow
    item: _Item
    rep: FeedReport
    profile: Profile
    article: PreparedArticle
    headline: str
    countries: tuple[tuple[str, float], ...]
    done: asyncio.Future[EntryMark | None]


#: A text's (analysis, signature, (title, its terms with that title) or None).
_Analysed = tuple[dict[str, Any] | None, Any, tuple[str | None, dict[str, int]] | None]


def _transient(exc: BaseException) -> bool:
    """The database or the network failing for now (try the entry again next poll); any
    other exception is the entry's own fault."""
    return isinstance(exc, OSError | TimeoutError) or is_database_error(exc)


class _Cycle:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        fetcher: Fetcher,
        pool: WorkerPool,
        now: datetime,
        recent: StoryWindow,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.pool = pool
        self.now = now
        self.report = CycleReport(started_at=now)
        self.poller = FeedPoller(store, fetcher, settings, now, self._entries)
        self.briefs = StoryBriefs(store, self._work, self.report, now)
        self.window = timedelta(hours=settings.story_window_hours)
        self.oldest = now - timedelta(days=settings.retention_days)
        self.budget = settings.ingest_page_budget
        self.page_cap = settings.http_max_page_bytes
        self.lock = asyncio.Lock()
        self.ready: list[_Ready] = []  # items waiting to be placed (see _placed)
        self.working = 0  # entries on their way to being ready (see _gather)
        self.changed = asyncio.Event()  # one became ready, or left the way
        # set while this process does not hold the placement lock: see _yield_to_placer
        self.not_placing = asyncio.Event()
        self.not_placing.set()
        self.recent_lock = asyncio.Lock()
        # entries in flight at once: bounds memory (bodies waiting for extraction)
        self.in_flight = asyncio.Semaphore(settings.ingest_concurrency)
        self.recent = recent  # the story window, kept across cycles by the scheduler
        self.synced = False  # brought up to date this cycle (once, when first needed)
        self.canonicals: set[str] = set()  # stored this cycle
        self.claimed: set[str] = set()  # being handled this cycle (page URL or rel=canonical)
        # one analysis and signature per distinct text this cycle (Analysis.to_dict(),
        # None: failed; the text's MinHash, None: none; the terms of the text and the
        # title it was analysed with, None: not made)
        self.analyses: dict[str, asyncio.Future[_Analysed]] = {}

    async def _work(
        self, step: str, function: Any, *args: Any, item: _Item | None = None, budgets: int = 1
    ) -> Any:
        """One step in a worker process; TaskFailed says why it gave nothing.

        With ``item``, the step spends what is left of that page's budget: the seconds it
        ran in a worker, not its wait for a free one (a page queued behind a slow one
        keeps its budget); else it has a whole budget (a story's brief), or ``budgets``
        of them (a batch of briefs).
        """
        budget = self.budget * budgets if item is None else item.budget
        if budget <= 0:
            raise TaskFailed(f"{step}: no time left of the page's budget of {self.budget:g} s")
        ran = 0.0
        try:
            value, ran = await self.pool.run_timed(function, *args, budget=budget)
            return value
        except TaskFailed as exc:
            ran = exc.ran
            if "timeout" in exc.reason:
                self.report.worker_timeouts += 1
            raise TaskFailed(f"{step}: {exc.reason}") from None
        finally:
            if item is not None:
                item.budget -= ran

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
            self.working += 1
            try:
                item = await self._entry(feed, entry, rep)
            finally:
                self.working -= 1
                self.changed.set()
        if not isinstance(item, _Item):
            return item
        # placed out of the page pipeline: a wait for another worker's placement does not
        # hold a page slot, so pages go on being fetched and analysed meanwhile
        return await self._placed(self._prepare(feed, item, rep))

    def _prepare(self, feed: FeedRow, item: _Item, rep: FeedReport) -> _Ready:
        """What placing an item needs that does not depend on the window, made before
        the placement lock is taken (every worker waits while it is held)."""
        analysis = item.analysis
        profile = Profile.of_article(
            title=item.title,
            text=item.text,
            people=item.people,
            countries=main_countries(analysis),
            published=item.published,
            known_terms=item.terms,
        )
        article = self.store.prepare_article(
            {
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
        )
        headline = item.title or fallback_headline(item.text)
        countries = tuple(countries_of(analysis))
        done = asyncio.get_running_loop().create_future()
        return _Ready(feed, item, rep, profile, article, headline, countries, done)

    async def _placed(self, ready: _Ready) -> EntryMark | None:
        """Place an item together with every other one ready by then.

        The first of them to get the lock places all that are queued under one hold of
        the placement lock: one transaction, one sync of the window, stories decided in
        queue order (ids grow in placement order); the others find their outcome set
        when they get the lock in turn.
        """
        self.ready.append(ready)
        self.changed.set()
        async with self.lock:  # one placer in this process
            if not ready.done.done():
                await self._gather()
                await self._place_queued(ready)
        return await ready.done

    async def _gather(self) -> None:
        """Wait a moment for the pages about to be ready, so that one hold places
        several: a hold costs the same few statements under the lock for one article as
        for eight, and every worker waits while it is held (PostgreSQL, one worker: 328
        holds for 362 articles, 7 ms each; two: 22 ms each, the lock held 70% of the
        run; SQLite: a transaction and 6-8 statements an article where a hold had one
        and a dozen). The wait costs no throughput: pages go on being fetched and
        analysed meanwhile, and the lock is not held yet.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        while self.working and len(self.ready) < GATHER_AT_MOST:
            left = deadline - loop.time()
            if left <= 0:
                return
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return

    async def _place_queued(self, own: _Ready) -> None:
        batch: list[_Ready] = []
        outcomes: list[EntryMark | BaseException | None] = []
        try:
            # one placer across all workers, one transaction a hold; on PostgreSQL it
            # opens before the lock is taken, to write the articles first; on SQLite
            # (one writer at a time) the lock comes first (bot/store/placement.py)
            async with self.store.placing(early=True) as placement:
                if placement.locked:  # SQLite: every worker waits from now on
                    self.not_placing.clear()
                # taken once the hold is open: what became ready while waiting comes too
                batch, self.ready = self.ready, []
                outcomes = await self._store_early(batch, placement)
        except Exception as exc:  # no lock, or the hold failed: its transaction is lost
            if batch:
                self._lost(batch)
            else:  # no lock: this one fails; the others try the lock themselves
                self.ready.remove(own)
                batch = [own]
            outcomes = [exc] * len(batch)
        except BaseException:  # cancelled: the batch goes back to the next placer
            self._lost(batch)
            outcomes = []
            raise
        finally:  # what has no outcome goes back to the next placer
            self.not_placing.set()
            if len(outcomes) < len(batch):
                self.ready[:0] = batch[len(outcomes) :]
                batch = batch[: len(outcomes)]
            for ready, outcome in zip(batch, outcomes, strict=True):  # once committed
                if isinstance(outcome, BaseException):
                    ready.done.set_exception(outcome)
                else:
                    ready.done.set_result(outcome)

    def _lost(self, batch: list[_Ready]) -> None:
        """A hold whose transaction was lost: the window may have been told of its
        articles (built again at the next sync), and they are not stored after all."""
        self.recent.reset()
        self.synced = False
        for ready in batch:
            self.canonicals.discard(ready.item.canonical)

    async def _store_early(
        self, batch: list[_Ready], placement: Placement
    ) -> list[EntryMark | BaseException | None]:
        """A batch in one hold opened early: the articles and their seen marks written
        first (one statement each for the lot; on PostgreSQL while other workers may
        hold the lock); then, under the lock, the window synced, each article's story
        decided in queue order (the window told at once, so the next one sees it), and
        all the memberships and stories written in a few statements. On SQLite the lock
        is held from the start, and the window is synced before the first write (which
        takes the database's write lock: bot/store/placement.py).

        Outcomes are all given at once (the caller sets them after the commit): a
        failure under the lock is the whole hold's (its transaction is lost), except an
        article whose story could not be decided, which is taken back alone.
        """
        outcomes: list[EntryMark | BaseException | None] = [None] * len(batch)
        synced = placement.locked  # SQLite: the lock first, then the window, then writes
        if synced:
            await self._sync_placed()
        inserted = await self._insert_early(batch, placement, outcomes)
        if not inserted:
            return outcomes  # nothing to place: the lock is not taken
        await placement.lock()
        self.not_placing.clear()
        if not synced:
            await self._sync_placed()
        await self._place_inserted(inserted, placement, outcomes)
        return outcomes

    async def _insert_early(
        self,
        batch: list[_Ready],
        placement: Placement,
        outcomes: list[EntryMark | BaseException | None],
    ) -> list[tuple[int, _Ready, int]]:
        """Before the lock (on PostgreSQL): a batch's articles and seen marks written;
        returns (place in batch, item, article id) of those to place, and sets the
        others' outcomes."""
        todo: list[tuple[int, _Ready]] = []
        for index, ready in enumerate(batch):
            if ready.item.canonical in self.canonicals:  # stored this cycle already
                ready.rep.duplicates += 1
                outcomes[index] = EntryMark(ready.item.entry.key, "duplicate")
                continue
            self.canonicals.add(ready.item.canonical)
            todo.append((index, ready))
        ids = await self.store.insert_articles(
            [(ready.article, self._seen(ready)) for _, ready in todo],
            at=self.now,
            placement=placement,
        )
        inserted: list[tuple[int, _Ready, int]] = []  # (place in batch, item, article id)
        for (index, ready), article_id in zip(todo, ids, strict=True):
            if isinstance(article_id, Exception):  # that article's own failure
                self.canonicals.discard(ready.item.canonical)
                outcomes[index] = article_id
            elif article_id is None:  # stored meanwhile under the same canonical URL
                ready.rep.duplicates += 1
            else:
                inserted.append((index, ready, article_id))
        return inserted

    async def _place_inserted(
        self,
        inserted: list[tuple[int, _Ready, int]],
        placement: Placement,
        outcomes: list[EntryMark | BaseException | None],
    ) -> None:
        """Under the lock: each inserted article's story decided in queue order (the
        window told at once, so the next one sees it), then all written together."""
        placed: list[Placed] = []
        decided: list[tuple[_Ready, bool]] = []
        spare: list[int] = []
        for n, (index, ready, article_id) in enumerate(inserted):
            item = ready.item
            try:
                story_id, near = await self._place(item.signature, ready.profile)
            except Exception as exc:  # a bug in deciding: this article alone is taken back
                log.exception("event=placing_failed url=%s", item.url)
                await self.store.withdraw_inserted(
                    article_id, self._seen(ready), ready.feed.id, placement
                )
                outcomes[index] = exc
                continue
            new = story_id is None
            if story_id is None:
                if not spare:  # ids for this and the new stories that may follow
                    spare = await self.store.reserve_story_ids(len(inserted) - n, placement)
                story_id = spare.pop(0)
            self.recent.add(
                article_id, story_id, ready.profile, item.signature, self.now, item.content_hash
            )
            placed.append(Placed(article_id, story_id, new, ready.headline, ready.countries))
            decided.append((ready, near))
        results = await self.store.place_batch(placed, at=self.now, placement=placement)
        if any(r.story_id != p.story_id for r, p in zip(results, placed, strict=True)):
            self.recent.reset()  # a story pruned meanwhile was replaced: built again
            self.synced = False
        for (ready, near), result in zip(decided, results, strict=True):
            self._stored(
                ready, result.article_id, result.story_id, result.created, near, window=False
            )

    @staticmethod
    def _seen(ready: _Ready) -> EntryMark:
        item = ready.item
        return EntryMark(item.entry.key, "stored", "; ".join(item.errors) or None)

    @staticmethod
    def _canonical(feed: FeedRow, entry: FeedEntry) -> str:
        if entry.link:
            return entry.canonical_url or canonicalize_url(entry.link)
        # no link: the feed's text is the article; a key of its own keeps it unique
        return f"urn:newsbrief:entry:{hashlib.sha1(entry.key.encode()).hexdigest()}"

    async def _entry(self, feed: FeedRow, entry: FeedEntry, rep: FeedReport) -> EntryMark | _Item:
        """One new entry up to its placement: its seen mark when it goes no further, else
        the item ready to be stored with its story."""
        url = entry.link or feed.html_url or feed.url
        canonical = self._canonical(feed, entry)
        if canonical in self.claimed:  # another feed of this cycle has the same article
            rep.duplicates += 1
            return EntryMark(entry.key, "duplicate")
        self.claimed.add(canonical)
        item = _Item(entry=entry, url=url, canonical=canonical, title=entry.title or None)
        item.budget = self.budget
        # new work waits for this process's hold of the placement lock to end: every
        # worker waits for that lock, and each of its awaits resumes only after the event
        # loop has run what else was ready (a hold measured 3x its own work without)
        await self.not_placing.wait()
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
        await self.ensure_recent()
        await self._analysis(item)
        return item

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

    async def _signature(self, item: _Item) -> Any:
        """The text's signature in a task of its own (its analysis gave none)."""
        try:
            raw = await self._work("signature", worker_tasks.signature, item.text, item=item)
        except TaskFailed as exc:
            item.errors.append(exc.reason)
            log.warning("event=signature_failed url=%s error=%r", item.url, exc.reason)
            return None
        return dedupe.from_bytes(raw) if raw is not None else None

    async def _analysis(self, item: _Item) -> None:
        """The text's analysis and signature, made once per distinct text: mirrors and
        exact copies share them (this cycle's, or a stored copy's).

        The summarizer is imported by the workers only: a broken one fails each analysis
        (the article is stored without), never the collection of articles.
        """
        future = self.analyses.get(item.content_hash)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self.analyses[item.content_hash] = future
            try:
                copy = await self._stored_copy(item)
                result = (*copy, None) if copy is not None else await self._analyse(item)
            except BaseException:  # copies waiting on this text must not wait for ever
                self.analyses.pop(item.content_hash, None)
                future.set_result((None, None, None))
                raise
            future.set_result(result)
        analysis, item.signature, terms = await future
        if analysis is not None:
            item.analysis, item.people = analysis, person_names(analysis)
        if terms is not None and terms[0] == item.title:  # a copy's title may differ
            item.terms = terms[1]

    async def _analyse(self, item: _Item) -> _Analysed:
        """A new text's (analysis, signature, terms) from one task (one round trip a
        page fewer than two; the terms off the event loop); the signature on its own
        when that task gave nothing."""
        try:
            analysis, raw, error, terms = await self._work(
                "analysis", worker_tasks.analyse_page, item.text, item.title, item=item
            )
        except TaskFailed as exc:  # the worker was killed, or died: nothing came back
            self._analysis_failed(item, exc.reason)
            # the signature on its own, if the page has time left (not after a timeout)
            return None, await self._signature(item) if item.budget > 0 else None, None
        if error is not None:
            self._analysis_failed(item, f"analysis: {error}")
        signature = dedupe.from_bytes(raw) if raw is not None else None
        return analysis, signature, (item.title, terms)

    def _analysis_failed(self, item: _Item, reason: str) -> None:
        log.error("event=analysis_failed url=%s error=%r", item.url, reason)
        self.report.analysis_errors += 1
        item.errors.append(reason)

    async def _stored_copy(self, item: _Item) -> tuple[dict[str, Any] | None, Any] | None:
        """An exact copy of a stored article of the window (a syndicated text) gives its
        analysis and its signature (the same text, the same signature)."""
        if not self.synced:
            return None
        copy = self.recent.copy_of(item.content_hash)
        if copy is None:
            return None
        rows = await self.store.get_articles([copy])
        if not rows or not rows[0].analysis or rows[0].text != item.text:
            return None  # offsets index the text: only a byte-identical text may share them
        minhash = rows[0].minhash
        signature = dedupe.from_bytes(minhash) if minhash else await self._signature(item)
        return rows[0].analysis, signature

    # ---------------------------------------------------------------- articles and stories
    async def ensure_recent(self) -> None:
        """The story window brought up to date, once a cycle: what was stored since the
        last cycle (by any process) is read, what left the window dropped."""
        async with self.recent_lock:
            if not self.synced:
                await self.recent.sync(self.store, self.now)
                self.synced = True

    async def _sync_placed(self) -> None:
        """Under the placement lock: the window learns what other workers placed since it
        last looked, so two workers never start two stories for one event (ids grow in
        the order articles are placed, all under that lock: bot/store/placement.py)."""
        if not self.synced:
            await self.ensure_recent()  # its first sync is this one
            return
        await self.recent.sync(self.store, self.now)

    async def _place(
        self, signature: Any, profile: Profile, exclude: int | None = None
    ) -> tuple[int | None, bool]:
        """The story an article joins (a near-duplicate's, else the best match; None: a
        new one), and whether a near-duplicate was found."""
        assert self.synced
        near = self.recent.duplicates.best_match(signature) if signature is not None else None
        if near is not None and near[0] == exclude:
            near = None
        story_id = self.recent.story_of(int(near[0])) if near is not None else None
        if story_id is None:
            match = await self.recent.best_story(profile)
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
        fetched_at: datetime,
        content_hash: str | None = None,
    ) -> None:
        """What the cycle and the window know once an article is in a story (after the
        commit only)."""
        self.briefs.joined(story_id, article_id, created, brief_input)
        self.recent.add(article_id, story_id, profile, signature, fetched_at, content_hash)

    def _stored(
        self,
        ready: _Ready,
        article_id: int,
        story_id: int,
        created: bool,
        near: bool,
        *,
        window: bool = True,
    ) -> None:
        """What the report, the briefs and (unless told already) the window learn of an
        article placed."""
        item, rep = ready.item, ready.rep
        rep.new_articles += 1
        if item.errors:
            rep.entry_failures.append(f"{item.entry.key}: {'; '.join(item.errors)}")
        if near:
            rep.near_duplicates += 1
        analysis = item.analysis
        brief_input = (analysis, item.text, item.title) if analysis is not None else None
        if window:
            self._remember(
                article_id, story_id, created, ready.profile, item.signature, brief_input,
                self.now, item.content_hash,
            )  # fmt: skip
        else:
            self.briefs.joined(story_id, article_id, created, brief_input)
        self.analyses.pop(item.content_hash, None)  # later copies find it in the index

    # ---------------------------------------------------------------- repairs
    async def repair(self) -> None:
        """Put articles that are in no story into one; queue briefs that miss articles.

        Neither happens with this version's transactions; both are what a crash of an
        older one (or a brief lost between two commits) leaves behind. Bounded per cycle.
        """
        try:
            orphans = await self.store.orphan_articles(self.now - self.window, REPAIR_LIMIT)
            if orphans:  # the window's index is loaded only when there is work for it
                await self.ensure_recent()
            for row in orphans:
                try:
                    await self._repair_orphan(row)
                except Exception:
                    log.exception("event=orphan_repair_failed article_id=%s", row.id)
            since = self.now - self.window
            for story_id, updated_at in await self.store.stories_needing_brief(since, REPAIR_LIMIT):
                self.briefs.lost(story_id, updated_at)
        except Exception:  # a repair that fails must not stop the cycle's real work
            log.exception("event=repair_failed")

    async def _repair_orphan(self, row: OrphanRow) -> None:
        profile = profile_of_row(row)
        signature = dedupe.from_bytes(row.minhash) if row.minhash else None
        analysis = row.analysis or None
        async with self.lock, self.store.placing():  # one placer across all workers
            await self._sync_placed()
            story_id, _ = await self._place(signature, profile, exclude=row.id)
            plan = StoryPlan(
                story_id=story_id,
                headline=row.title or fallback_headline(row.text or row.url),
                countries=tuple(countries_of(analysis)),
            )
            result = await self.store.place_article(row.id, plan, at=self.now)
            if result is None:
                return
            brief_input = (analysis, row.text or "", row.title) if analysis is not None else None
            self._remember(
                result.article_id, result.story_id, result.created, profile, signature,
                brief_input, row.fetched_at, row.content_hash,
            )  # fmt: skip
        log.warning(
            "event=orphan_repaired article_id=%s story_id=%s", result.article_id, result.story_id
        )
        self.report.orphans_repaired += 1


async def run_cycle(
    store: Store,
    settings: Settings,
    *,
    fetcher: Fetcher | None = None,
    now: datetime | None = None,
    feed_ids: Iterable[int] | None = None,
    prune: bool = True,
    pool: WorkerPool | None = None,
    window: StoryWindow | None = None,
) -> CycleReport:
    """Poll every due feed once, store what is new, refresh the stories it joined.

    ``fetcher`` may be shared between cycles (the scheduler keeps one); otherwise one is
    made from ``settings`` and closed. ``pool`` runs extraction and analysis; by default
    the process's shared one (INGEST_WORKERS processes). ``window`` is the index of the
    recent articles that near-duplicates and stories are matched against: kept between
    cycles (the scheduler keeps one), it is built once and then only brought up to date;
    without it, each cycle builds its own. ``feed_ids`` limits the cycle
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
    if window is None:
        window = StoryWindow(timedelta(hours=settings.story_window_hours))
    cycle = _Cycle(store, settings, fetcher, pool, now, window)
    try:
        if window.settle and not window.built:  # a kept window: built first, nothing in flight
            await cycle.ensure_recent()
        await cycle.repair()
        # each due feed is claimed with a lease first: any number of workers share them
        cycle.report.feeds = await poll_claimed(
            store,
            cycle.poller.poll,
            schedule.due_by(now, cycle.poller.interval),  # at this tick
            clock=cycle.poller.clock,
            slots=settings.ingest_concurrency,
            feed_ids=feed_ids,
            busy=cycle.in_flight.locked,  # entries at their limit: leave feeds to others
        )
        await cycle.briefs.refresh()
        if prune:
            pruned = await store.prune(cycle.oldest)
            cycle.report.pruned_articles = pruned.articles
    finally:
        if own_fetcher:
            await fetcher.aclose()
    cycle.report.seconds = time.monotonic() - started
    log.info("event=cycle_done %s", cycle.report.summary())
    return cycle.report
