"""The :class:`Store`: the one facade over every query of the bot, behind async methods.

It is made of one query class per aggregate, each in its module: feeds and their
entries (:mod:`~bot.store.feeds`), articles (:mod:`~bot.store.articles`), stories
(:mod:`~bot.store.stories`), the read model of briefs (:mod:`~bot.store.briefs`),
housekeeping (:mod:`~bot.store.housekeeping`), subscribers
(:mod:`~bot.store.subscribers`), the outbox (:mod:`~bot.store.outbox`) and the
messages sent (:mod:`~bot.store.messages`). Each method opens its own short session
(one transaction) and returns plain values, dataclasses from :mod:`bot.store.records`,
or detached ORM rows with every column loaded, so callers never touch a session.

The store is given its database URL (or engine): it reads no settings of its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import migrate as migrations
from bot.store.articles import ArticleQueries
from bot.store.briefs import BriefQueries
from bot.store.engine import make_engine
from bot.store.feeds import feed_status
from bot.store.housekeeping import Housekeeping
from bot.store.leases import FeedLeaseQueries
from bot.store.messages import MessageQueries
from bot.store.placement import PlacementQueries
from bot.store.ranking import RECENCY_HALF_LIFE_HOURS, importance, rank_key
from bot.store.subscribers import BotStore, DigestRunQueries
from bot.store.window import WindowQueries

__all__ = ["RECENCY_HALF_LIFE_HOURS", "BotStore", "Store", "feed_status", "importance", "rank_key"]


class Store(
    ArticleQueries,
    BriefQueries,
    Housekeeping,
    DigestRunQueries,  # subscribers and the outbox, and the digest run over both
    MessageQueries,
    FeedLeaseQueries,
    PlacementQueries,
    WindowQueries,
):
    """The database: SQLite by default, PostgreSQL when the URL says so."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)

    @classmethod
    def from_url(cls, url: str, **engine_kwargs: Any) -> Store:
        """A store on ``url`` (``DATABASE_URL``), its schema as it is: see :meth:`open`."""
        return cls(make_engine(url, **engine_kwargs))

    @classmethod
    async def open(cls, url: str) -> Store:
        """A store with its schema migrated to the latest revision: what the service uses."""
        store = cls.from_url(url)
        try:
            await store.migrate()
        except BaseException:
            await store.close()
            raise
        return store

    async def migrate(self) -> None:
        """Apply pending Alembic migrations (idempotent; safe with several PostgreSQL workers)."""
        await migrations.upgrade(self.engine)

    async def schema_revision(self) -> str | None:
        return await migrations.current_revision(self.engine)

    async def close(self) -> None:
        self.close_placing()
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
