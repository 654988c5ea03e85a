"""Articles: stored with their story and their feed entry in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.base import chunks
from bot.store.feeds import FeedQueries
from bot.store.models import Article, SeenEntry, Story, StoryArticle, StoryCountry, table_of
from bot.store.placement import Placement, PlacementQueries
from bot.store.ranking import rank_key
from bot.store.records import (
    ArticleRecord,
    EntryMark,
    IngestResult,
    MinhashRow,
    NewArticle,
    PreparedArticle,
    StoryPlan,
    pack_signature,
    url_hash,
)
from bot.store.stories import StoryQueries, best_scores
from bot.store.types import as_utc, storable, storable_json, utcnow


class ArticleQueries(StoryQueries, FeedQueries, PlacementQueries):
    """Articles, and their way into a story."""

    async def article_exists(self, canonical_url: str) -> bool:
        async with self.session() as session:
            found = await session.scalar(
                select(Article.id).where(Article.canonical_hash == url_hash(canonical_url))
            )
        return found is not None

    async def known_canonical_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these canonical URLs are stored already, in one query per 500 URLs.

        What an ingestion cycle asks for every entry of a feed before fetching its page;
        one :meth:`article_exists` per entry would be one round trip each.
        """
        by_hash = {url_hash(url): url for url in dict.fromkeys(urls)}
        found: set[str] = set()
        async with self.session() as session:
            for chunk in chunks(list(by_hash)):
                rows = await session.scalars(
                    select(Article.canonical_hash).where(Article.canonical_hash.in_(chunk))
                )
                found.update(by_hash[h] for h in rows.all())
        return found

    async def find_article_by_content_hash(self, content_hash: str) -> int | None:
        """The id of an article with exactly this text, if any (cheap exact-duplicate check)."""
        async with self.session() as session:
            return await session.scalar(
                select(Article.id).where(Article.content_hash == content_hash).limit(1)
            )

    async def add_article(self, article: NewArticle | None = None, /, **fields: Any) -> int | None:
        """Store an article; returns its id, or None if its canonical URL is already stored.

        The article is a :class:`NewArticle`, or its fields as keyword arguments.
        """
        values = article_values(article if article is not None else NewArticle(**fields))
        async with self.transaction() as session:
            return await self._insert_article(session, values)

    async def _insert_article(self, session: AsyncSession, values: dict[str, Any]) -> int | None:
        table = table_of(Article)
        statement = (
            self._insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["canonical_hash"])
            .returning(table.c.id)
        )
        return (await session.execute(statement)).scalar_one_or_none()

    @staticmethod
    def prepare_article(article: NewArticle | Mapping[str, Any]) -> PreparedArticle:
        """An article's row values, ready for :meth:`ingest_article` (ValueError when
        they are not valid)."""
        new = article if isinstance(article, NewArticle) else NewArticle(**article)
        return PreparedArticle(article_values(new))

    async def ingest_article(
        self,
        article: NewArticle | PreparedArticle | Mapping[str, Any],
        story: StoryPlan,
        *,
        seen: EntryMark | None = None,
        at: datetime | None = None,
        placement: Placement | None = None,
    ) -> IngestResult | None:
        """Store an article, its story membership and its entry's seen mark: all or nothing.

        ``article`` is a :class:`NewArticle` (or its fields in a mapping, or what
        :meth:`prepare_article` made of either); ``story`` says which
        story it joins (one that no longer exists is replaced by a new one) or how to
        start one; ``seen`` is the feed entry it came from (``feed_id`` is the article's).
        Returns None when its canonical URL is stored already (the entry is still marked
        seen). A process killed at any point leaves either all of it or none of it.
        ``placement``: the hold of the placement lock it is placed under (see
        :meth:`placing`); then it is committed with that hold.
        """
        at = at or utcnow()
        if not isinstance(article, PreparedArticle):
            article = self.prepare_article(article)
        values = article.values
        async with self._placed_transaction(placement) as session:
            article_id = await self._insert_article(session, values)
            result = None
            if article_id is not None:
                result = await self._place(session, article_id, story, at)
            if seen is not None and values["feed_id"] is not None:
                if article_id is None:
                    seen = EntryMark(seen.key, "duplicate", seen.error)
                await self._insert_seen(session, self._seen_rows(values["feed_id"], [seen], at))
            return result

    async def insert_article(
        self,
        article: PreparedArticle,
        *,
        seen: EntryMark | None = None,
        at: datetime | None = None,
        placement: Placement,
    ) -> int | None:
        """The first half of :meth:`ingest_article` under a hold opened early (see
        :meth:`placing`): the article and its entry's seen mark, in a savepoint of the
        hold's transaction (one failing undoes only its rows), before the lock is taken:
        every worker waits while that lock is held, and these are most of the bytes and
        statements. Returns its id, or None when its canonical URL is stored already
        (the entry is marked as a duplicate). :meth:`place_inserted` places it, under
        the lock, in the same transaction: a process killed in between leaves neither."""
        at = at or utcnow()
        values = article.values
        async with self._placed_transaction(placement) as session:
            article_id = await self._insert_article(session, values)
            if seen is not None and values["feed_id"] is not None:
                if article_id is None:
                    seen = EntryMark(seen.key, "duplicate", seen.error)
                await self._insert_seen(session, self._seen_rows(values["feed_id"], [seen], at))
            return article_id

    async def place_inserted(
        self, article_id: int, story: StoryPlan, *, at: datetime, placement: Placement
    ) -> IngestResult:
        """The second half: an article :meth:`insert_article` wrote under this hold put
        into its story, under the lock, without a savepoint of its own (two round trips
        fewer per article, while every worker waits): a statement that fails here fails
        the whole hold, whose articles are then none of them stored."""
        async with self._hold_session(placement) as session:
            return await self._place(session, article_id, story, at)

    async def withdraw_inserted(
        self, article_id: int, seen: EntryMark | None, feed_id: int | None, placement: Placement
    ) -> None:
        """Take back what :meth:`insert_article` wrote under this hold (an article whose
        story could not be decided): its row and its entry's seen mark, so the hold's
        commit leaves no article in no story."""
        articles, marks = table_of(Article), table_of(SeenEntry)
        async with self._hold_session(placement) as session:
            await session.execute(articles.delete().where(articles.c.id == article_id))
            if seen is not None and feed_id is not None:
                await session.execute(
                    marks.delete().where(
                        marks.c.feed_id == feed_id, marks.c.key_hash == url_hash(seen.key)
                    )
                )

    async def place_article(
        self, article_id: int, story: StoryPlan, *, at: datetime | None = None
    ) -> IngestResult | None:
        """Put an article that is in no story into one (the repair of orphans); None if it
        is in a story already or gone."""
        at = at or utcnow()
        async with self.transaction() as session:
            member = await session.scalar(
                select(StoryArticle.story_id).where(StoryArticle.article_id == article_id)
            )
            if member is not None or await session.get(Article, article_id) is None:
                return None
            return await self._place(session, article_id, story, at)

    async def _place(
        self, session: AsyncSession, article_id: int, story: StoryPlan, at: datetime
    ) -> IngestResult:
        """Put an article that is in no story (a new one, or an orphan being repaired) into
        one, in few statements (Core, not ORM): joining a story is one UPDATE of the story
        (which also says whether it still exists), one INSERT and the rank of its
        countries; a new story is three INSERTs. Placing happens under the placement
        lock, which every worker queues for: each statement is time all of them wait."""
        if story.story_id is not None and await self._join_story(
            session, story.story_id, article_id, at
        ):
            return IngestResult(article_id=article_id, story_id=story.story_id, created=False)
        stories = table_of(Story)
        story_id = (
            await session.execute(
                insert(stories)
                .values(
                    headline=storable(story.headline),
                    created_at=at,
                    updated_at=at,
                    article_count=1,
                    source_count=1,
                    needs_brief=True,
                )
                .returning(stories.c.id)
            )
        ).scalar_one()
        await self._insert_member(session, story_id, article_id, at)
        best = best_scores(story.countries)
        if best:  # one member: one source; ranked as _rerank would rank them
            await session.execute(
                insert(table_of(StoryCountry)),
                [
                    {"story_id": story_id, "code": code, "score": score, "updated_at": at,
                     "rank": rank_key(score, 1, at)}
                    for code, score in best.items()
                ],
            )  # fmt: skip
        return IngestResult(article_id=article_id, story_id=story_id, created=True)

    async def _join_story(
        self, session: AsyncSession, story_id: int, article_id: int, at: datetime
    ) -> bool:
        """A new article into an existing story; False if the story is gone (pruned by
        another worker meanwhile). Counts as :meth:`_refresh_counts` makes them, the new
        member included before its row is written."""
        stories, members, articles = table_of(Story), table_of(StoryArticle), table_of(Article)
        member_ids = select(members.c.article_id).where(members.c.story_id == story_id)
        article_count = (
            select(func.count()).select_from(members).where(members.c.story_id == story_id)
        ).scalar_subquery() + 1
        source_count = (
            select(func.count(func.distinct(func.coalesce(articles.c.outlet, ""))))
            .where(or_(articles.c.id.in_(member_ids), articles.c.id == article_id))
            .scalar_subquery()
        )
        row = (
            await session.execute(
                update(stories)
                .where(stories.c.id == story_id)
                .values(
                    needs_brief=True,
                    article_count=article_count,
                    source_count=source_count,
                    updated_at=at,
                )
                .returning(stories.c.source_count, stories.c.updated_at)
            )
        ).one_or_none()
        if row is None:
            return False
        await self._insert_member(session, story_id, article_id, at)
        await self._rank_touched(session, story_id, row[0], row[1], at)
        return True

    @staticmethod
    async def _insert_member(
        session: AsyncSession, story_id: int, article_id: int, at: datetime
    ) -> None:
        await session.execute(
            insert(table_of(StoryArticle)).values(
                story_id=story_id, article_id=article_id, added_at=at
            )
        )

    async def orphan_articles(self, since: datetime, limit: int = 200) -> list[Article]:
        """Articles fetched since ``since`` that are in no story (left by a crash, or by an
        older version that stored the article and its story in two transactions)."""
        query = (
            select(Article)
            .where(
                Article.fetched_at >= as_utc(since),
                ~exists().where(StoryArticle.article_id == Article.id),
            )
            .order_by(Article.id)
            .limit(limit)
        )
        async with self.session() as session:
            return list((await session.scalars(query)).all())

    async def get_articles(self, ids: Iterable[int]) -> list[Article]:
        """Articles by id, in the order asked (missing ids are skipped)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[int, Article] = {}
        async with self.session() as session:
            for chunk in chunks(wanted):
                rows = await session.scalars(select(Article).where(Article.id.in_(chunk)))
                found.update((a.id, a) for a in rows.all())
        return [found[i] for i in wanted if i in found]

    async def recent_minhashes(self, since: datetime) -> list[MinhashRow]:
        """Signatures of articles fetched since ``since``: what near-duplicate checks index."""
        query = (
            select(Article.id, StoryArticle.story_id, Article.minhash)
            .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
            .where(Article.fetched_at >= as_utc(since), Article.minhash.is_not(None))
            .order_by(Article.id)
        )
        async with self.session() as session:
            rows = (await session.execute(query)).all()
        return [
            MinhashRow(article_id=a, story_id=s, signature=bytes(m))
            for a, s, m in rows
            if m is not None  # the query asks for signatures only; this tells the type checker
        ]


def article_values(article: NewArticle) -> dict[str, Any]:
    """An article row's values; text without NUL and lone surrogates (no database takes them)."""
    if article.text_source not in ("page", "feed"):
        raise ValueError(f"text_source must be 'page' or 'feed', not {article.text_source!r}")
    canonical = article.canonical_url or article.url
    return {
        "url": storable(article.url),
        "canonical_url": storable(canonical),
        "canonical_hash": url_hash(canonical),
        "guid": _storable_or_none(article.guid),
        "feed_id": article.feed_id,
        "outlet": _storable_or_none(article.outlet),
        "title": _storable_or_none(article.title),
        "published_at": article.published_at,
        "fetched_at": article.fetched_at or utcnow(),
        "text": storable(article.text),
        "text_source": article.text_source,
        "language": article.language,
        "analysis": storable_json(article.analysis) if article.analysis is not None else None,
        "minhash": pack_signature(article.minhash) if article.minhash is not None else None,
        "content_hash": article.content_hash,
    }


def _storable_or_none(value: str | None) -> str | None:
    return storable(value) if value is not None else None


def article_record(row: Article) -> ArticleRecord:
    """An article row as a plain record that outlives its session."""
    return ArticleRecord(
        id=row.id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        text=row.text,
        outlet=row.outlet,
        feed_id=row.feed_id,
        guid=row.guid,
        published_at=row.published_at,
        fetched_at=row.fetched_at,
        text_source=row.text_source,
        language=row.language,
        analysis=row.analysis,
        content_hash=row.content_hash,
    )
