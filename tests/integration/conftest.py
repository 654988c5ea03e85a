"""Fixtures the bot's scenario tests share: the fake Bot API, a store filled by the real
ingestion (on each backend: the ``store`` fixture of ``tests/conftest.py``), the real
``Application`` running against both, and due digests in bulk."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from bot.store import Store
from bot.store.models import SUBSCRIBERS, SUBSCRIPTIONS
from bot.store.subscribers import BotStore
from tests.fakes.bot_harness import bot_running, bulk_fill, fill_store
from tests.fakes.pg_cluster import ThrowawayPostgres, why_unavailable
from tests.fakes.telegram_api import FakeBotAPI

#: Fill a store with two Iran stories and ``count`` subscribers from ``first_chat`` on,
#: due a minute ago (one digest message each); the chat ids.
DueDigests = Callable[[Store, int, int], Awaitable[list[int]]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API on a loopback port."""
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture
async def filled(store: Store) -> Store:
    """A store on each backend (SQLite file, PostgreSQL), filled by the real ingestion
    of the three sample articles."""
    report = await fill_store(store)
    assert report.new_articles == 3, report.summary()
    return store


@pytest.fixture
async def bot(fake: FakeBotAPI, filled: Store) -> AsyncIterator[BotStore]:
    """The real bot long-polling the fake API over the filled store; its tables to check."""
    async with bot_running(fake, filled):
        yield BotStore(filled.engine)


async def _due_digests(store: Store, first_chat: int, count: int) -> list[int]:
    await bulk_fill(store, 8, countries=("IR",), days=0.5)  # two stories: one-page digests
    due = datetime.now(UTC) - timedelta(minutes=1)
    chats = list(range(first_chat, first_chat + count))
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(SUBSCRIBERS),
            [
                {
                    "chat_id": c,
                    "active": True,
                    "paused": False,
                    "quiet_notice": True,
                    "digest_time": "08:00",
                    "timezone": "UTC",
                    "next_digest_at": due,
                    "created_at": due,
                }
                for c in chats
            ],
        )
        await conn.execute(insert(SUBSCRIPTIONS), [{"chat_id": c, "code": "IR"} for c in chats])
    return chats


@pytest.fixture
def due_digests() -> DueDigests:
    """Fills a store with due digests in bulk (see :data:`DueDigests`)."""
    return _due_digests


@pytest.fixture
async def cluster() -> AsyncIterator[ThrowawayPostgres]:
    """A PostgreSQL server of the test's own, to stop and start (outage tests); skipped
    where none can be made, except on CI."""
    reason = why_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the outage tests: {reason}")
        pytest.skip(reason)
    pg = ThrowawayPostgres()
    try:
        await asyncio.to_thread(pg.create)
        yield pg
    finally:
        await asyncio.to_thread(pg.destroy)
