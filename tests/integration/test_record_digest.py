"""Recording a digest moves only the schedule fields it is given (SQLite and PostgreSQL).

An on-demand /digest plans ``(chat, None, now)``: it must leave the next scheduled digest
as it is, and a chat with no schedule must not be given one (or lose it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import Store
from bot.store.subscribers import BotStore

NEXT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
LATER = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


async def _record(bs: BotStore, row: tuple[int, datetime | None, datetime | None]) -> None:
    async with bs.engine.begin() as conn:
        await bs.record_digest(conn, (), (), [row])


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
