"""The bot: subscribers, subscriptions, the outbox, message links, delivered stories.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(200), nullable=True),
        sa.Column("language_code", sa.String(16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("quiet_notice", sa.Boolean(), nullable=False),
        sa.Column("digest_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        ts("next_digest_at"),
        ts("last_digest_at"),
        ts("created_at", nullable=False),
        ts("deactivated_at"),
        sa.Column("deactivated_reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_subscribers")),
    )
    op.create_index(op.f("ix_subscribers_next_digest_at"), "subscribers", ["next_digest_at"])
    op.create_table(
        "subscriptions",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(2), nullable=False),
        ts("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["subscribers.chat_id"],
            name=op.f("fk_subscriptions_chat_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "code", name=op.f("pk_subscriptions")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("digest_key", sa.String(80), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_markup", JSON, nullable=True),
        sa.Column("story_ids", JSON, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(40), nullable=True),
        ts("claimed_until"),
        ts("created_at", nullable=False),
        ts("sent_at"),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("digest_key", "seq", name=op.f("uq_outbox_digest_key")),
    )
    op.create_index(op.f("ix_outbox_chat_id"), "outbox", ["chat_id"])
    op.create_index(op.f("ix_outbox_sent_at"), "outbox", ["sent_at"])
    op.create_index("ix_outbox_status_id", "outbox", ["status", "id"])
    op.create_table(
        "sent_messages",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("story_ids", JSON, nullable=False),
        ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_sent_messages")),
    )
    op.create_index(op.f("ix_sent_messages_created_at"), "sent_messages", ["created_at"])
    op.create_table(
        "delivered_stories",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("story_id", sa.Integer(), autoincrement=False, nullable=False),
        ts("delivered_at", nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "story_id", name=op.f("pk_delivered_stories")),
    )
    op.create_index(
        op.f("ix_delivered_stories_delivered_at"), "delivered_stories", ["delivered_at"]
    )


def downgrade() -> None:
    op.drop_table("delivered_stories")
    op.drop_table("sent_messages")
    op.drop_table("outbox")
    op.drop_table("subscriptions")
    op.drop_table("subscribers")
