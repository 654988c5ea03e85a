"""The story window as ingestion keeps it: recent articles read in pages, in placement order.

Ingestion keeps an index of the recent articles (near-duplicate signatures and story
profiles) in memory across cycles and brings it up to date with what was placed since
(:class:`bot.ingest.window.StoryWindow`). These queries serve it: each reads one page of
at most ``limit`` story members by their placement number (``story_articles.placed_seq``,
numbered by the database as they are inserted: migration 0007), so a cycle reads what
is new, never the whole window, and the first build reads the window in pages it can
process between awaits. An article in no story (not placed yet) is not in the window.

Profiles need only the parts of an article that story matching compares: the title,
the lead of the text, and the people and countries of its analysis. Those are read as
such (the text's first :data:`LEAD_CHARS` characters and two members of the analysis
JSON), not the whole row: a stored analysis is many times the size of those parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.store.base import StoreBase, chunks
from bot.store.models import Article, StoryArticle
from bot.store.types import as_utc

#: Characters of an article's text read for its profile; one whose lead is longer than
#: that is read again whole (:meth:`WindowQueries.article_texts`).
LEAD_CHARS = 6000


@dataclass(frozen=True, slots=True)
class WindowRow:
    """A recent article as the window indexes it: its story, signature and placement
    number."""

    article_id: int
    story_id: int
    placed_seq: int
    fetched_at: datetime
    signature: bytes | None


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """What an article's story-matching profile is made of.

    ``lead`` is the text's first :data:`LEAD_CHARS` characters and ``text_length`` the
    length of the whole text; ``people`` and ``countries`` are those members of the
    stored analysis (None when it has none).
    """

    article_id: int
    title: str | None
    lead: str
    text_length: int
    people: list[dict[str, Any]] | None
    countries: list[dict[str, Any]] | None
    published_at: datetime | None
    fetched_at: datetime


class WindowQueries(StoreBase):
    """Recent articles in pages, for the in-process index of the story window."""

    async def window_rows(
        self, since: datetime, *, after_seq: int = 0, limit: int = 500
    ) -> list[WindowRow]:
        """Articles fetched since ``since`` and placed after number ``after_seq``, in
        placement order: one page of at most ``limit``."""
        query = self._window_query(since).where(StoryArticle.placed_seq > after_seq).limit(limit)
        async with self.session() as session:
            return _window_rows((await session.execute(query)).all())

    @staticmethod
    def _window_query(since: datetime) -> Any:
        return (
            select(
                Article.id,
                StoryArticle.story_id,
                StoryArticle.placed_seq,
                Article.fetched_at,
                Article.minhash,
            )
            .select_from(StoryArticle)
            .join(Article, Article.id == StoryArticle.article_id)
            .where(Article.fetched_at >= as_utc(since), StoryArticle.placed_seq.is_not(None))
            .order_by(StoryArticle.placed_seq)
        )

    async def window_rows_of(self, seqs: Sequence[int], since: datetime) -> list[WindowRow]:
        """Those placed under these numbers and fetched since ``since`` (numbers an
        earlier page skipped)."""
        found: list[WindowRow] = []
        async with self.session() as session:
            for chunk in chunks(sorted(set(seqs))):
                query = self._window_query(since).where(StoryArticle.placed_seq.in_(chunk))
                found += _window_rows((await session.execute(query)).all())
        return found

    async def window_profiles(self, ids: Sequence[int]) -> list[ProfileRow]:
        """The profile parts of these articles, in id order (missing ids are skipped)."""
        analysis: Any = Article.analysis
        query = select(
            Article.id,
            Article.title,
            func.substr(Article.text, 1, LEAD_CHARS),
            func.length(Article.text),
            analysis["people"],
            analysis["countries"],
            Article.published_at,
            Article.fetched_at,
        )
        found: list[ProfileRow] = []
        async with self.session() as session:
            for chunk in chunks(sorted(set(ids))):
                rows = (await session.execute(query.where(Article.id.in_(chunk)))).all()
                found += [
                    ProfileRow(a, t, lead or "", n or 0, p, c, as_utc(pub) if pub else None, f)
                    for a, t, lead, n, p, c, pub, f in rows
                ]
        found.sort(key=lambda row: row.article_id)
        return found

    async def article_texts(self, ids: Sequence[int]) -> dict[int, str]:
        """Whole texts by article id (for the few leads longer than :data:`LEAD_CHARS`)."""
        texts: dict[int, str] = {}
        async with self.session() as session:
            for chunk in chunks(sorted(set(ids))):
                rows = await session.execute(
                    select(Article.id, Article.text).where(Article.id.in_(chunk))
                )
                texts.update((a, t or "") for a, t in rows.all())
        return texts


def _window_rows(
    rows: Sequence[Any],
) -> list[WindowRow]:
    return [
        WindowRow(a, s, q, as_utc(f), bytes(m) if m is not None else None) for a, s, q, f, m in rows
    ]
