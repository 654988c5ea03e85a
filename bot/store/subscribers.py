"""The bot's tables: subscribers, their countries, the outbox, and what each message showed.

- ``subscribers``: one row per private chat, with the digest schedule (``next_digest_at``
  in UTC, recomputed from local time + zone after every digest) and whether Telegram
  still lets us write to them (``active``).
- ``subscriptions``: which countries (ISO alpha-2) a chat follows.
- ``outbox``: every digest message is written here *before* it is sent and marked when
  Telegram accepted it, so a crash loses nothing and repeats nothing already marked.
- ``sent_messages``: which stories a message showed, so a button or a reply to it works
  after a restart (state in the store, not in memory).
- ``delivered_stories``: which stories a chat already got in a digest (never repeated).

Queries live in :class:`BotStore`, which works on the same engine as the rest of the store.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from bot.store import subscriber_check
from bot.store.models import Base, table_of
from bot.store.types import utcnow

log = logging.getLogger("newsbrief.store")


class Subscriber(Base):
    """A private chat with the bot and its digest schedule."""

    __tablename__ = "subscribers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str | None] = mapped_column(String(200))
    language_code: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_notice: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    next_digest_at: Mapped[datetime | None] = mapped_column(index=True)
    last_digest_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]
    deactivated_reason: Mapped[str | None] = mapped_column(String(200))


class Subscription(Base):
    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("subscribers.chat_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to send, recorded before sending; ``status`` says where it is."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("digest_key", "seq"),
        Index("ix_outbox_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16), default="digest")
    digest_key: Mapped[str | None] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None]
    story_ids: Mapped[dict[str, Any] | None]  # {"ids": [...]}
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)


class SentMessage(Base):
    """Which stories a message the bot sent is about (buttons and follow-ups use it)."""

    __tablename__ = "sent_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    story_ids: Mapped[dict[str, Any]]  # {"ids": [...]}
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DeliveredStory(Base):
    """A story a chat received in a digest: later digests leave it out."""

    __tablename__ = "delivered_stories"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    story_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


#: ``sent_messages.kind`` of a question waiting for its answer (no stories behind it).
CONFIRM_KIND = "confirm"

S = table_of(Subscriber)
SUB = table_of(Subscription)
#: A subscriber's countries in the order they were subscribed (digest sections follow it).
SUB_ORDER = (SUB.c.created_at, SUB.c.code)
OUT = table_of(OutboxMessage)
SENT = table_of(SentMessage)
DELIV = table_of(DeliveredStory)


@dataclass(frozen=True, slots=True)
class SubscriberInfo:
    chat_id: int
    active: bool
    paused: bool
    quiet_notice: bool
    digest_time: str
    timezone: str
    next_digest_at: datetime | None
    last_digest_at: datetime | None
    codes: tuple[str, ...]
    #: Stored values the bot cannot use, left out of the fields above (``country='ZZ'``).
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: int
    seq: int
    text: str
    reply_markup: dict | None
    story_ids: list[int]
    attempts: int
    kind: str


@dataclass(frozen=True, slots=True)
class NewOutboxMessage:
    chat_id: int
    text: str
    seq: int = 0
    digest_key: str | None = None
    reply_markup: dict | None = None
    story_ids: Sequence[int] = ()
    kind: str = "digest"


def _info(row: Any, codes: Iterable[str]) -> SubscriberInfo:
    """The row as the bot may use it: unusable stored values left out, and logged."""
    codes = list(codes)  # in the order they were subscribed (SUB_ORDER)
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


class BotStore:
    """Queries on the bot's tables. One instance per engine; safe to share between tasks."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.owner = uuid.uuid4().hex[:16]

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _insert_new(self, table: Any) -> Any:
        """INSERT ... ON CONFLICT DO NOTHING: two taps on a button must not collide."""
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing()
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()

    # -- subscribers -------------------------------------------------------------------

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
            row = (await conn.execute(select(S).where(S.c.chat_id == chat_id))).first()
            if row is None:
                await conn.execute(
                    self._insert_new(S).values(
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
                    update(S)
                    .where(S.c.chat_id == chat_id)
                    .values(active=True, deactivated_at=None, deactivated_reason=None)
                )
        info = await self.get_subscriber(chat_id)
        assert info is not None
        return info

    async def get_subscriber(self, chat_id: int) -> SubscriberInfo | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(S).where(S.c.chat_id == chat_id))).first()
            if row is None:
                return None
            codes = (
                await conn.execute(
                    select(SUB.c.code).where(SUB.c.chat_id == chat_id).order_by(*SUB_ORDER)
                )
            ).scalars()
            return _info(row, codes)

    async def update_subscriber(self, chat_id: int, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(S).where(S.c.chat_id == chat_id).values(**values))

    async def deactivate(self, chat_id: int, reason: str) -> None:
        """Telegram refuses this chat (blocked, deleted): stop writing to it."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(S)
                .where(S.c.chat_id == chat_id)
                .values(active=False, deactivated_at=utcnow(), deactivated_reason=reason[:200])
            )
            await conn.execute(
                update(OUT)
                .where(OUT.c.chat_id == chat_id, OUT.c.status == "pending")
                .values(status="failed", error=f"deactivated: {reason}"[:500])
            )

    async def delete_user_data(self, chat_id: int) -> None:
        """/stop: everything the bot keeps about this chat, gone."""
        async with self.engine.begin() as conn:
            for table in (SUB, SENT, DELIV, OUT):
                await conn.execute(delete(table).where(table.c.chat_id == chat_id))
            await conn.execute(delete(S).where(S.c.chat_id == chat_id))

    async def subscribe(self, chat_id: int, codes: Iterable[str]) -> list[str]:
        """Add countries; returns those that were new."""
        codes = list(dict.fromkeys(c.upper() for c in codes))
        async with self.engine.begin() as conn:
            have = set(
                (await conn.execute(select(SUB.c.code).where(SUB.c.chat_id == chat_id))).scalars()
            )
            new = [c for c in codes if c not in have]
            if new:
                now = utcnow()
                await conn.execute(
                    self._insert_new(SUB),
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
                (await conn.execute(select(SUB.c.code).where(SUB.c.chat_id == chat_id))).scalars()
            )
            gone = [c for c in codes if c in have]
            if gone:
                await conn.execute(
                    delete(SUB).where(SUB.c.chat_id == chat_id, SUB.c.code.in_(gone))
                )
        return gone

    async def counts(self) -> dict[str, int]:
        """Subscribers and messages, for /stats."""
        since = utcnow() - timedelta(hours=24)
        async with self.engine.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(S))).scalar_one()
            active = (
                await conn.execute(select(func.count()).select_from(S).where(S.c.active))
            ).scalar_one()
            with_subs = (
                await conn.execute(select(func.count(func.distinct(SUB.c.chat_id))))
            ).scalar_one()
            sent = (
                await conn.execute(
                    select(func.count())
                    .select_from(OUT)
                    .where(OUT.c.status == "sent", OUT.c.sent_at >= since)
                )
            ).scalar_one()
            failed = (
                await conn.execute(
                    select(func.count())
                    .select_from(OUT)
                    .where(OUT.c.status == "failed", OUT.c.created_at >= since)
                )
            ).scalar_one()
            pending = (
                await conn.execute(
                    select(func.count()).select_from(OUT).where(OUT.c.status == "pending")
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
            codes = (await conn.execute(select(SUB.c.code).distinct())).scalars()
            zones = (await conn.execute(select(S.c.timezone).distinct())).scalars()
            times = (await conn.execute(select(S.c.digest_time).distinct())).scalars()
            bad_codes = [c for c in codes if not subscriber_check.usable_code(c)]
            bad_zones = [z for z in zones if not subscriber_check.usable_timezone(z)]
            bad_times = [t for t in times if not subscriber_check.usable_digest_time(t)]
            if not (bad_codes or bad_zones or bad_times):
                return 0, []
            cond = or_(
                S.c.chat_id.in_(select(SUB.c.chat_id).where(SUB.c.code.in_(bad_codes))),
                S.c.timezone.in_(bad_zones),
                S.c.digest_time.in_(bad_times),
            )
            total = (
                await conn.execute(select(func.count()).select_from(S).where(cond))
            ).scalar_one()
            ids = (
                await conn.execute(
                    select(S.c.chat_id).where(cond).order_by(S.c.chat_id).limit(sample)
                )
            ).scalars()
            return total, list(ids)

    # -- confirmations -----------------------------------------------------------------

    async def remember_confirmation(self, chat_id: int, message_id: int, token: str) -> None:
        """The token of the question shown as ``message_id`` (the /stop confirmation)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(SENT).values(
                    chat_id=chat_id,
                    message_id=message_id,
                    kind=CONFIRM_KIND,
                    story_ids={"ids": [], "token": token},
                    created_at=utcnow(),
                )
            )

    async def take_confirmation(
        self, chat_id: int, message_id: int, token: str, since: datetime
    ) -> bool:
        """Whether ``token`` is the one shown as ``message_id`` since ``since``; used up.

        A forged answer on another message, an old one, or a second tap finds no row.
        """
        where = and_(
            SENT.c.chat_id == chat_id,
            SENT.c.message_id == message_id,
            SENT.c.kind == CONFIRM_KIND,
            SENT.c.created_at >= since,
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(SENT.c.story_ids).where(where))).first()
            stored = str((row[0] or {}).get("token", "")) if row else ""
            if not stored or not hmac.compare_digest(stored, token):
                return False
            result = await conn.execute(delete(SENT).where(where))
            return (result.rowcount or 0) == 1

    # -- digests -----------------------------------------------------------------------

    async def claim_due(
        self, conn: AsyncConnection, now: datetime, limit: int
    ) -> list[SubscriberInfo]:
        """Due, active, unpaused subscribers, locked for this transaction on PostgreSQL.

        Several dispatchers can run at once on PostgreSQL: ``FOR UPDATE SKIP LOCKED``
        hands each due row to one of them. SQLite has one writer at a time anyway.
        """
        query = (
            select(S)
            .where(
                S.c.next_digest_at.is_not(None),
                S.c.next_digest_at <= now,
                S.c.active.is_(True),
                S.c.paused.is_(False),
            )
            .order_by(S.c.next_digest_at, S.c.chat_id)
            .limit(limit)
        )
        if self.is_postgres:
            query = query.with_for_update(skip_locked=True)
        try:
            rows = list((await conn.execute(query)).all())
        except ValueError:  # SQLite keeps any text in a date column: read row by row
            rows = await self._readable_rows(conn, query, now)
        if not rows:
            return []
        ids = [r.chat_id for r in rows]
        codes: dict[int, list[str]] = {}
        for chat_id, code in (
            await conn.execute(
                select(SUB.c.chat_id, SUB.c.code).where(SUB.c.chat_id.in_(ids)).order_by(*SUB_ORDER)
            )
        ).all():
            codes.setdefault(chat_id, []).append(code)
        return [_info(r, codes.get(r.chat_id, ())) for r in rows]

    async def _readable_rows(self, conn: AsyncConnection, query: Any, now: datetime) -> list[Any]:
        """The rows of ``query`` that can be read. One that cannot (a date column holding
        text that is no date) is logged, its dates reset and its digest put off a day, so
        it is neither claimed again at once nor able to fail everyone else's digest."""
        ids = list((await conn.execute(query.with_only_columns(S.c.chat_id))).scalars())
        rows = []
        for chat_id in ids:
            try:
                rows.append((await conn.execute(select(S).where(S.c.chat_id == chat_id))).one())
            except ValueError:
                log.warning("event=subscriber_row_unreadable chat_id=%s", chat_id)
                await conn.execute(
                    update(S)
                    .where(S.c.chat_id == chat_id)
                    .values(next_digest_at=now + timedelta(days=1), last_digest_at=None)
                )
        return rows

    async def lock_subscriber(self, conn: AsyncConnection, chat_id: int) -> SubscriberInfo | None:
        """The chat's row, read after taking its write lock for the caller's transaction.

        Two ``/digest`` at once (a double tap) then run one after the other, and the
        second sees the stories the first recorded. The first statement is a write, so
        SQLite takes its write lock before reading too.
        """
        await conn.execute(
            update(S).where(S.c.chat_id == chat_id).values(last_digest_at=S.c.last_digest_at)
        )
        row = (await conn.execute(select(S).where(S.c.chat_id == chat_id))).first()
        if row is None:
            return None
        codes = (
            await conn.execute(
                select(SUB.c.code).where(SUB.c.chat_id == chat_id).order_by(*SUB_ORDER)
            )
        ).scalars()
        return _info(row, codes)

    async def delivered_story_ids(
        self, conn: AsyncConnection, chat_ids: Sequence[int], story_ids: Sequence[int]
    ) -> set[tuple[int, int]]:
        if not chat_ids or not story_ids:
            return set()
        rows = await conn.execute(
            select(DELIV.c.chat_id, DELIV.c.story_id).where(
                DELIV.c.chat_id.in_(chat_ids), DELIV.c.story_id.in_(story_ids)
            )
        )
        return {(a, b) for a, b in rows.all()}

    async def record_digest(
        self,
        conn: AsyncConnection,
        messages: Sequence[NewOutboxMessage],
        delivered: Sequence[tuple[int, int]],
        schedule: Sequence[tuple[int, datetime | None, datetime | None]],
    ) -> None:
        """In the caller's transaction: queue messages, remember stories, move schedules.

        ``schedule`` holds ``(chat_id, next_digest_at, last_digest_at)``, each None to keep
        the stored value (an on-demand digest leaves the schedule alone).
        """
        now = utcnow()
        if messages:
            await conn.execute(
                insert(OUT),
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
                self._insert_new(DELIV),
                [{"chat_id": c, "story_id": s, "delivered_at": now} for c, s in delivered],
            )
        for chat_id, next_at, last_at in schedule:
            values: dict[str, Any] = {}
            if next_at is not None:
                values["next_digest_at"] = next_at
            if last_at is not None:
                values["last_digest_at"] = last_at
            if values:
                await conn.execute(update(S).where(S.c.chat_id == chat_id).values(**values))

    # -- outbox ------------------------------------------------------------------------

    async def enqueue(self, messages: Sequence[NewOutboxMessage]) -> None:
        async with self.engine.begin() as conn:
            await self.record_digest(conn, messages, (), ())

    async def release_claims(self, *, everyone: bool = False) -> int:
        """Give back rows claimed by this process; ``everyone`` only for the store's sole
        sender (SQLite, its lock held: see :mod:`bot.store.lock`), whose predecessors are dead."""
        async with self.engine.begin() as conn:
            cond = OUT.c.status == "pending"
            if not everyone:
                cond = and_(cond, OUT.c.claimed_by == self.owner)
            result = await conn.execute(
                update(OUT).where(cond).values(claimed_by=None, claimed_until=None)
            )
            return result.rowcount or 0

    async def claim_outbox(
        self, limit: int, lease: timedelta, *, chat_id: int | None = None
    ) -> list[OutboxRow]:
        """Pending messages for this process to send, leased for ``lease`` (one chat's only
        when ``chat_id`` is given).

        The sender renews its leases while it works (:meth:`renew_claims`), so a lease
        can be short: when it runs out (the process died), its rows are pending for others.
        """
        now = utcnow()
        until = now + lease
        async with self.engine.begin() as conn:
            pick = (
                select(OUT.c.id)
                .where(
                    OUT.c.status == "pending",
                    or_(OUT.c.claimed_until.is_(None), OUT.c.claimed_until < now),
                )
                .order_by(OUT.c.id)
                .limit(limit)
            )
            if chat_id is not None:
                pick = pick.where(OUT.c.chat_id == chat_id)
            if self.is_postgres:
                pick = pick.with_for_update(skip_locked=True)
            ids = list((await conn.execute(pick)).scalars())
            if not ids:
                return []
            await conn.execute(
                update(OUT)
                .where(OUT.c.id.in_(ids))
                .values(claimed_by=self.owner, claimed_until=until)
            )
            rows = (
                await conn.execute(select(OUT).where(OUT.c.id.in_(ids)).order_by(OUT.c.id))
            ).all()
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

    async def renew_claims(self, lease: timedelta) -> int:
        """Extend this process's claims on pending rows: the heartbeat of a running flush."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(OUT)
                .where(OUT.c.status == "pending", OUT.c.claimed_by == self.owner)
                .values(claimed_until=utcnow() + lease)
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
                await conn.execute(select(OUT.c.attempts).where(OUT.c.id == outbox_id))
            ).scalar_one_or_none()
            retry = attempts is not None and attempts + 1 < max_attempts
            values: dict[str, Any] = {
                "attempts": OUT.c.attempts + 1,
                "error": error[:500],
                "claimed_by": None,
                "claimed_until": until,
            }
            if not retry:
                values["status"] = "failed"
            await conn.execute(update(OUT).where(OUT.c.id == outbox_id).values(**values))
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
                update(OUT)
                .where(
                    OUT.c.id.in_(list(outbox_ids)),
                    OUT.c.status == "pending",
                    OUT.c.claimed_by == self.owner,
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
                update(OUT)
                .where(OUT.c.id == bindparam("b_id"), OUT.c.status != "sent")
                .values(
                    status="sent",
                    sent_at=now,
                    telegram_message_id=bindparam("b_mid"),
                    claimed_until=None,
                    attempts=OUT.c.attempts + 1,
                ),
                [{"b_id": oid, "b_mid": mid} for oid, _chat, mid, _stories in results],
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
                await conn.execute(self._insert_new(SENT), links)

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(OUT)
                .where(OUT.c.id == outbox_id)
                .values(status="failed", error=error[:500], attempts=OUT.c.attempts + 1)
            )

    async def pending_count(self) -> int:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    select(func.count()).select_from(OUT).where(OUT.c.status == "pending")
                )
            ).scalar_one()

    async def oldest_pending_at(self) -> datetime | None:
        """When the oldest message still waiting in the outbox was queued (for /metrics)."""
        query = select(OUT.c.created_at).where(OUT.c.status == "pending").order_by(OUT.c.id)
        async with self.engine.connect() as conn:
            return (await conn.execute(query.limit(1))).scalar_one_or_none()

    # -- message -> stories ------------------------------------------------------------

    async def link_message(
        self, chat_id: int, message_id: int, story_ids: Sequence[int], kind: str
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(SENT).values(
                    chat_id=chat_id,
                    message_id=message_id,
                    kind=kind,
                    story_ids={"ids": list(story_ids)},
                    created_at=utcnow(),
                )
            )

    async def stories_of_message(self, chat_id: int, message_id: int) -> list[int] | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(SENT.c.story_ids).where(
                        SENT.c.chat_id == chat_id, SENT.c.message_id == message_id
                    )
                )
            ).first()
        return list(row[0].get("ids", [])) if row else None

    async def latest_stories(self, chat_id: int, since: datetime) -> list[int] | None:
        """The stories of the last brief or digest sent to this chat since ``since``."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(SENT.c.story_ids)
                    .where(
                        SENT.c.chat_id == chat_id,
                        SENT.c.created_at >= since,
                        SENT.c.kind != CONFIRM_KIND,
                    )
                    .order_by(SENT.c.created_at.desc(), SENT.c.message_id.desc())
                    .limit(1)
                )
            ).first()
        return list(row[0].get("ids", [])) if row else None

    async def cleanup(self, older_than: datetime) -> dict[str, int]:
        """Forget sent/failed outbox rows and message links older than ``older_than``."""
        async with self.engine.begin() as conn:
            out = await conn.execute(
                delete(OUT).where(OUT.c.status != "pending", OUT.c.created_at < older_than)
            )
            sent = await conn.execute(delete(SENT).where(SENT.c.created_at < older_than))
            deliv = await conn.execute(delete(DELIV).where(DELIV.c.delivered_at < older_than))
            stale = await conn.execute(
                update(OUT)
                .where(OUT.c.status == "pending", OUT.c.created_at < older_than)
                .values(status="failed", error="expired")
            )
        return {
            "outbox": out.rowcount or 0,
            "sent_messages": sent.rowcount or 0,
            "delivered_stories": deliv.rowcount or 0,
            "expired": stale.rowcount or 0,
        }
