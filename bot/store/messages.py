"""What each message the bot sent was about: its stories (buttons and follow-up questions
work after a restart) or the token of a question waiting for its answer (/stop)."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, insert, select, update

from bot.store.base import StoreBase
from bot.store.models import CONFIRM_KIND, DELIVERED_STORIES, OUTBOX, SENT_MESSAGES
from bot.store.types import utcnow


class MessageQueries(StoreBase):
    """Messages sent, linked to their stories; confirmations; the bot tables' clean-up."""

    async def link_message(
        self, chat_id: int, message_id: int, story_ids: Sequence[int], kind: str
    ) -> None:
        """Record that ``message_id`` in ``chat_id`` showed ``story_ids``; a message linked
        again gets the new stories (an upsert, never a key error after the send went out).

        It runs after every reply, while the next request may already be waiting: one
        statement, on PostgreSQL outside a transaction (one round trip; BEGIN, INSERT,
        COMMIT and SQLAlchemy's ping made six)."""
        insert_ = self._insert(SENT_MESSAGES).values(
            chat_id=chat_id,
            message_id=message_id,
            kind=kind,
            story_ids={"ids": list(story_ids)},
            created_at=utcnow(),
        )
        statement = insert_.on_conflict_do_update(
            index_elements=[SENT_MESSAGES.c.chat_id, SENT_MESSAGES.c.message_id],
            set_={
                "kind": insert_.excluded.kind,
                "story_ids": insert_.excluded.story_ids,
                "created_at": insert_.excluded.created_at,
            },
        )
        if not self.is_postgres:  # SQLite: a transaction costs no round trip there
            async with self.engine.begin() as conn:
                await conn.execute(statement)
            return
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(statement)

    async def stories_of_message(self, chat_id: int, message_id: int) -> list[int] | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(SENT_MESSAGES.c.story_ids).where(
                        SENT_MESSAGES.c.chat_id == chat_id, SENT_MESSAGES.c.message_id == message_id
                    )
                )
            ).first()
        return list(row[0].get("ids", [])) if row else None

    async def latest_stories(self, chat_id: int, since: datetime) -> list[int] | None:
        """The stories of the last brief or digest sent to this chat since ``since``."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(SENT_MESSAGES.c.story_ids)
                    .where(
                        SENT_MESSAGES.c.chat_id == chat_id,
                        SENT_MESSAGES.c.created_at >= since,
                        SENT_MESSAGES.c.kind != CONFIRM_KIND,
                    )
                    .order_by(SENT_MESSAGES.c.created_at.desc(), SENT_MESSAGES.c.message_id.desc())
                    .limit(1)
                )
            ).first()
        return list(row[0].get("ids", [])) if row else None

    async def remember_confirmation(self, chat_id: int, message_id: int, token: str) -> None:
        """The token of the question shown as ``message_id`` (the /stop confirmation)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(SENT_MESSAGES).values(
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
            SENT_MESSAGES.c.chat_id == chat_id,
            SENT_MESSAGES.c.message_id == message_id,
            SENT_MESSAGES.c.kind == CONFIRM_KIND,
            SENT_MESSAGES.c.created_at >= since,
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(SENT_MESSAGES.c.story_ids).where(where))).first()
            stored = str((row[0] or {}).get("token", "")) if row else ""
            if not stored or not hmac.compare_digest(stored, token):
                return False
            result = await conn.execute(delete(SENT_MESSAGES).where(where))
            return (result.rowcount or 0) == 1

    async def cleanup(self, older_than: datetime) -> dict[str, int]:
        """Forget sent/failed outbox rows and message links older than ``older_than``."""
        async with self.engine.begin() as conn:
            out = await conn.execute(
                delete(OUTBOX).where(OUTBOX.c.status != "pending", OUTBOX.c.created_at < older_than)
            )
            sent = await conn.execute(
                delete(SENT_MESSAGES).where(SENT_MESSAGES.c.created_at < older_than)
            )
            deliv = await conn.execute(
                delete(DELIVERED_STORIES).where(DELIVERED_STORIES.c.delivered_at < older_than)
            )
            stale = await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.status == "pending", OUTBOX.c.created_at < older_than)
                .values(status="failed", error="expired")
            )
        return {
            "outbox": out.rowcount or 0,
            "sent_messages": sent.rowcount or 0,
            "delivered_stories": deliv.rowcount or 0,
            "expired": stale.rowcount or 0,
        }
