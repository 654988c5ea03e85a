"""Several ingest workers on one store: each feed polled once per interval, one story per
event however the articles of that event are split between the workers.

Real worker processes (:mod:`tests.fakes.ingest_worker`, one ``run_cycle`` each) and
real concurrent cycles against the loopback feed server, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.ingest.cycle import run_cycle
from bot.ingest.report import CycleReport
from bot.ingest.workers import WorkerPool
from bot.settings import FeedConfig, Settings, make_settings
from bot.store import Store
from bot.store.models import Article, Story, StoryArticle
from tests.fakes.feed_server import FeedServer, article_page, rss

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
_SYLLABLES = ["ka", "lo", "mer", "tu", "vin", "sa", "dro", "pel", "qui", "zan", "bo", "rish"]


def words_of(event: int, n: int = 12) -> list[str]:
    """Made-up words of one event's own: no two events share vocabulary (nor a country or
    a person), so only the write-ups of one event can meet in a story."""
    out = []
    for i in range(n):
        k = event * n + i
        a, b, c = k % 12, (k // 12) % 12, (k // 144) % 12
        out.append(_SYLLABLES[a] + _SYLLABLES[b] + _SYLLABLES[c])
    return out


def event_text(event: int, variant: int = 0) -> tuple[str, list[str]]:
    """A headline and paragraphs about ``event``; variant 1 is another outlet's copy of
    the same wire text with a line of its own at the end (a near-duplicate)."""
    w = words_of(event)
    title = f"{w[0].title()} {w[1]} {w[2]} {w[3]}"
    paragraphs = [
        " ".join(w[(i + j) % len(w)] for j in range(28)).capitalize() + "." for i in range(5)
    ]
    if variant:
        paragraphs.append(f"{w[5].title()} {w[7]} {w[9]} {w[11]} {w[1]} {w[3]}.")
    return title, paragraphs


def serve_events(
    server: FeedServer, outlet: str, events: list[int], variant: int = 0
) -> dict[str, str]:
    """One feed of ``outlet`` listing a page per event; returns it as a feed config dict."""
    items = []
    for event in events:
        title, paragraphs = event_text(event, variant)
        path = f"/{outlet}/news/{event}"
        server.add(path, article_page(title, paragraphs))
        items.append({"title": title, "link": server.url(path), "guid": path})
    server.add(f"/{outlet}/feed.xml", rss(items), content_type="application/rss+xml", etag=True)
    return {"url": server.url(f"/{outlet}/feed.xml"), "name": outlet}


async def start_worker(
    url: str, feeds: list[dict[str, str]], now: datetime
) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.ingest_worker", url, json.dumps(feeds), now.isoformat(),
        cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 120)
    assert line.strip() == b"ready", line + (await proc.stderr.read() if proc.stderr else b"")
    return proc


async def run_workers(url: str, feeds: list[dict[str, str]], now: datetime, n: int) -> list[dict]:
    """``n`` worker processes, ready, then told to go at once; their reports."""
    procs = await asyncio.gather(*(start_worker(url, feeds, now) for _ in range(n)))
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    reports = []
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), 240)
        assert proc.returncode == 0, err.decode()[-3000:]
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    return reports


async def count(store: Store, model: object) -> int:
    async with store.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def stories_of(store: Store) -> dict[str, int]:
    """Article URL -> its story."""
    async with store.session() as session:
        rows = await session.execute(
            select(Article.url, StoryArticle.story_id).join(
                StoryArticle, StoryArticle.article_id == Article.id
            )
        )
        return {url: story for url, story in rows.all()}


@contextlib.asynccontextmanager
async def placement_held_until_ready(
    other: Store, pool: WorkerPool, pages: int
) -> AsyncIterator[None]:
    """Another worker's hold of the placement lock while the block runs, kept until
    ``pool`` has run two more tasks a page (extraction; analysis with the signature:
    every page ready), then a second more: what the block makes ready meanwhile queues
    for it."""
    before = sum(w.tasks for w in pool._workers)
    held = asyncio.Event()

    async def hold() -> None:
        async with other.placing():
            held.set()
            while sum(w.tasks for w in pool._workers) < before + 2 * pages:
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)

    holder = asyncio.create_task(hold())
    await held.wait()
    try:
        yield
    finally:
        await holder


async def test_two_worker_processes_poll_each_feed_once_per_interval(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    with FeedServer() as server:
        feeds = [
            serve_events(server, f"outlet{f}", list(range(f * 3, f * 3 + 3))) for f in range(6)
        ]
        for tick in (T0, T0 + timedelta(minutes=16)):  # two intervals
            reports = await run_workers(url, feeds, tick, 2)
            polled = [feed_id for r in reports for feed_id in r["feeds"]]
            assert len(polled) == len(set(polled)) == 6, reports  # every feed, by one worker
        assert reports[0]["owner"] != reports[1]["owner"]
        for feed in feeds:
            path = feed["url"].removeprefix(server.base_url)
            hits = server.requests_for(path)
            assert len(hits) == 2, (path, len(hits))  # once per interval
            assert "if-none-match" in hits[1].headers  # the second poll asked for changes
        pages = [h.path for h in server.hits if "/news/" in h.path]
        assert len(pages) == len(set(pages)) == 18  # every page fetched once
    assert await count(store, Article) == 18
    assert await count(store, Story) == 18
    assert await store.leased_feeds(now=T0) == {}  # every claim released


async def two_cycles_at_once(
    server: FeedServer, store: Store, other: Store, settings: Settings, events: list[int]
) -> list[CycleReport]:
    """Two workers, each with its store and its pool, take one outlet's copies of the
    same events at the same moment: the wire's on ``store``, the mirror's (each page with
    a line of its own) on ``other``."""
    a = serve_events(server, "wire", events)
    b = serve_events(server, "mirror", events, variant=1)
    await store.sync_feeds([FeedConfig(url=f["url"], name=f["name"]) for f in (a, b)])
    ids = {f.name: f.id for f in await store.list_feeds()}
    with WorkerPool(1, budget=60) as pool_a, WorkerPool(1, budget=60) as pool_b:
        await asyncio.gather(asyncio.to_thread(pool_a.warm), asyncio.to_thread(pool_b.warm))
        return await asyncio.gather(
            run_cycle(store, settings, now=T0, pool=pool_a, feed_ids=[ids["wire"]]),
            run_cycle(other, settings, now=T0, pool=pool_b, feed_ids=[ids["mirror"]]),
        )


async def test_concurrent_cycles_put_each_event_in_one_story(store: Store) -> None:
    """Two workers each take one outlet's copies of the same five events at once: every
    event must end up as one story with both sources, never two stories."""
    other = Store.from_url(store.engine.url.render_as_string(hide_password=False))
    settings = make_settings(
        database_url="sqlite+aiosqlite:///:memory:",  # unused: the stores are given
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
    )
    events = list(range(40, 45))
    try:
        with FeedServer() as server:
            first, second = await two_cycles_at_once(server, store, other, settings, events)
        assert (first.new_articles, second.new_articles) == (5, 5)
        story = await stories_of(store)
        assert len(story) == 10  # every article in a story
        for event in events:
            wire = story[f"{server.base_url}/wire/news/{event}"]
            mirror = story[f"{server.base_url}/mirror/news/{event}"]
            assert wire == mirror, event  # one story for the event, not two
        assert await count(store, Story) == 5
        async with store.session() as session:
            sources = (await session.scalars(select(Story.source_count))).all()
        assert sorted(sources) == [2] * 5
    finally:
        await other.close()


async def test_articles_ready_while_another_worker_places_are_placed_in_one_hold(
    store: Store,
) -> None:
    """While another worker holds the placement lock, the articles a worker makes ready
    queue up and are placed together (one window sync), ids in the order placed. On
    SQLite the lock is taken first: all five in the one hold that waited. On PostgreSQL
    the first ready waits a moment for others (cycle.GATHER_SECONDS), opens its hold
    with what it has and writes those articles before it waits for the lock; the ones
    made ready meanwhile go together in the next hold (written before that one takes
    the lock, which is free by then): one or two holds."""
    other = Store.from_url(store.engine.url.render_as_string(hide_password=False))
    settings = make_settings(
        database_url="sqlite+aiosqlite:///:memory:",  # unused: the store is given
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
    )
    events = list(range(60, 65))
    try:
        with FeedServer() as server:
            feed = serve_events(server, "wire", events)
            await store.sync_feeds([FeedConfig(url=feed["url"], name=feed["name"])])
            with WorkerPool(1, budget=60) as pool:
                await asyncio.to_thread(pool.warm)
                async with placement_held_until_ready(other, pool, len(events)):
                    report = await run_cycle(store, settings, now=T0, pool=pool)
        assert report.new_articles == 5
        assert store.placements in ((1, 2) if store.is_postgres else (1,))
        story = await stories_of(store)
        assert len(story) == 5 and len(set(story.values())) == 5  # each event its story
        async with store.session() as session:
            rows = (await session.execute(select(Article.id, Article.url))).all()
            stored = {url: article_id for article_id, url in rows}
        # a story's id grows with its first article's: both made in placement order
        by_article = sorted(story, key=lambda url: stored[url])
        assert [story[url] for url in by_article] == sorted(story.values())
    finally:
        await other.close()
