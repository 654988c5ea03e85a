"""Housekeeping of ingestion's tables: pruning old articles, and counts for /stats."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, select

from bot.store.base import chunks, rowcount
from bot.store.models import Article, Feed, SeenEntry, Story, StoryArticle, StoryCountry
from bot.store.records import PruneResult, StoreStats
from bot.store.stories import StoryQueries
from bot.store.types import as_utc, utcnow


class Housekeeping(StoryQueries):
    """What the clean-up job and /stats ask of the ingestion tables."""

    async def prune(self, older_than: datetime) -> PruneResult:
        """Forget articles fetched and entries seen before ``older_than``, and empty stories.

        Stories that lose some articles get their counts recomputed; a story whose last
        article goes is deleted (its countries and memberships cascade).
        """
        cutoff = as_utc(older_than)
        at = utcnow()
        async with self.transaction() as session:
            touched = set(
                (
                    await session.scalars(
                        select(StoryArticle.story_id)
                        .join(Article, Article.id == StoryArticle.article_id)
                        .where(Article.fetched_at < cutoff)
                        .distinct()
                    )
                ).all()
            )
            # memberships first: do not rely on the connection having foreign keys on
            old = select(Article.id).where(Article.fetched_at < cutoff)
            await session.execute(delete(StoryArticle).where(StoryArticle.article_id.in_(old)))
            articles = await session.execute(delete(Article).where(Article.fetched_at < cutoff))
            seen = await session.execute(delete(SeenEntry).where(SeenEntry.seen_at < cutoff))
            # a story left without articles goes; so does an old one that never had any
            orphaned = select(Story.id).where(~exists().where(StoryArticle.story_id == Story.id))
            empty_ids = [
                story_id
                for story_id, updated_at in (
                    await session.execute(orphaned.add_columns(Story.updated_at))
                ).all()
                if story_id in touched or updated_at < cutoff
            ]
            for chunk in chunks(empty_ids):
                await session.execute(delete(StoryCountry).where(StoryCountry.story_id.in_(chunk)))
                await session.execute(delete(Story).where(Story.id.in_(chunk)))
            for story_id in touched.difference(empty_ids):
                await self._refresh_counts(session, story_id, at)
                await self._rerank(session, story_id)
        return PruneResult(
            articles=rowcount(articles),
            seen_entries=rowcount(seen),
            stories=len(empty_ids),
        )

    async def stats(self, now: datetime | None = None) -> StoreStats:
        """Counts for /stats: feeds by health, articles and stories (all, last 24 h)."""
        now = as_utc(now) if now else utcnow()
        day_ago = now - timedelta(hours=24)
        feeds = select(
            func.count(),
            func.count().filter(Feed.enabled.is_(True)),
            func.count().filter(and_(Feed.consecutive_failures > 0, Feed.gone.is_(False))),
            func.count().filter(Feed.gone.is_(True)),
        ).select_from(Feed)
        articles = select(
            func.count(),
            func.count().filter(Article.fetched_at >= day_ago),
            func.max(Article.fetched_at),
        ).select_from(Article)
        stories = select(
            func.count(), func.count().filter(Story.updated_at >= day_ago)
        ).select_from(Story)
        async with self.session() as session:
            f_all, f_enabled, f_failing, f_gone = (await session.execute(feeds)).one()
            a_all, a_day, a_last = (await session.execute(articles)).one()
            s_all, s_day = (await session.execute(stories)).one()
        return StoreStats(
            feeds=f_all,
            feeds_enabled=f_enabled,
            feeds_failing=f_failing,
            feeds_gone=f_gone,
            articles=a_all,
            articles_24h=a_day,
            stories=s_all,
            stories_24h=s_day,
            last_article_at=a_last,
        )
