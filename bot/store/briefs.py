"""The read model of briefs: what /brief, the digests and follow-up questions read.

Every method returns plain records from :mod:`bot.store.records` (never ORM rows), so
the briefing service above can pass them around freely and never needs SQLAlchemy.

/brief asks for the top few stories of a country: the stored rank
(:func:`~bot.store.ranking.rank_key`) and the ``(code, rank, story_id)`` index let the
database return only those (:meth:`BriefQueries._top_candidates`), whatever the size of
the window; the digests read every story of their window and rank them in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from bot.store.articles import article_record
from bot.store.base import chunks
from bot.store.models import Article, Feed, Story, StoryArticle, StoryCountry
from bot.store.ranking import RANK_MARGIN, rank_rows
from bot.store.records import SourceLink, StoredBrief, StoryDetail, StorySummary
from bot.store.stories import StoryQueries
from bot.store.types import as_utc, utcnow


class BriefQueries(StoryQueries):
    """Stories as a reader sees them: their brief, their sources, what has news."""

    async def sources(self, story_ids: Sequence[int]) -> dict[int, list[SourceLink]]:
        """The articles behind each story as links, most recent first; every id asked for
        is a key (an empty list when the story has no article, or is gone)."""
        if not story_ids:
            return {}
        at = func.coalesce(Article.published_at, Article.fetched_at)
        query = (
            select(StoryArticle.story_id, Article.url, Article.outlet, Article.title, Feed.name, at)
            .join(Article, Article.id == StoryArticle.article_id)
            .outerjoin(Feed, Feed.id == Article.feed_id)
            .where(StoryArticle.story_id.in_(list(story_ids)))
            .order_by(StoryArticle.story_id, at.desc())
        )
        out: dict[int, list[SourceLink]] = {i: [] for i in story_ids}
        async with self.session() as session:
            for story_id, url, outlet, title, feed_name, when in (
                await session.execute(query)
            ).all():
                out[story_id].append(
                    SourceLink(url=url, outlet=outlet or feed_name, title=title, at=when)
                )
        return out

    async def story_brief(self, story_id: int) -> StoredBrief | None:
        """One story's headline and stored brief (``Brief.to_dict()``); None if it is gone."""
        async with self.session() as session:
            row = (
                await session.execute(
                    select(Story.headline, Story.brief, Story.updated_at).where(
                        Story.id == story_id
                    )
                )
            ).one_or_none()
        if row is None:
            return None
        headline, brief, updated_at = row
        return StoredBrief(id=story_id, headline=headline, brief=brief, updated_at=updated_at)

    async def unpolled_feed_count(self) -> int:
        """Enabled feeds never polled yet: while there are any, the first reading of the
        feeds is still going on and the store does not hold the news it will."""
        async with self.session() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(Feed)
                .where(Feed.enabled.is_(True), Feed.gone.is_(False), Feed.last_polled_at.is_(None))
            )
        return int(waiting or 0)

    async def story_awaits_brief(self) -> bool:
        """Whether a story is waiting for its brief (ingestion stored its articles and has
        not yet built the brief from them; read through ``needs_brief``'s index)."""
        async with self.session() as session:
            found = await session.scalar(
                select(Story.id).where(Story.needs_brief.is_(True)).limit(1)
            )
        return found is not None

    async def recent_story_ids(self, since: datetime, limit: int = 30) -> list[int]:
        """Stories updated since ``since``, the most widely covered first, whatever the
        country (what a question with no brief before it is answered from)."""
        async with self.session() as session:
            rows = await session.scalars(
                select(Story.id)
                .where(Story.updated_at >= as_utc(since))
                .order_by(Story.source_count.desc(), Story.updated_at.desc())
                .limit(limit)
            )
            return list(rows)

    async def countries_with_news(self, since: datetime, limit: int = 8) -> list[str]:
        """Country codes with the most stories updated since ``since`` (for "nothing on X")."""
        async with self.session() as session:
            rows = await session.execute(
                select(StoryCountry.code, func.count())
                .where(StoryCountry.updated_at >= as_utc(since))
                .group_by(StoryCountry.code)
                .order_by(func.count().desc(), StoryCountry.code)
                .limit(limit)
            )
            return [code for code, _n in rows.all()]

    async def stories_for_country(
        self,
        code: str,
        since: datetime,
        limit: int = 5,
        *,
        now: datetime | None = None,
    ) -> list[StorySummary]:
        """The most important stories about a country updated since ``since`` (/brief)."""
        return await self.stories_since([code], since, limit=limit, now=now)

    async def stories_since(
        self,
        codes: Iterable[str],
        since: datetime,
        *,
        limit: int | None = None,
        min_salience: float = 0.0,
        now: datetime | None = None,
    ) -> list[StorySummary]:
        """Stories about any of ``codes`` updated since ``since``, most important first.

        A story about several of the countries appears once, ranked by its best match.
        ``now`` (default: the current time) is the reference for recency.
        """
        wanted = sorted({c.upper() for c in codes if c})
        if not wanted:
            return []
        now = as_utc(now) if now else utcnow()
        window = _Window(wanted, as_utc(since), now, min_salience)
        async with self.session() as session:
            if limit is not None:  # one round trip: the few candidates, with what is shown
                rows = await self._top_rows(session, window, limit)
                details = {row[0]: tuple(row[3:]) for row in rows}
            else:  # every story of the window (digests): rank them all, then read the shown
                statement = select(*_RANKED).join(Story, Story.id == StoryCountry.story_id)
                rows = list((await session.execute(statement.where(*window.matching()))).all())
            ranked = rank_rows(rows, now)
            order = sorted(ranked, key=lambda i: (-ranked[i][0], -i))[:limit]
            if limit is None:
                details = await self._shown(session, order)
        return [_summary(i, ranked[i], details[i]) for i in order if i in details]

    async def _top_rows(self, session: AsyncSession, window: _Window, limit: int) -> list[Any]:
        """The rows of the few stories that can be in the top ``limit``, with what is shown,
        found by story id (not by reading the window again)."""
        top = self._top_candidates(
            window.codes, window.since, window.now, window.min_salience, limit
        )
        by_id = (
            self._unindexed(StoryCountry.code).in_(window.codes),
            self._unindexed(StoryCountry.updated_at) >= window.since,
            StoryCountry.score >= window.min_salience,
        )
        statement = (
            select(*_RANKED, *_SHOWN)
            .join(Story, Story.id == StoryCountry.story_id)
            .where(*by_id, StoryCountry.story_id.in_(top))
        )
        return list((await session.execute(statement)).all())

    async def _shown(
        self, session: AsyncSession, order: Sequence[int]
    ) -> dict[int, tuple[Any, ...]]:
        """What a summary shows of these stories, by id (their counts, dates and brief)."""
        details: dict[int, tuple[Any, ...]] = {}
        for chunk in chunks(order):
            found = await session.execute(
                select(Story.id, *_RANKED[3:], *_SHOWN).where(Story.id.in_(chunk))
            )
            details.update((row[0], tuple(row[1:])) for row in found.all())
        return details

    def _top_candidates(
        self, wanted: list[str], since: datetime, now: datetime, min_salience: float, limit: int
    ) -> Select[tuple[int]]:
        """The ids of the few stories that can be in the top ``limit``: per country, the
        best by the stored rank (an index range read backwards, stopped by ``LIMIT``), plus
        any row the rank cannot order (dated after ``now``, or written without a rank),
        normally none.

        A story in the answer has its best row within the top ``limit`` of that row's
        country: every row above it there is another story ranked higher.
        """
        parts = []
        for code in wanted:
            window = (
                StoryCountry.code == code,
                StoryCountry.updated_at >= since,
                StoryCountry.score >= min_salience,
            )
            dated = self._unindexed(StoryCountry.updated_at)
            parts.append(
                select(StoryCountry.story_id)
                .where(
                    StoryCountry.code == code,
                    dated >= since,
                    dated <= now,
                    StoryCountry.score >= min_salience,
                    StoryCountry.rank.is_not(None),
                )
                .order_by(StoryCountry.rank.desc(), StoryCountry.story_id.desc())
                .limit(limit + RANK_MARGIN)
                .subquery()
            )
            parts.append(
                select(StoryCountry.story_id)
                .where(*window, or_(StoryCountry.updated_at > now, StoryCountry.rank.is_(None)))
                .subquery()
            )
        candidates = union_all(*(select(part.c.story_id) for part in parts)).subquery()
        return select(candidates.c.story_id)

    async def get_story(self, story_id: int) -> StoryDetail | None:
        """A story with its articles (text, analysis, outlet, link), oldest first."""
        async with self.session() as session:
            story = await session.get(Story, story_id)
            if story is None:
                return None
            articles = (
                await session.scalars(
                    select(Article)
                    .join(StoryArticle, StoryArticle.article_id == Article.id)
                    .where(StoryArticle.story_id == story_id)
                    .order_by(func.coalesce(Article.published_at, Article.fetched_at), Article.id)
                )
            ).all()
            countries = await self._countries_of(session, [story_id])
        return StoryDetail(
            id=story.id,
            headline=story.headline,
            brief=story.brief,
            created_at=story.created_at,
            updated_at=story.updated_at,
            article_count=story.article_count,
            source_count=story.source_count,
            countries=countries.get(story_id, {}),
            articles=[article_record(a) for a in articles],
        )


#: What ranking reads of a story-country row: (story_id, code, salience, sources, updated).
_RANKED = (
    StoryCountry.story_id,
    StoryCountry.code,
    StoryCountry.score,
    Story.source_count,
    Story.updated_at,
)
#: What a summary shows beyond the ranking's columns.
_SHOWN = (Story.headline, Story.brief, Story.created_at, Story.article_count)


@dataclass(frozen=True, slots=True)
class _Window:
    """The story-country rows a question is about: codes, dates and least salience."""

    codes: list[str]
    since: datetime
    now: datetime
    min_salience: float

    def matching(self) -> tuple[ColumnElement[bool], ...]:
        return (
            StoryCountry.code.in_(self.codes),
            StoryCountry.updated_at >= self.since,
            StoryCountry.score >= self.min_salience,
        )


def _summary(
    story_id: int, ranked: tuple[float, float, list[str]], shown: tuple[Any, ...]
) -> StorySummary:
    """A ranked story as listed: ``shown`` is (sources, updated, headline, brief, created,
    articles), ``ranked`` its (importance, salience, matched codes)."""
    source_count, updated_at, headline, brief, created_at, article_count = shown
    return StorySummary(
        id=story_id,
        headline=headline,
        brief=brief,
        created_at=created_at,
        updated_at=updated_at,
        article_count=article_count,
        source_count=source_count,
        salience=ranked[1],
        importance=ranked[0],
        codes=tuple(sorted(ranked[2])),
    )
