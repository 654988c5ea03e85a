"""Recording a digest moves only the schedule fields it is given (SQLite and PostgreSQL).

An on-demand /digest plans ``(chat, None, now)``: it must leave the next scheduled digest
as it is, and a chat with no schedule must not be given one (or lose it). A digest run is
one transaction, and a savepoint in it that fails takes back its own writes only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import NewOutboxMessage, Reschedule, Store, is_database_error
from bot.store.subscribers import BotStore

NEXT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
LATER = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


async def _record(bs: BotStore, row: Reschedule) -> None:
    async with bs.digest_run() as run:
        await run.record((), (), [row])


async def test_none_keeps_the_stored_schedule(store: Store) -> None:
    bs = BotStore(store.engine)
    await bs.ensure_subscriber(1, digest_time="08:00", timezone="UTC", next_digest_at=NEXT)
    await bs.ensure_subscriber(2, digest_time="08:00", timezone="UTC", next_digest_at=None)

    await _record(bs, (1, None, NOW))  # on demand: the time of this digest only
    one = await bs.get_subscriber(1)
    assert one is not None and one.next_digest_at == NEXT and one.last_digest_at == NOW

    await _record(bs, (1, LATER, None))  # a scheduled move keeps the last digest's time
    one = await bs.get_subscriber(1)
    assert one is not None and one.next_digest_at == LATER and one.last_digest_at == NOW

    await _record(bs, (2, None, NOW))  # no schedule stays no schedule
    two = await bs.get_subscriber(2)
    assert two is not None and two.next_digest_at is None and two.last_digest_at == NOW

    await _record(bs, (2, None, None))  # nothing to move: the row is left alone
    assert await bs.get_subscriber(2) == two


async def test_a_failed_savepoint_undoes_only_its_own_writes(store: Store) -> None:
    """A run's savepoint that fails (an outbox row clashing with one already queued) takes
    back its own chat's writes; the rest of the run is committed at the end of the block."""
    bs = BotStore(store.engine)
    for chat in (1, 2):
        await bs.ensure_subscriber(chat, digest_time="08:00", timezone="UTC", next_digest_at=NEXT)
    await bs.enqueue([NewOutboxMessage(2, "old", digest_key="2:clash")])

    async with bs.digest_run() as run:
        async with run.savepoint():
            await run.record([NewOutboxMessage(1, "one", digest_key="1:new")], [], [])
            await run.record([], [], [(1, LATER, NOW)])
        with pytest.raises(Exception) as refused:
            async with run.savepoint():
                await run.record([], [], [(2, LATER, NOW)])
                await run.record([NewOutboxMessage(2, "two", digest_key="2:clash")], [], [])
        assert is_database_error(refused.value)
        await run.record([], [], [(2, None, NOW)])  # the run goes on after the refusal

    one, two = await bs.get_subscriber(1), await bs.get_subscriber(2)
    assert one is not None and (one.next_digest_at, one.last_digest_at) == (LATER, NOW)
    assert two is not None and (two.next_digest_at, two.last_digest_at) == (NEXT, NOW)
    rows = await bs.claim_outbox(10, timedelta(minutes=1))
    assert sorted((r.chat_id, r.text) for r in rows) == [(1, "one"), (2, "old")]


async def test_a_run_that_raises_records_nothing(store: Store) -> None:
    bs = BotStore(store.engine)
    await bs.ensure_subscriber(1, digest_time="08:00", timezone="UTC", next_digest_at=NEXT)
    with pytest.raises(RuntimeError):
        async with bs.digest_run() as run:
            assert [s.chat_id for s in await run.claim_due(LATER, 10)] == [1]
            await run.record([NewOutboxMessage(1, "one", digest_key="1:x")], [(1, 5)], [])
            await run.record([], [], [(1, LATER, NOW)])
            raise RuntimeError("the planner failed after recording")
    one = await bs.get_subscriber(1)
    assert one is not None and (one.next_digest_at, one.last_digest_at) == (NEXT, None)
    assert await bs.claim_outbox(10, timedelta(minutes=1)) == []
    async with bs.digest_run() as run:
        assert await run.delivered_story_ids([1], [5]) == set()
