"""Subscribers: a private chat, its countries and its digest schedule.

Every read goes through :func:`bot.store.subscriber_check.check`: a stored value the bot
cannot use (a country no one can name, an unknown time zone) is left out and logged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import subscriber_check
from bot.store.base import StoreBase
from bot.store.messages import MessageQueries
from bot.store.models import (
    DELIVERED_STORIES,
    OUTBOX,
    SENT_MESSAGES,
    SUBSCRIBERS,
    SUBSCRIPTION_ORDER,
    SUBSCRIPTIONS,
)
from bot.store.outbox import OutboxQueries, Reschedule
from bot.store.records import NewOutboxMessage, OutboxRow, SubscriberInfo
from bot.store.types import utcnow

log = logging.getLogger("newsbrief.store")


def _info(row: Any, codes: Iterable[str]) -> SubscriberInfo:
    """The row as the bot may use it: unusable stored values left out, and logged."""
    codes = list(codes)  # in the order they were subscribed (SUBSCRIPTION_ORDER)
    good, zone, at, problems = subscriber_check.check(codes, row.timezone, row.digest_time)
    usable = set(good)
    good = tuple(c for c in dict.fromkeys(str(c) for c in codes) if c in usable)
    if problems:
        log.warning(
            "event=subscriber_row_invalid chat_id=%s problems=%s",
            row.chat_id,
            ",".join(problems)[:300],
        )
    return SubscriberInfo(
        chat_id=row.chat_id,
        active=row.active,
        paused=row.paused,
        quiet_notice=row.quiet_notice,
        digest_time=at,
        timezone=zone,
        next_digest_at=row.next_digest_at,
        last_digest_at=row.last_digest_at,
        codes=good,
        problems=problems,
    )


class SubscriberQueries(StoreBase):
    """Subscribers and their countries; the digest's claim of due rows."""

    async def ensure_subscriber(
        self,
        chat_id: int,
        *,
        digest_time: str,
        timezone: str,
        next_digest_at: datetime | None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> SubscriberInfo:
        """The chat's row, created with the defaults if new, reactivated if it was blocked."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(select(SUBSCRIBERS).where(SUBSCRIBERS.c.chat_id == chat_id))
            ).first()
            if row is None:
                await conn.execute(
                    self._insert_new(SUBSCRIBERS).values(
                        chat_id=chat_id,
                        first_name=first_name,
                        language_code=language_code,
                        active=True,
                        paused=False,
                        quiet_notice=True,
                        digest_time=digest_time,
                        timezone=timezone,
                        next_digest_at=next_digest_at,
                        created_at=utcnow(),
                    )
                )
            elif not row.active:
                await conn.execute(
                    update(SUBSCRIBERS)
                    .where(SUBSCRIBERS.c.chat_id == chat_id)
                    .values(active=True, deactivated_at=None, deactivated_reason=None)
                )
        info = await self.get_subscriber(chat_id)
        assert info is not None
        return info

    async def get_subscriber(self, chat_id: int) -> SubscriberInfo | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(SUBSCRIBERS).where(SUBSCRIBERS.c.chat_id == chat_id))
            ).first()
            if row is None:
                return None
            codes = (
                await conn.execute(
                    select(SUBSCRIPTIONS.c.code)
                    .where(SUBSCRIPTIONS.c.chat_id == chat_id)
                    .order_by(*SUBSCRIPTION_ORDER)
                )
            ).scalars()
            return _info(row, codes)

    async def update_subscriber(self, chat_id: int, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(SUBSCRIBERS).where(SUBSCRIBERS.c.chat_id == chat_id).values(**values)
            )

    async def deactivate(self, chat_id: int, reason: str) -> None:
        """Telegram refuses this chat (blocked, deleted): stop writing to it."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(SUBSCRIBERS)
                .where(SUBSCRIBERS.c.chat_id == chat_id)
                .values(active=False, deactivated_at=utcnow(), deactivated_reason=reason[:200])
            )
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.chat_id == chat_id, OUTBOX.c.status == "pending")
                .values(status="failed", error=f"deactivated: {reason}"[:500])
            )

    async def delete_user_data(self, chat_id: int) -> None:
        """/stop: everything the bot keeps about this chat, gone."""
        async with self.engine.begin() as conn:
            for table in (SUBSCRIPTIONS, SENT_MESSAGES, DELIVERED_STORIES, OUTBOX):
                await conn.execute(delete(table).where(table.c.chat_id == chat_id))
            await conn.execute(delete(SUBSCRIBERS).where(SUBSCRIBERS.c.chat_id == chat_id))

    async def subscribe(self, chat_id: int, codes: Iterable[str]) -> list[str]:
        """Add countries; returns those that were new."""
        codes = list(dict.fromkeys(c.upper() for c in codes))
        async with self.engine.begin() as conn:
            have = set(
                (
                    await conn.execute(
                        select(SUBSCRIPTIONS.c.code).where(SUBSCRIPTIONS.c.chat_id == chat_id)
                    )
                ).scalars()
            )
            new = [c for c in codes if c not in have]
            if new:
                now = utcnow()
                await conn.execute(
                    self._insert_new(SUBSCRIPTIONS),
                    # a microsecond apart: the order the user gave them in is kept
                    [
                        {
                            "chat_id": chat_id,
                            "code": c,
                            "created_at": now + timedelta(microseconds=i),
                        }
                        for i, c in enumerate(new)
                    ],
                )
        return new

    async def unsubscribe(self, chat_id: int, codes: Iterable[str]) -> list[str]:
        """Remove countries; returns those that were there."""
        codes = [c.upper() for c in codes]
        async with self.engine.begin() as conn:
            have = set(
                (
                    await conn.execute(
                        select(SUBSCRIPTIONS.c.code).where(SUBSCRIPTIONS.c.chat_id == chat_id)
                    )
                ).scalars()
            )
            gone = [c for c in codes if c in have]
            if gone:
                await conn.execute(
                    delete(SUBSCRIPTIONS).where(
                        SUBSCRIPTIONS.c.chat_id == chat_id, SUBSCRIPTIONS.c.code.in_(gone)
                    )
                )
        return gone

    async def counts(self) -> dict[str, int]:
        """Subscribers and messages, for /stats."""
        since = utcnow() - timedelta(hours=24)
        async with self.engine.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(SUBSCRIBERS))).scalar_one()
            active = (
                await conn.execute(
                    select(func.count()).select_from(SUBSCRIBERS).where(SUBSCRIBERS.c.active)
                )
            ).scalar_one()
            with_subs = (
                await conn.execute(select(func.count(func.distinct(SUBSCRIPTIONS.c.chat_id))))
            ).scalar_one()
            sent = (
                await conn.execute(
                    select(func.count())
                    .select_from(OUTBOX)
                    .where(OUTBOX.c.status == "sent", OUTBOX.c.sent_at >= since)
                )
            ).scalar_one()
            failed = (
                await conn.execute(
                    select(func.count())
                    .select_from(OUTBOX)
                    .where(OUTBOX.c.status == "failed", OUTBOX.c.created_at >= since)
                )
            ).scalar_one()
            pending = (
                await conn.execute(
                    select(func.count()).select_from(OUTBOX).where(OUTBOX.c.status == "pending")
                )
            ).scalar_one()
        return {
            "subscribers": total,
            "active": active,
            "with_countries": with_subs,
            "sent_24h": sent,
            "failed_24h": failed,
            "pending": pending,
        }

    async def unusable_subscribers(self, sample: int = 5) -> tuple[int, list[int]]:
        """How many subscriber rows hold a value the bot cannot use, and a few of their ids.

        Reads the distinct stored values (a few hundred at most), checks them in Python,
        then counts the rows holding a bad one: for /stats, never on a hot path.
        """
        async with self.engine.connect() as conn:
            codes = (await conn.execute(select(SUBSCRIPTIONS.c.code).distinct())).scalars()
            zones = (await conn.execute(select(SUBSCRIBERS.c.timezone).distinct())).scalars()
            times = (await conn.execute(select(SUBSCRIBERS.c.digest_time).distinct())).scalars()
            bad_codes = [c for c in codes if not subscriber_check.usable_code(c)]
            bad_zones = [z for z in zones if not subscriber_check.usable_timezone(z)]
            bad_times = [t for t in times if not subscriber_check.usable_digest_time(t)]
            if not (bad_codes or bad_zones or bad_times):
                return 0, []
            cond = or_(
                SUBSCRIBERS.c.chat_id.in_(
                    select(SUBSCRIPTIONS.c.chat_id).where(SUBSCRIPTIONS.c.code.in_(bad_codes))
                ),
                SUBSCRIBERS.c.timezone.in_(bad_zones),
                SUBSCRIBERS.c.digest_time.in_(bad_times),
            )
            total = (
                await conn.execute(select(func.count()).select_from(SUBSCRIBERS).where(cond))
            ).scalar_one()
            ids = (
                await conn.execute(
                    select(SUBSCRIBERS.c.chat_id)
                    .where(cond)
                    .order_by(SUBSCRIBERS.c.chat_id)
                    .limit(sample)
                )
            ).scalars()
            return total, list(ids)


class DigestRun:
    """One digest run's transaction: claim or lock subscribers, read what they were sent,
    record their digests; committed when the ``async with store.digest_run()`` block ends,
    rolled back if it raises.

    The run holds the connection, so the briefing service plans digests without ever
    seeing one. :meth:`savepoint` lets a run write one chat's rows on their own: a row the
    database refuses then undoes that chat's writes only, and the run goes on.
    """

    def __init__(self, store: DigestRunQueries, conn: AsyncConnection) -> None:
        self._store = store
        self._conn = conn

    async def claim_due(self, now: datetime, limit: int) -> list[SubscriberInfo]:
        """Due, active, unpaused subscribers, locked for this run on PostgreSQL.

        Several dispatchers can run at once on PostgreSQL: ``FOR UPDATE SKIP LOCKED``
        hands each due row to one of them. SQLite has one writer at a time anyway.
        """
        conn = self._conn
        query = (
            select(SUBSCRIBERS)
            .where(
                SUBSCRIBERS.c.next_digest_at.is_not(None),
                SUBSCRIBERS.c.next_digest_at <= now,
                SUBSCRIBERS.c.active.is_(True),
                SUBSCRIBERS.c.paused.is_(False),
            )
            .order_by(SUBSCRIBERS.c.next_digest_at, SUBSCRIBERS.c.chat_id)
            .limit(limit)
        )
        if self._store.is_postgres:
            query = query.with_for_update(skip_locked=True)
        try:
            rows = list((await conn.execute(query)).all())
        except ValueError:  # SQLite keeps any text in a date column: read row by row
            rows = await self._readable_rows(query, now)
        if not rows:
            return []
        ids = [r.chat_id for r in rows]
        codes: dict[int, list[str]] = {}
        for chat_id, code in (
            await conn.execute(
                select(SUBSCRIPTIONS.c.chat_id, SUBSCRIPTIONS.c.code)
                .where(SUBSCRIPTIONS.c.chat_id.in_(ids))
                .order_by(*SUBSCRIPTION_ORDER)
            )
        ).all():
            codes.setdefault(chat_id, []).append(code)
        return [_info(r, codes.get(r.chat_id, ())) for r in rows]

    async def _readable_rows(self, query: Select[Any], now: datetime) -> list[Any]:
        """The rows of ``query`` that can be read. One that cannot (a date column holding
        text that is no date) is logged, its dates reset and its digest put off a day, so
        it is neither claimed again at once nor able to fail everyone else's digest."""
        conn = self._conn
        ids = list((await conn.execute(query.with_only_columns(SUBSCRIBERS.c.chat_id))).scalars())
        rows = []
        for chat_id in ids:
            try:
                rows.append(
                    (
                        await conn.execute(
                            select(SUBSCRIBERS).where(SUBSCRIBERS.c.chat_id == chat_id)
                        )
                    ).one()
                )
            except ValueError:
                log.warning("event=subscriber_row_unreadable chat_id=%s", chat_id)
                await conn.execute(
                    update(SUBSCRIBERS)
                    .where(SUBSCRIBERS.c.chat_id == chat_id)
                    .values(next_digest_at=now + timedelta(days=1), last_digest_at=None)
                )
        return rows

    async def lock_subscriber(self, chat_id: int) -> SubscriberInfo | None:
        """The chat's row, read after taking its write lock for this run.

        Two ``/digest`` at once (a double tap) then run one after the other, and the
        second sees the stories the first recorded. The first statement is a write, so
        SQLite takes its write lock before reading too.
        """
        conn = self._conn
        await conn.execute(
            update(SUBSCRIBERS)
            .where(SUBSCRIBERS.c.chat_id == chat_id)
            .values(last_digest_at=SUBSCRIBERS.c.last_digest_at)
        )
        row = (
            await conn.execute(select(SUBSCRIBERS).where(SUBSCRIBERS.c.chat_id == chat_id))
        ).first()
        if row is None:
            return None
        codes = (
            await conn.execute(
                select(SUBSCRIPTIONS.c.code)
                .where(SUBSCRIPTIONS.c.chat_id == chat_id)
                .order_by(*SUBSCRIPTION_ORDER)
            )
        ).scalars()
        return _info(row, codes)

    async def delivered_story_ids(
        self, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> set[tuple[int, int]]:
        """Which of ``story_ids`` each of ``chat_ids`` was already given: (chat, story)."""
        if not chat_ids or not story_ids:
            return set()
        rows = await self._conn.execute(
            select(DELIVERED_STORIES.c.chat_id, DELIVERED_STORIES.c.story_id).where(
                DELIVERED_STORIES.c.chat_id.in_(chat_ids),
                DELIVERED_STORIES.c.story_id.in_(story_ids),
            )
        )
        return {(a, b) for a, b in rows.all()}

    async def record(
        self,
        messages: Sequence[NewOutboxMessage],
        delivered: Sequence[tuple[int, int]],
        schedule: Sequence[Reschedule],
    ) -> None:
        """Queue messages, remember stories, move schedules, in this run.

        ``schedule`` holds ``(chat_id, next_digest_at, last_digest_at)``, each None to keep
        the stored value (an on-demand digest leaves the schedule alone).
        """
        await self._store._record_digest(self._conn, messages, delivered, schedule)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the run undone on its own if its block raises (the run goes on)."""
        async with self._conn.begin_nested():
            yield


class DigestRunQueries(SubscriberQueries, OutboxQueries):
    """Subscribers and the outbox together: what a digest run writes in one transaction."""

    @property
    def writers_run_together(self) -> bool:
        """Whether a digest run's transactions and a flush's claims and marks can write at
        once (PostgreSQL); SQLite has one writer at a time."""
        return self.is_postgres

    @asynccontextmanager
    async def digest_run(self) -> AsyncIterator[DigestRun]:
        """``async with store.digest_run() as run``: one transaction for a digest run."""
        async with self.engine.begin() as conn:
            yield DigestRun(self, conn)


class BotStore(DigestRunQueries, MessageQueries):
    """The bot's part of the :class:`~bot.store.Store` alone, on an engine: subscribers,
    the outbox, the messages sent. Kept for the callers written before the ``Store`` had
    them all; new code takes the ``Store``."""


__all__ = [
    "BotStore",
    "DigestRun",
    "DigestRunQueries",
    "NewOutboxMessage",
    "OutboxRow",
    "Reschedule",
    "SubscriberInfo",
    "SubscriberQueries",
]
