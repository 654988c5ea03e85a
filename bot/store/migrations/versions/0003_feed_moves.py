"""Feeds that moved: the URL a feed is polled at after a confirmed permanent redirect.

The configured URL stays the feed's identity (``feeds.url``: what feeds.toml and OPML
name it by); ``effective_url`` is where it is polled once a 301/308 was confirmed,
``moved_candidate`` a permanent redirect seen once and waiting for confirmation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("effective_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("moved_candidate", sa.Text(), nullable=True))
        batch.add_column(sa.Column("moved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("moved_at")
        batch.drop_column("moved_candidate")
        batch.drop_column("effective_url")
