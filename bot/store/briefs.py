"""The read model of briefs: what /brief, the digests and follow-up questions read.

Every method returns plain records from :mod:`bot.store.records` (never ORM rows), so
the briefing service above can pass them around freely and never needs SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from bot.store.base import StoreBase
from bot.store.models import Article, Feed, Story, StoryArticle, StoryCountry
from bot.store.records import SourceLink, StoredBrief
from bot.store.types import as_utc


class BriefQueries(StoreBase):
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
