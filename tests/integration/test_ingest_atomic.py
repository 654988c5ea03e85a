"""Atomic ingestion (issue 7, #5): ``kill -9`` at any point leaves no orphan article.

A real ``ingest`` process is killed with SIGKILL at several exact points of its
sequence of statements (a SQLAlchemy event hook in :mod:`tests.fakes.crash_ingest`
decides when), then restarted on the same database, on SQLite and on PostgreSQL.
After every kill, every stored article is in a story; after the last run, every item
is stored once and every story has a brief. Before this fix, an article was committed
before it joined a story, and a kill between the two left it in none, for ever.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bot.ingest.cycle import run_cycle
from bot.ingest.workers import WorkerPool
from bot.settings import make_settings
from bot.store import Store
from bot.store.models import Article, SeenEntry, Story, StoryArticle
from tests.fakes.feed_server import FeedServer, article_page, rss

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOPICS = [
    ("Earthquake strikes southern Peru", "earthquake Arequipa churches seismology rescue adobe"),
    ("Norway approves sovereign fund withdrawal", "parliament Oslo oil fund budget inflation"),
    ("Grandmaster wins Wijk aan Zee tournament", "chess Uzbekistan draw champion rounds"),
    ("Kenya passes finance bill", "Nairobi taxes mobile money fuel treasury debt"),
    ("Floods close Bangkok schools", "monsoon Chao Phraya river evacuation Thailand"),
    ("Canada raises interest rates", "Ottawa central bank inflation mortgage loonie"),
]


def paragraphs(title: str, words: str) -> list[str]:
    return [
        f"{title} on Monday, officials said, in a development covering {words}.",
        f"Reporters in the region described {words} as the main concerns of residents.",
        f"Analysts expect more news about {words} later this week, according to sources.",
    ]


def serve(server: FeedServer, rounds: int = 1) -> list[dict[str, str]]:
    """Two feeds of three items a round, every item with its page; each feed lists the
    items of every round so far (what a killed run left undone is there again)."""
    feeds = []
    for f in range(2):
        items = []
        for r in range(rounds):
            for i, (topic, words) in enumerate(TOPICS[f * 3 : f * 3 + 3]):
                title = topic if r == 0 else f"{topic}, day {r + 1}"
                path = f"/news/{f}-{i}" if r == 0 else f"/news/{r}-{f}-{i}"
                server.add(path, article_page(title, paragraphs(title, words)))
                items.append({"title": title, "link": server.url(path), "guid": path})
        server.add(f"/feed{f}.xml", rss(items), content_type="application/rss+xml", etag=True)
        feeds.append({"url": server.url(f"/feed{f}.xml"), "name": f"Outlet {f}"})
    return feeds


def run_child(url: str, feeds: list[dict[str, str]], now: datetime, point: str, n: int) -> int:
    args = [url, json.dumps(feeds), now.isoformat(), point, str(n)]
    result = subprocess.run(
        [sys.executable, "-m", "tests.fakes.crash_ingest", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode in (0, -9), result.stderr[-3000:]
    return result.returncode


async def orphans(store: Store) -> list[int]:
    async with store.session() as session:
        rows = await session.scalars(
            select(Article.id).where(
                ~select(StoryArticle.article_id)
                .where(StoryArticle.article_id == Article.id)
                .exists()
            )
        )
        return list(rows.all())


async def count(store: Store, model: object) -> int:
    async with store.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


# (point, occurrence), one kill per run, each run resuming what the last left, with a
# new round of items (a run may place all its articles in one hold, and then leaves the
# next nothing to do): after a first membership's INSERT; after an article's own INSERT
# (before its commit); right after the commit of the savepoint that stored an article
# (where 464d051 left it in no story; the hold's transaction is still open); after a
# seen mark (the seen marks of a hold are one statement); and while stories are being
# updated (memberships, counts, briefs).
KILL_POINTS = [
    # once articles and a membership are written, before the commit: one transaction
    # for the hold on both backends (on PostgreSQL the articles are written before the
    # placement lock is taken, and under it the new stories and memberships in one
    # statement; on SQLite the lock comes first, and the memberships are one statement)
    ("exec:<membership>", 1),
    ("exec:INSERT INTO articles", 1),
    ("commit-after:INSERT INTO articles", 1),
    ("exec:INSERT INTO seen_entries", 1),
    ("exec:UPDATE stories SET", 1),  # the briefs: one transaction for all
]
#: Points in the first hold of a run: a kill there leaves none of the run's articles.
IN_FIRST_HOLD = {p for p, _ in KILL_POINTS[:4]}


async def test_kill_9_at_any_point_leaves_no_orphan_and_a_restart_completes(store):
    url = store.engine.url.render_as_string(hide_password=False)
    with FeedServer() as server:
        now = T0
        kills = []
        for rounds, (point, n) in enumerate(KILL_POINTS, start=1):
            feeds = serve(server, rounds)
            membership = "WITH new_stories" if store.is_postgres else "INSERT INTO story_articles"
            first_hold = point in IN_FIRST_HOLD
            point = point.replace("<membership>", membership)
            stored = await count(store, Article), await count(store, SeenEntry)
            code = run_child(url, feeds, now, point, n)
            kills += [point] if code == -9 else []
            assert await orphans(store) == [], (point, n)
            if first_hold:  # the hold's transaction: all of it or (killed) none of it
                assert (await count(store, Article), await count(store, SeenEntry)) == stored
            now += timedelta(minutes=16)  # every feed due again at the restart
        assert len(kills) == len(KILL_POINTS), kills  # each point reached: the process died
        assert run_child(url, feeds, now, "none", 0) == 0
    assert await orphans(store) == []
    items = 6 * len(KILL_POINTS)
    assert await count(store, Article) == items  # every item once, none lost, none twice
    async with store.session() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(Story).where(Story.needs_brief.is_(True))
        )
        briefless = await session.scalar(
            select(func.count()).select_from(Story).where(Story.brief.is_(None))
        )
        seen = await session.scalar(select(func.count()).select_from(SeenEntry))
    assert waiting == 0 and briefless == 0  # a brief lost to a kill was rebuilt
    assert seen == items


async def test_an_orphan_left_by_an_older_version_joins_a_story(store):
    """What 464d051 left after a kill: an article in no story, its entry marked seen."""
    title, words = TOPICS[0]
    text_ = "\n".join(paragraphs(title, words))
    orphan = await store.add_article(
        url="https://news.example/peru", title=title, text=text_, fetched_at=T0
    )
    settings = make_settings(database_url="sqlite+aiosqlite:///:memory:")
    with WorkerPool(1, budget=60) as pool:
        report = await run_cycle(store, settings, now=T0 + timedelta(minutes=5), pool=pool)
    assert report.orphans_repaired == 1
    assert await orphans(store) == []
    story_id = await store.story_of_article(orphan)
    detail = await store.get_story(story_id)
    assert detail is not None and [a.id for a in detail.articles] == [orphan]
    assert detail.headline == title


async def test_migration_gives_every_orphan_a_story_dated_when_it_was_fetched(tmp_path):
    """Upgrading a database of an older version: its orphans get a story each, dated at
    the article (no digest takes them for news), waiting for their brief."""
    from bot.store.migrate import upgrade

    path = tmp_path / "old.db"
    store = Store.from_url(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(store.engine, "0003")
        fetched = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        async with store.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO articles (url, canonical_url, canonical_hash, title, fetched_at,"
                    " text, text_source) VALUES ('https://a.example/1', 'https://a.example/1',"
                    " 'h1', 'Old orphan', :at, 'Some text.', 'page')"
                ),
                {"at": fetched.replace(tzinfo=None)},
            )
        await store.migrate()
        assert await orphans(store) == []
        async with store.session() as session:
            story = (await session.scalars(select(Story))).one()
        assert story.headline == "Old orphan" and story.needs_brief
        assert story.updated_at == fetched and story.article_count == 1
    finally:
        await store.close()
