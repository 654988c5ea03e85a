"""Stories: articles about the same event, their countries and the rank of each.

Every change to a story's source count, recency or countries stores the rank of its
country rows again (:meth:`StoryQueries._rerank`): /brief reads only the top of that index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.base import StoreBase, chunks
from bot.store.models import Article, Story, StoryArticle, StoryCountry, table_of
from bot.store.ranking import rank_key
from bot.store.records import StoryCandidate
from bot.store.types import as_utc, storable, storable_json, utcnow

_NO_COUNT = 2**31 - 1  # more articles than any story has (an INTEGER column's top)


@dataclass(frozen=True, slots=True)
class StoryUpdate:
    """One story's new brief, as :meth:`StoryQueries.update_story` takes it."""

    story_id: int
    brief: dict[str, Any]
    countries: Sequence[tuple[str, float]] | None
    headline: str | None
    at: datetime
    built_from: int | None = None


class StoryQueries(StoreBase):
    """Stories as ingestion builds them: created, joined by articles, given a brief."""

    async def create_story(
        self,
        headline: str,
        *,
        article_ids: Iterable[int] = (),
        brief: dict[str, Any] | None = None,
        countries: Iterable[tuple[str, float]] = (),
        at: datetime | None = None,
    ) -> int:
        """A new story, with its first articles and countries; returns its id."""
        at = at or utcnow()
        async with self.transaction() as session:
            story = Story(
                headline=headline,
                brief=brief,
                created_at=at,
                updated_at=at,
                article_count=0,
                source_count=0,
            )
            session.add(story)
            await session.flush()
            if await self._attach(session, story.id, list(article_ids), at) and brief is not None:
                story.needs_brief = False  # made with its brief: nothing is waiting
            await self._set_countries(session, story.id, countries, at)
            return story.id

    async def attach_article(
        self, story_id: int, article_id: int, *, at: datetime | None = None
    ) -> bool:
        """Add an article to a story (no-op if it is there); refreshes counts and recency.

        Returns False when the article already belongs to a story (this one or another).
        """
        at = at or utcnow()
        async with self.transaction() as session:
            return await self._attach(session, story_id, [article_id], at) > 0

    async def update_story(
        self,
        story_id: int,
        *,
        brief: dict[str, Any] | None = None,
        countries: Iterable[tuple[str, float]] | None = None,
        headline: str | None = None,
        at: datetime | None = None,
        built_from: int | None = None,
    ) -> None:
        """Replace a story's brief (``Brief.to_dict()``), countries and headline as given.

        ``built_from``: how many articles the story had when the brief was made; it
        stays waiting for a brief (``needs_brief``) if more joined meanwhile.
        """
        at = at or utcnow()
        values: dict[str, Any] = {"updated_at": at}
        if brief is not None:
            values["brief"] = storable_json(brief)
            values["needs_brief"] = (
                False if built_from is None else table_of(Story).c.article_count > built_from
            )
        if headline is not None:
            values["headline"] = storable(headline)
        table = table_of(Story)
        async with self.transaction() as session:
            story = (
                await session.execute(
                    update(table)
                    .where(table.c.id == story_id)
                    .values(values)
                    .returning(table.c.source_count, table.c.updated_at)
                )
            ).one_or_none()
            if story is None:
                return  # gone meanwhile (pruned): nothing to rank
            if countries is not None:
                await self._set_countries(session, story_id, countries, at, story=story)
            else:
                await self._rank_touched(session, story_id, story[0], story[1], at)

    async def update_stories(self, updates: Sequence[StoryUpdate]) -> None:
        """:meth:`update_story` for many stories at once, in one transaction: all or none.

        What a cycle does with the briefs it has rebuilt (130 stories for the 181 AEB
        pages): a statement of each kind for all of them (the stories, then their country
        rows replaced and ranked) instead of a transaction and three or four statements
        per story. A story gone meanwhile is skipped, as :meth:`update_story` skips it.
        """
        if not updates:
            return
        table = table_of(Story)
        statement = (
            update(table)
            .where(table.c.id == bindparam("story"))
            .values(
                updated_at=bindparam("at"),
                brief=bindparam("new_brief"),
                needs_brief=table.c.article_count > bindparam("built_from"),
                headline=func.coalesce(
                    bindparam("new_headline", type_=table.c.headline.type), table.c.headline
                ),
            )
        )
        rows = [
            {
                "story": u.story_id,
                "at": u.at,
                "new_brief": storable_json(u.brief),
                # None: a brief of every article (update_story's needs_brief=False)
                "built_from": u.built_from if u.built_from is not None else _NO_COUNT,
                "new_headline": storable(u.headline) if u.headline is not None else None,
            }
            for u in updates
        ]
        async with self.transaction() as session:
            await session.execute(statement, rows)
            written: dict[int, tuple[int, datetime]] = {}
            for chunk in chunks([u.story_id for u in updates]):
                found = await session.execute(
                    select(table.c.id, table.c.source_count, table.c.updated_at).where(
                        table.c.id.in_(chunk)
                    )
                )
                written.update((i, (n, at)) for i, n, at in found.all())
            await self._replace_countries(session, updates, written)

    async def _replace_countries(
        self,
        session: AsyncSession,
        updates: Sequence[StoryUpdate],
        written: dict[int, tuple[int, datetime]],
    ) -> None:
        """:meth:`update_stories`' country rows: replaced and ranked from the stories as
        ``written`` ((source_count, updated_at) by id), or dated and ranked again."""
        countries = table_of(StoryCountry)
        replaced = [u for u in updates if u.story_id in written and u.countries is not None]
        for chunk in chunks([u.story_id for u in replaced]):
            await session.execute(countries.delete().where(countries.c.story_id.in_(chunk)))
        inserts = [
            {
                "story_id": u.story_id, "code": code, "score": score, "updated_at": u.at,
                "rank": rank_key(score, *written[u.story_id]),
            }
            for u in replaced
            for code, score in best_scores(u.countries or ()).items()
        ]  # fmt: skip
        if inserts:
            await session.execute(countries.insert(), inserts)
        # no countries given: the rows stay, dated and ranked again
        touched = {
            u.story_id: u.at for u in updates if u.story_id in written and u.countries is None
        }
        await _touch_ranks(session, touched, written)

    async def _attach(
        self, session: AsyncSession, story_id: int, article_ids: list[int], at: datetime
    ) -> int:
        if not article_ids:
            return 0
        rows = [{"story_id": story_id, "article_id": a, "added_at": at} for a in article_ids]
        statement = self._insert(StoryArticle).on_conflict_do_nothing()
        result = await session.execute(statement.returning(StoryArticle.article_id), rows)
        added = len(result.all())
        if added:
            await session.execute(
                update(Story).where(Story.id == story_id).values(needs_brief=True)
            )
            await self._refresh_counts(session, story_id, at)
            await self._touch_countries(session, story_id, at)
        return added

    async def _refresh_counts(self, session: AsyncSession, story_id: int, at: datetime) -> None:
        members = select(StoryArticle.article_id).where(StoryArticle.story_id == story_id)
        article_count = (
            select(func.count())
            .select_from(StoryArticle)
            .where(StoryArticle.story_id == story_id)
            .scalar_subquery()
        )
        source_count = (
            select(func.count(func.distinct(func.coalesce(Article.outlet, ""))))
            .where(Article.id.in_(members))
            .scalar_subquery()
        )
        await session.execute(
            update(Story)
            .where(Story.id == story_id)
            .values(article_count=article_count, source_count=source_count, updated_at=at)
        )

    async def _set_countries(
        self,
        session: AsyncSession,
        story_id: int,
        countries: Iterable[tuple[str, float]],
        at: datetime,
        *,
        story: Any = None,
    ) -> None:
        """Replace a story's countries; ``story``: its (source_count, updated_at) as just
        written, to rank the rows as they are inserted (else they are ranked after)."""
        best = best_scores(countries)
        table = table_of(StoryCountry)
        await session.execute(table.delete().where(table.c.story_id == story_id))
        if not best:
            return
        rows: list[dict[str, Any]] = [
            {"story_id": story_id, "code": c, "score": s, "updated_at": at} for c, s in best.items()
        ]
        if story is not None:
            for row in rows:
                row["rank"] = rank_key(row["score"], story[0], story[1])
        await session.execute(table.insert(), rows)
        if story is None:
            await self._rerank(session, story_id)

    async def _touch_countries(self, session: AsyncSession, story_id: int, at: datetime) -> None:
        await self._rerank(session, story_id, touch=at)

    async def _rerank(
        self, session: AsyncSession, story_id: int, *, touch: datetime | None = None
    ) -> None:
        """Store each country row's :func:`rank_key` from the story row as it now is (its
        source count and updated_at, the inputs of :func:`importance`); ``touch`` also
        dates the rows, which is what the /brief window filters on."""
        story = (
            await session.execute(
                select(Story.source_count, Story.updated_at).where(Story.id == story_id)
            )
        ).one_or_none()
        if story is None:
            return
        rows = (
            await session.execute(
                select(StoryCountry.code, StoryCountry.score).where(
                    StoryCountry.story_id == story_id
                )
            )
        ).all()
        await _store_ranks(session, story_id, rows, story[0], story[1], touch)

    async def _rank_touched(
        self,
        session: AsyncSession,
        story_id: int,
        source_count: int,
        updated_at: datetime,
        touch: datetime,
    ) -> None:
        """:meth:`_rerank` with ``touch`` for a story whose source count and updated_at
        the caller has just written: the rows are dated and read in one statement."""
        table = table_of(StoryCountry)
        rows = (
            await session.execute(
                table.update()
                .where(table.c.story_id == story_id)
                .values(updated_at=touch)
                .returning(table.c.code, table.c.score)
            )
        ).all()
        await _store_ranks(session, story_id, rows, source_count, updated_at, None)

    async def recent_stories(self, since: datetime) -> list[StoryCandidate]:
        """Stories updated since ``since``, with countries and people: clustering candidates."""
        from summarizer import Brief  # the NLP core loads on first use, not with the store

        async with self.session() as session:
            stories = (
                (
                    await session.execute(
                        select(Story)
                        .where(Story.updated_at >= as_utc(since))
                        .order_by(Story.updated_at.desc(), Story.id.desc())
                    )
                )
                .scalars()
                .all()
            )
            countries = await self._countries_of(session, [s.id for s in stories])
        return [
            StoryCandidate(
                id=s.id,
                headline=s.headline,
                created_at=s.created_at,
                updated_at=s.updated_at,
                article_count=s.article_count,
                source_count=s.source_count,
                countries=countries.get(s.id, {}),
                people=[p.name for p in Brief.from_dict(s.brief).people if p.name],
            )
            for s in stories
        ]

    async def _countries_of(
        self, session: AsyncSession, story_ids: list[int]
    ) -> dict[int, dict[str, float]]:
        out: dict[int, dict[str, float]] = {}
        for chunk in chunks(story_ids):
            rows = await session.execute(
                select(StoryCountry.story_id, StoryCountry.code, StoryCountry.score)
                .where(StoryCountry.story_id.in_(chunk))
                .order_by(StoryCountry.story_id, StoryCountry.score.desc())
            )
            for story_id, code, score in rows.all():
                out.setdefault(story_id, {})[code] = score
        return out

    async def refresh_ranks(self, *, only_missing: bool = True) -> int:
        """Store the rank of story-country rows written around the Store (bulk loads, hand
        fixes), or of every row; returns how many. /brief finds unranked rows anyway,
        but reads each of them, so its cost then follows their number."""
        rows_of = select(
            StoryCountry.story_id,
            StoryCountry.code,
            StoryCountry.score,
            Story.source_count,
            Story.updated_at,
        ).join(Story, Story.id == StoryCountry.story_id)
        if only_missing:
            rows_of = rows_of.where(StoryCountry.rank.is_(None))
        table = table_of(StoryCountry)
        statement = (
            table.update()
            .where(
                table.c.story_id == bindparam("row_story"),
                table.c.code == bindparam("row_code"),
            )
            .values(rank=bindparam("new_rank"))
        )
        async with self.transaction() as session:
            rows = (await session.execute(rows_of)).all()
            for chunk in chunks(rows, 5000):
                await session.execute(
                    statement,
                    [
                        {"row_story": i, "row_code": c, "new_rank": rank_key(s, n, at)}
                        for i, c, s, n, at in chunk
                    ],
                )
        return len(rows)

    async def stories_needing_brief(
        self, since: datetime, limit: int = 100
    ) -> list[tuple[int, datetime]]:
        """``(id, updated_at)`` of stories updated since ``since`` with articles their brief
        does not include yet (older ones are no longer news: they are not retried)."""
        query = (
            select(Story.id, Story.updated_at)
            .where(Story.needs_brief.is_(True), Story.updated_at >= as_utc(since))
            .order_by(Story.updated_at.desc(), Story.id)
            .limit(limit)
        )
        async with self.session() as session:
            return [(i, u) for i, u in (await session.execute(query)).all()]

    async def story_of_article(self, article_id: int) -> int | None:
        async with self.session() as session:
            return await session.scalar(
                select(StoryArticle.story_id).where(StoryArticle.article_id == article_id)
            )


def best_scores(countries: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Each country code (upper case) once, with its highest score."""
    best: dict[str, float] = {}
    for code, score in countries:
        code = code.upper()
        best[code] = max(float(score), best.get(code, 0.0))
    return best


async def _touch_ranks(
    session: AsyncSession,
    touched: dict[int, datetime],
    written: dict[int, tuple[int, datetime]],
) -> None:
    """The country rows of stories whose countries stay, each story's dated ``touched``
    and ranked from the story as ``written`` ((source_count, updated_at) by id): what
    :meth:`StoryQueries._rank_touched` does for one, in a read and one executemany for
    all of them (a cycle's briefs: 30 stories without countries, two statements each)."""
    if not touched:
        return
    table = table_of(StoryCountry)
    rows: list[Any] = []
    for chunk in chunks(list(touched)):
        rows += (
            await session.execute(
                select(table.c.story_id, table.c.code, table.c.score).where(
                    table.c.story_id.in_(chunk)
                )
            )
        ).all()
    if not rows:
        return
    await session.execute(
        table.update()
        .where(table.c.story_id == bindparam("row_story"), table.c.code == bindparam("row_code"))
        .values(updated_at=bindparam("touch"), rank=bindparam("new_rank")),
        [
            {
                "row_story": story_id,
                "row_code": code,
                "touch": touched[story_id],
                "new_rank": rank_key(score, *written[story_id]),
            }
            for story_id, code, score in rows
        ],
    )


async def _store_ranks(
    session: AsyncSession,
    story_id: int,
    rows: Sequence[Any],
    source_count: int,
    updated_at: datetime,
    touch: datetime | None,
) -> None:
    """Store the :func:`rank_key` of a story's country rows ``(code, score)``."""
    if not rows:
        return
    table = table_of(StoryCountry)
    values: dict[str, Any] = {"rank": bindparam("new_rank")}
    if touch is not None:
        values["updated_at"] = touch
    await session.execute(
        table.update()
        .where(table.c.story_id == story_id, table.c.code == bindparam("row_code"))
        .values(values),
        [
            {"row_code": code, "new_rank": rank_key(score, source_count, updated_at)}
            for code, score in rows
        ],
    )
