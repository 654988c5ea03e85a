"""Articles: stored with their story and their feed entry in one transaction (an
article's own, or the hold's of the placement lock for a batch: bot/store/placement.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select, text, update
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
        :meth:`placing`); a hold with a transaction commits it with the others.
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
        hold's transaction (one failing undoes only its rows), on PostgreSQL before the
        lock is taken: every worker waits while that lock is held, and these are most of
        the bytes and statements. Returns its id, or None when its canonical URL is stored already
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

    async def insert_articles(
        self,
        articles: Sequence[tuple[PreparedArticle, EntryMark | None]],
        *,
        at: datetime,
        placement: Placement,
    ) -> list[int | Exception | None]:
        """:meth:`insert_article` for several articles at once: their rows in one
        statement and their seen marks in another (two round trips for the lot, where
        four an article made most of a hold's time), in a savepoint; if that fails, each
        article again in a savepoint of its own, so one bad article fails alone. Each
        gets its id, None (its canonical URL is stored already: marked a duplicate) or
        the exception of its own failure."""
        if not articles:
            return []
        try:
            async with self._placed_transaction(placement) as session:
                return list(await self._insert_all(session, articles, at))
        except Exception:  # one bad article, or the database: each on its own now
            outcomes: list[int | Exception | None] = []
            for article, seen in articles:
                try:
                    outcomes.append(
                        await self.insert_article(article, seen=seen, at=at, placement=placement)
                    )
                except Exception as exc:
                    outcomes.append(exc)
            return outcomes

    async def _insert_all(
        self,
        session: AsyncSession,
        articles: Sequence[tuple[PreparedArticle, EntryMark | None]],
        at: datetime,
    ) -> list[int | None]:
        table = table_of(Article)
        statement = (
            self._insert(table)
            .on_conflict_do_nothing(index_elements=["canonical_hash"])
            .returning(table.c.id, table.c.canonical_hash)
        )
        rows = [article.values for article, _ in articles]
        stored = dict((h, i) for i, h in (await session.execute(statement, rows)).all())
        ids: list[int | None] = []
        seen_rows: list[dict[str, Any]] = []
        for article, seen in articles:
            article_id = stored.pop(article.values["canonical_hash"], None)  # first one only
            ids.append(article_id)
            feed_id = article.values["feed_id"]
            if seen is not None and feed_id is not None:
                if article_id is None:
                    seen = EntryMark(seen.key, "duplicate", seen.error)
                seen_rows += self._seen_rows(feed_id, [seen], at)
        if seen_rows:
            await self._insert_seen(session, seen_rows)
        return ids

    async def reserve_story_ids(self, count: int, placement: Placement) -> list[int]:
        """``count`` ids for stories a hold starts: the window is told of a new story as
        soon as it is decided, before its row is written with the others; taken under
        the lock, so stories' ids still grow in the order they are placed. On PostgreSQL
        from the stories' sequence (ids left unused are skipped for ever, as a
        rolled-back insert's are); on SQLite (no sequence: a new row takes the highest
        id + 1, as any INSERT there would) from the highest id, read in the hold's
        transaction, which holds the database's write lock (no other writer can add a
        story before its commit), and remembered on the hold, so a second reservation
        continues after the first. (So on SQLite the id of the newest story, were it
        pruned, would be given again; a story is pruned when its last article leaves
        RETENTION_DAYS, long after the story window, which decides joins, let it go.)"""
        async with self._hold_session(placement) as session:
            if not self.is_postgres:
                first = placement.next_story_id
                if first is None:
                    first = (await session.scalar(select(func.max(Story.id))) or 0) + 1
                placement.next_story_id = first + count
                return list(range(first, first + count))
            rows = await session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence('stories', 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"n": count},
            )
            return [int(i) for (i,) in rows.all()]

    async def place_batch(
        self, placed: Sequence[Placed], *, at: datetime, placement: Placement
    ) -> list[IngestResult]:
        """Articles :meth:`insert_articles` wrote under this hold, put into the stories
        decided for them, under the lock, in a fixed number of statements whatever
        their number (a hold with a transaction: :meth:`placing`): the stories joined
        locked (a story pruned meanwhile is replaced by a new one, as
        :meth:`ingest_article` does), the new stories, the memberships (in ``placed``
        order: their placement numbers follow it), the new stories' countries, then
        every story that gained more than its first member counted again, re-dated and
        re-ranked as one join at a time would leave it. A statement that fails fails
        the whole hold (no savepoint)."""
        if not placed:
            return []
        placed = list(placed)
        async with self._hold_session(placement) as session:
            # stories joined that were there before this hold (not started in it)
            started = {p.story_id for p in placed if p.new}
            joined = sorted({p.story_id for p in placed if not p.new} - started)
            gone = set(joined) - await self._lock_stories(session, joined)
            if gone:
                placed = await self._replace_gone(session, placed, gone, placement)
            await self._write_placed(session, placed, at)
            # stories that gained a member beyond their first: joined, or new and joined
            grown = sorted({p.story_id for p in placed if not p.new})
            if grown:
                await self._recount(session, grown, at)
        return [IngestResult(p.article_id, p.story_id, p.new) for p in placed]

    async def _write_placed(
        self, session: AsyncSession, placed: Sequence[Placed], at: datetime
    ) -> None:
        """The new stories, their countries and every membership, memberships inserted
        in ``placed`` order (their placement numbers follow it): on PostgreSQL in one
        statement (one round trip under the lock where three were), rows given as
        arrays, the new rows' foreign keys checked once the whole statement is done; on
        SQLite (no data-modifying CTE, no arrays; no round trips either) in three, each
        executed for all its rows at once."""
        new = [p for p in placed if p.new]
        countries = [
            {"story_id": p.story_id, "code": code, "score": score, "updated_at": at,
             "rank": rank_key(score, 1, at)}
            for p in new
            for code, score in best_scores(p.countries).items()
        ]  # fmt: skip
        if not self.is_postgres:
            await _insert_rows(session, table_of(Story), [
                {"id": p.story_id, "headline": storable(p.headline), "created_at": at,
                 "updated_at": at, "article_count": 1, "source_count": 1, "needs_brief": True}
                for p in new
            ])  # fmt: skip
            await _insert_rows(session, table_of(StoryCountry), countries)
            await _insert_rows(session, table_of(StoryArticle), [
                {"story_id": p.story_id, "article_id": p.article_id, "added_at": at}
                for p in placed
            ])  # fmt: skip
            return
        await session.execute(
            text(
                "WITH new_stories AS (INSERT INTO stories (id, headline, created_at, updated_at,"
                " article_count, source_count, needs_brief)"
                " SELECT s.id, s.headline, CAST(:at AS timestamptz), CAST(:at AS timestamptz),"
                " 1, 1, true FROM unnest(CAST(:story_ids AS integer[]),"
                " CAST(:headlines AS text[])) AS s(id, headline)),"
                " new_countries AS (INSERT INTO story_countries (story_id, code, score,"
                " updated_at, rank) SELECT c.story_id, c.code, c.score, CAST(:at AS timestamptz),"
                " c.rank FROM unnest(CAST(:c_stories AS integer[]), CAST(:c_codes AS text[]),"
                " CAST(:c_scores AS float8[]), CAST(:c_ranks AS float8[]))"
                " AS c(story_id, code, score, rank))"
                " INSERT INTO story_articles (story_id, article_id, added_at)"
                " SELECT m.story_id, m.article_id, CAST(:at AS timestamptz)"
                " FROM unnest(CAST(:m_stories AS integer[]), CAST(:m_articles AS integer[]))"
                " WITH ORDINALITY AS m(story_id, article_id, n) ORDER BY m.n"
            ),
            {
                "at": at,
                "story_ids": [p.story_id for p in new],
                "headlines": [storable(p.headline) for p in new],
                "c_stories": [c["story_id"] for c in countries],
                "c_codes": [c["code"] for c in countries],
                "c_scores": [c["score"] for c in countries],
                "c_ranks": [c["rank"] for c in countries],
                "m_stories": [p.story_id for p in placed],
                "m_articles": [p.article_id for p in placed],
            },
        )

    @staticmethod
    async def _lock_stories(session: AsyncSession, ids: Sequence[int]) -> set[int]:
        """Which of these stories exist, locked until the hold commits (no prune takes
        one away between this check and the memberships written into it; on SQLite the
        hold's transaction has the database's write lock: no other writer at all)."""
        if not ids:
            return set()
        found = await session.scalars(select(Story.id).where(Story.id.in_(ids)).with_for_update())
        return set(found.all())

    async def _replace_gone(
        self, session: AsyncSession, placed: list[Placed], gone: set[int], placement: Placement
    ) -> list[Placed]:
        """A new story for each story that no longer exists, started by the first of the
        articles decided into it (with that article's headline and countries)."""
        ids = iter(await self.reserve_story_ids(len(gone), placement))
        instead: dict[int, int] = {}
        out = []
        for p in placed:
            if p.new or p.story_id not in gone:
                out.append(p)
                continue
            first = p.story_id not in instead
            if first:
                instead[p.story_id] = next(ids)
            out.append(replace(p, story_id=instead[p.story_id], new=first))
        return out

    async def _recount(self, session: AsyncSession, ids: Sequence[int], at: datetime) -> None:
        """Stories that gained members: counted from their members, dated ``at``, waiting
        for a brief, and their country rows dated and ranked from the new counts (what
        :meth:`_join_story` does for one)."""
        stories, members, articles = table_of(Story), table_of(StoryArticle), table_of(Article)
        counted = (
            update(stories)
            .where(stories.c.id.in_(ids))
            .values(
                needs_brief=True,
                updated_at=at,
                article_count=select(func.count())
                .select_from(members)
                .where(members.c.story_id == stories.c.id)
                .scalar_subquery(),
                source_count=select(func.count(func.distinct(func.coalesce(articles.c.outlet, ""))))
                .select_from(members.join(articles, articles.c.id == members.c.article_id))
                .where(members.c.story_id == stories.c.id)
                .scalar_subquery(),
            )
            .returning(stories.c.id, stories.c.source_count, stories.c.updated_at)
        )
        table = table_of(StoryCountry)
        if self.is_postgres:
            # the stories and their country rows in one statement (an UPDATE ... FROM a
            # data-modifying CTE): each row comes back with its story's new counts
            cte = counted.cte("counted")
            statement = (
                table.update()
                .where(table.c.story_id == cte.c.id)
                .values(updated_at=at)
                .returning(
                    table.c.story_id, table.c.code, table.c.score,
                    cte.c.source_count, cte.c.updated_at,
                )
            )  # fmt: skip
            rows = [tuple(row) for row in (await session.execute(statement)).all()]
        else:  # SQLite: the stories, then their country rows, joined here
            story_rows = {i: (n, u) for i, n, u in (await session.execute(counted)).all()}
            found = await session.execute(
                select(table.c.story_id, table.c.code, table.c.score).where(
                    table.c.story_id.in_(ids)
                )
            )
            rows = [(i, code, score, *story_rows[i]) for i, code, score in found.all()]
        if rows:
            await session.execute(
                table.update()
                .where(
                    table.c.story_id == bindparam("row_story"),
                    table.c.code == bindparam("row_code"),
                )
                .values(updated_at=at, rank=bindparam("new_rank")),
                [
                    {"row_story": sid, "row_code": code,
                     "new_rank": rank_key(score, sources, as_utc(updated))}
                    for sid, code, score, sources, updated in rows
                ],
            )  # fmt: skip

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


@dataclass(frozen=True, slots=True)
class Placed:
    """An article written under a hold and the story decided for it: ``new``, a story it
    starts (its id reserved: :meth:`ArticleQueries.reserve_story_ids`) with this
    headline and these countries; else one it joins."""

    article_id: int
    story_id: int
    new: bool
    headline: str = ""
    countries: tuple[tuple[str, float], ...] = ()


async def _insert_rows(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    """Rows into a table in one statement executed for them all, in their order."""
    if rows:
        await session.execute(insert(table), rows)


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
