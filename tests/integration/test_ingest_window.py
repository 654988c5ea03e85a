"""The story window kept across cycles: the same decisions as a reload, for the work of what is new.

A :class:`StoryWindow` that lives from cycle to cycle must hold what reloading the window
from the store would give (the old way, kept here as the reference), while reading only
what was stored since its last sync: the articles of this cycle, and those another
process stored. Both are checked on SQLite and PostgreSQL; the work is counted in rows
read, never timed.
"""

from __future__ import annotations

import gc
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.ingest import dedupe
from bot.ingest.articles import content_hash, profile_of_row
from bot.ingest.cycle import run_cycle
from bot.ingest.stories import LEAD_WORDS, Profile, StoryIndex
from bot.ingest.window import StoryWindow
from bot.settings import FeedConfig, make_settings
from bot.store import NewArticle, Store, StoryPlan
from bot.store.window import LEAD_CHARS
from tests.fakes.feed_server import FeedServer, article_page, rss

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SPAN = timedelta(hours=48)

TOPICS = [
    ("Earthquake strikes southern Peru", "earthquake magnitude arequipa rescue adobe quake", "PE"),
    ("Norway approves fund withdrawal", "parliament sovereign fund budget oil withdrawal", "NO"),
    ("Grandmaster wins chess tournament", "grandmaster chess tournament rounds draw pieces", "NL"),
    ("Floods swamp Bangladesh delta", "floods monsoon delta embankment rivers villages", "BD"),
    ("Central bank raises interest rates", "bank rates inflation lending mortgage currency", "GB"),
    ("Wildfires spread across Greek islands", "wildfires islands evacuation firefighters", "GR"),
]
FILLER = (
    "officials reporters morning evening region government statement residents local "
    "national hospital school market road bridge power water council minister week"
).split()
PEOPLE = ["Dina Boluarte", "Jonas Gahr Store", "Magnus Carlsen", "Sheikh Hasina", "Andrew Bailey"]


def text_of(topic: int, seed: int, words: int = 120) -> str:
    """A text about ``topic``: its words among filler, different for each seed."""
    rng = random.Random(seed)
    vocabulary = TOPICS[topic][1].split()
    chosen = [rng.choice(vocabulary if rng.random() < 0.4 else FILLER) for _ in range(words)]
    return " ".join(" ".join(chosen[i : i + 12]) + "." for i in range(0, words, 12))


def analysis_of(topic: int) -> dict[str, Any]:
    return {
        "language": "en",
        "people": [{"name": PEOPLE[topic % len(PEOPLE)], "kind": "person"}],
        "countries": [{"code": TOPICS[topic][2], "score": 0.9}, {"code": "US", "score": 0.1}],
    }


class Writer:
    """Stores articles the way a cycle does (article, story, signature), as any process."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.story_of_topic: dict[int, int] = {}
        self.serial = 0

    async def add(self, topic: int, fetched_at: datetime, text: str | None = None) -> int:
        self.serial += 1
        text = text or text_of(topic, self.serial)
        signature = dedupe.signature(text)
        assert signature is not None
        article = NewArticle(
            url=f"https://outlet{self.serial % 7}.example/{self.serial}",
            title=f"{TOPICS[topic][0]} ({self.serial % 3})",
            text=text,
            outlet=f"Outlet {self.serial % 7}",
            published_at=fetched_at - timedelta(minutes=30),
            fetched_at=fetched_at,
            analysis=analysis_of(topic),
            minhash=dedupe.to_bytes(signature),
            content_hash=content_hash(text),
        )
        plan = StoryPlan(
            story_id=self.story_of_topic.get(topic),
            headline=TOPICS[topic][0],
            countries=((TOPICS[topic][2], 0.9),),
        )
        result = await self.store.ingest_article(article, plan, at=fetched_at)
        assert result is not None
        self.story_of_topic[topic] = result.story_id
        return result.article_id

    async def many(self, count: int, start: datetime, step: timedelta) -> list[int]:
        return [await self.add(i % len(TOPICS), start + i * step) for i in range(count)]


async def reloaded(store: Store, now: datetime) -> StoryIndex:
    """The story index as each cycle used to build it: the whole window, from the store."""
    index = StoryIndex(SPAN)
    rows = await store.recent_minhashes(now - SPAN)
    story_of = {row.article_id: row.story_id for row in rows}
    members = [row.article_id for row in rows if row.story_id is not None]
    for article in await store.get_articles(members):
        index.add(story_of[article.id], profile_of_row(article))
    return index


def stories_of(index: StoryIndex) -> dict[Any, tuple[Any, ...]]:
    """Everything story matching reads of an index, in a comparable form."""
    return {
        story_id: (
            list(profile.terms.items()),  # in order: merging keeps the most common, first seen
            sorted(profile.people),
            sorted(profile.countries),
            profile.first_seen,
            profile.last_seen,
        )
        for story_id, profile in index.profiles.items()
    }


async def assert_same(kept: StoryWindow, index: StoryIndex) -> None:
    assert stories_of(kept.stories) == stories_of(index)
    assert kept.stories.stats.stories == index.stats.stories
    assert +kept.stories.stats.df == +index.stats.df
    for topic in range(len(TOPICS)):
        probe = Profile.of_article(
            title=TOPICS[topic][0],
            text=text_of(topic, 10_000 + topic),
            people=[PEOPLE[topic % len(PEOPLE)]],
            countries=[TOPICS[topic][2]],
            published=kept.start,
        )
        assert kept.stories.candidates(probe) == index.candidates(probe)
        assert kept.stories.best(probe) == index.best(probe) == await kept.best_story(probe)


async def test_a_kept_window_decides_as_a_reload_of_the_window(store: Store) -> None:
    writer = Writer(store)
    await writer.many(40, T0 - timedelta(hours=60), timedelta(hours=1))  # 12 h out of the window
    kept = StoryWindow(SPAN)
    await kept.sync(store, T0)
    assert len(kept) == 28  # fetched at T0 - 48 h or later
    await assert_same(kept, await reloaded(store, T0))

    for step in range(1, 4):  # later cycles: new articles, older ones leave the window
        now = T0 + step * timedelta(hours=5)
        await writer.many(7, now - timedelta(hours=4), timedelta(minutes=30))
        await kept.sync(store, now)
        await assert_same(kept, await reloaded(store, now))
        fresh = StoryWindow(SPAN)
        await fresh.sync(store, now)
        await assert_same(kept, fresh.stories)
        assert sorted(kept.duplicates._sigs) == sorted(fresh.duplicates._sigs)


async def test_a_story_whose_articles_all_left_the_window_is_dropped(store: Store) -> None:
    writer = Writer(store)
    old = await writer.add(0, T0 - timedelta(hours=47))
    await writer.add(1, T0 - timedelta(hours=47))
    await writer.add(1, T0 - timedelta(hours=1))
    kept = StoryWindow(SPAN)
    await kept.sync(store, T0)
    story = kept.story_of(old)
    assert story is not None and story in kept.stories
    await kept.sync(store, T0 + timedelta(hours=2))
    assert story not in kept.stories and kept.story_of(old) is None
    assert len(kept) == 1 and len(kept.duplicates) == 1
    await assert_same(kept, await reloaded(store, T0 + timedelta(hours=2)))


async def test_a_long_lead_is_read_whole_and_profiled_as_before(store: Store) -> None:
    """A text whose first LEAD_WORDS words run past LEAD_CHARS (numbers between them)."""
    padded = " ".join(f"{w} 1234567890 1234567890" for w in text_of(2, 1, LEAD_WORDS).split())
    assert len(padded) > LEAD_CHARS
    writer = Writer(store)
    await writer.add(2, T0 - timedelta(hours=1), text=padded)
    await writer.add(2, T0 - timedelta(hours=1))
    kept = StoryWindow(SPAN)
    await kept.sync(store, T0)
    assert kept.reads["texts"] == 1
    await assert_same(kept, await reloaded(store, T0))


async def test_the_window_gives_the_collector_no_object_per_article(store: Store) -> None:
    """A full garbage collection walks every container object and stalls the event loop
    meanwhile: the window must not add containers in proportion to its articles (a set
    per LSH bucket and per term did: 25 or more per article)."""

    async def tracked_by_a_window() -> tuple[StoryWindow, int]:
        gc.collect()
        before = len(gc.get_objects())
        window = StoryWindow(SPAN)
        await window.sync(store, T0)
        gc.collect()
        return window, len(gc.get_objects()) - before

    writer = Writer(store)  # six stories, however many articles
    await writer.many(30, T0 - timedelta(hours=40), timedelta(minutes=10))
    small, small_objects = await tracked_by_a_window()
    await writer.many(150, T0 - timedelta(hours=30), timedelta(minutes=10))
    large, large_objects = await tracked_by_a_window()
    assert (len(small), len(large)) == (30, 180)
    assert large_objects - small_objects < 150 // 4


@pytest.mark.parametrize("size", [30, 150])
async def test_a_sync_reads_what_is_new_not_the_window(store: Store, size: int) -> None:
    writer = Writer(store)
    await writer.many(size, T0 - timedelta(hours=40), timedelta(minutes=10))
    kept = StoryWindow(SPAN)
    await kept.sync(store, T0)
    assert kept.reads["rows"] == size  # the first build reads the window once

    statements: list[str] = []
    event.listen(
        store.engine.sync_engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_: statements.append(statement),
    )
    for step in range(1, 3):  # another process stores 5 articles between two syncs
        now = T0 + step * timedelta(minutes=15)
        await writer.many(5, now - timedelta(minutes=10), timedelta(minutes=1))
        kept.reads.clear()
        statements.clear()
        await kept.sync(store, now)
        assert kept.reads == Counter(rows=5, profiles=5), size
        # the rows and their profiles in one query: a sync under the placement lock is
        # one round trip, which every worker waits for
        assert len(statements) == 1, statements
    await assert_same(kept, await reloaded(store, T0 + timedelta(minutes=30)))


async def test_a_placement_committed_after_a_higher_one_is_found_later(store: Store) -> None:
    """Two writers on PostgreSQL: one's transaction takes a placement number and commits
    after the other's higher number was read (a membership written outside the placement
    lock, as ``add_to_story`` does); the next sync must still find it. (SQLite has one
    writer at a time: its numbers are committed in order.)"""
    if store.dialect != "postgresql":
        pytest.skip("one writer at a time on SQLite: numbers are committed in order")
    writer = Writer(store)
    await writer.add(0, T0 - timedelta(hours=1))
    kept = StoryWindow(SPAN)
    await kept.sync(store, T0)
    text = text_of(3, 99)
    signature = dedupe.signature(text)
    assert signature is not None
    slow = NewArticle(
        url="https://slow.example/1",
        title="Floods swamp Bangladesh delta",
        text=text,
        fetched_at=T0,
        minhash=dedupe.to_bytes(signature),
    )
    async with store.placing(early=True) as placement:  # the slow worker's transaction
        slow_id = await store.insert_article(store.prepare_article(slow), placement=placement)
        assert slow_id is not None
        await placement.lock()
        await store.place_inserted(  # its placement number is taken now
            slow_id, StoryPlan(headline="Floods"), at=T0, placement=placement
        )
        fast = await writer.add(1, T0)  # a higher number, committed first
        await kept.sync(store, T0 + timedelta(minutes=1))
        assert kept.story_of(fast) is not None and fast in kept.duplicates
        assert slow_id not in kept.duplicates
    await kept.sync(store, T0 + timedelta(minutes=2))
    assert slow_id in kept.duplicates and kept.story_of(slow_id) is not None


# ---------------------------------------------------------------- cycles
def page_of(topic: int, seed: int) -> str:
    body = text_of(topic, seed, 160)
    return article_page(TOPICS[topic][0], [body[i : i + 400] for i in range(0, len(body), 400)])


@pytest.mark.parametrize("size", [10, 60])
async def test_cycles_with_a_kept_window_read_their_new_articles_only(
    store: Store, size: int
) -> None:
    """Windows of different sizes: the same cycles read the same rows from the store."""
    writer = Writer(store)
    await writer.many(size, T0 - timedelta(hours=30), timedelta(minutes=20))
    with FeedServer() as server:
        items = []
        for i in range(6):
            server.add(f"/news/{i}", page_of(i % len(TOPICS), 500 + i))
            items.append(
                {
                    "title": TOPICS[i % len(TOPICS)][0],
                    "link": server.url(f"/news/{i}"),
                    "guid": f"item-{i}",
                    "pubDate": "Mon, 02 Mar 2026 10:00:00 GMT",
                }
            )
        server.add("/feed.xml", rss(items[:3]), content_type="application/rss+xml")
        await store.sync_feeds([FeedConfig(url=server.url("/feed.xml"), name="Outlet")])
        settings = make_settings(
            database_url="sqlite+aiosqlite:///:memory:",
            allow_private_hosts=True,
            poll_interval=900,
            poll_floor=60,
        )
        kept = StoryWindow(SPAN)
        first = await run_cycle(store, settings, now=T0, window=kept, prune=False)
        assert first.new_articles == 3
        # the build reads the window once; later syncs (one a placement under the lock
        # of several workers) read again, by id, at most what this cycle stored
        assert size <= kept.reads["rows"] <= size + first.new_articles
        assert kept.reads["profiles"] == size
        server.add("/feed.xml", rss(items), content_type="application/rss+xml")
        kept.reads.clear()
        later = T0 + timedelta(minutes=16)
        second = await run_cycle(store, settings, now=later, window=kept, prune=False)
        assert second.new_articles == 3
    # the second cycle read the ids of the articles the cycles stored, whatever the window,
    # and no profile: they are this process's own, known already
    assert kept.reads["rows"] <= first.new_articles + second.new_articles
    assert kept.reads["profiles"] == kept.reads["texts"] == 0
    await assert_same(kept, await reloaded(store, later))
