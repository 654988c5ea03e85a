"""Polling the due feeds a few at a time, each claimed first: several workers share them.

A cycle does not take every due feed at its start. It keeps up to ``slots`` feeds in
flight, and each slot, when free, claims the next due feed from the store
(:meth:`bot.store.Store.claim_feeds`: a lease with this worker's name), polls it, and
releases it. Any number of workers of one store therefore split the due feeds between
them as they go, and each feed is polled once per interval: once polled it is no
longer due, and while it is being polled its lease keeps the other workers off it.
The leases of feeds in flight are renewed while they last, so a long poll keeps its
feeds; a worker that dies leaves its leases to lapse, and another one polls them. A
worker whose entries are at their limit claims no more feeds until it has room: the
work of a busy tick is spread over the workers instead of queueing in the first one.

Leases run on the cycle's clock (its tick moved on by the time spent), which is the
wall clock in service and a test's clock in tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from bot.store.leases import DEFAULT_LEASE

if TYPE_CHECKING:
    from bot.store import Feed, Store

__all__ = ["poll_claimed"]

log = logging.getLogger(__name__)
R = TypeVar("R")
BUSY_WAIT = 0.05  # seconds between looks at a busy worker's room for another feed


async def poll_claimed(
    store: Store,
    poll: Callable[[Feed], Awaitable[R]],
    due_by: datetime,
    *,
    clock: Callable[[], datetime],
    slots: int,
    feed_ids: Iterable[int] | None = None,
    lease: timedelta = DEFAULT_LEASE,
    busy: Callable[[], bool] | None = None,
) -> list[R]:
    """Claim and ``poll`` every feed due by ``due_by`` that no other worker holds, at most
    ``slots`` at once; the results in the order the feeds were claimed.

    ``busy`` says this worker has all the work it can do at once (its entries in flight
    at their limit): no more feeds are claimed until it has room, so the entries of the
    due feeds are spread over the workers that have room instead of queueing here.

    ``poll`` must not raise for a feed's own failure (it records it); a failure to claim
    (the database away) ends the cycle's polling with that error once the feeds in
    flight are done.
    """
    wanted = list(feed_ids) if feed_ids is not None else None
    taken: set[int] = set()  # claimed by this cycle: never claimed twice in one cycle
    in_flight: set[int] = set()
    results: dict[int, R] = {}
    order: list[int] = []
    claiming = asyncio.Lock()  # one claim at a time: slots do not race each other

    async def slot() -> None:
        while True:
            async with claiming:  # the other slots wait behind a busy one
                while busy is not None and in_flight and busy():
                    await asyncio.sleep(BUSY_WAIT)
                feeds = await store.claim_feeds(
                    due_by, limit=1, now=clock(), lease=lease, feed_ids=wanted, exclude=taken
                )
                if not feeds:
                    return
                feed = feeds[0]
                taken.add(feed.id)
                order.append(feed.id)
                in_flight.add(feed.id)
            try:
                results[feed.id] = await poll(feed)
            finally:
                in_flight.discard(feed.id)
                await _release(store, feed.id)

    renewer = asyncio.create_task(_renew(store, in_flight, clock, lease))
    try:
        outcomes = await asyncio.gather(
            *(slot() for _ in range(max(1, slots))), return_exceptions=True
        )
    finally:
        renewer.cancel()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [results[i] for i in order if i in results]


async def _release(store: Store, feed_id: int) -> None:
    """Let the feed go; if the database is away its lease lapses by itself."""
    try:
        await store.release_feeds([feed_id])
    except Exception as exc:
        log.warning("event=feed_release_failed feed_id=%s error=%r", feed_id, exc)


async def _renew(
    store: Store, in_flight: set[int], clock: Callable[[], datetime], lease: timedelta
) -> None:
    """Every third of a lease, extend the leases of the feeds still being polled."""
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        ids = set(in_flight)
        if not ids:
            continue
        try:
            kept = await store.renew_feed_leases(ids, now=clock(), lease=lease)
        except Exception as exc:  # the next renewal may work; the lease has time left
            log.warning("event=feed_lease_renewal_failed feeds=%d error=%r", len(ids), exc)
            continue
        for lost in sorted((ids & in_flight) - kept):  # taken over after a lapse
            log.warning("event=feed_lease_lost feed_id=%s", lost)
