"""/brief in bounded time: a stored rank on each story-country row, and its index.

Before, /brief and the digests read every story-country row of the window (joined to a
sequential scan of the stories) and ranked them all in Python, so a one-week /brief cost
followed the history. ``story_countries.rank`` is the story's importance for the country
on a log2 scale with the time of the question taken out (``store.rank_key``), so the
database sorts on ``(code, rank, story_id)`` and returns only the top few rows.

This revision adds the column and the index, and fills the rank of every existing row
from its story's source count and updated_at (the formula is copied here, frozen, as a
migration must not change when the code does).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HALF_LIFE_HOURS = 12.0
_NO_RANK = -1e12
_BATCH = 2000


def _rank(salience: float, source_count: int, updated_at: datetime) -> float:
    weight = salience * (1.0 + math.log2(1 + max(source_count or 0, 0)))
    if weight <= 0:
        return _NO_RANK
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    return math.log2(weight) + updated_at.timestamp() / 3600 / _HALF_LIFE_HOURS


def upgrade() -> None:
    with op.batch_alter_table("story_countries") as batch:
        batch.add_column(sa.Column("rank", sa.Float(), nullable=True))
    _backfill(op.get_bind())
    op.create_index("ix_story_countries_code_rank", "story_countries", ["code", "rank", "story_id"])


def _backfill(connection: sa.Connection) -> None:
    stories = sa.table(
        "stories",
        sa.column("id", sa.Integer()),
        sa.column("source_count", sa.Integer()),
        sa.column("updated_at", UTCDateTime()),
    )
    countries = sa.table(
        "story_countries",
        sa.column("story_id", sa.Integer()),
        sa.column("code", sa.String()),
        sa.column("score", sa.Float()),
        sa.column("rank", sa.Float()),
    )
    rows = connection.execute(
        sa.select(
            countries.c.story_id,
            countries.c.code,
            countries.c.score,
            stories.c.source_count,
            stories.c.updated_at,
        ).join(stories, stories.c.id == countries.c.story_id)
    ).all()
    update = (
        countries.update()
        .where(
            countries.c.story_id == sa.bindparam("row_story"),
            countries.c.code == sa.bindparam("row_code"),
        )
        .values(rank=sa.bindparam("new_rank"))
    )
    for start in range(0, len(rows), _BATCH):
        connection.execute(
            update,
            [
                {"row_story": s, "row_code": c, "new_rank": _rank(score, sources, at)}
                for s, c, score, sources, at in rows[start : start + _BATCH]
            ],
        )


def downgrade() -> None:
    op.drop_index("ix_story_countries_code_rank", table_name="story_countries")
    with op.batch_alter_table("story_countries") as batch:
        batch.drop_column("rank")
