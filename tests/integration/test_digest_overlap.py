"""On PostgreSQL the flush starts with the first planned batch and goes on while the next
are planned; on SQLite (one writer at a time) it follows planning. Every digest leaves
once, in one flush, on both."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from bot.delivery import Delivery, DeliveryReport
from bot.store import Store
from bot.store.models import OUTBOX
from tests.fakes.bot_harness import bot_running
from tests.fakes.telegram_api import FakeBotAPI
from tests.integration.conftest import DueDigests


class Watched:
    """The bot's Delivery as the digest run's outbox, noting how many digests were queued
    when the flush began (an outbox is any object with these two methods)."""

    def __init__(self, delivery: Delivery, store: Store) -> None:
        self.delivery = delivery
        self.store = store
        self.queued_at_start: int | None = None
        self.flushes = 0

    async def flush_outbox(self, *, until: asyncio.Event | None = None) -> DeliveryReport:
        self.flushes += 1
        async with self.store.engine.connect() as conn:
            self.queued_at_start = (
                await conn.execute(select(func.count()).select_from(OUTBOX))
            ).scalar_one()
        return await self.delivery.flush_outbox(until=until)

    async def flush_chat(self, chat_id: int) -> DeliveryReport:
        return await self.delivery.flush_chat(chat_id)


async def test_sending_begins_with_the_first_batch_on_postgres_and_every_digest_leaves_once(
    fake: FakeBotAPI, store: Store, due_digests: DueDigests
) -> None:
    chats = await due_digests(store, 31_000, 60)
    async with bot_running(fake, store) as app:
        nb = app.bot_data.services
        outbox = Watched(nb.delivery, store)
        report = await nb.digests.dispatch_due(outbox, batch=7)
    assert report.subscribers == 60 and report.messages == 60
    assert outbox.flushes == 1
    # on PostgreSQL the flush began with the first batch (7 digests) queued, not all 60
    assert outbox.queued_at_start == (7 if store.is_postgres else 60)
    assert isinstance(report.delivery, DeliveryReport) and report.delivery.sent == 60
    assert sorted(m.chat_id for m in fake.sent) == chats  # each exactly once
    async with store.engine.connect() as conn:
        statuses = Counter((await conn.execute(select(OUTBOX.c.status))).scalars())
    assert statuses == Counter(sent=60)
    assert report.planning_seconds > 0


async def test_a_run_with_nothing_due_still_flushes_what_waits(
    fake: FakeBotAPI, store: Store, due_digests: DueDigests
) -> None:
    """Messages left in the outbox by an earlier run go out with the next one, even when
    nothing new is due (the flush then starts after planning, as before)."""
    chats = await due_digests(store, 32_000, 3)
    async with bot_running(fake, store) as app:
        nb = app.bot_data.services
        first = await nb.digests.dispatch_due(None)  # queued, not sent
        assert first.messages == 3 and not fake.sent
        outbox = Watched(nb.delivery, store)
        again = await nb.digests.dispatch_due(outbox)
    assert again.subscribers == 0 and outbox.flushes == 1
    assert isinstance(again.delivery, DeliveryReport) and again.delivery.sent == 3
    assert sorted(m.chat_id for m in fake.sent) == chats
