"""Atomic ingestion: what became of each entry, stories waiting for their brief, orphans.

An article, its story membership and its entry's seen mark are now written in one
transaction. Before, an article was committed before it joined a story, so a process
killed in between left an article that no story, brief or digest would ever show.
This revision:

- ``seen_entries.outcome`` / ``error``: what became of an entry and why it failed;
- ``stories.needs_brief``: set when an article joins, cleared once a brief includes
  it, so a brief lost to a crash is rebuilt by the next cycle;
- gives every orphan article left by older versions a story of its own (dated when
  the article was fetched, so no digest takes it for news), waiting for its brief.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HEADLINE_CHARS = 120


def upgrade() -> None:
    with op.batch_alter_table("seen_entries") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
    with op.batch_alter_table("stories") as batch:
        batch.add_column(
            sa.Column("needs_brief", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_stories_needs_brief", "stories", ["needs_brief"])
    attach_orphans(op.get_bind())


def attach_orphans(connection: sa.engine.Connection) -> int:
    """A story for each article in none; returns how many were attached."""
    meta = sa.MetaData()
    articles = sa.Table("articles", meta, autoload_with=connection)
    stories = sa.Table("stories", meta, autoload_with=connection)
    members = sa.Table("story_articles", meta, autoload_with=connection)
    orphans = connection.execute(
        sa.select(articles.c.id, articles.c.title, articles.c.text, articles.c.url,
                  articles.c.fetched_at)
        .where(~sa.exists().where(members.c.article_id == articles.c.id))
        .order_by(articles.c.id)
    ).all()  # fmt: skip
    for article_id, title, body, url, fetched_at in orphans:
        headline = (title or " ".join((body or "").split())[:_HEADLINE_CHARS] or url).strip()
        story_id = connection.execute(
            stories.insert()
            .values(
                headline=headline,
                created_at=fetched_at,
                updated_at=fetched_at,
                article_count=1,
                source_count=1,
                needs_brief=True,
            )
            .returning(stories.c.id)
        ).scalar_one()
        connection.execute(
            members.insert().values(story_id=story_id, article_id=article_id, added_at=fetched_at)
        )
    return len(orphans)


def downgrade() -> None:
    op.drop_index("ix_stories_needs_brief", table_name="stories")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("needs_brief")
    with op.batch_alter_table("seen_entries") as batch:
        batch.drop_column("error")
        batch.drop_column("outcome")
