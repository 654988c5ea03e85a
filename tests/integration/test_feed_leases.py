"""Feed leases: several workers claim due feeds without overlap; lapsed claims come back.

Every test runs on SQLite and PostgreSQL (the ``store`` fixture); the claimers
are separate :class:`Store` instances, each with its own engine and connections, as
separate worker processes would be.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import FeedConfig
from bot.store import Feed, Store

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def _another(store: Store) -> Store:
    """A second worker on the same (emptied, migrated) database: its own engine."""
    return Store.from_url(store.engine.url.render_as_string(hide_password=False))


def _feeds(n: int) -> list[FeedConfig]:
    return [FeedConfig(url=f"https://example.org/{i}.xml", name=f"Feed {i}") for i in range(n)]


async def test_concurrent_claimers_get_disjoint_feeds(store: Store) -> None:
    workers = [store] + [_another(store) for _ in range(3)]
    try:
        await store.sync_feeds(_feeds(40))

        async def drain(store: Store) -> list[int]:
            """Claim two at a time until nothing is left, as a cycle's slots do."""
            got: list[int] = []
            while batch := await store.claim_feeds(T0, limit=2, now=T0):
                got += [f.id for f in batch]
                await asyncio.sleep(0)
            return got

        claimed = await asyncio.gather(*(drain(w) for w in workers))
        every = [feed_id for ids in claimed for feed_id in ids]
        assert len(every) == len(set(every)) == 40  # each feed claimed once, all claimed
        leases = await workers[0].leased_feeds(now=T0)
        for worker, ids in zip(workers, claimed, strict=True):
            assert all(leases[i] == worker.owner for i in ids)
    finally:
        for worker in workers[1:]:
            await worker.close()


async def test_a_held_lease_is_skipped_and_a_lapsed_one_reclaimed(store: Store) -> None:
    dead, alive = _another(store), store
    try:
        await alive.sync_feeds(_feeds(3))
        taken = await dead.claim_feeds(T0, limit=None, now=T0, lease=LEASE)
        assert len(taken) == 3
        # the worker "dies" here: it never releases nor renews
        assert await alive.claim_feeds(T0, limit=None, now=T0 + LEASE / 2, lease=LEASE) == []
        again = await alive.claim_feeds(T0, limit=None, now=T0 + LEASE, lease=LEASE)
        assert sorted(f.id for f in again) == sorted(f.id for f in taken)
        assert {f.lease_owner for f in again} == {alive.owner}
        assert {f.lease_until for f in again} == {T0 + 2 * LEASE}
        # the dead worker, back, cannot renew or release what is no longer its own
        assert await dead.renew_feed_leases([f.id for f in taken], now=T0 + LEASE) == set()
        assert await dead.release_feeds([f.id for f in taken]) == 0
        assert set((await alive.leased_feeds(now=T0 + LEASE)).values()) == {alive.owner}
    finally:
        await dead.close()


async def test_renewal_keeps_a_long_poll_and_release_frees_it(store: Store) -> None:
    other = _another(store)
    try:
        await store.sync_feeds(_feeds(2))
        feeds = await store.claim_feeds(T0, limit=None, now=T0, lease=LEASE)
        ids = [f.id for f in feeds]
        later = T0 + LEASE - timedelta(seconds=1)
        assert await store.renew_feed_leases(ids, now=later, lease=LEASE) == set(ids)
        assert await other.claim_feeds(T0, limit=None, now=T0 + LEASE, lease=LEASE) == []
        assert await store.release_feeds(ids[:1]) == 1
        freed = await other.claim_feeds(T0, limit=None, now=T0 + LEASE, lease=LEASE)
        assert [f.id for f in freed] == ids[:1]
    finally:
        await other.close()


async def test_claims_follow_the_schedule_and_the_filters(store: Store) -> None:
    await store.sync_feeds(_feeds(5))
    feeds = await store.list_feeds()
    by_url = {f.url: f.id for f in feeds}
    ids = [by_url[f"https://example.org/{i}.xml"] for i in range(5)]
    # feed 0 polled: due again in 15 minutes; feed 1 gone; feed 2 disabled
    await store.record_feed_success(
        ids[0], etag=None, last_modified=None, next_poll_at=T0 + timedelta(minutes=15)
    )
    await store.record_feed_failure(ids[1], "HTTP 410", next_poll_at=None, gone=True)
    await store.set_feed_enabled(ids[2], False)

    assert await store.claim_feeds(T0, limit=None, now=T0, feed_ids=[]) == []
    only = await store.claim_feeds(T0, limit=None, now=T0, feed_ids=[ids[0], ids[3]])
    assert [f.id for f in only] == [ids[3]]  # feed 0 is not due yet
    rest = await store.claim_feeds(T0, limit=None, now=T0, exclude={ids[4]})
    assert rest == []  # 3 is held (by this very worker), 4 excluded
    assert [f.id for f in await store.claim_feeds(T0, limit=None, now=T0)] == [ids[4]]
    await store.release_feeds([ids[3], ids[4]])
    due_later = await store.claim_feeds(T0 + timedelta(minutes=15), limit=None, now=T0)
    # never polled first (most overdue), then by next poll
    assert [f.id for f in due_later] == [ids[3], ids[4], ids[0]]


async def test_postgres_passes_over_rows_another_claim_is_taking(store: Store) -> None:
    """A claim in progress elsewhere (its rows locked, not yet stamped) is not waited for:
    the other worker takes the next feeds at once."""
    if not store.is_postgres:
        return  # SQLite has one writer: a claim there is one statement, never interleaved
    from sqlalchemy import select

    from bot.store import Feed

    await store.sync_feeds(_feeds(4))
    other = _another(store)
    try:
        async with store.engine.connect() as held:
            await held.begin()
            locked = (
                (await held.execute(select(Feed.id).order_by(Feed.id).limit(2).with_for_update()))
                .scalars()
                .all()
            )
            got = await asyncio.wait_for(other.claim_feeds(T0, limit=None, now=T0), 10)
            await held.rollback()
        assert len(locked) == 2
        assert sorted(f.id for f in got) == sorted(
            f.id for f in await store.list_feeds() if f.id not in locked
        )
    finally:
        await other.close()


# ------------------------------------------------------------------ a cycle's claims
async def test_poll_claimed_polls_each_due_feed_once_within_its_slots(store: Store) -> None:
    from bot.ingest.claims import poll_claimed

    await store.sync_feeds(_feeds(7))
    other = _another(store)
    in_flight: set[int] = set()
    most = 0

    async def poll(feed: Feed) -> int:
        nonlocal most
        in_flight.add(feed.id)
        most = max(most, len(in_flight))
        leases = await store.leased_feeds(now=T0)
        assert leases[feed.id] == store.owner  # held while polled
        # another worker, meanwhile, cannot take a feed this one holds
        assert await other.claim_feeds(T0, limit=None, now=T0, feed_ids=in_flight) == []
        await store.record_feed_success(
            feed.id, etag=None, last_modified=None, next_poll_at=T0 + timedelta(minutes=15)
        )
        in_flight.discard(feed.id)
        return feed.id

    try:
        polled = await poll_claimed(store, poll, T0, clock=lambda: T0, slots=3)
    finally:
        await other.close()
    assert sorted(polled) == sorted(f.id for f in await store.list_feeds())
    assert len(set(polled)) == 7 and 1 < most <= 3
    assert await store.leased_feeds(now=T0) == {}  # all released
    assert await poll_claimed(store, poll, T0, clock=lambda: T0, slots=3) == []  # none due


async def test_a_busy_worker_claims_no_more_feeds_until_it_has_room(store: Store) -> None:
    from bot.ingest.claims import poll_claimed

    await store.sync_feeds(_feeds(4))
    room = asyncio.Event()
    claimed_while_busy: list[int] = []
    first: list[int] = []

    async def poll(feed: Feed) -> int:
        if not first:
            first.append(feed.id)
            await room.wait()  # the first feed keeps the worker busy
        elif not room.is_set():
            claimed_while_busy.append(feed.id)
        return feed.id

    async def open_up() -> None:
        while not first:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # a while busy: no other feed may be claimed meanwhile
        room.set()

    polled, _ = await asyncio.gather(
        poll_claimed(store, poll, T0, clock=lambda: T0, slots=4, busy=lambda: not room.is_set()),
        open_up(),
    )
    assert claimed_while_busy == []
    assert len(polled) == 4


async def test_a_cycle_cut_short_releases_its_feeds(store: Store) -> None:
    from bot.ingest.claims import poll_claimed

    await store.sync_feeds(_feeds(2))
    started = asyncio.Event()

    async def poll(feed: Feed) -> int:
        started.set()
        await asyncio.sleep(3600)  # a hung poll: the worker is stopped meanwhile
        return feed.id

    task = asyncio.create_task(poll_claimed(store, poll, T0, clock=lambda: T0, slots=2))
    await started.wait()
    await asyncio.sleep(0.05)
    assert len(await store.leased_feeds(now=T0)) == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.leased_feeds(now=T0) == {}  # another worker may take them at once


async def test_a_long_poll_keeps_its_lease_by_renewing_it(store: Store) -> None:
    from bot.ingest.claims import poll_claimed

    await store.sync_feeds(_feeds(1))
    other = _another(store)
    lease = timedelta(seconds=0.6)
    clock = {"now": T0}
    stolen: list[int] = []

    async def poll(feed: Feed) -> int:
        for _ in range(12):  # twice the lease, on the cycle's clock
            clock["now"] += timedelta(seconds=0.1)
            await asyncio.sleep(0.1)
            got = await other.claim_feeds(T0, limit=None, now=clock["now"], lease=lease)
            stolen.extend(f.id for f in got)
        return feed.id

    try:
        polled = await poll_claimed(
            store, poll, T0, clock=lambda: clock["now"], slots=1, lease=lease
        )
    finally:
        await other.close()
    assert len(polled) == 1 and stolen == []
