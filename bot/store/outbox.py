"""The outbox: every message is written here before it is sent and marked once Telegram
accepted it, so a crash loses nothing and repeats nothing already marked.

Senders claim rows with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), renew it
while they work, and give back what they could not send.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.base import StoreBase
from bot.store.models import DELIVERED_STORIES, OUTBOX, SENT_MESSAGES, SUBSCRIBERS
from bot.store.records import NewOutboxMessage, OutboxRow
from bot.store.types import utcnow

#: A subscriber's schedule after a digest: ``(chat_id, next_digest_at, last_digest_at)``,
#: each time None to keep the stored value.
Reschedule = tuple[int, datetime | None, datetime | None]

#: The advisory lock that makes PostgreSQL claims take turns ("outb").
_PG_CLAIM_KEY = 0x6F757462
#: What a claim reads of each row.
_ROW_COLUMNS = (
    OUTBOX.c.id,
    OUTBOX.c.chat_id,
    OUTBOX.c.seq,
    OUTBOX.c.text,
    OUTBOX.c.reply_markup,
    OUTBOX.c.story_ids,
    OUTBOX.c.attempts,
    OUTBOX.c.kind,
)


def _claimable(now: datetime) -> tuple[Any, ...]:
    """Conditions of a row any sender may claim now: pending, with no live claim or hold."""
    return (
        OUTBOX.c.status == "pending",
        or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now),
    )


class OutboxQueries(StoreBase):
    """Queue, claim, mark: the outbox as the delivery loop and the digests use it."""

    async def _record_digest(
        self,
        conn: AsyncConnection,
        messages: Sequence[NewOutboxMessage],
        delivered: Sequence[tuple[int, int]],
        schedule: Sequence[Reschedule],
    ) -> None:
        """In ``conn``'s transaction: queue messages, remember stories, move schedules.

        Store-internal: :meth:`enqueue` and a digest run
        (:meth:`bot.store.subscribers.DigestRun.record`) are the ways in.
        """
        now = utcnow()
        if messages:
            await conn.execute(
                insert(OUTBOX),
                [
                    {
                        "chat_id": m.chat_id,
                        "kind": m.kind,
                        "digest_key": m.digest_key,
                        "seq": m.seq,
                        "text": m.text,
                        "reply_markup": m.reply_markup,
                        "story_ids": {"ids": list(m.story_ids)},
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                    }
                    for m in messages
                ],
            )
        if delivered:
            await conn.execute(
                self._insert_new(DELIVERED_STORIES),
                [{"chat_id": c, "story_id": s, "delivered_at": now} for c, s in delivered],
            )
        await self._reschedule(conn, schedule)

    @staticmethod
    async def _reschedule(conn: AsyncConnection, schedule: Sequence[Reschedule]) -> None:
        """Move schedules: one executemany per shape of change (both times, or one of
        them), not a statement per subscriber."""
        shapes: dict[tuple[bool, bool], list[dict[str, Any]]] = {}
        for chat_id, next_at, last_at in schedule:
            if next_at is None and last_at is None:
                continue
            row = {"b_chat": chat_id, "b_next": next_at, "b_last": last_at}
            shapes.setdefault((next_at is not None, last_at is not None), []).append(row)
        for (has_next, has_last), rows in shapes.items():
            values: dict[str, Any] = {}
            if has_next:
                values["next_digest_at"] = bindparam("b_next")
            if has_last:
                values["last_digest_at"] = bindparam("b_last")
            statement = (
                update(SUBSCRIBERS)
                .where(SUBSCRIBERS.c.chat_id == bindparam("b_chat"))
                .values(values)
            )
            await conn.execute(statement, rows)

    async def enqueue(self, messages: Sequence[NewOutboxMessage]) -> None:
        async with self.engine.begin() as conn:
            await self._record_digest(conn, messages, (), ())

    async def release_claims(self, *, everyone: bool = False) -> int:
        """Give back rows claimed by this process; ``everyone`` only for the store's sole
        sender (SQLite, its lock held: see :mod:`bot.store.lock`), whose predecessors are dead."""
        async with self.engine.begin() as conn:
            cond = OUTBOX.c.status == "pending"
            if not everyone:
                cond = and_(cond, OUTBOX.c.claimed_by == self.owner)
            result = await conn.execute(
                update(OUTBOX).where(cond).values(claimed_by=None, claimed_until=None)
            )
            return result.rowcount or 0

    async def claim_outbox(
        self, limit: int, lease: timedelta, *, chat_id: int | None = None
    ) -> list[OutboxRow]:
        """Pending messages for this process to send, leased for ``lease``, whole chats at a
        time (one chat's only when ``chat_id`` is given), in the order they were queued.

        A chat is claimed with all its pending rows, and only when none of them is claimed
        by a live sender or held back (``claimed_until`` still ahead): so a chat's messages
        are never in two senders' hands, or two batches of one sender, and go in order.
        The first ``limit`` claimable rows (by id) choose the chats; the last chat is left
        for the next claim when the limit cut it (unless it is the only one), so a claim
        holds about ``limit`` rows. On PostgreSQL claims take turns (a transaction-level
        advisory lock: a claim is one short transaction), so two workers never both see a
        chat as free.

        The sender renews its leases while it works (:meth:`renew_claims`), so a lease
        can be short: when it runs out (the process died), its rows are pending for others.
        """
        now = utcnow()
        async with self.engine.begin() as conn:
            if self.is_postgres:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CLAIM_KEY}
                )
            chats = await self._claimable_chats(conn, now, limit, chat_id)
            if not chats:
                return []
            claimable = _claimable(now)
            if not self.is_postgres:
                # SQLite (no statistics) otherwise picks the status index and reads every
                # pending row on each claim: likely() tells it the chats are the narrow part
                claimable = (func.likely(claimable[0]), *claimable[1:])
            claimed = (
                update(OUTBOX)
                .where(OUTBOX.c.chat_id.in_(chats), *claimable)
                .values(claimed_by=self.owner, claimed_until=now + lease)
                .returning(*_ROW_COLUMNS)
            )
            rows = sorted((await conn.execute(claimed)).all(), key=lambda r: r.id)
        return [
            OutboxRow(
                r.id,
                r.chat_id,
                r.seq,
                r.text,
                r.reply_markup,
                list((r.story_ids or {}).get("ids", [])),
                r.attempts,
                r.kind,
            )
            for r in rows
        ]

    async def _claimable_chats(
        self, conn: AsyncConnection, now: datetime, limit: int, chat_id: int | None
    ) -> list[int]:
        """The chats of the first ``limit`` claimable rows whose pending rows are all free;
        the last one left out when the limit may have cut its rows (see :meth:`claim_outbox`)."""
        busy = OUTBOX.alias("busy")
        pick = (
            select(OUTBOX.c.chat_id)
            .where(
                *_claimable(now),
                ~exists().where(
                    busy.c.chat_id == OUTBOX.c.chat_id,
                    busy.c.status == "pending",
                    busy.c.claimed_until >= now,
                ),
            )
            .order_by(OUTBOX.c.id)
            .limit(limit)
        )
        if chat_id is not None:
            pick = pick.where(OUTBOX.c.chat_id == chat_id)
        found = list((await conn.execute(pick)).scalars())
        chats = list(dict.fromkeys(found))
        if len(found) >= limit and len(chats) > 1:
            chats.pop()  # its rows may go on past the limit: whole in the next claim
        return chats

    async def renew_claims(self, lease: timedelta) -> int:
        """Extend this process's claims on pending rows: the heartbeat of a running flush.

        On PostgreSQL it passes over rows another transaction holds (a mark being written,
        a row given back): those are leaving the claim anyway, and waiting for them while
        holding the others deadlocked with the marks, which lock the same rows in another
        order.
        """
        mine = and_(OUTBOX.c.status == "pending", OUTBOX.c.claimed_by == self.owner)
        if self.is_postgres:
            free = select(OUTBOX.c.id).where(mine).with_for_update(skip_locked=True)
            mine = OUTBOX.c.id.in_(free.scalar_subquery())
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(OUTBOX).where(mine).values(claimed_until=utcnow() + lease)
            )
            return result.rowcount or 0

    async def retry_later(
        self,
        outbox_id: int,
        error: str,
        until: datetime,
        *,
        held: Sequence[int] = (),
        max_attempts: int = 5,
    ) -> bool:
        """A send that failed for a passing reason (network, rate limit): try again after
        ``until``, or give up once it has failed ``max_attempts`` times (returns False).

        ``held`` are the chat's later rows: they wait as long, so the chat stays in order.
        """
        async with self.engine.begin() as conn:
            attempts = (
                await conn.execute(select(OUTBOX.c.attempts).where(OUTBOX.c.id == outbox_id))
            ).scalar_one_or_none()
            retry = attempts is not None and attempts + 1 < max_attempts
            values: dict[str, Any] = {
                "attempts": OUTBOX.c.attempts + 1,
                "error": error[:500],
                "claimed_by": None,
                "claimed_until": until,
            }
            if not retry:
                values["status"] = "failed"
            await conn.execute(update(OUTBOX).where(OUTBOX.c.id == outbox_id).values(**values))
            await self._hold(conn, held, until)
        return retry

    async def hold(self, outbox_ids: Sequence[int], until: datetime) -> None:
        """Give rows back unsent, not to be claimed before ``until`` (a chat kept in order,
        or sending stopped). Only rows this process still holds: after a long outage
        another process may have claimed them since."""
        async with self.engine.begin() as conn:
            await self._hold(conn, outbox_ids, until)

    async def _hold(
        self, conn: AsyncConnection, outbox_ids: Sequence[int], until: datetime
    ) -> None:
        if outbox_ids:
            await conn.execute(
                update(OUTBOX)
                .where(
                    OUTBOX.c.id.in_(list(outbox_ids)),
                    OUTBOX.c.status == "pending",
                    OUTBOX.c.claimed_by == self.owner,
                )
                .values(claimed_by=None, claimed_until=until)
            )

    async def mark_sent(self, results: Sequence[tuple[int, int, int, Sequence[int]]]) -> None:
        """Rows Telegram accepted: ``(outbox_id, chat_id, message_id, story_ids)``.

        Idempotent: marks are retried and replayed from a journal after a failure whose
        commit may in fact have gone through, so a row already sent and a message already
        linked are left as they are.
        """
        if not results:
            return
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == bindparam("b_id"), OUTBOX.c.status != "sent")
                .values(
                    status="sent",
                    sent_at=now,
                    telegram_message_id=bindparam("b_mid"),
                    claimed_until=None,
                    attempts=OUTBOX.c.attempts + 1,
                ),
                # in id order: two writers of the same rows lock them in one order
                [
                    {"b_id": oid, "b_mid": mid}
                    for oid, _chat, mid, _stories in sorted(results, key=lambda m: m[0])
                ],
            )
            links = [
                {
                    "chat_id": chat,
                    "message_id": mid,
                    "kind": "digest",
                    "story_ids": {"ids": list(stories)},
                    "created_at": now,
                }
                for _id, chat, mid, stories in results
                if stories
            ]
            if links:
                await conn.execute(self._insert_new(SENT_MESSAGES), links)

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == outbox_id)
                .values(status="failed", error=error[:500], attempts=OUTBOX.c.attempts + 1)
            )

    async def pending_count(self) -> int:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    select(func.count()).select_from(OUTBOX).where(OUTBOX.c.status == "pending")
                )
            ).scalar_one()

    async def oldest_pending_at(self) -> datetime | None:
        """When the oldest message still waiting in the outbox was queued (for /metrics)."""
        query = (
            select(OUTBOX.c.created_at).where(OUTBOX.c.status == "pending").order_by(OUTBOX.c.id)
        )
        async with self.engine.connect() as conn:
            return (await conn.execute(query.limit(1))).scalar_one_or_none()
