"""The :class:`Store`: every query of ingestion, briefs and digests, behind async methods.

Each method opens its own short session (one transaction) and returns plain values,
dataclasses from :mod:`bot.store.records`, or detached ORM rows with every column
loaded, so callers never touch a session. Other modules with their own tables use
:meth:`Store.session` / :meth:`Store.transaction` on the same engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CursorResult,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql import Select

from bot.settings import FeedConfig, Settings, get_settings
from bot.store import migrate as migrations
from bot.store.briefs import BriefQueries
from bot.store.engine import make_engine
from bot.store.models import (
    Article,
    Feed,
    SeenEntry,
    Story,
    StoryArticle,
    StoryCountry,
    table_of,
)
from bot.store.records import (
    ArticleRecord,
    EntryMark,
    FeedHealth,
    IngestResult,
    MinhashRow,
    PruneResult,
    StoreStats,
    StoryCandidate,
    StoryDetail,
    StoryPlan,
    StorySummary,
    SyncResult,
    pack_signature,
    url_hash,
)
from bot.store.types import as_utc, storable, storable_json, utcnow

#: Hours for a story's weight in /brief and digests to halve.
RECENCY_HALF_LIFE_HOURS = 12.0
_CHUNK = 500  # bound the number of bind parameters per IN (...)
#: Extra candidates per country beyond the limit, so float rounding between the stored
#: rank and :func:`importance` can never push a story of the answer out of the candidates.
_RANK_MARGIN = 8
#: The rank of a story with no salience (importance 0): below any real one.
_NO_RANK = -1e12
_ERROR_CHARS = 500


def importance(salience: float, source_count: int, updated_at: datetime, now: datetime) -> float:
    """How high a story ranks for a country: salience x breadth of coverage x recency.

    Salience (0..1) says how much the story is about the country; each doubling of
    the outlets covering it adds about the same weight (log); the weight halves every
    :data:`RECENCY_HALF_LIFE_HOURS`.
    """
    age_hours = max(0.0, (now - updated_at).total_seconds() / 3600)
    breadth = 1.0 + math.log2(1 + max(source_count, 0))
    return salience * breadth * 0.5 ** (age_hours / RECENCY_HALF_LIFE_HOURS)


def rank_key(salience: float, source_count: int, updated_at: datetime) -> float:
    """:func:`importance` on a log2 scale with ``now`` taken out, so it can be stored.

    ``log2(importance) = log2(salience x breadth) + hours(updated_at) / half-life - hours(now)
    / half-life``: the last term is the same for every story, so ordering by this key is
    ordering by importance, for any ``now`` not before ``updated_at`` (where recency is
    capped). The database sorts on it with an index and returns only the top.
    """
    weight = salience * (1.0 + math.log2(1 + max(source_count, 0)))
    if weight <= 0:
        return _NO_RANK
    hours = as_utc(updated_at).timestamp() / 3600
    return math.log2(weight) + hours / RECENCY_HALF_LIFE_HOURS


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rowcount(result: object) -> int:
    """Rows a DELETE or UPDATE touched. ``AsyncSession.execute`` is typed as returning a plain
    Result; for these statements it is a CursorResult, the one that counts rows."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a DELETE or UPDATE gave a {type(result).__name__}, not a CursorResult")
    return result.rowcount or 0


class Store(BriefQueries):
    """The database: SQLite by default, PostgreSQL when the URL says so."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        url: str | None = None,
        engine: AsyncEngine | None = None,
    ) -> None:
        if engine is None:
            engine = make_engine(url or (settings or get_settings()).database_url)
        super().__init__(engine)

    @classmethod
    def from_url(cls, url: str, **engine_kwargs: Any) -> Store:
        return cls(engine=make_engine(url, **engine_kwargs))

    @classmethod
    async def open(cls, settings: Settings | None = None, *, url: str | None = None) -> Store:
        """A store with its schema migrated to the latest revision: what the service uses."""
        store = cls(settings, url=url)
        try:
            await store.migrate()
        except BaseException:
            await store.close()
            raise
        return store

    async def migrate(self) -> None:
        """Apply pending Alembic migrations (idempotent; safe with several PostgreSQL workers)."""
        await migrations.upgrade(self.engine)

    async def schema_revision(self) -> str | None:
        return await migrations.current_revision(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ feeds

    async def sync_feeds(self, feeds: Iterable[FeedConfig]) -> SyncResult:
        """Add new feeds and update the name/country/... of known ones; polling state is kept.

        A feed is known by its configured URL. A URL that is the new address of a feed
        that moved (its ``effective_url``) is that feed, when the old URL is no longer
        configured: the operator updated the feed list as the move asked, so the row takes
        the new URL as its own and keeps its history. Feeds in the database but not in
        ``feeds`` are left alone (they may come from OPML).
        """
        result = SyncResult()
        configs = list(feeds)
        configured = {config.url for config in configs}
        async with self.transaction() as session:
            rows = (await session.scalars(select(Feed))).all()
            known = {feed.url: feed for feed in rows}
            moved = {
                feed.effective_url: feed
                for feed in rows
                if feed.effective_url and feed.url not in configured
            }
            for config in configs:
                feed = known.get(config.url)
                if feed is None and (feed := moved.pop(config.url, None)) is not None:
                    del known[feed.url]
                    feed.url, feed.effective_url, feed.moved_candidate = config.url, None, None
                    known[config.url] = feed
                    result.updated.append(config.url)
                if feed is None:
                    feed = _new_feed(config)
                    session.add(feed)
                    known[config.url] = feed
                    result.added.append(config.url)
                    continue
                wanted = {
                    "name": config.name,
                    "html_url": config.html_url or feed.html_url,
                    "language": config.language,
                    "country": config.country,
                    "enabled": config.enabled,
                    "interval_seconds": config.interval_seconds,
                }
                changed = {k: v for k, v in wanted.items() if getattr(feed, k) != v}
                for key, value in changed.items():
                    setattr(feed, key, value)
                if config.url in result.updated:
                    continue
                (result.updated if changed else result.unchanged).append(config.url)
        return result

    async def add_feeds(self, feeds: Iterable[FeedConfig]) -> list[str]:
        """Add the feeds whose URL is new, leave known ones untouched; returns the added URLs.

        The new address of a feed that moved counts as known: that feed is polled there.
        """
        configs = list(feeds)
        async with self.transaction() as session:
            rows = (await session.execute(select(Feed.url, Feed.effective_url))).all()
            known = {url for url, _ in rows} | {moved for _, moved in rows if moved}
            added: list[str] = []
            for config in configs:
                if config.url in known:
                    continue
                known.add(config.url)
                session.add(_new_feed(config))
                added.append(config.url)
        return added

    async def list_feeds(self, *, enabled_only: bool = False) -> list[Feed]:
        query = select(Feed).order_by(Feed.name, Feed.id)
        if enabled_only:
            query = query.where(Feed.enabled.is_(True))
        async with self.session() as session:
            return list((await session.scalars(query)).all())

    async def get_feed(self, feed_id: int) -> Feed | None:
        async with self.session() as session:
            return await session.get(Feed, feed_id)

    async def set_feed_enabled(self, feed_id: int, enabled: bool) -> None:
        async with self.transaction() as session:
            await session.execute(update(Feed).where(Feed.id == feed_id).values(enabled=enabled))

    async def due_feeds(self, now: datetime | None = None, limit: int | None = None) -> list[Feed]:
        """Enabled, not gone, and never polled or due by ``now``; most overdue first."""
        now = as_utc(now) if now else utcnow()
        query = (
            select(Feed)
            .where(
                Feed.enabled.is_(True),
                Feed.gone.is_(False),
                or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now),
            )
            .order_by(Feed.next_poll_at.is_not(None), Feed.next_poll_at, Feed.id)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self.session() as session:
            return list((await session.scalars(query)).all())

    async def record_feed_success(
        self,
        feed_id: int,
        *,
        etag: str | None,
        last_modified: str | None,
        items_seen_delta: int = 0,
        next_poll_at: datetime,
        polled_at: datetime | None = None,
    ) -> None:
        """A poll worked (200 or 304): keep the validators, reset the failure count."""
        polled_at = polled_at or utcnow()
        async with self.transaction() as session:
            await session.execute(
                update(Feed)
                .where(Feed.id == feed_id)
                .values(
                    etag=etag,
                    last_modified=last_modified,
                    items_seen=Feed.items_seen + items_seen_delta,
                    last_polled_at=polled_at,
                    last_success_at=polled_at,
                    next_poll_at=next_poll_at,
                    consecutive_failures=0,
                    gone=False,
                )
            )

    async def record_feed_redirect(
        self, feed_id: int, target: str | None, *, at: datetime | None = None
    ) -> bool:
        """Note where a poll was permanently redirected (None: it was not); True when moved.

        A feed moves when two polls in a row end at the same target through permanent
        redirects only: from then on it is polled there (``effective_url``), and its
        configured URL stays its identity. A poll without a permanent redirect forgets
        a move that was waiting for confirmation. A target equal to the configured URL
        (the feed moved back) clears the move.
        """
        at = as_utc(at) if at else utcnow()
        async with self.transaction() as session:
            feed = await session.get(Feed, feed_id, with_for_update=True)
            if feed is None:
                return False
            if target is None or target == feed.poll_url:
                feed.moved_candidate = None
                return False
            if feed.moved_candidate != target:
                feed.moved_candidate = target  # first sighting: confirm on the next poll
                return False
            feed.effective_url = None if target == feed.url else target
            feed.moved_candidate = None
            feed.moved_at = at
            # the validators belong to the URL that answered: they stay valid there
            return True

    async def record_feed_failure(
        self,
        feed_id: int,
        error: str,
        *,
        next_poll_at: datetime | None,
        gone: bool = False,
        polled_at: datetime | None = None,
    ) -> int:
        """A poll failed: count it, keep the error; ``gone`` (HTTP 410) stops polling.

        Returns the number of consecutive failures, for the caller's backoff.
        """
        polled_at = polled_at or utcnow()
        async with self.transaction() as session:
            result = await session.execute(
                update(Feed)
                .where(Feed.id == feed_id)
                .values(
                    last_error=storable(error)[:_ERROR_CHARS],
                    last_error_at=polled_at,
                    last_polled_at=polled_at,
                    next_poll_at=next_poll_at,
                    consecutive_failures=Feed.consecutive_failures + 1,
                    gone=gone,
                )
                .returning(Feed.consecutive_failures)
            )
            return int(result.scalar_one_or_none() or 0)

    async def feed_health(self) -> list[FeedHealth]:
        """Every feed with its status and article count, for ``newsbrief feeds``."""
        counts = (
            select(Article.feed_id, func.count().label("n"))
            .where(Article.feed_id.is_not(None))
            .group_by(Article.feed_id)
            .subquery()
        )
        query = (
            select(Feed, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.feed_id == Feed.id)
            .order_by(Feed.name, Feed.id)
        )
        async with self.session() as session:
            rows = (await session.execute(query)).all()
        return [
            FeedHealth(
                id=feed.id,
                name=feed.name,
                url=feed.url,
                country=feed.country,
                enabled=feed.enabled,
                status=feed_status(feed),
                last_success_at=feed.last_success_at,
                last_error=feed.last_error,
                last_error_at=feed.last_error_at,
                consecutive_failures=feed.consecutive_failures,
                items_seen=feed.items_seen,
                next_poll_at=feed.next_poll_at,
                articles=int(n),
                effective_url=feed.effective_url,
                moved_at=feed.moved_at if feed.effective_url else None,
            )
            for feed, n in rows
        ]

    # ------------------------------------------------------------------ seen entries

    async def filter_unseen(self, feed_id: int, keys: Iterable[str]) -> list[str]:
        """The keys (entry guid or link) this feed has not shown us before, in order, once."""
        ordered = list(dict.fromkeys(k for k in keys if k))
        if not ordered:
            return []
        hashes = {key: url_hash(key) for key in ordered}
        seen: set[str] = set()
        async with self.session() as session:
            for chunk in _chunks(list(hashes.values())):
                rows = await session.scalars(
                    select(SeenEntry.key_hash).where(
                        SeenEntry.feed_id == feed_id, SeenEntry.key_hash.in_(chunk)
                    )
                )
                seen.update(rows.all())
        return [key for key in ordered if hashes[key] not in seen]

    async def mark_seen(
        self, feed_id: int, keys: Iterable[str], *, seen_at: datetime | None = None
    ) -> None:
        """Remember entries as handled so the next poll skips them (idempotent)."""
        await self.mark_entries(feed_id, [EntryMark(key) for key in keys], seen_at=seen_at)

    async def mark_entries(
        self, feed_id: int, marks: Iterable[EntryMark], *, seen_at: datetime | None = None
    ) -> None:
        """Remember entries as handled, with what became of each (idempotent: first wins)."""
        rows = self._seen_rows(feed_id, marks, seen_at or utcnow())
        if not rows:
            return
        async with self.transaction() as session:
            await self._insert_seen(session, rows)

    @staticmethod
    def _seen_rows(feed_id: int, marks: Iterable[EntryMark], at: datetime) -> list[dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for mark in marks:
            if not mark.key:
                continue
            rows.setdefault(
                url_hash(mark.key),
                {
                    "feed_id": feed_id,
                    "key_hash": url_hash(mark.key),
                    "seen_at": at,
                    "outcome": mark.outcome,
                    "error": storable(mark.error)[:_ERROR_CHARS] if mark.error else None,
                },
            )
        return list(rows.values())

    async def _insert_seen(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        for chunk in _chunks(rows):
            statement = self._insert(SeenEntry).on_conflict_do_nothing(
                index_elements=["feed_id", "key_hash"]
            )
            await session.execute(statement, list(chunk))

    # ------------------------------------------------------------------ articles

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
            for chunk in _chunks(list(by_hash)):
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

    async def add_article(
        self,
        *,
        url: str,
        canonical_url: str | None = None,
        title: str | None,
        text: str,
        feed_id: int | None = None,
        outlet: str | None = None,
        guid: str | None = None,
        published_at: datetime | None = None,
        fetched_at: datetime | None = None,
        text_source: str = "page",
        language: str | None = None,
        analysis: dict[str, Any] | None = None,
        minhash: bytes | Iterable[int] | None = None,
        content_hash: str | None = None,
    ) -> int | None:
        """Store an article; returns its id, or None if its canonical URL is already stored.

        ``analysis`` is ``Analysis.to_dict()``; ``minhash`` the signature's uint64s (or
        bytes from :func:`~bot.store.records.pack_signature`).
        """
        values = _article_values(
            url=url,
            canonical_url=canonical_url,
            title=title,
            text=text,
            feed_id=feed_id,
            outlet=outlet,
            guid=guid,
            published_at=published_at,
            fetched_at=fetched_at,
            text_source=text_source,
            language=language,
            analysis=analysis,
            minhash=minhash,
            content_hash=content_hash,
        )
        async with self.transaction() as session:
            return await self._insert_article(session, values)

    async def _insert_article(self, session: AsyncSession, values: dict[str, Any]) -> int | None:
        statement = (
            self._insert(Article)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["canonical_hash"])
            .returning(Article.id)
        )
        return (await session.execute(statement)).scalar_one_or_none()

    async def ingest_article(
        self,
        article: dict[str, Any],
        story: StoryPlan,
        *,
        seen: EntryMark | None = None,
        at: datetime | None = None,
    ) -> IngestResult | None:
        """Store an article, its story membership and its entry's seen mark: all or nothing.

        ``article`` holds :meth:`add_article`'s keyword arguments; ``story`` says which
        story it joins (one that no longer exists is replaced by a new one) or how to
        start one; ``seen`` is the feed entry it came from (``feed_id`` is the article's).
        Returns None when its canonical URL is stored already (the entry is still marked
        seen). A process killed at any point leaves either all of it or none of it.
        """
        at = at or utcnow()
        values = _article_values(**article)
        async with self.transaction() as session:
            article_id = await self._insert_article(session, values)
            result = None
            if article_id is not None:
                result = await self._place(session, article_id, story, at)
            if seen is not None and values["feed_id"] is not None:
                if article_id is None:
                    seen = EntryMark(seen.key, "duplicate", seen.error)
                await self._insert_seen(session, self._seen_rows(values["feed_id"], [seen], at))
            return result

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
        story_id = story.story_id
        if story_id is not None and await session.get(Story, story_id) is None:
            story_id = None  # pruned meanwhile (another worker): start a story instead
        if story_id is not None:
            await self._attach(session, story_id, [article_id], at)
            return IngestResult(article_id=article_id, story_id=story_id, created=False)
        row = Story(
            headline=storable(story.headline),
            created_at=at,
            updated_at=at,
            article_count=0,
            source_count=0,
            needs_brief=True,
        )
        session.add(row)
        await session.flush()
        await self._attach(session, row.id, [article_id], at)
        await self._set_countries(session, row.id, story.countries, at)
        return IngestResult(article_id=article_id, story_id=row.id, created=True)

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

    async def set_article_analysis(
        self,
        article_id: int,
        analysis: dict[str, Any],
        *,
        language: str | None = None,
        minhash: bytes | Iterable[int] | None = None,
    ) -> None:
        """Store (or replace) an article's analysis, e.g. after the summarizer improves."""
        values: dict[str, Any] = {"analysis": analysis}
        if language is not None:
            values["language"] = language
        if minhash is not None:
            values["minhash"] = pack_signature(minhash)
        async with self.transaction() as session:
            await session.execute(update(Article).where(Article.id == article_id).values(values))

    async def get_articles(self, ids: Iterable[int]) -> list[Article]:
        """Articles by id, in the order asked (missing ids are skipped)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[int, Article] = {}
        async with self.session() as session:
            for chunk in _chunks(wanted):
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

    async def story_of_article(self, article_id: int) -> int | None:
        async with self.session() as session:
            return await session.scalar(
                select(StoryArticle.story_id).where(StoryArticle.article_id == article_id)
            )

    # ------------------------------------------------------------------ stories

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
                False if built_from is None else Story.article_count > built_from
            )
        if headline is not None:
            values["headline"] = storable(headline)
        async with self.transaction() as session:
            await session.execute(update(Story).where(Story.id == story_id).values(values))
            if countries is not None:
                await self._set_countries(session, story_id, countries, at)
            else:
                await self._touch_countries(session, story_id, at)

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
    ) -> None:
        best: dict[str, float] = {}
        for code, score in countries:
            code = code.upper()
            best[code] = max(float(score), best.get(code, 0.0))
        await session.execute(delete(StoryCountry).where(StoryCountry.story_id == story_id))
        if best:
            await session.execute(
                table_of(StoryCountry).insert(),
                [
                    {"story_id": story_id, "code": c, "score": s, "updated_at": at}
                    for c, s in best.items()
                ],
            )
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
                {"row_code": code, "new_rank": rank_key(score, story[0], story[1])}
                for code, score in rows
            ],
        )

    async def recent_stories(self, since: datetime) -> list[StoryCandidate]:
        """Stories updated since ``since``, with countries and people: clustering candidates."""
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
                people=[p["name"] for p in (s.brief or {}).get("people", []) if p.get("name")],
            )
            for s in stories
        ]

    async def _countries_of(
        self, session: AsyncSession, story_ids: list[int]
    ) -> dict[int, dict[str, float]]:
        out: dict[int, dict[str, float]] = {}
        for chunk in _chunks(story_ids):
            rows = await session.execute(
                select(StoryCountry.story_id, StoryCountry.code, StoryCountry.score)
                .where(StoryCountry.story_id.in_(chunk))
                .order_by(StoryCountry.story_id, StoryCountry.score.desc())
            )
            for story_id, code, score in rows.all():
                out.setdefault(story_id, {})[code] = score
        return out

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
        since = as_utc(since)
        light = (
            StoryCountry.story_id,
            StoryCountry.code,
            StoryCountry.score,
            Story.source_count,
            Story.updated_at,
        )
        shown = (Story.headline, Story.brief, Story.created_at, Story.article_count)
        matching = (
            StoryCountry.code.in_(wanted),
            StoryCountry.updated_at >= since,
            StoryCountry.score >= min_salience,
        )
        async with self.session() as session:
            if limit is not None:  # one round trip: the few candidates, with what is shown
                top = self._top_candidates(wanted, since, now, min_salience, limit)
                by_id = (  # found by story id, not by reading the window again
                    self._unindexed(StoryCountry.code).in_(wanted),
                    self._unindexed(StoryCountry.updated_at) >= since,
                    StoryCountry.score >= min_salience,
                )
                rows = (
                    await session.execute(
                        select(*light, *shown)
                        .join(Story, Story.id == StoryCountry.story_id)
                        .where(*by_id, StoryCountry.story_id.in_(top))
                    )
                ).all()
                details = {row[0]: tuple(row[3:]) for row in rows}
            else:  # every story of the window (digests): rank them all, then read the shown
                statement = select(*light).join(Story, Story.id == StoryCountry.story_id)
                rows = (await session.execute(statement.where(*matching))).all()
            ranked = _rank(rows, now)
            order = sorted(ranked, key=lambda i: (-ranked[i][0], -i))[:limit]
            if limit is None:
                details = {}
                for chunk in _chunks(order):
                    found = await session.execute(
                        select(Story.id, *light[3:], *shown).where(Story.id.in_(chunk))
                    )
                    details.update((row[0], tuple(row[1:])) for row in found.all())
        summaries = []
        for i in order:
            if i not in details:
                continue
            source_count, updated_at, headline, brief, created_at, article_count = details[i]
            summaries.append(
                StorySummary(
                    id=i,
                    headline=headline,
                    brief=brief,
                    created_at=created_at,
                    updated_at=updated_at,
                    article_count=article_count,
                    source_count=source_count,
                    salience=ranked[i][1],
                    importance=ranked[i][0],
                    codes=tuple(sorted(ranked[i][2])),
                )
            )
        return summaries

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
            for chunk in _chunks(rows, 5000):
                await session.execute(
                    statement,
                    [
                        {"row_story": i, "row_code": c, "new_rank": rank_key(s, n, at)}
                        for i, c, s, n, at in chunk
                    ],
                )
        return len(rows)

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
                .limit(limit + _RANK_MARGIN)
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

    # ------------------------------------------------------------------ housekeeping

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
            for chunk in _chunks(empty_ids):
                await session.execute(delete(StoryCountry).where(StoryCountry.story_id.in_(chunk)))
                await session.execute(delete(Story).where(Story.id.in_(chunk)))
            for story_id in touched.difference(empty_ids):
                await self._refresh_counts(session, story_id, at)
                await self._rerank(session, story_id)
        return PruneResult(
            articles=_rowcount(articles),
            seen_entries=_rowcount(seen),
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


def _article_values(
    *,
    url: str,
    canonical_url: str | None = None,
    title: str | None,
    text: str,
    feed_id: int | None = None,
    outlet: str | None = None,
    guid: str | None = None,
    published_at: datetime | None = None,
    fetched_at: datetime | None = None,
    text_source: str = "page",
    language: str | None = None,
    analysis: dict[str, Any] | None = None,
    minhash: bytes | Iterable[int] | None = None,
    content_hash: str | None = None,
) -> dict[str, Any]:
    """An article row's values; text without NUL and lone surrogates (no database takes them)."""
    if text_source not in ("page", "feed"):
        raise ValueError(f"text_source must be 'page' or 'feed', not {text_source!r}")
    canonical = canonical_url or url
    return {
        "url": storable(url),
        "canonical_url": storable(canonical),
        "canonical_hash": url_hash(canonical),
        "guid": storable(guid) if guid is not None else None,
        "feed_id": feed_id,
        "outlet": storable(outlet) if outlet is not None else None,
        "title": storable(title) if title is not None else None,
        "published_at": published_at,
        "fetched_at": fetched_at or utcnow(),
        "text": storable(text),
        "text_source": text_source,
        "language": language,
        "analysis": storable_json(analysis) if analysis is not None else None,
        "minhash": pack_signature(minhash) if minhash is not None else None,
        "content_hash": content_hash,
    }


def _rank(rows: Iterable[Any], now: datetime) -> dict[int, tuple[float, float, list[str]]]:
    """Each story's best (importance, salience) over its matching countries, and the codes
    that matched: ``rows`` are (story_id, code, salience, source_count, updated_at)."""
    ranked: dict[int, tuple[float, float, list[str]]] = {}
    for story_id, code, score, sources, updated_at, *_shown in rows:
        weight = importance(score, sources, updated_at, now)
        best = ranked.get(story_id)
        if best is None:
            ranked[story_id] = (weight, score, [code])
        else:
            best[2].append(code)
            if weight > best[0]:
                ranked[story_id] = (weight, score, best[2])
    return ranked


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


def feed_status(feed: Feed) -> str:
    """ok | failing | gone | never polled | disabled: one word for the feeds table."""
    if feed.gone:
        return "gone"
    if not feed.enabled:
        return "disabled"
    if feed.consecutive_failures > 0:
        return "failing"
    if feed.last_success_at is None:
        return "never polled"
    return "ok"


def _new_feed(config: FeedConfig) -> Feed:
    """A feed row as configured, with its polling state at zero."""
    return Feed(
        url=config.url,
        name=config.name,
        html_url=config.html_url,
        language=config.language,
        country=config.country,
        enabled=config.enabled,
        interval_seconds=config.interval_seconds,
        consecutive_failures=0,
        items_seen=0,
        gone=False,
    )
