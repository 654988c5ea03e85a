"""Ingestion cycles end to end: a real HTTP server on loopback, a real SQLite/PostgreSQL store.

Each fault a real feed can throw at us gets its own feed on the local server; every
test checks the same four things: the feed's error is recorded, the other feeds are
not held up, nothing already stored is lost, and the next cycle does the right thing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.commands.feeds import render_table
from bot.ingest.cycle import run_cycle
from bot.ingest.workers import WorkerPool
from bot.settings import FeedConfig, make_settings
from bot.store import Store
from bot.store.models import Article, Feed, Story, StoryArticle
from tests.fakes.feed_server import GZIP_BOMB, HANG, HUGE, FeedServer, article_page, rss

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

ARTICLES = {
    "quake": (
        "Earthquake of magnitude 6.8 strikes southern Peru",
        [
            "A powerful earthquake of magnitude 6.8 struck southern Peru on Monday, damaging "
            "colonial churches in Arequipa and cutting power to thousands of homes, the "
            "national seismology institute said.",
            "Rescue teams searched collapsed adobe buildings in the Andean villages near the "
            "epicentre, and the health ministry reported dozens of injured residents taken "
            "to regional hospitals overnight.",
            "President Dina Boluarte declared a state of emergency in three provinces and "
            "promised emergency funds for reconstruction of schools and bridges.",
        ],
    ),
    "budget": (
        "Norwegian parliament approves record sovereign fund withdrawal",
        [
            "Norway's parliament approved the largest withdrawal ever from the country's "
            "sovereign wealth fund to finance next year's budget, despite warnings from the "
            "central bank about overheating the economy.",
            "Finance Minister Trygve Slagsvold Vedum said the oil revenue would pay for "
            "hospitals, defence procurement and lower electricity bills for households in "
            "the northern counties.",
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
            "Nodirbek Abdusattorov finished half a point ahead of the field, collecting "
            "eight and a half points from thirteen rounds in the Dutch seaside village.",
            "Organisers praised the attacking style of the young champion, whose victory "
            "with the black pieces in round nine was called the game of the event.",
        ],
    ),
}


def page(key: str, **kw) -> str:
    title, paragraphs = ARTICLES[key]
    return article_page(title, paragraphs, **kw)


def item(server: FeedServer, key: str, path: str | None = None, **extra) -> dict[str, str]:
    title, paragraphs = ARTICLES[key]
    return {
        "title": title,
        "link": server.url(path or f"/news/{key}"),
        "guid": extra.pop("guid", f"guid-{path or key}"),
        "description": paragraphs[0][:120],
        "pubDate": "Mon, 02 Mar 2026 10:00:00 GMT",
        **extra,
    }


def settings(url: str, **kw):
    """Cycle settings; ``url`` "x" when the cycle is given its store (the URL is unused)."""
    base = {
        "database_url": "sqlite+aiosqlite:///:memory:" if url == "x" else url,
        "allow_private_hosts": True,
        "poll_interval": 900,
        "poll_floor": 60,
        "http_connect_timeout": 0.5,
        "http_read_timeout": 0.5,
        "retention_days": 30,
    }
    base.update(kw)
    return make_settings(**base)


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


@pytest.fixture
async def db(sqlite_url):
    store = Store.from_url(sqlite_url)
    yield store
    await store.close()


async def add_feeds(store: Store, server: FeedServer, *paths: str) -> dict[str, int]:
    await store.sync_feeds(FeedConfig(url=server.url(p), name=f"Outlet {p}") for p in paths)
    return {f.url.rsplit("/", 1)[-1]: f.id for f in await store.list_feeds()}


async def count(store: Store, model) -> int:
    async with store.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


def near(when: datetime | None, expected: datetime) -> bool:
    """Poll times count from the request, a few milliseconds into the cycle."""
    return when is not None and abs((when - expected).total_seconds()) < 5


async def feed_row(store: Store, feed_id: int) -> Feed:
    feed = await store.get_feed(feed_id)
    assert feed is not None
    return feed


def serve_articles(server: FeedServer, *keys: str) -> None:
    for key in keys:
        server.add(f"/news/{key}", page(key))


async def test_first_cycle_stores_articles_second_is_304(store, server):
    """Both backends: articles and stories are stored; then 304s and no page refetched."""
    serve_articles(server, "quake", "budget")
    server.add(
        "/feed.xml",
        rss([item(server, "quake"), item(server, "budget")]),
        content_type="application/rss+xml",
        etag=True,
    )
    await add_feeds(store, server, "/feed.xml")
    s = settings(store.engine.url.render_as_string(hide_password=False))
    report = await run_cycle(store, s, now=T0)
    assert report.feeds_polled == 1 and report.new_articles == 2 and report.feeds_failed == 0
    assert report.stories_created == 2 and report.pages_fetched == 2
    assert await count(store, Article) == 2 and await count(store, Story) == 2
    async with store.session() as session:
        articles = {a.url: a for a in (await session.scalars(select(Article))).all()}
    assert [a.text_source for a in articles.values()] == ["page", "page"]
    quake = articles[server.url("/news/quake")]
    assert "magnitude 6.8" in quake.text and "Home" not in quake.text
    assert "All rights reserved" not in quake.text
    assert quake.published_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert quake.outlet == "Outlet /feed.xml"
    assert quake.minhash and len(quake.minhash) == 128 * 8

    server.reset_hits()
    again = await run_cycle(store, s, now=T0 + timedelta(minutes=16))
    # the work of an unchanged feed: one conditional GET, answered 304, nothing else
    [poll] = server.requests_for("/feed.xml")
    assert "if-none-match" in poll.headers and len(server.hits) == 1
    assert again.feeds_polled == 1 and again.feeds_not_modified == 1
    assert again.new_articles == 0 and again.pages_fetched == 0
    assert server.count("/news/quake") == 0 and server.count("/news/budget") == 0
    assert await count(store, Article) == 2


async def test_feed_is_not_polled_before_it_is_due(db, server):
    server.add("/feed.xml", rss([]), content_type="application/rss+xml")
    await add_feeds(db, server, "/feed.xml")
    s = settings("x")
    assert (await run_cycle(db, s, now=T0)).feeds_polled == 1
    assert (await run_cycle(db, s, now=T0 + timedelta(minutes=10))).feeds_polled == 0
    assert (await run_cycle(db, s, now=T0 + timedelta(minutes=15, seconds=5))).feeds_polled == 1


async def test_ttl_and_cache_control_delay_the_next_poll(db, server):
    server.add("/ttl.xml", rss([], ttl=60), content_type="application/rss+xml")
    server.add(
        "/cc.xml",
        rss([]),
        content_type="application/rss+xml",
        headers={"Cache-Control": "public, max-age=1800"},
    )
    ids = await add_feeds(db, server, "/ttl.xml", "/cc.xml")
    await run_cycle(db, settings("x"), now=T0)
    assert near((await feed_row(db, ids["ttl.xml"])).next_poll_at, T0 + timedelta(hours=1))
    assert near((await feed_row(db, ids["cc.xml"])).next_poll_at, T0 + timedelta(minutes=30))


async def test_faults_are_recorded_without_holding_up_the_good_feed(db, server):
    serve_articles(server, "quake")
    server.add("/good.xml", rss([item(server, "quake")]), content_type="application/rss+xml")
    server.add("/hang.xml", behaviour=HANG)
    server.add("/missing.xml", "no", status=404)
    server.add("/gone.xml", "bye", status=410)
    server.add("/broken.xml", "oops", status=500)
    server.add("/busy.xml", "later", status=503, headers={"Retry-After": "7200"})
    server.add("/loop.xml", status=302, headers={"Location": "/loop2.xml"})
    server.add("/loop2.xml", status=302, headers={"Location": "/loop.xml"})
    server.add(
        "/malformed.xml",
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Bad & worse</title></chan",
        content_type="application/rss+xml",
    )
    server.add("/html.xml", page("budget"), content_type="text/html")
    server.add("/huge.xml", behaviour=HUGE, content_type="application/rss+xml")
    server.add("/bomb.xml", behaviour=GZIP_BOMB, size=100 * 1024 * 1024, content_type="text/xml")
    names = ["good", "hang", "missing", "gone", "broken", "busy", "loop", "malformed", "html"]
    names += ["huge", "bomb"]
    ids = await add_feeds(db, server, *(f"/{n}.xml" for n in names))
    # the read timeout (0.5 s) ends the hanging feed; a total deadline no loaded machine
    # reaches lets the huge feed and the bomb end on their caps, never in a race with it
    s = settings("x", http_max_body_bytes=2_000_000, http_total_timeout=60.0)

    report = await run_cycle(db, s, now=T0)
    assert server.count("/hang.xml") == 1  # the hanging feed costs its timeout, once
    by_name = {f.url.rsplit("/", 1)[-1]: f for f in report.feeds}
    assert by_name["good.xml"].status == "ok" and by_name["good.xml"].new_articles == 1
    assert report.feeds_failed == len(names) - 1

    expected = {
        "hang.xml": "timeout",
        "missing.xml": "HTTP 404",
        "gone.xml": "HTTP 410",
        "broken.xml": "HTTP 500",
        "busy.xml": "HTTP 503",
        "loop.xml": "redirect_loop",
        "malformed.xml": "malformed",
        "html.xml": "not_a_feed",
        "huge.xml": "too_large",
        "bomb.xml": "too_large",
    }
    for name, fragment in expected.items():
        feed = await feed_row(db, ids[name])
        assert fragment in (feed.last_error or ""), (name, feed.last_error)
        assert feed.consecutive_failures == 1
    gone = await feed_row(db, ids["gone.xml"])
    assert gone.gone and gone.next_poll_at is None
    busy = await feed_row(db, ids["busy.xml"])
    # Retry-After beats interval, plus the 30 s a feed may be polled early (at a tick)
    assert near(busy.next_poll_at, T0 + timedelta(seconds=7200 + 30))
    broken = await feed_row(db, ids["broken.xml"])
    assert near(broken.next_poll_at, T0 + timedelta(seconds=900))
    assert await count(db, Article) == 1

    # Next cycle, 16 minutes on: the failing feeds are retried (with backoff), not the
    # gone one, not the one that asked for two hours; the good one is still good.
    server.routes["/broken.xml"].status = 200
    server.routes["/broken.xml"].body = rss([item(server, "budget")]).encode()
    server.routes["/broken.xml"].content_type = "application/rss+xml"
    serve_articles(server, "budget")
    later = await run_cycle(db, s, now=T0 + timedelta(minutes=16))
    polled = {f.url.rsplit("/", 1)[-1] for f in later.feeds}
    assert "gone.xml" not in polled and "busy.xml" not in polled
    assert {"broken.xml", "missing.xml", "good.xml"} <= polled
    fixed = await feed_row(db, ids["broken.xml"])
    assert fixed.consecutive_failures == 0 and fixed.last_success_at is not None
    missing = await feed_row(db, ids["missing.xml"])
    assert missing.consecutive_failures == 2
    assert near(missing.next_poll_at, T0 + timedelta(minutes=16) + timedelta(seconds=1800))
    assert await count(db, Article) == 2  # nothing lost, the recovered feed's article added
    assert server.count("/gone.xml") == 1


async def test_backoff_is_exponential_and_capped_at_a_day(db, server):
    server.add("/down.xml", "no", status=500)
    ids = await add_feeds(db, server, "/down.xml")
    s = settings("x")
    now = T0
    delays = []
    for _ in range(10):
        await run_cycle(db, s, now=now)
        feed = await feed_row(db, ids["down.xml"])
        delays.append(round((feed.next_poll_at - feed.last_polled_at).total_seconds()))
        now = feed.next_poll_at
    assert delays[:4] == [900, 1800, 3600, 7200]
    assert max(delays) == 86400 and delays[-1] == 86400


async def test_wrong_and_undeclared_encodings(db, server):
    title = "Sónia Laygue é a nova presidente da associação"
    body = rss([{"title": title, "guid": "enc-1", "description": "Notícia em português " * 20}])
    # declared UTF-8, actually Latin-1 (like uolNoticias.rss)
    server.add("/lying.xml", body.encode("latin-1"), content_type="application/rss+xml")
    # no charset anywhere, Windows-1252 bytes
    server.add(
        "/undeclared.xml",
        body.replace('<?xml version="1.0" encoding="utf-8"?>', "").encode("cp1252"),
        content_type="application/xml",
    )
    ids = await add_feeds(db, server, "/lying.xml", "/undeclared.xml")
    report = await run_cycle(db, settings("x"), now=T0)
    assert report.feeds_failed == 0 and report.new_articles >= 1
    async with db.session() as session:
        titles = set((await session.scalars(select(Article.title))).all())
    assert title in titles
    for feed_id in ids.values():
        assert (await feed_row(db, feed_id)).last_error is None


async def test_items_without_link_date_or_with_the_same_guid(db, server):
    text = " ".join(ARTICLES["chess"][1])
    items = [
        {"title": "No link here", "guid": "nolink-1", "description": text},
        {"title": "No date either", "guid": "nodate-1", "description": ARTICLES["quake"][1][0]},
        {"title": "Twin A", "guid": "same", "description": ARTICLES["budget"][1][0]},
        {"title": "Twin B", "guid": "same", "description": ARTICLES["budget"][1][1]},
    ]
    server.add("/odd.xml", rss(items), content_type="application/rss+xml")
    await add_feeds(db, server, "/odd.xml")
    report = await run_cycle(db, settings("x"), now=T0)
    assert report.feeds_failed == 0
    assert report.new_articles == 3 and report.feed_text_used == 3
    async with db.session() as session:
        rows = (await session.scalars(select(Article).order_by(Article.id))).all()
    assert sorted(a.title for a in rows) == ["No date either", "No link here", "Twin A"]
    assert all(a.text_source == "feed" for a in rows)
    assert all(a.published_at == T0 for a in rows)  # no date: when we saw it
    assert all(a.url == server.url("/odd.xml") for a in rows)  # no link: the feed is the source
    # the next poll (the feed changed: no validators) takes none of them again
    again = await run_cycle(db, settings("x"), now=T0 + timedelta(minutes=16))
    assert again.new_entries == 0 and await count(db, Article) == 3


async def test_feed_repeating_old_items_only_adds_the_new_one(db, server):
    serve_articles(server, "quake", "budget", "chess")
    first = [item(server, "quake"), item(server, "budget")]
    server.add("/feed.xml", rss(first), content_type="application/rss+xml", etag=True)
    await add_feeds(db, server, "/feed.xml")
    s = settings("x")
    assert (await run_cycle(db, s, now=T0)).new_articles == 2
    server.reset_hits()
    server.routes["/feed.xml"].body = rss([item(server, "chess"), *first]).encode()
    report = await run_cycle(db, s, now=T0 + timedelta(minutes=20))
    assert report.new_entries == 1 and report.new_articles == 1
    assert server.count("/news/quake") == 0 and server.count("/news/chess") == 1
    assert await count(db, Article) == 3


async def test_pdf_image_and_failing_pages_fall_back_to_feed_text(db, server):
    summary = " ".join(ARTICLES["budget"][1])
    server.add("/doc.pdf", b"%PDF-1.7 binary", content_type="application/pdf")
    server.add("/pic.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")
    server.add("/dead", "gone", status=404)
    items = [
        {"title": "PDF item", "link": server.url("/doc.pdf"), "guid": "p", "description": summary},
        {
            "title": "Image item",
            "link": server.url("/pic.jpg"),
            "guid": "i",
            "content": "<p>" + ARTICLES["chess"][1][0] + "</p><p>" + ARTICLES["chess"][1][1],
        },
        {
            "title": "Dead item",
            "link": server.url("/dead"),
            "guid": "d",
            "description": ARTICLES["quake"][1][0],
        },
    ]
    server.add("/feed.xml", rss(items), content_type="application/rss+xml")
    await add_feeds(db, server, "/feed.xml")
    report = await run_cycle(db, settings("x"), now=T0)
    assert report.new_articles == 3 and report.feed_text_used == 3
    assert report.page_failures == 1
    async with db.session() as session:
        rows = {a.title: a for a in (await session.scalars(select(Article))).all()}
    assert (
        rows["PDF item"].text_source == "feed" and "sovereign wealth fund" in rows["PDF item"].text
    )
    assert "PDF" not in rows["PDF item"].text
    image_text = rows["Image item"].text
    assert "<p>" not in image_text and image_text.count("\n") == 1  # two paragraphs


async def test_canonical_urls_make_tracking_variants_one_article(db, server):
    server.add("/news/quake", page("quake", canonical=server.url("/world/peru-quake")))
    a = [item(server, "quake", "/news/quake?utm_source=rss&utm_medium=feed", guid="a1")]
    b = [item(server, "quake", "/news/quake?fbclid=XYZ#top", guid="b1")]
    c = [item(server, "quake", "/world/peru-quake?gclid=1", guid="c1")]
    server.add("/a.xml", rss(a), content_type="application/rss+xml")
    server.add("/b.xml", rss(b), content_type="application/rss+xml")
    await add_feeds(db, server, "/a.xml", "/b.xml")
    s = settings("x")
    report = await run_cycle(db, s, now=T0)
    assert report.new_articles == 1 and report.duplicates == 1
    async with db.session() as session:
        article = (await session.scalars(select(Article))).one()
    assert article.canonical_url == server.url("/world/peru-quake")
    # later, a third feed links the canonical URL itself (with a tracker): still a duplicate
    server.add("/c.xml", rss(c), content_type="application/rss+xml")
    await add_feeds(db, server, "/c.xml")
    later = await run_cycle(db, s, now=T0 + timedelta(minutes=16))
    assert later.new_articles == 0 and later.duplicates == 1
    assert server.count("/world/peru-quake") == 0  # known canonical URL: page not fetched


async def test_same_wire_story_on_two_sites_is_one_story_with_two_sources(store, server):
    serve_articles(server, "quake", "chess")
    paragraphs = ARTICLES["quake"][1]
    # the mirror trims the last paragraph and adds its own line: a near-duplicate
    server.add(
        "/mirror/quake",
        article_page("Peru hit by strong quake", [*paragraphs[:2], "Reporting by our staff."]),
    )
    server.add(
        "/a.xml",
        rss([item(server, "quake"), item(server, "chess")]),
        content_type="application/rss+xml",
    )
    server.add(
        "/b.xml",
        rss([item(server, "quake", "/mirror/quake")]),
        content_type="application/rss+xml",
    )
    await add_feeds(store, server, "/a.xml", "/b.xml")
    report = await run_cycle(store, settings("x"), now=T0)
    assert report.new_articles == 3 and report.near_duplicates == 1
    assert report.stories_created == 2
    async with store.session() as session:
        sizes = (
            await session.execute(
                select(Story.article_count, Story.source_count).order_by(Story.article_count)
            )
        ).all()
    assert [tuple(r) for r in sizes] == [(1, 1), (2, 2)]


async def test_an_exact_copy_in_a_later_cycle_reuses_the_analysis_and_signature(store, server):
    """A syndicated text (byte-identical) is analysed once: its copy in a later cycle
    takes the stored article's analysis and signature (found in the window by content
    hash), and joins its story as a near-duplicate; its page is only extracted."""
    serve_articles(server, "quake")
    server.add("/copy/quake", page("quake"))
    server.add("/a.xml", rss([item(server, "quake")]), content_type="application/rss+xml")
    server.add(
        "/b.xml",
        rss([item(server, "quake", "/copy/quake")]),
        content_type="application/rss+xml",
    )
    await add_feeds(store, server, "/a.xml")
    with WorkerPool(1, budget=60) as pool:
        first = await run_cycle(store, settings("x"), now=T0, pool=pool)
        assert first.new_articles == 1
        await add_feeds(store, server, "/a.xml", "/b.xml")
        before = sum(w.tasks for w in pool._workers)
        second = await run_cycle(store, settings("x"), now=T0 + timedelta(minutes=16), pool=pool)
        tasks = sum(w.tasks for w in pool._workers) - before
    assert second.new_articles == 1 and second.near_duplicates == 1
    assert second.analysis_errors == 0 and second.stories_created == 0
    assert tasks == 2  # the copy's extraction and the story's brief: no analysis, no signature
    async with store.session() as session:
        rows = (await session.scalars(select(Article).order_by(Article.id))).all()
        stories = (await session.scalars(select(StoryArticle.story_id))).all()
    original, copy = rows
    assert copy.text == original.text and copy.analysis == original.analysis
    assert copy.minhash == original.minhash and copy.minhash
    assert len(set(stories)) == 1


async def test_retention_prunes_old_articles(db, server):
    serve_articles(server, "quake")
    server.add("/feed.xml", rss([item(server, "quake")]), content_type="application/rss+xml")
    await add_feeds(db, server, "/feed.xml")
    s = settings("x", retention_days=2)
    await run_cycle(db, s, now=T0)
    assert await count(db, Article) == 1 and await count(db, StoryArticle) == 1
    report = await run_cycle(db, s, now=T0 + timedelta(days=3))
    assert report.pruned_articles == 1
    assert await count(db, Article) == 0 and await count(db, Story) == 0
    # the feed still lists the item, but its date is past retention: not taken again
    assert report.new_articles == 0


async def test_private_address_is_refused_when_not_allowed(db, server):
    serve_articles(server, "quake")
    server.add("/feed.xml", rss([item(server, "quake")]), content_type="application/rss+xml")
    ids = await add_feeds(db, server, "/feed.xml")
    report = await run_cycle(db, settings("x", allow_private_hosts=False), now=T0)
    assert report.feeds_failed == 1 and report.new_articles == 0
    feed = await feed_row(db, ids["feed.xml"])
    assert "blocked_address" in (feed.last_error or "")
    assert server.count("/feed.xml") == 0
    # allowed (as in the tests' settings), the next due cycle works
    ok = await run_cycle(db, settings("x"), now=T0 + timedelta(minutes=16))
    assert ok.new_articles == 1


async def test_pages_that_never_answer_do_not_stall_the_cycle(db, server):
    """After a few page timeouts on one host, its other pages use the feed's text."""
    items = []
    for n in range(8):
        server.add(f"/slow/{n}", behaviour=HANG)
        items.append(
            {
                "title": f"Item {n}",
                "link": server.url(f"/slow/{n}"),
                "guid": f"slow-{n}",
                "description": f"Story number {n}. " + ARTICLES["budget"][1][n % 3],
            }
        )
    server.add("/feed.xml", rss(items), content_type="application/rss+xml")
    await add_feeds(db, server, "/feed.xml")
    s = settings("x", http_connect_timeout=0.3, http_read_timeout=0.3)
    report = await run_cycle(db, s, now=T0)
    assert report.new_articles == 8 and report.feed_text_used == 8
    assert report.page_failures == 8
    requested = sum(server.count(f"/slow/{n}") for n in range(8))
    # three timeouts in a row rest the host (the fourth was already in flight, two at a
    # time): the other pages were not even tried, rather than eight timeouts in turn
    assert requested <= 4


async def test_two_feeds_listing_one_article_in_the_same_cycle(db, server):
    serve_articles(server, "chess")
    server.add("/a.xml", rss([item(server, "chess", guid="a")]), content_type="application/rss+xml")
    server.add("/b.xml", rss([item(server, "chess", guid="b")]), content_type="application/rss+xml")
    await add_feeds(db, server, "/a.xml", "/b.xml")
    report = await run_cycle(db, settings("x"), now=T0)
    assert report.new_articles == 1 and report.duplicates == 1
    assert server.count("/news/chess") == 1  # the page is fetched once
    # both feeds remember the entry: neither takes it again
    again = await run_cycle(db, settings("x"), now=T0 + timedelta(minutes=16))
    assert again.new_entries == 0


async def test_feed_moved_permanently_is_followed_and_reported(db, server):
    serve_articles(server, "quake")
    server.add("/new.xml", rss([item(server, "quake")]), content_type="application/rss+xml")
    server.add("/old.xml", status=301, headers={"Location": "/new.xml"})
    await add_feeds(db, server, "/old.xml")
    report = await run_cycle(db, settings("x"), now=T0)
    (feed,) = report.feeds
    assert feed.status == "ok" and feed.new_articles == 1
    assert feed.moved_to == server.url("/new.xml")


async def test_a_feed_that_moved_for_good_is_polled_at_its_new_url(store, server):
    """Two polls ending at the same target through 301/308 move the feed; a 302 never."""
    serve_articles(server, "quake", "budget")
    server.add("/new.xml", rss([item(server, "quake")]), content_type="application/rss+xml")
    server.add("/old.xml", status=301, headers={"Location": "/hop.xml"})
    server.add("/hop.xml", status=308, headers={"Location": "/new.xml"})
    server.add("/temp.xml", status=302, headers={"Location": "/budget.xml"})
    server.add("/budget.xml", rss([item(server, "budget")]), content_type="application/rss+xml")
    ids = await add_feeds(store, server, "/old.xml", "/temp.xml")
    s = settings("x")
    first = await run_cycle(store, s, now=T0)
    moved = {f.url.rsplit("/", 1)[-1]: f for f in first.feeds}
    assert moved["old.xml"].moved_to == server.url("/new.xml") and not moved["old.xml"].moved
    assert moved["temp.xml"].moved_to is None and first.new_articles == 2
    second = await run_cycle(store, s, now=T0 + timedelta(minutes=16))
    moved = {f.url.rsplit("/", 1)[-1]: f for f in second.feeds}
    assert moved["old.xml"].moved and not moved["temp.xml"].moved
    feed = await store.get_feed(ids["old.xml"])
    assert (feed.url, feed.poll_url) == (server.url("/old.xml"), server.url("/new.xml"))
    assert (await store.get_feed(ids["temp.xml"])).effective_url is None
    # from now on the new URL is asked directly, and the feed list does not undo it
    sync = await store.sync_feeds(
        [FeedConfig(url=server.url(p), name=f"Outlet {p}") for p in ("/old.xml", "/temp.xml")]
    )
    assert sync.added == []
    third = await run_cycle(store, s, now=T0 + timedelta(minutes=32))
    assert [f.status for f in third.feeds] == ["ok", "ok"] and third.new_articles == 0
    assert (server.count("/old.xml"), server.count("/hop.xml"), server.count("/new.xml")) == (
        2,
        2,
        3,
    )
    assert server.count("/temp.xml") == 3
    table = render_table(await store.feed_health(), now=T0 + timedelta(minutes=33))
    assert "Outlet /old.xml (moved)" in table
    assert f"Outlet /old.xml: {server.url('/old.xml')} -> {server.url('/new.xml')}" in table
    assert "Outlet /temp.xml (moved)" not in table


async def test_a_permanent_redirect_to_a_page_that_is_no_feed_does_not_move(db, server):
    serve_articles(server, "quake")
    server.add("/old.xml", status=301, headers={"Location": "/parked"})
    server.add("/parked", "<html><body><p>This domain is for sale.</p></body></html>")
    ids = await add_feeds(db, server, "/old.xml")
    for minutes in (0, 16, 32):
        report = await run_cycle(db, settings("x"), now=T0 + timedelta(minutes=minutes * 10))
        assert report.feeds[0].status == "failed"
    feed = await db.get_feed(ids["old.xml"])
    assert (feed.effective_url, feed.moved_candidate) == (None, None)
    assert server.count("/old.xml") == 3
