"""The outbox flush as a pipeline, and the claims it rests on (SQLite and PostgreSQL).

A flush claims whole chats a batch at a time and claims the next batch while the current
one sends, so the sending slots never wait for the slowest chat of a batch. What must
hold all the same: never more than ``concurrency`` sends in flight, each chat's messages
in order across batch boundaries (and across senders), nothing lost or sent twice when a
sender dies between its claim and its sends. Planning: schedules moved in bulk, and each
distinct digest drawn once a run, the same as drawn alone.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.briefing.digests import RunCache
from bot.delivery import DeliveryOptions
from bot.store import NewOutboxMessage, Store
from bot.store.models import OUTBOX
from bot.store.subscribers import BotStore
from tests.fakes.bot_harness import bot_running
from tests.fakes.telegram_api import FakeBotAPI


class SlowBotAPI(FakeBotAPI):
    """The fake Bot API taking a little while over each send, counting sends in flight."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = 0
        self.most_in_flight = 0

    async def _api_sendMessage(self, params: dict) -> tuple[int | None, dict]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            return super()._api_sendMessage(params)
        finally:
            self.in_flight -= 1


async def statuses(store: Store) -> Counter:
    async with store.engine.connect() as conn:
        return Counter((await conn.execute(select(OUTBOX.c.status))).scalars())


def parts(chat: int, count: int, key: str = "d") -> list[NewOutboxMessage]:
    return [
        NewOutboxMessage(chat, f"chat {chat} part {i}", digest_key=f"{key}{chat}", seq=i)
        for i in range(count)
    ]


async def test_the_pipeline_keeps_every_slot_busy_and_never_more(store: Store) -> None:
    bs = BotStore(store.engine)
    chats = list(range(21001, 21041))
    # queued part by part across the chats: each chat's rows are far apart by id, so a
    # claim by rows alone would split every chat over several batches
    for i in range(3):
        await bs.enqueue([m for chat in chats for m in parts(chat, 3)[i : i + 1]])
    options = DeliveryOptions(concurrency=4, batch_size=10)
    async with (
        SlowBotAPI() as fake,
        bot_running(fake, store, per_chat_interval=0.02, delivery_options=options) as app,
    ):
        report = await app.bot_data.services.delivery.flush_outbox()
    assert report.sent == 3 * len(chats)
    assert fake.most_in_flight == 4  # the slots were kept full, and never overfilled
    for chat in chats:  # each chat in order, each message once
        assert [m.plain for m in fake.messages_to(chat)] == [
            f"chat {chat} part {i}" for i in range(3)
        ]
    assert (await statuses(store)) == Counter(sent=3 * len(chats))


async def test_a_slow_chat_does_not_hold_up_the_next_batches(store: Store) -> None:
    bs = BotStore(store.engine)
    slow, others = 22000, list(range(22001, 22021))
    await bs.enqueue(parts(slow, 3))
    await bs.enqueue([m for chat in others for m in parts(chat, 1)])
    options = DeliveryOptions(batch_size=4)
    async with (
        FakeBotAPI() as fake,
        bot_running(fake, store, per_chat_interval=1.0, delivery_options=options) as app,
    ):
        report = await app.bot_data.services.delivery.flush_outbox()
    assert report.sent == 3 + len(others)
    # Counted, not timed: batch by batch, the chats after the first batch waited for the
    # slow chat's last message (its pace: 2 s); in the pipeline they all go before it.
    last_slow = next(i for i, m in enumerate(fake.sent) if m.plain == f"chat {slow} part 2")
    assert {m.chat_id for m in fake.sent[:last_slow]} >= set(others)
    assert [m.plain for m in fake.messages_to(slow)] == [f"chat {slow} part {i}" for i in range(3)]


async def test_a_claim_takes_whole_chats_and_none_another_sender_holds(store: Store) -> None:
    lease = timedelta(seconds=30)
    mine, other = BotStore(store.engine), BotStore(store.engine)  # two processes
    await mine.enqueue(parts(23001, 2) + parts(23002, 2) + parts(23003, 1))
    # the first three rows name two chats; the second is cut by the limit: left whole
    first = await mine.claim_outbox(3, lease)
    assert [(r.chat_id, r.seq) for r in first] == [(23001, 0), (23001, 1)]
    # a new digest for a chat whose rows another sender holds waits for them
    await mine.enqueue(parts(23001, 1, key="late"))
    second = await other.claim_outbox(10, lease)
    assert [(r.chat_id, r.seq) for r in second] == [(23002, 0), (23002, 1), (23003, 0)]
    assert await other.claim_outbox(10, lease) == []
    await mine.mark_sent([(r.id, r.chat_id, 100 + r.seq, []) for r in first])
    late = await other.claim_outbox(10, lease)
    assert [(r.chat_id, r.text) for r in late] == [(23001, "chat 23001 part 0")]
    assert late[0].id > first[-1].id  # the later digest, once the earlier one went


async def test_a_sender_dead_between_claim_and_send_loses_nothing(store: Store) -> None:
    lease = timedelta(seconds=0.5)
    dead = BotStore(store.engine)
    chats = list(range(24001, 24006))
    await dead.enqueue([m for chat in chats for m in parts(chat, 2)])
    assert len(await dead.claim_outbox(100, lease)) == 10  # claims, then dies: no heartbeat
    async with (
        FakeBotAPI() as fake,
        bot_running(fake, store, delivery_options=DeliveryOptions(lease=lease)) as app,
    ):
        delivery = app.bot_data.services.delivery
        assert (await delivery.flush_outbox()).sent == 0  # its claims still hold
        await asyncio.sleep(0.6)  # one lease later they have lapsed
        report = await delivery.flush_outbox()
    assert report.sent == 10
    for chat in chats:
        assert [m.plain for m in fake.messages_to(chat)] == [
            f"chat {chat} part {i}" for i in (0, 1)
        ]
    assert (await statuses(store)) == Counter(sent=10)


async def test_schedules_move_in_bulk_each_as_planned(store: Store) -> None:
    bs = BotStore(store.engine)
    old = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    nxt, now = datetime(2026, 3, 3, 8, 0, tzinfo=UTC), datetime(2026, 3, 2, 8, 1, tzinfo=UTC)
    for chat in range(25001, 25009):
        await bs.ensure_subscriber(chat, digest_time="08:00", timezone="UTC", next_digest_at=old)
    schedule = [
        (25001, nxt, now),  # a scheduled digest
        (25002, nxt, now),
        (25003, nxt, None),  # put off (stale, or failed)
        (25004, None, now),  # on demand
        (25005, None, None),  # nothing to move
        (25006, nxt + timedelta(hours=1), now - timedelta(minutes=1)),
    ]
    async with bs.digest_run() as run:
        await run.record((), (), schedule)
    got = {c: await bs.get_subscriber(c) for c in range(25001, 25009)}
    expected = {chat: (n or old, last) for chat, n, last in schedule}
    expected.update({25007: (old, None), 25008: (old, None)})  # not in the plan: untouched
    for chat, (want_next, want_last) in expected.items():
        sub = got[chat]
        assert sub is not None
        assert (sub.next_digest_at, sub.last_digest_at) == (want_next, want_last), chat


@pytest.mark.parametrize("seen_first", [False, True])
async def test_each_distinct_digest_is_drawn_once_and_as_drawn_alone(
    fake: FakeBotAPI, filled: Store, seen_first: bool
) -> None:
    bs = BotStore(filled.engine)
    due = datetime.now(UTC) - timedelta(minutes=1)
    codes = {26001: ("IR",), 26002: ("IR",), 26003: ("IR",), 26004: ("US", "IR")}
    for chat, followed in codes.items():
        await bs.ensure_subscriber(chat, digest_time="08:00", timezone="UTC", next_digest_at=due)
        await bs.subscribe(chat, followed)
    async with bot_running(fake, filled) as app:
        digests = app.bot_data.services.digests
        now = datetime.now(UTC)
        if seen_first:  # one Iran reader was already sent the top Iran story
            top = (await digests.stories(["IR"], now - timedelta(hours=24), {}))["IR"][0]
            async with bs.digest_run() as run:
                await run.record((), [(26003, top.story_id)], ())
        cache = RunCache()
        async with bs.digest_run() as run:
            subs = await run.claim_due(now, 10)
            plan = await digests.plan(run, subs, now, cache=cache)
            alone = {}
            for sub in subs:  # each drawn on its own, in a run of one (no cache shared)
                part = await digests.plan(run, [sub], now)
                alone[sub.chat_id] = [m.text for m in part.messages]
    drawn = {c: [m.text for m in plan.messages if m.chat_id == c] for c in codes}
    assert drawn == alone  # a digest from the cache is the digest drawn for that reader
    assert all(drawn.values())
    assert drawn[26001] == drawn[26002] != drawn[26004]
    assert (drawn[26003] != drawn[26001]) is seen_first
    # one draw per distinct digest with news (a day without is one line, not drawn)
    with_news = {tuple(v) for v in drawn.values() if not v[0].startswith("Nothing new")}
    assert len(cache.pages) == len(with_news) >= 2
