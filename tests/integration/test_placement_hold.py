"""A hold of the placement lock is all or nothing, for the whole batch it places.

The ingest cycle places the articles ready at once in one hold: one transaction for
their rows, their seen marks, their memberships and stories, on SQLite as on
PostgreSQL. Here the pages of five events are made ready while another worker holds the
lock, so that one hold places all five (on PostgreSQL the first ones may go in a hold
of their own); the database then fails the first hold once its memberships are written
(a SQLAlchemy event hook raises where a full disk or a lost connection would: nothing
of the code under test is replaced). None of that hold's articles may be left, neither
article nor seen mark nor story; the next cycle stores all five.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, exc

from bot.ingest.cycle import run_cycle
from bot.ingest.workers import WorkerPool
from bot.settings import FeedConfig, make_settings
from bot.store import NewArticle, Store
from bot.store.errors import is_database_error
from bot.store.models import Article, SeenEntry, Story, StoryArticle
from tests.fakes.feed_server import FeedServer, article_page, rss
from tests.integration.test_several_workers import (
    count,
    event_text,
    placement_held_until_ready,
    stories_of,
)

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EVENTS = list(range(90, 95))


def serve(server: FeedServer) -> dict[str, str]:
    """One feed of a page per event, without an ETag: a feed whose entries failed for
    now is read again in full at the next poll."""
    items = []
    for n in EVENTS:
        title, paragraphs = event_text(n)
        path = f"/wire/news/{n}"
        server.add(path, article_page(title, paragraphs))
        items.append({"title": title, "link": server.url(path), "guid": path})
    server.add("/wire/feed.xml", rss(items), content_type="application/rss+xml")
    return {"url": server.url("/wire/feed.xml"), "name": "wire"}


class FailMemberships:
    """Makes the database fail the first statement that writes memberships, once."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine.sync_engine
        self.prefix = "WITH NEW_STORIES" if store.is_postgres else "INSERT INTO STORY_ARTICLES"
        self.failed = 0
        event.listen(self.engine, "after_cursor_execute", self.after)

    def after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self.failed and statement.lstrip().upper().startswith(self.prefix):
            self.failed += 1
            raise exc.OperationalError(statement[:40], None, OSError("disk I/O error"))

    def remove(self) -> None:
        event.remove(self.engine, "after_cursor_execute", self.after)


async def test_a_hold_that_fails_after_its_memberships_leaves_none_of_its_articles(
    store: Store,
) -> None:
    other = Store.from_url(store.engine.url.render_as_string(hide_password=False))
    settings = make_settings(
        database_url="sqlite+aiosqlite:///:memory:",  # unused: the store is given
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
    )
    try:
        with FeedServer() as server:
            feed = serve(server)
            await store.sync_feeds([FeedConfig(url=feed["url"], name=feed["name"])])
            with WorkerPool(1, budget=60) as pool:
                await asyncio.to_thread(pool.warm)
                async with placement_held_until_ready(other, pool, len(EVENTS)):
                    failing = FailMemberships(store)
                    try:
                        report = await run_cycle(store, settings, now=T0, pool=pool)
                    finally:
                        failing.remove()
                assert failing.failed == 1
                # SQLite: the five in the one hold that waited; PostgreSQL: the first
                # ones ready write their articles before that hold waits for the lock,
                # those made ready meanwhile go in the next hold (one or two holds)
                if store.is_postgres:
                    assert store.placements in (1, 2) and report.new_articles < len(EVENTS)
                else:
                    assert store.placements == 1 and report.new_articles == 0
                # the failed hold left none of its articles, seen marks or stories
                for model in (Article, SeenEntry, StoryArticle, Story):
                    assert await count(store, model) == report.new_articles, model
                # the entries failed for now: the next poll stores them
                again = await run_cycle(store, settings, now=T0 + timedelta(minutes=16), pool=pool)
        assert report.new_articles + again.new_articles == len(EVENTS)
        story = await stories_of(store)
        assert len(story) == len(EVENTS) and len(set(story.values())) == len(EVENTS)
        assert await count(store, SeenEntry) == len(EVENTS)
    finally:
        await other.close()


async def test_a_sqlite_hold_that_cannot_take_the_write_lock_writes_nothing(store: Store) -> None:
    """Another process holds SQLite's write lock past the busy timeout: the hold's
    transaction cannot begin, and its articles fail with the database's error (tried
    again at the next poll), none of them written on its own outside the hold, and the
    transaction is not asked for again for each article."""
    if store.is_postgres:
        pytest.skip("SQLite's write lock")
    url = store.engine.url.render_as_string(hide_password=False)
    impatient = Store.from_url(url)
    begins: list[str] = []

    def connected(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=50")  # after the store's own 30 s
        cursor.close()

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            begins.append(statement)

    event.listen(impatient.engine.sync_engine, "connect", connected)
    event.listen(impatient.engine.sync_engine, "before_cursor_execute", executed)
    blocker = sqlite3.connect(str(impatient.engine.url.database))
    try:
        blocker.execute("BEGIN IMMEDIATE")
        articles = [
            NewArticle(url=f"https://wire.example/{n}", title=f"Wire {n}", text="Text.",
                       fetched_at=T0)
            for n in (1, 2)
        ]  # fmt: skip
        async with impatient.placing(early=True) as placement:
            outcomes = await impatient.insert_articles(
                [(impatient.prepare_article(a), None) for a in articles],
                at=T0,
                placement=placement,
            )
        assert len(outcomes) == 2
        assert all(isinstance(o, Exception) and is_database_error(o) for o in outcomes)
        assert len(begins) == 1
    finally:
        blocker.rollback()
        blocker.close()
        await impatient.close()
    assert await count(store, Article) == 0
