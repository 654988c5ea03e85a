"""Placement order: a number on each story membership, the story window's watermark.

Ingest workers keep the recent articles in memory and read, under the placement lock,
what the others placed since they last looked. They read it by article id, which was a
watermark only while every article was inserted under that lock. On PostgreSQL an
article's row is now written before its worker takes the lock (the lock is held only to
decide the story and write the membership), so ids no longer follow placement order.
``story_articles.placed_seq`` does: every membership row gets the next number when it
is inserted, whatever code inserts it:

- PostgreSQL: a sequence as the column's default (``story_articles_placed_seq``);
  numbers taken under the lock are committed in order before the lock is let go;
- SQLite: a trigger numbers each new row ``max + 1`` (one writer at a time, so each
  number is committed in order). A later revision that rebuilds the table
  (``batch_alter_table``) must create the trigger again.

Existing rows are numbered by article id, the placement order so far; a unique index
serves the window's "placed after N" reads and the next number.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQUENCE = "story_articles_placed_seq"
_TRIGGER = "story_articles_placed_seq"
_INDEX = "ix_story_articles_placed_seq"


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("story_articles", sa.Column("placed_seq", sa.BigInteger(), nullable=True))
    op.execute("UPDATE story_articles SET placed_seq = article_id")
    op.create_index(_INDEX, "story_articles", ["placed_seq"], unique=True)
    if bind.dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE {_SEQUENCE} OWNED BY story_articles.placed_seq")
        op.execute(
            f"SELECT setval('{_SEQUENCE}', coalesce(max(placed_seq), 0) + 1, false)"
            " FROM story_articles"
        )
        op.execute(
            f"ALTER TABLE story_articles ALTER COLUMN placed_seq SET DEFAULT nextval('{_SEQUENCE}')"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {_TRIGGER} AFTER INSERT ON story_articles"
            " WHEN NEW.placed_seq IS NULL BEGIN"
            " UPDATE story_articles SET placed_seq ="
            " (SELECT coalesce(max(placed_seq), 0) + 1 FROM story_articles)"
            " WHERE story_id = NEW.story_id AND article_id = NEW.article_id; END"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE story_articles ALTER COLUMN placed_seq DROP DEFAULT")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER}")
    op.drop_index(_INDEX, table_name="story_articles")
    with op.batch_alter_table("story_articles") as batch:
        batch.drop_column("placed_seq")  # the sequence it owns goes with it
