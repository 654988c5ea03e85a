"""The story window of one process: near-duplicate and story indexes kept across cycles.

Each new article is compared with the articles of the last STORY_WINDOW_HOURS: by MinHash
for copies (:class:`~bot.ingest.dedupe.NearDuplicateIndex`), by profile for other
write-ups of the same event (:class:`~bot.ingest.stories.StoryIndex`). Reloading that
window every cycle made a cycle's cost, and its stall of the event loop, grow with the
window (2.9 s with 5,430 articles in it). A :class:`StoryWindow` is built once, the
first time a cycle needs it, in pages with an await between slices of work, and then
kept up to date by :meth:`StoryWindow.sync`:

- what was placed in a story since the last sync is read by placement number
  (``story_articles.placed_seq >`` the highest seen: the database numbers memberships
  as they are inserted), so the articles other ingest processes placed reach this
  one's index too; a number skipped below the highest (a transaction still open in
  another process when it was read, or one rolled back) is looked for again until it
  is :data:`HOLE_LAG` old. Placing under the placement lock commits its numbers in
  order before the lock is let go, so a sync under that lock finds no hole there;
  holes come from memberships written outside it (``create_story``);
- articles whose ``fetched_at`` left the window are dropped, and so is a story with no
  article left in it;
- the articles this process stores are added at once (:meth:`StoryWindow.add`).

After a sync the index holds what a reload of the window would give: every article
fetched since the window's start, each story's profile merged from its members in id
order (a member arriving out of order, or one leaving, rebuilds its story's profile
from the profiles kept per article), so story matching decides as it did.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.ingest import dedupe
from bot.ingest.articles import main_countries, person_names
from bot.ingest.stories import Match, Profile, StoryIndex, best_story, lead_is_whole

if TYPE_CHECKING:
    from bot.store import Store
    from bot.store.window import ProfileRow, WindowRow

__all__ = ["HOLE_LAG", "StoryWindow"]

log = logging.getLogger(__name__)

PAGE = 500  # articles read per query
SLICE = 0.02  # seconds of work on the event loop between two awaits
SCORE_SLICE = 64  # candidate stories scored between two looks at the clock
HOLE_LAG = 300.0  # seconds a number skipped below the highest seen is looked for again
HOLE_SPAN = 1000  # placement numbers below the highest read that are watched for holes
HOLE_RECHECK = 1.0  # seconds between two looks for them (syncs come once per placement)


#: One article's story profile as kept for every article in a story: (terms, their
#: counts, people, countries, published). Plain tuples of strings, numbers and a datetime:
#: compact (the words interned, they recur across thousands of articles) and, once a
#: collection has seen them, no work for the garbage collector (a full collection walks
#: every container object the process holds, and stalls the event loop while it does).
_Stored = tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...], tuple[str, ...], datetime | None]


def _compact(profile: Profile) -> _Stored:
    return (
        tuple(sys.intern(t) for t in profile.terms),
        tuple(profile.terms.values()),
        tuple(sys.intern(p) for p in profile.people),
        tuple(profile.countries),
        profile.first_seen,
    )


def _expand(stored: _Stored) -> Profile:
    terms, counts, people, countries, seen = stored
    return Profile(
        terms=Counter(dict(zip(terms, counts, strict=True))),
        people=set(people),
        countries=set(countries),
        first_seen=seen,
        last_seen=seen,
    )


class _Slicer:
    """Hands the event loop back every :data:`SLICE` seconds of work."""

    def __init__(self) -> None:
        self.mark = time.perf_counter()

    async def tick(self) -> None:
        if time.perf_counter() - self.mark >= SLICE:
            await asyncio.sleep(0)
            self.mark = time.perf_counter()


class StoryWindow:
    """The near-duplicate and story indexes of the recent articles, kept across cycles.

    The owner of a process's long-lived objects (the scheduler) keeps one and passes it
    to every cycle; a cycle without one builds its own (``newsbrief ingest --once``).
    ``reads`` counts what syncs read from the store (``rows``, ``profiles``, ``texts``):
    a cycle's share follows its new articles, not the window.

    ``settle``: before the build and once built, move every object alive in the process
    out of the garbage collector's sight (:func:`gc.freeze`), and collect nothing while
    building, for a window kept by a long-running process.
    A full collection walks every container object the process holds: its modules
    alone are 150,000 here, 0.25 s of walking on a busy machine, an event-loop stall
    whenever one comes; frozen, they are walked no more, and what the index adds later
    is little (tuples of ints and strings, which the collector stops watching). The
    price: cyclic garbage left before or during the build, and objects alive then that
    become cyclic garbage later, are never freed; so it is done once, at start-up,
    before the cycle has work in flight.
    """

    def __init__(self, span: timedelta, *, settle: bool = False) -> None:
        self.span = span
        self.settle = settle
        self.reads: Counter[str] = Counter()
        self._lock = asyncio.Lock()
        self._clear()

    def _clear(self) -> None:
        self.duplicates = dedupe.NearDuplicateIndex()
        self.stories = StoryIndex(self.span)
        self.start: datetime | None = None  # None: not built yet
        self._articles: dict[int, tuple[datetime, int | None]] = {}  # -> fetched, story
        # exact copies (by content hash): its key -> the article, the article -> its key
        self._copies: dict[int, int] = {}
        self._copy_keys: dict[int, int] = {}
        self._profiles: dict[int, _Stored] = {}  # articles in a story
        self._members: dict[int, tuple[int, ...]] = {}  # story id -> its articles, in order
        self._expiry: list[tuple[datetime, int]] = []  # heap of (fetched_at, article id)
        self._synced_seq = 0  # the highest placement number a sync has read
        self._added: set[int] = set()  # added by this process, not yet read by a sync
        self._holes: dict[int, float] = {}  # number skipped below it -> when first missed
        self._holes_checked = 0.0

    def __len__(self) -> int:
        return len(self._articles)

    def reset(self) -> None:
        """Forget everything: built again by the next sync (after a commit that failed
        took back articles already added)."""
        self._clear()

    def copy_of(self, content_hash: str) -> int | None:
        """An article of the window with this content hash (the cycle reuses an exact
        copy's analysis and signature: a syndicated text is analysed once), if any."""
        key = _copy_key(content_hash)
        return self._copies.get(key) if key is not None else None

    def story_of(self, article_id: int) -> int | None:
        entry = self._articles.get(article_id)
        return entry[1] if entry is not None else None

    async def best_story(self, profile: Profile) -> Match | None:
        """:meth:`StoryIndex.best`, the same decision, scored in slices with an await
        between them: a person in the news can be in hundreds of the window's stories,
        each a candidate to score (0.1 ms each), which would hold the event loop."""
        candidates = self.stories.candidates(profile)
        best: Match | None = None
        slicer = _Slicer()
        for start in range(0, len(candidates), SCORE_SLICE):
            match = best_story(
                profile,
                [
                    (sid, self.stories.profiles[sid])
                    for sid in candidates[start : start + SCORE_SLICE]
                ],
                window=self.stories.window,
                stats=self.stories.stats,
            )
            if match is not None and (best is None or match.score > best.score):
                best = match  # the first of equals wins, as in one pass
            await slicer.tick()
        return best

    # ---------------------------------------------------------------- sync
    async def sync(self, store: Store, now: datetime) -> None:
        """Bring the window to ``now``: drop what left it, read what was stored since."""
        async with self._lock:
            start = now - self.span
            if self.start is not None and start < self.start:
                self._clear()  # moved back in time (a replay): what was dropped is needed
            building = self.start is None
            collecting = gc.isenabled()
            if building and self.settle:  # no full collection while the build adds objects
                gc.freeze()
                gc.disable()
            began = time.perf_counter()
            self.start = start
            try:
                await self._catch_up(store, start, inline=not building)
            except BaseException:
                self._clear()  # half a page indexed is no index: built again next time
                raise
            finally:
                if building and self.settle:
                    gc.freeze()
                    if collecting:
                        gc.enable()
            if building:
                log.info(
                    "event=story_window_built articles=%d stories=%d seconds=%.2f",
                    len(self._articles), len(self.stories), time.perf_counter() - began,
                )  # fmt: skip

    @property
    def built(self) -> bool:
        return self.start is not None

    async def _catch_up(self, store: Store, start: datetime, *, inline: bool) -> None:
        """``inline``: read the profiles of what others placed with their rows (one round
        trip: a sync under the placement lock, which every worker waits for), except
        for the articles this process added itself; a build reads them in pages."""
        slicer = _Slicer()
        await self._expire(start, slicer)
        self._added &= self._articles.keys()  # one that left the window is read no more
        if self._holes and time.monotonic() - self._holes_checked >= HOLE_RECHECK:
            await self._fill_holes(store, slicer)
        while True:
            rows = await store.window_rows(
                start,
                after_seq=self._synced_seq,
                limit=PAGE,
                profiles=inline,
                known=sorted(self._added) if inline else (),
            )
            self._added.difference_update(r.article_id for r in rows)
            await self._take(store, rows, slicer)
            if len(rows) < PAGE:
                break

    async def _take(self, store: Store, rows: Sequence[WindowRow], slicer: _Slicer) -> None:
        """Index a page of rows read in placement order; note the numbers skipped below
        the highest."""
        self.reads["rows"] += len(rows)
        if not rows:
            return
        floor = max(self._synced_seq, rows[-1].placed_seq - HOLE_SPAN)
        self._synced_seq = rows[-1].placed_seq
        self._note_holes(floor, [r.placed_seq for r in rows])
        await self._index(store, [r for r in rows if r.article_id not in self._articles], slicer)

    def _note_holes(self, floor: int, seqs: Sequence[int]) -> None:
        noticed = time.monotonic()
        last = floor
        for seq in seqs:
            for missing in range(max(last, floor) + 1, seq):
                self._holes.setdefault(missing, noticed)
            last = seq

    async def _fill_holes(self, store: Store, slicer: _Slicer) -> None:
        """Numbers skipped by an earlier sync: placed since by a transaction then still
        open? (An article fetched before the window's start leaves a hole too, dropped
        after :data:`HOLE_LAG`.)"""
        assert self.start is not None
        waiting = sorted(self._holes)
        self._holes_checked = time.monotonic()
        self.reads["holes"] += len(waiting)
        rows = await store.window_rows_of(waiting, self.start)
        self.reads["rows"] += len(rows)
        for row in rows:
            self._holes.pop(row.placed_seq, None)
        await self._index(store, [r for r in rows if r.article_id not in self._articles], slicer)
        too_old = time.monotonic() - HOLE_LAG
        for seq in waiting:
            if self._holes.get(seq, too_old + 1) <= too_old:
                del self._holes[seq]

    async def _index(self, store: Store, rows: Sequence[WindowRow], slicer: _Slicer) -> None:
        """Add new rows (in placement order): signatures at once, profiles read in pages."""
        for row in rows:
            self._enter(row.article_id, row.story_id, row.fetched_at, row.content_hash)
            if row.signature is not None:
                self.duplicates.add(row.article_id, row.signature)
            await slicer.tick()
        read = [row.profile for row in rows if row.profile is not None]
        if read:
            for article_id, profile in await self._profiles_of(store, read, slicer):
                self._join(article_id, self._articles[article_id][1] or 0, profile)
                await slicer.tick()
        members = [row.article_id for row in rows if row.profile is None]
        for page in range(0, len(members), PAGE // 5):
            profiles = await self._read_profiles(store, members[page : page + PAGE // 5], slicer)
            for article_id, profile in profiles:
                story_id = self._articles[article_id][1]
                assert story_id is not None
                self._join(article_id, story_id, profile)
                await slicer.tick()

    async def _read_profiles(
        self, store: Store, ids: Sequence[int], slicer: _Slicer
    ) -> list[tuple[int, Profile]]:
        return await self._profiles_of(store, await store.window_profiles(ids), slicer)

    async def _profiles_of(
        self, store: Store, rows: Sequence[ProfileRow], slicer: _Slicer
    ) -> list[tuple[int, Profile]]:
        """Profiles from their parts (a lead longer than what was read, read whole)."""
        self.reads["profiles"] += len(rows)
        long = [r.article_id for r in rows if not lead_is_whole(r.lead, r.text_length)]
        texts = await store.article_texts(long) if long else {}
        self.reads["texts"] += len(texts)
        profiles = []
        for row in rows:
            profiles.append((row.article_id, _profile(row, texts.get(row.article_id, row.lead))))
            await slicer.tick()
        return profiles

    async def _expire(self, start: datetime, slicer: _Slicer) -> None:
        """Drop the articles fetched before ``start``; rebuild the stories they were in."""
        touched: set[int] = set()
        while self._expiry and self._expiry[0][0] < start:
            _, article_id = heapq.heappop(self._expiry)
            entry = self._articles.pop(article_id, None)
            if entry is None:
                continue
            self.duplicates.remove(article_id)
            key = self._copy_keys.pop(article_id, None)
            if key is not None and self._copies.get(key) == article_id:
                del self._copies[key]
            story_id = entry[1]
            if story_id is not None and self._profiles.pop(article_id, None) is not None:
                self._members[story_id] = tuple(
                    a for a in self._members[story_id] if a != article_id
                )
                touched.add(story_id)
        for story_id in sorted(touched):
            self._rebuild(story_id)
            await slicer.tick()

    # ---------------------------------------------------------------- changes
    def add(
        self,
        article_id: int,
        story_id: int,
        profile: Profile,
        signature: Any,
        fetched_at: datetime,
        content_hash: str | None = None,
    ) -> None:
        """An article this process just stored (or placed) in a story."""
        self._added.add(article_id)
        self._enter(article_id, story_id, fetched_at, content_hash)
        if signature is not None:
            self.duplicates.add(article_id, signature)
        if article_id not in self._profiles:
            self._join(article_id, story_id, profile)

    def _enter(
        self,
        article_id: int,
        story_id: int | None,
        fetched_at: datetime,
        content_hash: str | None = None,
    ) -> None:
        entry = self._articles.get(article_id)
        if entry is None:
            self._articles[article_id] = (fetched_at, story_id)
            heapq.heappush(self._expiry, (fetched_at, article_id))
            key = _copy_key(content_hash) if content_hash else None
            if key is not None:
                self._copy_keys[article_id] = key
                self._copies.setdefault(key, article_id)
        elif story_id is not None:
            self._articles[article_id] = (entry[0], story_id)  # an orphan placed in a story

    def _join(self, article_id: int, story_id: int, profile: Profile) -> None:
        """Add a member's profile to its story, merged in id order like a reload."""
        self._profiles[article_id] = _compact(profile)
        members = self._members.get(story_id, ())
        if not members or members[-1] < article_id:
            self._members[story_id] = (*members, article_id)
            self.stories.add(story_id, profile)
            return
        self._members[story_id] = tuple(sorted((*members, article_id)))
        self._rebuild(story_id)

    def _rebuild(self, story_id: int) -> None:
        """A story's profile merged again from the members it has left."""
        self.stories.remove(story_id)
        members = self._members.get(story_id)
        if not members:
            self._members.pop(story_id, None)
            return
        for article_id in members:
            self.stories.add(story_id, _expand(self._profiles[article_id]))

    def profiles(self) -> Iterable[tuple[int, Profile]]:
        """(story id, profile) of every story in the window (for tests and checks)."""
        return self.stories.profiles.items()


def _copy_key(content_hash: str) -> int | None:
    """A content hash as a small int (its first 64 bits): the window keeps one per
    article, and a false match is caught by comparing the texts."""
    try:
        return int(content_hash[:16], 16)
    except ValueError:
        return None


def _profile(row: ProfileRow, text: str) -> Profile:
    """An article's profile from its parts, as :func:`bot.ingest.articles.profile_of_row`
    makes it from the whole row."""
    analysis = {"people": row.people or [], "countries": row.countries or []}
    return Profile.of_article(
        title=row.title,
        text=text,
        people=person_names(analysis),
        countries=main_countries(analysis),
        published=row.published_at or row.fetched_at,
    )
