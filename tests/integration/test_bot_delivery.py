"""Digests through the outbox: schedules across DST, staleness, blocked users, 429 storms,
network drops, bad requests and a crash in the middle of sending (SIGKILL).

Run on SQLite and on PostgreSQL (the ``store`` fixture), with the real ``Application``
against the fake Bot API and the store filled by the real ingestion.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery import DeliveryOptions
from bot.digest import next_digest_at, parse_hhmm
from bot.store import Store
from bot.store.models import OUTBOX
from bot.store.subscribers import BotStore, NewOutboxMessage
from tests.fakes.bot_harness import REPO, bot_running, bulk_fill, fill_store
from tests.fakes.telegram_api import FakeBotAPI


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def add_subscriber(
    bs: BotStore,
    chat_id: int,
    *,
    at: str = "08:00",
    zone: str = "UTC",
    due: datetime | None = None,
    codes: tuple[str, ...] = ("IR",),
) -> None:
    await bs.ensure_subscriber(
        chat_id,
        digest_time=at,
        timezone=zone,
        next_digest_at=due or datetime.now(UTC) - timedelta(minutes=1),
    )
    await bs.subscribe(chat_id, codes)


async def dispatch(app: Any, now: datetime | None = None) -> Any:
    nb = app.bot_data.services
    return await nb.digests.dispatch_due(nb.delivery, now=now)


async def outbox_statuses(bs: BotStore) -> Counter:
    async with bs.engine.connect() as conn:
        return Counter((await conn.execute(select(OUTBOX.c.status))).scalars())


async def test_digest_at_eight_berlin_across_both_dst_changes(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    first_due = next_digest_at(parse_hhmm("08:00"), "Europe/Berlin", utc(2026, 3, 27, 12))
    assert first_due == utc(2026, 3, 28, 7)  # CET
    await add_subscriber(bs, 5001, zone="Europe/Berlin", due=first_due)
    async with bot_running(fake, filled) as app:
        assert (await dispatch(app, utc(2026, 3, 28, 6, 59))).subscribers == 0
        await dispatch(app, utc(2026, 3, 28, 7, 0, 20))
        msgs = fake.messages_to(5001)
        assert len(msgs) == 1 and msgs[0].plain.startswith("Your digest · Iran")
        assert "Mohammad-Reza Ashtiani" in msgs[0].plain
        sub = await bs.get_subscriber(5001)
        assert sub.next_digest_at == utc(2026, 3, 29, 6)  # CEST from that morning

        assert (await dispatch(app, utc(2026, 3, 29, 5, 59))).subscribers == 0
        await dispatch(app, utc(2026, 3, 29, 6, 0, 30))
        msgs = fake.messages_to(5001)
        assert len(msgs) == 2
        assert msgs[1].plain == "Nothing new on Iran since your last digest."  # not repeated
        assert (await bs.get_subscriber(5001)).next_digest_at == utc(2026, 3, 30, 6)

        # autumn: back to CET on 25 October 2026
        await bs.update_subscriber(5001, next_digest_at=utc(2026, 10, 24, 6))
        await dispatch(app, utc(2026, 10, 24, 6, 0, 10))
        assert (await bs.get_subscriber(5001)).next_digest_at == utc(2026, 10, 25, 7)
        assert (await dispatch(app, utc(2026, 10, 25, 6, 30))).subscribers == 0
        await dispatch(app, utc(2026, 10, 25, 7, 0, 5))
        assert len(fake.messages_to(5001)) == 4
        assert (await bs.get_subscriber(5001)).next_digest_at == utc(2026, 10, 26, 7)
    assert (await outbox_statuses(bs)) == Counter(sent=4)


async def test_after_downtime_due_digests_are_sent_once_stale_ones_skip(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    now = datetime.now(UTC)
    await add_subscriber(bs, 5101, due=now - timedelta(hours=2))  # within 6 h: send
    await add_subscriber(bs, 5102, due=now - timedelta(hours=7))  # too old: skip
    async with bot_running(fake, filled) as app:
        report = await dispatch(app, now)
        assert report.skipped_stale == 1
        await dispatch(app, now + timedelta(minutes=1))  # the next minute's run
    assert len(fake.messages_to(5101)) == 1
    assert fake.messages_to(5102) == []
    skipped = await bs.get_subscriber(5102)
    assert now < skipped.next_digest_at <= now + timedelta(days=1)


async def test_blocked_user_is_deactivated_and_others_still_get_theirs(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    for chat in (6001, 6002, 6003):
        await add_subscriber(bs, chat)
    fake.block(6002)
    async with bot_running(fake, filled) as app:
        report = await dispatch(app)
        assert report.delivery.blocked == 1 and report.delivery.sent == 2
    assert len(fake.messages_to(6001)) == 1 and len(fake.messages_to(6003)) == 1
    assert fake.messages_to(6002) == []
    blocked = await bs.get_subscriber(6002)
    assert not blocked.active
    assert (await outbox_statuses(bs)) == Counter(sent=2, failed=1)
    assert fake.calls["sendMessage"] == 3  # a 403 is never retried


async def test_429_storm_and_dropped_connections_lose_and_repeat_nothing(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    chats = list(range(7001, 7011))
    for chat in chats:
        await add_subscriber(bs, chat)
    fake.inject("429", count=15, retry_after=1)
    fake.inject("drop", count=3)
    started = time.monotonic()
    async with bot_running(fake, filled, delivery_options=DeliveryOptions(backoff=0.05)) as app:
        report = await dispatch(app)
    assert fake.errors["429"] == 15 and fake.errors["drop"] == 3
    assert report.delivery.sent == 10 and report.delivery.failed == 0
    assert sorted(m.chat_id for m in fake.sent) == chats  # each exactly once
    assert (await outbox_statuses(bs)) == Counter(sent=10)
    assert time.monotonic() - started >= 2.0  # it did wait what Telegram asked


async def test_bad_request_is_logged_with_the_chat_and_not_retried(
    fake: FakeBotAPI, filled: Store, caplog: pytest.LogCaptureFixture
) -> None:
    bs = BotStore(filled.engine)
    await bs.enqueue(
        [
            NewOutboxMessage(8001, "<b>unclosed", digest_key="x", seq=0),
            NewOutboxMessage(8002, "fine &amp; valid", digest_key="y", seq=0),
        ]
    )
    with caplog.at_level(logging.ERROR, logger="newsbrief.delivery"):
        async with bot_running(fake, filled) as app:
            report = await app.bot_data.services.delivery.flush_outbox()
    assert report.sent == 1 and report.failed == 1
    assert fake.calls["sendMessage"] == 2
    assert any("bad_request" in r.getMessage() and "8001" in r.getMessage() for r in caplog.records)
    assert [m.plain for m in fake.sent] == ["fine & valid"]


CHILD = """
import asyncio, sys
from datetime import timedelta
from bot.delivery import DeliveryOptions
from bot.store import Store
from bot.telegram.app import build_application, setup
from tests.fakes.bot_harness import bot_settings

async def main(url, base, token):
    store = Store.from_url(url)
    app = build_application(bot_settings(), store, token=token, base_url=base, rate_limit=20,
                            per_chat_interval=0,
                            delivery_options=DeliveryOptions(lease=timedelta(seconds=1)))
    await app.initialize()
    await setup(app)
    nb = app.bot_data.services
    print("dispatching", flush=True)
    await nb.digests.dispatch_due(nb.delivery)
    print("finished", flush=True)

asyncio.run(main(*sys.argv[1:4]))
"""


async def test_crash_mid_digest_then_restart_finishes_the_job(
    fake: FakeBotAPI, filled: Store, database_url: str
) -> None:
    bs = BotStore(filled.engine)
    chats = list(range(9001, 9041))
    for chat in chats:
        await add_subscriber(bs, chat)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, fake.base_url, fake.token],
        cwd=REPO,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while fake.accepted < 10:
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never started sending"
            await asyncio.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)  # kill -9 in the middle of the fan-out
    finally:
        child.wait(10)
    accepted_before = fake.accepted
    assert accepted_before < len(chats), "the crash must come before the end"
    statuses = await outbox_statuses(bs)
    assert statuses["pending"] > 0  # work left for the restart

    await asyncio.sleep(1.1)  # the dead process's leases run out (PostgreSQL)
    async with bot_running(fake, filled) as app:  # a fresh Application, same database
        report = await dispatch(app)
        assert report.subscribers == 0  # schedules were already moved: not re-planned
    per_chat = Counter(m.chat_id for m in fake.sent)
    assert set(per_chat) == set(chats)  # nobody missed the digest
    repeats = sum(n - 1 for n in per_chat.values())
    assert repeats <= 3, per_chat  # only messages in flight at the kill may repeat
    assert (await outbox_statuses(bs)) == Counter(sent=len(chats))


async def test_one_chat_is_paced_other_chats_are_not_held_up(
    fake: FakeBotAPI, filled: Store
) -> None:
    async with bot_running(fake, filled, per_chat_interval=0.3) as app:
        delivery = app.bot_data.services.delivery
        await asyncio.gather(
            *(delivery.send(chat, f"message {i}") for i in range(3) for chat in (11, 12))
        )
    for chat in (11, 12):
        times = [m.at for m in fake.messages_to(chat)]
        assert len(times) == 3
        assert all(b - a >= 0.28 for a, b in itertools.pairwise(times))
    # not held up: each chat's first message arrived before the other chat's pacing ended
    # (one queue for both would put one chat's three messages after the other's three)
    eleven, twelve = fake.messages_to(11), fake.messages_to(12)
    assert twelve[0].at < eleven[-1].at and eleven[0].at < twelve[-1].at


@pytest.mark.postgres
async def test_two_dispatchers_on_postgres_share_the_work_without_repeats(
    fake: FakeBotAPI, postgres_url: str
) -> None:
    first, second = Store.from_url(postgres_url), Store.from_url(postgres_url)
    try:
        async with first.engine.begin() as conn:  # start from empty tables
            from sqlalchemy import text

            tables = (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename <> 'alembic_version'"
                    )
                )
            ).scalars()
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        await fill_store(first)
        bs = BotStore(first.engine)
        chats = list(range(12001, 12061))
        for chat in chats:
            await add_subscriber(bs, chat)
        async with bot_running(fake, first) as app1, bot_running(fake, second) as app2:
            nb1, nb2 = app1.bot_data.services, app2.bot_data.services
            r1, r2 = await asyncio.gather(
                nb1.digests.dispatch_due(nb1.delivery, batch=7),
                nb2.digests.dispatch_due(nb2.delivery, batch=7),
            )
        assert r1.subscribers + r2.subscribers == len(chats)
        assert r1.subscribers > 0 and r2.subscribers > 0  # both took a share
        assert sorted(m.chat_id for m in fake.sent) == chats  # each exactly once
        assert (await outbox_statuses(bs)) == Counter(sent=len(chats))
    finally:
        await first.close()
        await second.close()


async def test_a_reader_is_answered_quickly_during_a_digest_fan_out(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    digests = 90
    for chat in range(13001, 13001 + digests):
        await add_subscriber(bs, chat)
    async with bot_running(fake, filled, rate_limit=30.0) as app:
        fan_out = asyncio.create_task(dispatch(app))
        await until_sent(fake, 15)
        asked_after = len(fake.sent)
        reply = (await fake.ask(13500, "/help"))[0]
        assert not fan_out.done()  # the digests were still going out
        ahead = fake.sent.index(reply) - asked_after  # digests that got out before the reply
        await fan_out
    # Counted, not timed: the reply waits behind the few digests in flight (16 here), not
    # behind every digest still to go when it asked (the bound leaves the handler ~2 s).
    assert ahead < digests - asked_after, f"/help waited behind {ahead} digest messages"
    assert len(fake.sent) == digests + 1


async def until_sent(fake: FakeBotAPI, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while fake.accepted < count:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)


async def until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition never came true"
        await asyncio.sleep(0.02)


async def test_digest_now_goes_through_the_outbox_a_failed_send_arrives_later_once(
    fake: FakeBotAPI, store: Store
) -> None:
    await bulk_fill(store, 40, countries=("IR",), days=0.5)  # 10 stories: a digest of pages
    bs = BotStore(store.engine)
    chat = 14001
    await add_subscriber(bs, chat, due=datetime.now(UTC) + timedelta(hours=12))
    # The digest's second message fails past the bounded retries: two dropped connections,
    # then two 500s (the first fault lets the first message through; the second has no
    # skip because the first fault already answered for that message).
    fake.inject("drop", count=2, chat_id=chat, skip=1)
    fake.inject("500", count=2, chat_id=chat)
    options = DeliveryOptions(backoff=0.01, retry_delay=timedelta(seconds=0.3))
    async with bot_running(fake, store, delivery_options=options) as app:
        first = (await fake.ask(chat, "/digest"))[0]
        assert first.plain.startswith("Your digest · Iran")

        async def put_off() -> bool:
            async with bs.engine.connect() as conn:
                rows = (
                    await conn.execute(
                        select(OUTBOX.c.status, OUTBOX.c.attempts).order_by(OUTBOX.c.id)
                    )
                ).all()
            return len(rows) >= 2 and rows[1] == ("pending", 1)

        await until(put_off)  # the handler gave the second message back to the outbox
        assert fake.errors["drop"] == 2 and fake.errors["500"] == 2
        assert len(fake.messages_to(chat)) == 1  # nothing after it went out of order
        await asyncio.sleep(0.35)
        report = await dispatch(app)  # the scheduler's next run sends the rest
        assert report.subscribers == 0 and report.delivery.sent >= 1
        again = (await fake.ask(chat, "/digest"))[0]
        assert again.plain == "Nothing new on Iran since your last digest."
    messages = fake.messages_to(chat)[:-1]
    pages = [m.plain for m in messages]
    assert len(pages) >= 2
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", "\n".join(pages), re.MULTILINE)]
    assert numbers == list(range(1, 9))  # every story of the digest, once, in order
    shown = [i for m in messages for i in await bs.stories_of_message(chat, m.message_id)]
    assert len(shown) == len(set(shown)) == 8  # and replies to each page know its stories
    assert (await outbox_statuses(bs)) == Counter(sent=len(pages) + 1)  # and "Nothing new"


async def test_a_live_sender_keeps_its_claims_a_dead_one_loses_them_within_a_lease(
    fake: FakeBotAPI, store: Store
) -> None:
    lease = timedelta(seconds=0.6)
    mine, other = BotStore(store.engine), BotStore(store.engine)  # two processes' claims
    chat = 15001
    await mine.enqueue(
        [NewOutboxMessage(chat, f"part {i}", digest_key="k", seq=i) for i in range(4)]
    )
    async with bot_running(
        fake, store, per_chat_interval=0.4, delivery_options=DeliveryOptions(lease=lease)
    ) as app:
        flush = asyncio.create_task(app.bot_data.services.delivery.flush_outbox())
        await until_sent(fake, 1)  # the sender has claimed the chat's rows
        stolen = []
        while not flush.done():  # about 1.2 s of sending: twice the lease
            stolen += await other.claim_outbox(10, lease)
            await asyncio.sleep(0.05)
        report = await flush
    assert stolen == []  # the heartbeat kept the sender's claims
    assert report.sent == 4
    assert [m.plain for m in fake.sent] == [f"part {i}" for i in range(4)]

    # A sender that claims and dies renews nothing: its rows are free after one lease.
    await mine.enqueue([NewOutboxMessage(chat, "late", digest_key="k2")])
    assert len(await mine.claim_outbox(10, lease)) == 1
    assert await other.claim_outbox(10, lease) == []
    await asyncio.sleep(0.65)
    assert [r.text for r in await other.claim_outbox(10, lease)] == ["late"]


async def test_marks_written_twice_change_nothing_the_second_time(store: Store) -> None:
    # A mark is retried after a failed commit that may have gone through, and replayed
    # from the journal: writing it again must neither fail nor count a second attempt.
    bs = BotStore(store.engine)
    await bs.enqueue([NewOutboxMessage(16001, f"part {i}", digest_key="m", seq=i) for i in (0, 1)])
    rows = await bs.claim_outbox(10, timedelta(seconds=30))
    marks = [(r.id, r.chat_id, 500 + r.seq, [r.seq + 1]) for r in rows]
    await bs.mark_sent(marks)
    await bs.mark_sent(marks)
    async with bs.engine.connect() as conn:
        got = (
            await conn.execute(
                select(OUTBOX.c.status, OUTBOX.c.attempts, OUTBOX.c.telegram_message_id)
            )
        ).all()
    assert sorted(got) == [("sent", 1, 500), ("sent", 1, 501)]
    assert await bs.stories_of_message(16001, 501) == [2]
