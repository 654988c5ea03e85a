"""Issue 7 against ingestion: hostile pages, bad items, forbidden characters, poisoned rows.

Each test serves the hostile input from the local feed server next to good feeds and
checks three things: the hostile part is recorded with its reason, the good parts are
all stored, and the next cycle does not try the same thing again.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.ingest.cycle import run_cycle
from bot.ingest.workers import WorkerPool
from bot.settings import FeedConfig, make_settings
from bot.store import Store
from bot.store.models import Article, SeenEntry, Story
from bot.store.records import url_hash
from tests.fakes.feed_server import FeedServer, article_page, rss

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
STORIES = {
    "quake": (
        "Earthquake of magnitude 6.8 strikes southern Peru",
        [
            "A powerful earthquake of magnitude 6.8 struck southern Peru on Monday, damaging "
            "colonial churches in Arequipa and cutting power to thousands of homes, the "
            "national seismology institute said.",
            "Rescue teams searched collapsed adobe buildings in the Andean villages near the "
            "epicentre, and the health ministry reported dozens of injured residents.",
        ],
    ),
    "budget": (
        "Norwegian parliament approves record sovereign fund withdrawal",
        [
            "Norway's parliament approved the largest withdrawal ever from the country's "
            "sovereign wealth fund to finance next year's budget, despite warnings from the "
            "central bank about overheating the economy.",
            "Opposition lawmakers argued the spending broke the fiscal rule that has guided "
            "Oslo's budgets for two decades and would fuel inflation.",
        ],
    ),
    "chess": (
        "Teenage grandmaster wins Tata Steel chess tournament in Wijk aan Zee",
        [
            "A seventeen-year-old grandmaster from Uzbekistan won the Tata Steel chess "
            "tournament in Wijk aan Zee on Sunday after a tense final-round draw against the "
            "reigning world champion.",
            "Organisers praised the attacking style of the young champion, whose victory "
            "with the black pieces in round nine was called the game of the event.",
        ],
    ),
    "kenya": (
        "Kenya's parliament passes a finance bill raising taxes on mobile money",
        [
            "Kenya's parliament passed a finance bill on Tuesday that raises taxes on mobile "
            "money transfers and fuel, after a heated debate that ran late into the night.",
            "Opposition lawmakers walked out before the vote, saying the levies would hurt "
            "poor households, while the treasury said the revenue was needed for its debt.",
        ],
    ),
}


def settings(**kw):
    base = {
        "database_url": "sqlite+aiosqlite:///:memory:",  # unused: the cycle gets its store
        "allow_private_hosts": True,
        "poll_interval": 900,
        "poll_floor": 60,
        "http_connect_timeout": 0.5,
        "http_read_timeout": 2,
    }
    base.update(kw)
    return make_settings(**base)


def item(server: FeedServer, key: str, link: str | None = None) -> dict[str, str]:
    title, paragraphs = STORIES[key]
    return {
        "title": title,
        "link": link or server.url(f"/news/{key}"),
        "guid": f"guid-{key}",
        "description": " ".join(paragraphs),
        "pubDate": "Mon, 02 Mar 2026 10:00:00 GMT",
    }


def serve(server: FeedServer, *keys: str) -> None:
    for key in keys:
        server.add(f"/news/{key}", article_page(*STORIES[key]))


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def pool():
    with WorkerPool(1, budget=30) as p:
        yield p


async def add_feeds(store: Store, server: FeedServer, *paths: str) -> dict[str, int]:
    await store.sync_feeds(FeedConfig(url=server.url(p), name=f"Outlet {p}") for p in paths)
    return {f.url.rsplit("/", 1)[-1]: f.id for f in await store.list_feeds()}


async def articles(store: Store) -> dict[str, Article]:
    async with store.session() as session:
        return {a.title: a for a in (await session.scalars(select(Article))).all()}


async def seen(store: Store, feed_id: int, key: str) -> SeenEntry | None:
    async with store.session() as session:
        return await session.scalar(
            select(SeenEntry).where(
                SeenEntry.feed_id == feed_id, SeenEntry.key_hash == url_hash(f"guid:{key}")
            )
        )


# ------------------------------------------------------------------ #2: hostile pages
HOSTILE_PAGE = (
    "<html><body><article>"
    + "<p>The minister said the talks would continue next week in Geneva.</p>" * 50_000
    + "</article></body></html>"
)  # 3.5 MB, under the page cap: trafilatura alone takes 15-20 s on it here (1 MB: 3 s)


async def test_a_page_over_its_budget_is_killed_recorded_and_the_others_go_on(store, server):
    """One worker, a 1.5 s budget: the hostile page costs its budget, not the cycle."""
    serve(server, "quake", "budget", "chess")
    server.add("/news/hostile", HOSTILE_PAGE, gzip=True)
    hostile = item(server, "kenya", server.url("/news/hostile"))
    server.add("/a.xml", rss([hostile, item(server, "quake")]), content_type="application/rss+xml")
    server.add("/b.xml", rss([item(server, "budget")]), content_type="application/rss+xml")
    server.add("/c.xml", rss([item(server, "chess")]), content_type="application/rss+xml")
    ids = await add_feeds(store, server, "/a.xml", "/b.xml", "/c.xml")
    with WorkerPool(1) as pool:
        report = await run_cycle(store, settings(ingest_page_budget=1.5), now=T0, pool=pool)
        assert pool.timeouts == 1  # killed once, replaced, and every other page extracted
    assert report.worker_timeouts == 1 and report.feeds_failed == 0
    stored = await articles(store)
    assert len(stored) == 4
    for key in ("quake", "budget", "chess"):
        assert stored[STORIES[key][0]].text_source == "page"
    kenya = stored[STORIES["kenya"][0]]
    assert kenya.text_source == "feed" and "mobile money" in kenya.text  # the feed's text
    mark = await seen(store, ids["a.xml"], "guid-kenya")
    assert mark is not None and mark.outcome == "stored"
    assert mark.error is not None and "extract: timeout" in mark.error
    feed_a = next(f for f in report.feeds if f.url.endswith("/a.xml"))
    assert any("timeout" in failure for failure in feed_a.entry_failures)


# ------------------------------------------------------------------ #7: bad items
async def test_bad_items_are_skipped_and_the_rest_of_the_feed_is_stored(store, server, pool):
    """``&#xD800;`` in a title, ``http://[::1`` as a link: the feed failed on every poll."""
    serve(server, "quake", "budget")
    feed = rss(
        [
            {**item(server, "chess"), "title": "SURROGATE"},
            {**item(server, "kenya"), "link": "BADLINK"},
            item(server, "quake"),
            item(server, "budget"),
        ]
    )
    feed = feed.replace("<title>SURROGATE</title>", "<title>&#xD800;Chess&#55296;</title>")
    feed = feed.replace("<link>BADLINK</link>", "<link>http://[::1</link>")
    server.add("/feed.xml", feed, content_type="application/rss+xml")
    ids = await add_feeds(store, server, "/feed.xml")
    report = await run_cycle(store, settings(), now=T0, pool=pool)
    (rep,) = report.feeds
    assert rep.status == "ok" and report.feeds_failed == 0
    assert len(rep.skipped) == 1 and "ValueError" in rep.skipped[0]
    stored = await articles(store)
    assert {STORIES["quake"][0], STORIES["budget"][0], "Chess"} <= set(stored)
    assert not any(STORIES["kenya"][0] == title for title in stored)
    feed_row = await store.get_feed(ids["feed.xml"])
    assert feed_row is not None and feed_row.consecutive_failures == 0
    again = await run_cycle(store, settings(), now=T0 + timedelta(minutes=16), pool=pool)
    assert again.new_entries == 0 and again.feeds_failed == 0


async def test_entries_whose_page_can_never_be_fetched_are_stored_from_feed_text(
    store, server, pool
):
    """``http://127.000.000.001/x`` and a page redirecting to ``javascript:`` let a bare
    httpx.InvalidURL escape: the entry was retried on every poll and never stored."""
    server.add("/to-js", status=302, headers={"Location": "javascript:alert(1)"})
    items = [
        item(server, "quake", "http://127.000.000.001/x"),
        item(server, "budget", server.url("/to-js")),
    ]
    server.add("/feed.xml", rss(items), content_type="application/rss+xml")
    ids = await add_feeds(store, server, "/feed.xml")
    report = await run_cycle(store, settings(), now=T0, pool=pool)
    assert report.new_articles == 2 and report.feed_text_used == 2
    stored = await articles(store)
    assert all(a.text_source == "feed" for a in stored.values())
    quake = await seen(store, ids["feed.xml"], "guid-quake")
    budget = await seen(store, ids["feed.xml"], "guid-budget")
    assert quake is not None and "bad_url" in (quake.error or "")
    assert budget is not None and "bad_redirect" in (budget.error or "")
    again = await run_cycle(store, settings(), now=T0 + timedelta(minutes=16), pool=pool)
    assert again.new_entries == 0 and server.count("/to-js") == 1  # not tried again


async def test_nul_and_lone_surrogates_never_reach_the_database(store, server, pool):
    """``&#0;`` in a title was refused by PostgreSQL, and the entry retried forever."""
    title, paragraphs = STORIES["quake"]
    page = article_page(title, [paragraphs[0] + " \x00Rescue\udc80 teams", paragraphs[1]])
    server.add("/news/quake", page.encode("utf-8", "surrogatepass"))
    feed = rss([{**item(server, "quake"), "title": "NULTITLE"}, item(server, "kenya")])
    feed = feed.replace("NULTITLE", "Quake&#0; in Peru&#x0;")
    server.add("/feed.xml", feed, content_type="application/rss+xml")
    await add_feeds(store, server, "/feed.xml")  # kenya's page is missing: feed text
    report = await run_cycle(store, settings(), now=T0, pool=pool)
    assert report.new_articles == 2
    stored = await articles(store)
    assert "Quake in Peru" in stored
    for article in stored.values():
        blob = repr((article.title, article.text, article.analysis, article.url))
        assert "\\x00" not in blob and "\\ud" not in blob
    async with store.session() as session:
        briefs = (await session.scalars(select(Story.brief))).all()
    assert briefs and all(b is not None and "\\x00" not in repr(b) for b in briefs)


# ------------------------------------------------------------------ failure isolation
async def test_a_poisoned_feed_and_a_poisoned_story_leave_the_rest_ingested(
    store, server, pool, caplog
):
    """A feed row whose URL no client can parse and a story whose stored analysis no
    brief can be built from: each is logged with its id, everything else goes on."""
    serve(server, "quake", "budget")
    server.add("/good.xml", rss([item(server, "quake")]), content_type="application/rss+xml")
    server.add("/also.xml", rss([item(server, "budget")]), content_type="application/rss+xml")
    await add_feeds(store, server, "/good.xml", "/also.xml")
    await store.sync_feeds([FeedConfig(url="http://[::1/feed.xml", name="Poisoned feed")])
    broken = await store.add_article(
        url="https://old.example/1",
        title="An article of an older version",
        text="Some text of an older article.",
        analysis={"countries": [{"unexpected": "shape"}], "people": "not a list"},
        fetched_at=T0 - timedelta(hours=1),
    )
    poisoned = await store.create_story("Poisoned story", article_ids=[broken], at=T0)
    caplog.set_level(logging.INFO)
    report = await run_cycle(store, settings(), now=T0, pool=pool)
    by_name = {f.name: f for f in report.feeds}
    assert by_name["Poisoned feed"].status == "failed"
    assert "bad_url" in (by_name["Poisoned feed"].error or "")
    assert by_name["Outlet /good.xml"].new_articles == 1
    assert by_name["Outlet /also.xml"].new_articles == 1
    assert report.briefs_failed == 1 and report.briefs_built == 2
    assert f"event=brief_failed story_id={poisoned}" in caplog.text
    assert "event=feed_failed feed_id=" in caplog.text
    failed = next(r.getMessage() for r in caplog.records if "event=feed_failed" in r.msg)
    # every value one token, so the key=value log line parses (a datetime's space split it)
    assert re.search(r" next=\S+$", failed) and " next=None" not in failed
    async with store.session() as session:
        story = await session.get(Story, poisoned)
    assert story is not None and story.needs_brief  # tried again next cycle, not lost
