"""The read model of briefs: what /brief, the digests and follow-up questions read.

Every method returns plain records from :mod:`bot.store.records` (never ORM rows), so
the briefing service above can pass them around freely and never needs SQLAlchemy.

/brief asks for the top few stories of a country: the stored rank
(:func:`~bot.store.ranking.rank_key`) and the ``(code, rank, story_id)`` index let the
database return only those (:meth:`BriefQueries._top_candidates`), whatever the size of
the window; the digests read every story of their window and rank them in Python.
:meth:`BriefQueries.top_stories` reads all a /brief shows on one connection, outside a
transaction on PostgreSQL (round trips, not the database's work, were most of its time).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.elements import BindParameter

from bot.store.articles import article_record
from bot.store.base import chunks
from bot.store.models import Article, Feed, Story, StoryArticle, StoryCountry
from bot.store.ranking import RANK_MARGIN, rank_rows
from bot.store.records import (
    ArticleRecord,
    SourceLink,
    StoredBrief,
    StoryDetail,
    StorySummary,
)
from bot.store.stories import StoryQueries
from bot.store.types import as_utc, utcnow


class BriefQueries(StoryQueries):
    """Stories as a reader sees them: their brief, their sources, what has news."""

    async def sources(self, story_ids: Sequence[int]) -> dict[int, list[SourceLink]]:
        """The articles behind each story as links, most recent first; every id asked for
        is a key (an empty list when the story has no article, or is gone)."""
        if not story_ids:
            return {}
        async with self._reading() as conn:
            return await self._sources(conn, story_ids)

    async def _sources(
        self, conn: AsyncConnection, story_ids: Sequence[int]
    ) -> dict[int, list[SourceLink]]:
        out: dict[int, list[SourceLink]] = {i: [] for i in story_ids}
        if not story_ids:
            return out
        rows = await conn.execute(_SOURCES, {"stories": list(story_ids)})
        for story_id, url, outlet, title, feed_name, when in rows.all():
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
        async with self._reading() as conn:
            waiting = await conn.scalar(select(_UNPOLLED))
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
        async with self._reading() as conn:
            if limit is not None:  # one round trip: the few candidates, with what is shown
                top = self._top_statement(len(wanted), page=False)
                rows = list((await conn.execute(top, window.params(limit))).all())
                details = {row[0]: tuple(row[3:]) for row in rows}
            else:  # every story of the window (digests): rank them all, then read the shown
                statement = select(*_RANKED).join(Story, Story.id == StoryCountry.story_id)
                rows = list((await conn.execute(statement.where(*window.matching()))).all())
            ranked = rank_rows(rows, now)
            order = sorted(ranked, key=lambda i: (-ranked[i][0], -i))[:limit]
            if limit is None:
                details = await self._shown(conn, order)
        return [_summary(i, ranked[i], details[i]) for i in order if i in details]

    async def top_stories(
        self,
        codes: Iterable[str],
        since: datetime,
        *,
        limit: int,
        candidates: int,
        keep: Callable[[StorySummary], bool] = lambda _s: True,
        now: datetime | None = None,
    ) -> TopStories:
        """What a /brief shows, on one connection: the first ``limit`` of the top
        ``candidates`` stories (as :meth:`stories_since` ranks them) that ``keep`` accepts,
        their sources, and how many feeds were never polled.

        Read where /brief made three sessions of it (on PostgreSQL each session was six
        round trips: the pool's ping in a transaction of its own, BEGIN, the read,
        ROLLBACK): the candidates come with the count of unpolled feeds and, on
        PostgreSQL, with their sources (SQLite reads those next, on the same connection);
        only the briefs and sources of the stories looked at are decoded.
        """
        wanted = sorted({c.upper() for c in codes if c})
        now = as_utc(now) if now else utcnow()
        window = _Window(wanted, as_utc(since), now, 0.0)
        async with self._reading() as conn:
            rows: list[Any] = []
            if wanted:
                statement = self._top_statement(len(wanted), page=True)
                rows = list((await conn.execute(statement, window.params(candidates))).all())
            shown = _first_kept(rows, now, limit, candidates, keep)
            unpolled = rows[0][-1] if rows else await conn.scalar(select(_UNPOLLED))
            if self.is_postgres:
                linked = {row[0]: row[9] for row in rows}
                sources = {s.id: _links(linked[s.id]) for s in shown}
            else:
                sources = await self._sources(conn, [s.id for s in shown])
        return TopStories(stories=shown, sources=sources, unpolled_feeds=int(unpolled or 0))

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a few reads, outside any transaction on PostgreSQL: no BEGIN
        and ROLLBACK round trips around them (each read sees what was committed when it
        ran). SQLite keeps its default: its transactions cost no round trip, and turning
        autocommit on there commits whatever the (shared, in tests) connection has open."""
        async with self.engine.connect() as conn:
            if self.is_postgres:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    async def _shown(
        self, conn: AsyncConnection, order: Sequence[int]
    ) -> dict[int, tuple[Any, ...]]:
        """What a summary shows of these stories, by id (their counts, dates and brief)."""
        details: dict[int, tuple[Any, ...]] = {}
        for chunk in chunks(order):
            found = await conn.execute(
                select(Story.id, *_RANKED[3:], *_SHOWN).where(Story.id.in_(chunk))
            )
            details.update((row[0], tuple(row[1:])) for row in found.all())
        return details

    def _top_statement(self, n_codes: int, *, page: bool) -> Select[Any]:
        """The rows of the few stories that can be in the top ``:top``, with what is shown,
        found by story id (not by reading the window again); parameters as
        :meth:`_Window.params` names them.

        Built once per number of countries and kept: building and keying a statement of
        this size cost more CPU than PostgreSQL spends running it. ``page``: the brief as
        its JSON text (decoded only for the stories looked at), on PostgreSQL the story's
        sources as JSON text (:data:`_LINKED`), and the unpolled feeds.
        """
        key = (self.dialect, n_codes, page)
        statement = _STATEMENTS.get(key)
        if statement is not None:
            return statement
        codes: list[BindParameter[Any]] = [bindparam(f"code_{k}") for k in range(n_codes)]
        by_id = (
            self._unindexed(StoryCountry.code).in_(codes),
            self._unindexed(StoryCountry.updated_at) >= bindparam("since"),
            StoryCountry.score >= bindparam("least"),
        )
        shown: tuple[Any, ...] = _SHOWN
        if page:
            linked = (_LINKED,) if self.is_postgres else ()
            shown = (*_SHOWN[:1], cast(Story.brief, Text), *_SHOWN[2:], *linked, _UNPOLLED)
        statement = _STATEMENTS[key] = (
            select(*_RANKED, *shown)
            .join(Story, Story.id == StoryCountry.story_id)
            .where(*by_id, StoryCountry.story_id.in_(self._top_candidates(codes)))
        )
        return statement

    def _top_candidates(self, codes: Sequence[Any]) -> Select[tuple[int]]:
        """The ids of the few stories that can be in the top ``:top``: per country, the
        best by the stored rank (an index range read backwards, stopped by ``LIMIT``), plus
        any row the rank cannot order (dated after ``:now``, or written without a rank),
        normally none.

        A story in the answer has its best row within the top ``limit`` of that row's
        country: every row above it there is another story ranked higher.
        """
        since: BindParameter[Any] = bindparam("since")
        now: BindParameter[Any] = bindparam("now")
        least: BindParameter[Any] = bindparam("least")
        parts = []
        for code in codes:
            window = (
                StoryCountry.code == code,
                StoryCountry.updated_at >= since,
                StoryCountry.score >= least,
            )
            dated = self._unindexed(StoryCountry.updated_at)
            parts.append(
                select(StoryCountry.story_id)
                .where(
                    StoryCountry.code == code,
                    dated >= since,
                    dated <= now,
                    StoryCountry.score >= least,
                    StoryCountry.rank.is_not(None),
                )
                .order_by(StoryCountry.rank.desc(), StoryCountry.story_id.desc())
                .limit(bindparam("top"))
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

    async def stories_articles(self, story_ids: Sequence[int]) -> dict[int, list[ArticleRecord]]:
        """The articles of each of these stories, oldest first (:meth:`get_story`'s), in
        one query for a chunk of stories: a cycle's briefs read a batch of stories at
        once, where a get_story each was three statements. A story gone, or with no
        article, has none."""
        found: dict[int, list[ArticleRecord]] = {story_id: [] for story_id in story_ids}
        async with self.session() as session:
            for chunk in chunks(sorted(set(story_ids))):
                rows = await session.execute(
                    select(StoryArticle.story_id, Article)
                    .select_from(Article)
                    .join(StoryArticle, StoryArticle.article_id == Article.id)
                    .where(StoryArticle.story_id.in_(chunk))
                    .order_by(
                        StoryArticle.story_id,
                        func.coalesce(Article.published_at, Article.fetched_at),
                        Article.id,
                    )
                )
                for story_id, article in rows.all():
                    found[story_id].append(article_record(article))
        return found


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
#: Enabled feeds never polled yet (the first reading of the feeds is going on).
_UNPOLLED = (
    select(func.count())
    .select_from(Feed)
    .where(Feed.enabled.is_(True), Feed.gone.is_(False), Feed.last_polled_at.is_(None))
    .scalar_subquery()
)
_AT = func.coalesce(Article.published_at, Article.fetched_at)
#: The articles behind stories as links (``:stories``), each story's newest first.
_SOURCES = (
    select(StoryArticle.story_id, Article.url, Article.outlet, Article.title, Feed.name, _AT)
    .join(Article, Article.id == StoryArticle.article_id)
    .outerjoin(Feed, Feed.id == Article.feed_id)
    .where(StoryArticle.story_id.in_(bindparam("stories", expanding=True)))
    .order_by(StoryArticle.story_id, _AT.desc(), Article.id.desc())
)
#: On PostgreSQL, a story's sources as :data:`_SOURCES` lists them, in one JSON text
#: (a column of the top-stories read: no round trip of their own).
_LINKED = cast(
    select(
        func.json_agg(
            aggregate_order_by(
                func.json_build_array(Article.url, Article.outlet, Article.title, Feed.name, _AT),
                _AT.desc(),
                Article.id.desc(),
            )
        )
    )
    .select_from(StoryArticle)
    .join(Article, Article.id == StoryArticle.article_id)
    .outerjoin(Feed, Feed.id == Article.feed_id)
    .where(StoryArticle.story_id == Story.id)
    .scalar_subquery(),
    Text,
)
#: The top-stories statements already built, by (dialect, number of countries, page).
_STATEMENTS: dict[tuple[str, int, bool], Select[Any]] = {}


@dataclass(frozen=True, slots=True)
class TopStories:
    """What a /brief shows, read at once: the stories, their sources (every story a key),
    and how many enabled feeds were never polled (the first reading is going on)."""

    stories: list[StorySummary]
    sources: dict[int, list[SourceLink]]
    unpolled_feeds: int


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

    def params(self, limit: int) -> dict[str, Any]:
        """The parameters of :meth:`BriefQueries._top_statement` for the top ``limit``."""
        codes = {f"code_{k}": code for k, code in enumerate(self.codes)}
        top = limit + RANK_MARGIN
        return {
            **codes,
            "since": self.since,
            "now": self.now,
            "least": self.min_salience,
            "top": top,
        }


def _first_kept(
    rows: list[Any],
    now: datetime,
    limit: int,
    candidates: int,
    keep: Callable[[StorySummary], bool],
) -> list[StorySummary]:
    """The first ``limit`` stories ``keep`` accepts among the top ``candidates`` of the
    rows (ranking columns, then the shown ones with the brief as JSON text)."""
    details = {row[0]: tuple(row[3:9]) for row in rows}
    ranked = rank_rows(rows, now)
    shown: list[StorySummary] = []
    for i in sorted(ranked, key=lambda i: (-ranked[i][0], -i))[:candidates]:
        summary = _summary(i, ranked[i], _decoded(details[i]))
        if keep(summary):
            shown.append(summary)
        if len(shown) >= limit:
            break
    return shown


def _links(found: str | None) -> list[SourceLink]:
    """A story's sources from their JSON text (:data:`_LINKED`): times back to UTC."""
    out = []
    for url, outlet, title, feed_name, when in json.loads(found) if found else ():
        at = as_utc(datetime.fromisoformat(when)) if when else None
        out.append(SourceLink(url=url, outlet=outlet or feed_name, title=title, at=at))
    return out


def _decoded(shown: tuple[Any, ...]) -> tuple[Any, ...]:
    """``shown`` with its brief (the fourth field) decoded from the JSON text it was read as."""
    brief = shown[3]
    if isinstance(brief, str):
        brief = json.loads(brief)
    return (*shown[:3], brief, *shown[4:])


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
