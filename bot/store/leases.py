"""Feed leases: which worker polls which feed now, so that any number of ingest workers
poll each feed once per interval, and a dead worker's feeds are polled by another.

A worker *claims* due feeds: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` picks
rows no other claim is taking at this moment, and the same transaction writes the
worker's name (``lease_owner``) and the end of its claim (``lease_until``) on them; on
SQLite one ``UPDATE ... RETURNING`` does both under the database's single writer. A
feed whose lease has not lapsed is skipped by every other claim. Once polled, the feed's
``next_poll_at`` lies an interval ahead (it is no longer due) and the claim is released.
A worker that dies mid-poll leaves its lease to lapse, after which any worker takes it.
A long poll keeps its claims by renewing them (:meth:`FeedLeaseQueries.renew_feed_leases`).

Lease times are the worker's wall clock (``now``), not a cycle's tick: workers on
different machines must keep their clocks in step (NTP) to within a small part of the
lease.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from bot.store.base import StoreBase, rowcount
from bot.store.models import Feed
from bot.store.types import as_utc, utcnow

#: How long a claim holds without renewal: a dead worker's feeds wait at most this long.
DEFAULT_LEASE = timedelta(minutes=5)


class FeedLeaseQueries(StoreBase):
    """Claiming due feeds for this worker (``self.owner``), renewing and releasing them."""

    async def claim_feeds(
        self,
        due_by: datetime,
        *,
        limit: int | None = 1,
        now: datetime | None = None,
        lease: timedelta = DEFAULT_LEASE,
        feed_ids: Iterable[int] | None = None,
        exclude: Collection[int] = (),
    ) -> list[Feed]:
        """Claim up to ``limit`` feeds due by ``due_by`` whose lease is free or lapsed at
        ``now``; most overdue first. ``feed_ids`` restricts the claim to those feeds,
        ``exclude`` leaves some out (the ones this cycle has polled already).

        Two workers claiming at once never get the same feed; each claimed row carries
        this worker's lease until ``now + lease``.
        """
        now = as_utc(now) if now else utcnow()
        conditions = [
            Feed.enabled.is_(True),
            Feed.gone.is_(False),
            or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= as_utc(due_by)),
            or_(Feed.lease_until.is_(None), Feed.lease_until <= now),
        ]
        if feed_ids is not None:
            wanted = list(dict.fromkeys(feed_ids))
            if not wanted:
                return []
            conditions.append(Feed.id.in_(wanted))
        if exclude:
            conditions.append(Feed.id.not_in(list(exclude)))
        pick = (
            select(Feed.id)
            .where(*conditions)
            .order_by(Feed.next_poll_at.is_not(None), Feed.next_poll_at, Feed.id)
        )
        if limit is not None:
            pick = pick.limit(limit)
        stamp = {"lease_owner": self.owner, "lease_until": now + lease}
        async with self.transaction() as session:
            if self.is_postgres:
                # rows another claim is taking right now are passed over, not waited for;
                # the ones picked stay locked until this transaction has stamped them
                ids = list((await session.scalars(pick.with_for_update(skip_locked=True))).all())
                if not ids:
                    return []
                chosen = Feed.id.in_(ids)
            else:  # one statement: SQLite's writer lock covers the choice and the stamp
                chosen = Feed.id.in_(pick.scalar_subquery())
            claim = (
                update(Feed)
                .where(chosen)
                .values(stamp)
                .returning(Feed)
                .execution_options(synchronize_session=False)
            )
            feeds = list((await session.scalars(claim)).all())
        feeds.sort(key=lambda f: (f.next_poll_at is not None, f.next_poll_at or now, f.id))
        return feeds

    async def renew_feed_leases(
        self,
        feed_ids: Iterable[int],
        *,
        now: datetime | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> set[int]:
        """Extend this worker's claims on ``feed_ids`` to ``now + lease``; returns the ids
        still ours (a claim that lapsed and was taken by another worker is not)."""
        ids = list(dict.fromkeys(feed_ids))
        if not ids:
            return set()
        now = as_utc(now) if now else utcnow()
        statement = (
            update(Feed)
            .where(Feed.id.in_(ids), Feed.lease_owner == self.owner)
            .values(lease_until=now + lease)
            .returning(Feed.id)
            .execution_options(synchronize_session=False)
        )
        async with self.transaction() as session:
            return set((await session.scalars(statement)).all())

    async def release_feeds(self, feed_ids: Iterable[int]) -> int:
        """Give up this worker's claims on ``feed_ids`` (polled, or not to be polled now);
        returns how many were still ours."""
        ids = list(dict.fromkeys(feed_ids))
        if not ids:
            return 0
        statement = (
            update(Feed)
            .where(Feed.id.in_(ids), Feed.lease_owner == self.owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        async with self.transaction() as session:
            return rowcount(await session.execute(statement))

    async def leased_feeds(self, now: datetime | None = None) -> dict[int, str]:
        """Feeds under a live lease and their worker: what ``newsbrief feeds`` and tests
        can show of the work in progress."""
        now = as_utc(now) if now else utcnow()
        query = select(Feed.id, Feed.lease_owner).where(
            and_(Feed.lease_owner.is_not(None), Feed.lease_until > now)
        )
        async with self.session() as session:
            return {int(i): str(o) for i, o in (await session.execute(query)).all()}
