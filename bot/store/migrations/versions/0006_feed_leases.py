"""Feed leases: several ingest workers poll each feed once per interval.

A worker claims the feeds it polls (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL,
one ``UPDATE ... RETURNING`` under SQLite's single writer) and writes its name and the
end of its claim on the feed row; other workers skip a feed whose lease has not lapsed,
and a dead worker's claims lapse by themselves (see ``bot.store.leases``). No index: the
claim finds due feeds through ``next_poll_at`` and reads the lease on those rows only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
