"""The schema: migrations on a fresh database, restarts, URLs, time zones, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from bot.settings import FeedConfig
from bot.store import Base, Store, normalise_database_url
from bot.store.migrate import head_revision

INGEST_TABLES = {
    "feeds",
    "seen_entries",
    "articles",
    "stories",
    "story_articles",
    "story_countries",
}


def _ingest_only(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    """Compare this module's tables only: other modules' tables have their own tests."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in INGEST_TABLES


async def test_migrations_create_the_schema_the_models_describe(store: Store) -> None:
    assert await store.schema_revision() == head_revision()
    async with store.engine.connect() as connection:
        tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        diff = await connection.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(
                    c, opts={"compare_type": True, "include_object": _ingest_only}
                ),
                Base.metadata,
            )
        )
    assert tables >= INGEST_TABLES
    assert diff == []


async def test_migrate_again_on_restart_keeps_the_data(database_url: str) -> None:
    first = Store.from_url(database_url)
    await first.migrate()
    await first.sync_feeds([FeedConfig(url="https://example.org/rss", name="Example")])
    await first.close()

    second = await Store.open(url=database_url)  # what the service does on every start
    try:
        await second.migrate()
        assert await second.schema_revision() == head_revision()
        assert [f.url for f in await second.list_feeds()] == ["https://example.org/rss"]
    finally:
        await second.close()


async def test_fresh_sqlite_file_in_a_new_directory(tmp_path: Path) -> None:
    path = tmp_path / "data" / "sub" / "newsbrief.db"
    async with await Store.open(url=f"sqlite:///{path}") as store:
        assert store.dialect == "sqlite"
        async with store.engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        assert (mode, keys) == ("wal", 1)
    assert path.exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/news", "postgresql+asyncpg://u:p@db:5432/news"),
        ("postgresql://u@db/news", "postgresql+asyncpg://u@db/news"),
        ("postgresql+psycopg2://u@db/news", "postgresql+asyncpg://u@db/news"),
        ("postgres://u@db/news?sslmode=require", "postgresql+asyncpg://u@db/news?ssl=require"),
        ("sqlite:///./data/newsbrief.db", "sqlite+aiosqlite:///./data/newsbrief.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
    ],
)
def test_database_urls_get_the_async_driver(given: str, expected: str) -> None:
    got = normalise_database_url(given)
    want = make_url(expected)
    assert (got.drivername, got.database, dict(got.query)) == (
        want.drivername,
        want.database,
        dict(want.query),
    )
    assert got.render_as_string(hide_password=False).split("/")[2] == expected.split("/")[2]


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="mysql"):
        normalise_database_url("mysql://u@db/news")


async def test_datetimes_come_back_aware_utc_whatever_went_in(store: Store) -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    published = datetime(2026, 3, 1, 12, 0, tzinfo=tehran)
    naive_utc = datetime(2026, 3, 1, 9, 0)  # feedparser's struct_time, read as UTC
    first = await store.add_article(
        url="https://example.org/a",
        title="A",
        text="a",
        published_at=published,
        fetched_at=naive_utc,
    )
    assert first is not None
    [article] = await store.get_articles([first])
    assert article.published_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert article.published_at.utcoffset() == timedelta(0)
    assert article.fetched_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    stats = await store.stats(now=datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    assert stats.last_article_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert stats.articles_24h == 1


async def test_comparisons_across_zones_use_the_instant(store: Store) -> None:
    [feed] = await _one_feed(store)
    new_york = timezone(timedelta(hours=-5))
    # 10:00 New York is 15:00 UTC: due at 15:30 UTC, not at 14:30 UTC
    await store.record_feed_success(
        feed.id,
        etag=None,
        last_modified=None,
        next_poll_at=datetime(2026, 3, 1, 10, 0, tzinfo=new_york),
    )
    assert await store.due_feeds(datetime(2026, 3, 1, 14, 30, tzinfo=UTC)) == []
    due = await store.due_feeds(datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    assert [f.id for f in due] == [feed.id]
    assert due[0].next_poll_at == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


async def _one_feed(store: Store) -> list:
    await store.sync_feeds([FeedConfig(url="https://example.org/rss", name="Example")])
    return await store.list_feeds()


async def test_concurrent_writers_do_not_lock_each_other_out(store: Store) -> None:
    """The ingest cycle and the bot write at once; WAL + busy timeout must absorb it."""
    await store.sync_feeds(
        [FeedConfig(url=f"https://example.org/{i}.xml", name=f"F{i}") for i in range(4)]
    )
    feeds = await store.list_feeds()

    async def writer(feed_id: int, n: int) -> None:
        for i in range(n):
            await store.mark_seen(feed_id, [f"{feed_id}-{i}-{j}" for j in range(5)])
            article = await store.add_article(
                url=f"https://example.org/{feed_id}/{i}",
                title="t",
                text="x" * 200,
                feed_id=feed_id,
                outlet=f"F{feed_id}",
            )
            assert article is not None
            story = await store.create_story(f"story {feed_id}-{i}", article_ids=[article])
            await store.update_story(story, countries=[("FR", 0.5)])
            await store.record_feed_success(
                feed_id,
                etag=f"e{i}",
                last_modified=None,
                items_seen_delta=1,
                next_poll_at=datetime.now(UTC),
            )

    await asyncio.gather(*(writer(f.id, 15) for f in feeds))
    stats = await store.stats()
    assert (stats.articles, stats.stories) == (60, 60)
    assert {h.items_seen for h in await store.feed_health()} == {15}
