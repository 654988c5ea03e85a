"""A claim on the outbox reads the claimed chats' rows through the chat index, not every
pending row: SQLite has no statistics and took the status index (each claim then read
the whole queue, 20,000 rows a claim in a fan-out of 20,000 messages)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.store import NewOutboxMessage, Store
from bot.store.subscribers import BotStore


async def test_the_claims_update_finds_its_rows_by_chat(store: Store) -> None:
    if store.is_postgres:  # the planner there has statistics; nothing to show
        return
    bs = BotStore(store.engine)
    await bs.enqueue(
        [NewOutboxMessage(chat, f"m{chat}.{seq}", seq=seq) for chat in range(60) for seq in (0, 1)]
    )
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            seen.append((statement, params))

    event.listen(store.engine.sync_engine, "before_cursor_execute", capture)
    try:
        rows = await bs.claim_outbox(20, timedelta(seconds=30))
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", capture)
    # whole chats: the tenth, which the limit may have cut, waits for the next claim
    assert len(rows) == 18 and len({r.chat_id for r in rows}) == 9
    ((statement, params),) = seen
    async with store.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        cursor = await raw.driver_connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)
        plan = " ".join(str(row[-1]) for row in await cursor.fetchall())
    assert "ix_outbox_chat_id" in plan, plan
