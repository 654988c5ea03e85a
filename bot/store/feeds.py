"""Feeds and the entries they have shown us: configuration, polling state and health."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.base import ERROR_CHARS, StoreBase, chunks
from bot.store.models import Article, Feed, SeenEntry
from bot.store.records import EntryMark, FeedHealth, FeedSpec, SyncResult, url_hash
from bot.store.types import as_utc, storable, utcnow


class FeedQueries(StoreBase):
    """The feeds we poll, with their polling state, and the entries already handled."""

    async def sync_feeds(self, feeds: Iterable[FeedSpec]) -> SyncResult:
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

    async def add_feeds(self, feeds: Iterable[FeedSpec]) -> list[str]:
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
                    last_error=storable(error)[:ERROR_CHARS],
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

    async def filter_unseen(self, feed_id: int, keys: Iterable[str]) -> list[str]:
        """The keys (entry guid or link) this feed has not shown us before, in order, once."""
        ordered = list(dict.fromkeys(k for k in keys if k))
        if not ordered:
            return []
        hashes = {key: url_hash(key) for key in ordered}
        seen: set[str] = set()
        async with self.session() as session:
            for chunk in chunks(list(hashes.values())):
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
                    "error": storable(mark.error)[:ERROR_CHARS] if mark.error else None,
                },
            )
        return list(rows.values())

    async def _insert_seen(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        for chunk in chunks(rows):
            statement = self._insert(SeenEntry).on_conflict_do_nothing(
                index_elements=["feed_id", "key_hash"]
            )
            await session.execute(statement, list(chunk))


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


def _new_feed(config: FeedSpec) -> Feed:
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
