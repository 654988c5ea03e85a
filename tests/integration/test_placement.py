"""Placing articles into stories: what is done under the placement lock, and the
placement numbers that are the story window's watermark (migration 0007).

A hold of the lock is one transaction for a batch of articles, on both backends: on
PostgreSQL it writes the articles before it takes the lock, and under it only the
memberships and stories; on SQLite the lock comes first; counted here statement by
statement. The numbering is checked on both backends, through the migration from a
database of the version before it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from bot.ingest.cycle import run_cycle
from bot.ingest.workers import WorkerPool
from bot.settings import FeedConfig, make_settings
from bot.store import EntryMark, NewArticle, Store, StoryPlan
from bot.store.migrate import upgrade
from bot.store.models import Article, SeenEntry, Story, StoryArticle
from tests.fakes.feed_server import FeedServer
from tests.fakes.placement_replay import replay_placements
from tests.integration.test_several_workers import serve_events, two_cycles_at_once

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LOCK = "SELECT PG_ADVISORY_XACT_LOCK"
SQLITE_HOLD = "BEGIN IMMEDIATE"  # a hold's transaction on SQLite (the flock taken before)
WINDOW = "SELECT ARTICLES.ID, STORY_ARTICLES.STORY_ID,"  # the story window's sync
#: What a hold may write once it has the lock: memberships and stories, nothing else.
UNDER_LOCK = (
    "SELECT STORIES.ID FROM",  # the stories joined, locked
    "SELECT NEXTVAL(PG_GET_SERIAL_SEQUENCE('STORIES',",  # ids for new stories
    "WITH NEW_STORIES AS",  # new stories, their countries and the memberships
    "WITH COUNTED AS",  # stories that grew, counted, and their country rows dated
    "INSERT INTO STORIES",
    "UPDATE STORIES",
    "INSERT INTO STORY_ARTICLES",
    "INSERT INTO STORY_COUNTRIES",
    "UPDATE STORY_COUNTRIES",
)
#: The same on SQLite: the highest story id (ids for new stories), the stories' country
#: rows read (ranks computed from the new counts), and the hold's savepoints.
SQLITE_UNDER_LOCK = (
    *UNDER_LOCK,
    "SELECT MAX(STORIES.ID)",
    "SELECT STORY_COUNTRIES.STORY_ID,",
    "SAVEPOINT SA_SAVEPOINT_",
    "RELEASE SAVEPOINT SA_SAVEPOINT_",
)


def _settings() -> Any:
    return make_settings(
        database_url="sqlite+aiosqlite:///:memory:",  # unused: the stores are given
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
    )


def _article(n: int, feed_id: int | None = None) -> NewArticle:
    return NewArticle(
        url=f"https://wire.example/{n}",
        title=f"Wire {n}",
        text=f"Text of wire story {n}.",
        feed_id=feed_id,
        outlet="Wire",
        fetched_at=T0,
    )


class Statements:
    """Every statement the store's engine runs, per connection, with the commits."""

    def __init__(self, store: Store) -> None:
        self.log: list[tuple[int, str]] = []
        engine = store.engine.sync_engine

        def executed(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            self.log.append((id(conn), " ".join(statement.split()[:3]).upper()))

        def committed(conn: Any) -> None:
            self.log.append((id(conn), "COMMIT"))

        event.listen(engine, "before_cursor_execute", executed)
        event.listen(engine, "commit", committed)

    def holds(self, marker: str = LOCK) -> list[list[str]]:
        """The statements of each transaction that took the placement lock (``marker``:
        its statement that says so), in order."""
        open_: dict[int, list[str]] = {}
        holds = []
        for conn, statement in self.log:
            if statement == "COMMIT":
                done = open_.pop(conn, [])
                if any(s.startswith(marker) for s in done):
                    holds.append(done)
            else:
                open_.setdefault(conn, []).append(statement)
        return holds

    def beside_holds(self, marker: str) -> list[str]:
        """The statements run on other connections while a hold's transaction was open."""
        hold: int | None = None
        beside = []
        for conn, statement in self.log:
            if statement.startswith(marker):
                hold = conn
            elif conn == hold and statement == "COMMIT":
                hold = None
            elif hold is not None:
                beside.append(statement)
        return beside


async def _twelve_articles_placed(store: Store) -> Statements:
    """One cycle of twelve new articles of two feeds; the statements it ran."""
    statements = Statements(store)
    with FeedServer() as server:
        feeds = [serve_events(server, "wire", list(range(10))), serve_events(server, "b", [1, 2])]
        await store.sync_feeds([FeedConfig(url=f["url"], name=f["name"]) for f in feeds])
        with WorkerPool(1, budget=60) as pool:
            report = await run_cycle(store, _settings(), now=T0, pool=pool, prune=False)
    assert report.new_articles == 12
    return statements


async def test_a_hold_writes_the_articles_before_it_takes_the_lock(store: Store) -> None:
    if not store.is_postgres:
        pytest.skip("SQLite has one writer at a time: the lock is taken first there")
    statements = await _twelve_articles_placed(store)
    holds = statements.holds()
    assert holds and store.placements == len(holds) <= 12
    for hold in holds:
        at = next(i for i, s in enumerate(hold) if s.startswith(LOCK))
        before, after = hold[:at], hold[at + 1 :]
        # before the lock: the articles and their seen marks, one statement each for all
        assert before.count("INSERT INTO ARTICLES") == before.count("INSERT INTO SEEN_ENTRIES")
        assert before.count("INSERT INTO ARTICLES") == 1, before
        # under the lock: memberships and stories only, in a number of statements that
        # does not grow with the articles placed (story locks, ids, new stories with
        # their countries and the members, counts and dates, ranks)
        assert all(s.startswith(UNDER_LOCK) for s in after), after
        assert after.count("WITH NEW_STORIES AS") == 1
        assert len(after) <= 5, after
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(StoryArticle)) == 12


async def test_a_sqlite_hold_is_one_transaction_of_a_few_statements(store: Store) -> None:
    """On SQLite too, the articles made ready at once are placed in one hold: one
    transaction (its first statement takes the database's write lock), the articles and
    their seen marks in one statement each, the memberships and stories in a number of
    statements that does not grow with the articles placed."""
    if store.is_postgres:
        pytest.skip("PostgreSQL's holds: test_a_hold_writes_the_articles_before_...")
    statements = await _twelve_articles_placed(store)
    holds = statements.holds(SQLITE_HOLD)
    assert holds and store.placements == len(holds) <= 12
    for hold in holds:
        assert hold[0] == SQLITE_HOLD, hold  # the write lock before anything is read
        # the articles and their seen marks, one statement each for all
        assert hold.count("INSERT INTO ARTICLES") == hold.count("INSERT INTO SEEN_ENTRIES") == 1
        placing = [
            s
            for s in hold[1:]
            if not s.startswith(("INSERT INTO ARTICLES", "INSERT INTO SEEN_ENTRIES"))
        ]
        assert all(s.startswith(SQLITE_UNDER_LOCK) for s in placing), placing
        # story ids, story locks, new stories, their countries, the memberships, counts
        # and dates, the country rows read and ranked, and two savepoint statements
        assert hold.count("INSERT INTO STORY_ARTICLES") == 1
        assert len(placing) <= 10, placing
    # gathered: fewer holds than articles, however the pages happened to become ready
    assert len(holds) < 12
    # the window is synced before the hold's transaction takes the database's write
    # lock: while this process holds that lock, its writers wait with a pooled
    # connection each, and the hold must not wait for one of its own
    assert not [s for s in statements.beside_holds(SQLITE_HOLD) if s.startswith(WINDOW)]
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(StoryArticle)) == 12
        seqs = (await session.scalars(select(StoryArticle.placed_seq))).all()
    assert sorted(seqs) == list(range(1, 13))


async def test_an_article_withdrawn_under_the_hold_leaves_nothing(store: Store) -> None:
    """An article whose story could not be decided is taken back alone: its row and its
    seen mark go, the other articles of the hold are placed."""
    await store.sync_feeds([FeedConfig(url="https://wire.example/rss", name="Wire")])
    [feed] = await store.list_feeds()
    async with store.placing(early=True) as placement:
        ids = [
            await store.insert_article(
                store.prepare_article(_article(n, feed.id)),
                seen=EntryMark(f"k{n}", "stored"),
                at=T0,
                placement=placement,
            )
            for n in (1, 2)
        ]
        assert None not in ids
        assert placement.locked is not store.is_postgres  # SQLite: the lock first
        await placement.lock()
        await store.withdraw_inserted(ids[0] or 0, EntryMark("k1", "stored"), feed.id, placement)
        kept = await store.place_inserted(
            ids[1] or 0, StoryPlan(headline="Two"), at=T0, placement=placement
        )
    assert kept.created
    async with store.session() as session:
        assert (await session.scalars(select(Article.id))).all() == [ids[1]]
        assert await session.scalar(select(func.count()).select_from(SeenEntry)) == 1
        assert await session.scalar(select(func.count()).select_from(Story)) == 1
    assert await store.filter_unseen(feed.id, ["k1", "k2"]) == ["k1"]


async def test_a_story_started_and_joined_in_one_hold_is_one_story_counted_once(
    store: Store,
) -> None:
    """Written in a few statements for the whole hold, the stories end as one article at
    a time would leave them: a story started and joined in the same hold is one story
    (not taken for one pruned meanwhile), counted and ranked from all its members; a
    story pruned meanwhile is replaced by one the first article into it starts."""
    from bot.store.articles import Placed
    from bot.store.models import StoryCountry
    from bot.store.ranking import rank_key

    gone = await store.create_story("Pruned soon", at=T0 - timedelta(days=60))
    # a newer story stays: on SQLite a new story takes the highest id + 1, so the id of
    # the newest story, were it pruned, would be given again (stories are pruned when
    # their last article leaves RETENTION_DAYS, long after the story window lets them go)
    await store.create_story("Kept", at=T0)
    await store.prune(T0 - timedelta(days=30))  # an empty old story goes
    articles = [replace(_article(n), outlet=f"Outlet {n}") for n in range(1, 6)]
    async with store.placing(early=True) as placement:
        ids = await store.insert_articles(
            [(store.prepare_article(a), None) for a in articles], at=T0, placement=placement
        )
        assert all(isinstance(i, int) for i in ids)
        a1, a2, a3, a4, a5 = (int(i) for i in ids)  # type: ignore[arg-type]
        await placement.lock()
        s1, s2 = await store.reserve_story_ids(2, placement)
        results = await store.place_batch(
            [
                Placed(a1, s1, True, "Quake", (("PE", 0.9),)),
                Placed(a2, s1, False, "Quake 2", (("PE", 0.8),)),
                Placed(a3, gone, False, "Fund", (("NO", 0.7),)),
                Placed(a4, s2, True, "Chess", ()),
                Placed(a5, gone, False, "Fund 2", (("NO", 0.6),)),
            ],
            at=T0,
            placement=placement,
        )
    by_article = {r.article_id: (r.story_id, r.created) for r in results}
    assert by_article[a1] == (s1, True) and by_article[a2] == (s1, False)
    assert by_article[a4] == (s2, True)
    fund, created = by_article[a3]
    assert created and fund not in (gone, s1, s2) and by_article[a5] == (fund, False)
    for story_id, members, headline in ((s1, 2, "Quake"), (fund, 2, "Fund"), (s2, 1, "Chess")):
        detail = await store.get_story(story_id)
        assert detail is not None and detail.headline == headline
        assert len(detail.articles) == members
    async with store.session() as session:
        story = await session.get(Story, s1)
        assert story is not None and (story.article_count, story.source_count) == (2, 2)
        assert story.needs_brief and story.updated_at == T0
        rank = await session.scalar(
            select(StoryCountry.rank).where(StoryCountry.story_id == s1, StoryCountry.code == "PE")
        )
    assert rank == pytest.approx(rank_key(0.9, 2, T0))
    url = store.engine.url.render_as_string(hide_password=False)
    replay = await replay_placements(url, T0 - timedelta(hours=48), timedelta(hours=48))
    assert replay.placed == 5


async def _story_state(store: Store, story_id: int) -> tuple[Any, ...]:
    """What placing leaves on a story: counts, dates, brief flag, and its country rows."""
    from bot.store.models import StoryCountry

    async with store.session() as session:
        story = await session.get(Story, story_id)
        assert story is not None
        rows = (
            await session.execute(
                select(StoryCountry.code, StoryCountry.score, StoryCountry.updated_at,
                       StoryCountry.rank)
                .where(StoryCountry.story_id == story_id)
                .order_by(StoryCountry.code)
            )
        ).all()  # fmt: skip
    countries = [(c, s, u, pytest.approx(r)) for c, s, u, r in rows]
    return (story.headline, story.article_count, story.source_count, story.updated_at,
            story.needs_brief, countries)  # fmt: skip


async def test_a_batch_leaves_its_stories_as_one_article_at_a_time_would(store: Store) -> None:
    """The same placements made one article at a time (``ingest_article``) and as one
    batch (``place_batch``): the same counts, dates, brief flags, country rows and ranks,
    for a story that was there before and one started and joined within the batch."""
    from bot.store.articles import Placed

    earlier = T0 - timedelta(hours=3)
    countries = (("PE", 0.9), ("CL", 0.4))

    def article(n: int, outlet: str) -> NewArticle:
        return replace(_article(n), outlet=outlet)

    # one at a time: a0 starts a story; a1, a4 join it; a2 starts one, a3 joins that
    start = await store.ingest_article(
        article(0, "A"), StoryPlan(headline="Old", countries=countries), at=earlier
    )
    assert start is not None
    one = [start.story_id]
    for n, outlet, plan in (
        (1, "B", StoryPlan(story_id=one[0])),
        (2, "C", StoryPlan(headline="New", countries=(("NO", 0.7),))),
        (3, "C", None),
        (4, "B", StoryPlan(story_id=one[0])),
    ):
        plan = plan or StoryPlan(story_id=one[1])
        result = await store.ingest_article(article(n, outlet), plan, at=T0)
        assert result is not None
        one += [result.story_id] if result.created else []
    # the same as a batch
    start = await store.ingest_article(
        article(10, "A"), StoryPlan(headline="Old", countries=countries), at=earlier
    )
    assert start is not None
    async with store.placing(early=True) as placement:
        ids = await store.insert_articles(
            [(store.prepare_article(article(n, o)), None)
             for n, o in ((11, "B"), (12, "C"), (13, "C"), (14, "B"))],
            at=T0, placement=placement,
        )  # fmt: skip
        b1, b2, b3, b4 = (int(i) for i in ids)  # type: ignore[arg-type]
        await placement.lock()
        [new] = await store.reserve_story_ids(1, placement)
        await store.place_batch(
            [Placed(b1, start.story_id, False), Placed(b2, new, True, "New", (("NO", 0.7),)),
             Placed(b3, new, False), Placed(b4, start.story_id, False)],
            at=T0, placement=placement,
        )  # fmt: skip
    batch = [start.story_id, new]
    for a, b in zip(one, batch, strict=True):
        assert await _story_state(store, a) == await _story_state(store, b)
    state = await _story_state(store, batch[0])
    assert state[1:4] == (3, 2, T0)  # three articles from two outlets, dated by the last


async def test_a_hold_killed_before_its_commit_leaves_none_of_its_articles(store: Store) -> None:
    """The articles written before the lock are in the hold's transaction: a hold that
    fails after taking the lock leaves neither them nor their seen marks."""
    await store.sync_feeds([FeedConfig(url="https://wire.example/rss", name="Wire")])
    [feed] = await store.list_feeds()
    with pytest.raises(RuntimeError):
        async with store.placing(early=True) as placement:
            article_id = await store.insert_article(
                store.prepare_article(_article(1, feed.id)),
                seen=EntryMark("k1", "stored"),
                at=T0,
                placement=placement,
            )
            await placement.lock()
            await store.place_inserted(
                article_id or 0, StoryPlan(headline="One"), at=T0, placement=placement
            )
            raise RuntimeError("the worker dies here")
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 0
        assert await session.scalar(select(func.count()).select_from(StoryArticle)) == 0
    assert await store.filter_unseen(feed.id, ["k1"]) == ["k1"]  # polled again


async def test_concurrent_cycles_decide_as_one_worker_placing_in_their_order(
    store: Store,
) -> None:
    """Two cycles at once on copies of the same events (wire texts and near-duplicates
    with a line of their own): every story decision is the one a serial replay of the
    placement order makes (no decision against an out-of-date window), each event one
    story."""
    other = Store.from_url(store.engine.url.render_as_string(hide_password=False))
    events = list(range(70, 82))
    try:
        with FeedServer() as server:
            reports = await two_cycles_at_once(server, store, other, _settings(), events)
    finally:
        await other.close()
    assert [r.new_articles for r in reports] == [12, 12]
    url = store.engine.url.render_as_string(hide_password=False)
    replay = await replay_placements(url, T0 - timedelta(hours=48), timedelta(hours=48))
    assert replay.placed == 24 and replay.serial, replay.disagreements
    async with store.session() as session:
        assert await session.scalar(select(func.count()).select_from(Story)) == 12
        seqs = (await session.scalars(select(StoryArticle.placed_seq))).all()
    assert sorted(seqs) == list(range(1, 25))  # every membership numbered, none twice


# ---------------------------------------------------------------- the migration
@asynccontextmanager
async def empty_database(backend: str, tmp_path: Any) -> AsyncIterator[str]:
    """A new database with no schema: a SQLite file, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    from tests.fakes.scratch_db import pg_admin, postgres_answers

    admin = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    if (reason := await postgres_answers(admin)) is not None:
        pytest.skip(reason)
    name = f"newsbrief_test_migrate_{uuid.uuid4().hex[:8]}"
    await pg_admin(admin, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        await pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_migration_numbers_memberships_in_placement_order_and_new_ones_after(
    backend: str, tmp_path: Any
) -> None:
    """A database of the version before: its memberships are numbered by article id (the
    placement order then); a membership written after the upgrade, by any code, takes
    the next number; the downgrade takes the numbers away and the upgrade back gives them."""
    async with empty_database(backend, tmp_path) as url:
        store = Store.from_url(url)
        try:
            await upgrade(store.engine, "0006")
            async with store.engine.begin() as conn:
                ids = [
                    (
                        await conn.execute(
                            text(
                                "INSERT INTO articles (url, canonical_url, canonical_hash,"
                                " fetched_at, text, text_source) VALUES (:u, :u, :h, :at,"
                                " 'Text.', 'page') RETURNING id"
                            ),
                            {"u": f"https://a.example/{n}", "h": f"h{n}", "at": T0},
                        )
                    ).scalar_one()
                    for n in (1, 2, 3)
                ]
                story = (
                    await conn.execute(
                        text(
                            "INSERT INTO stories (headline, created_at, updated_at,"
                            " article_count, source_count, needs_brief) VALUES ('S', :at, :at,"
                            " 2, 1, false) RETURNING id"
                        ),
                        {"at": T0},
                    )
                ).scalar_one()
                for n in (ids[2], ids[0]):  # placed in this order; numbered by id
                    await conn.execute(
                        text(
                            "INSERT INTO story_articles (story_id, article_id, added_at)"
                            " VALUES (:s, :n, :at)"
                        ),
                        {"s": story, "n": n, "at": T0},
                    )
            await store.migrate()

            async def numbers() -> dict[int, int | None]:
                async with store.session() as session:
                    rows = await session.execute(
                        select(StoryArticle.article_id, StoryArticle.placed_seq)
                    )
                    return dict(rows.all())

            one, two, three = ids
            assert await numbers() == {one: one, three: three}
            # outside ingestion (a story made with its articles: several rows at once)
            made = await store.create_story("T", article_ids=[two], at=T0)
            result = await store.ingest_article(_article(4), StoryPlan(story_id=made), at=T0)
            assert result is not None and result.story_id == made
            four = result.article_id
            assert await numbers() == {one: one, three: three, two: three + 1, four: three + 2}
            async with store.engine.begin() as conn:  # down: the numbers are gone...
                await conn.run_sync(_downgrade_to, "0006")
            await store.migrate()  # ...and back, numbered by article id again
            assert await numbers() == {one: one, two: two, three: three, four: four}
        finally:
            await store.close()


def _downgrade_to(connection: Any, revision: str) -> None:
    from alembic import command

    from bot.store.migrate import alembic_config

    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
