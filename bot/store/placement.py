"""Articles placed into stories one hold of a lock at a time, across every worker of a store.

Where an article goes (a near-duplicate's story, the best matching story, or a new one)
is decided by the ingest cycle from what it knows of the window. Two workers ingesting
articles of the same event at once would each miss the other's article and start two
stories for one event. So placing is serialised: a worker takes the placement lock,
reads the articles other workers placed since it last looked (the story window's sync,
:mod:`bot.ingest.window`, by placement number), decides, writes the articles' story
memberships, commits, and releases the lock; the next worker then sees those articles.
Memberships are numbered by the database as they are inserted (``placed_seq``), so
under this lock the numbers are committed in the order articles are placed, and the
highest number a worker has read is a complete watermark.

Every worker queues for this lock: what is held under it should be only what needs
it. The ingest cycle's hold (``placing(early=True)``) is one transaction for a batch of
articles: it writes the articles themselves (their text, analysis, signature and seen
marks: most of the bytes and statements; in a savepoint, one failing article undone
alone), then syncs, decides and writes the memberships and stories in a few statements
whatever their number; the commit makes all of it visible at once, then the lock goes.
A process killed at any point leaves all of a hold or none of it. On PostgreSQL the
articles are written *before* the lock is taken (:meth:`Placement.lock`), while another
worker may hold it. On SQLite (one writer at a time) the lock is taken first, the
window synced, and then the transaction begins, at the first write, with the database's
write lock (``BEGIN IMMEDIATE``: never a read transaction upgraded, which a write by
another process to the same file, the bot or digests, could leave with a stale
snapshot; nor one that its first savepoint begins, and whose RELEASE would end it).
Holds without ``early`` (the repair of orphans) write each article in a transaction of
its own on SQLite.

The lock is a transaction-level advisory lock on PostgreSQL (``pg_advisory_xact_lock``,
dropped with the connection if the worker dies) and ``flock`` on ``<database>.placing``
next to a SQLite file (dropped by the kernel when the process dies). An in-memory
SQLite database has one process: an asyncio lock is enough there, and is also what
serialises the coroutines of one process on every backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.store.base import StoreBase
from bot.store.engine import is_sqlite_memory

#: Any fixed number, distinct from the migrations' lock ("news"): "plac".
_PG_PLACEMENT_KEY = 0x706C6163
#: Seconds between attempts at a SQLite placement lock another process holds.
_FLOCK_RETRY = 0.005


@dataclass(slots=True)
class Placement:
    """A hold of the placement lock; ``connection``: the hold's transaction, in which the
    articles placed under it are written (on PostgreSQL, and on SQLite when opened
    ``early``, from its first write on: :meth:`begin`; None on SQLite otherwise: each
    article has a transaction of its own).

    ``locked``: whether the lock is held yet (a hold opened with ``early=True`` on
    PostgreSQL takes it at :meth:`lock`).
    """

    connection: AsyncConnection | None
    locked: bool = True
    _take: Callable[[], Awaitable[None]] | None = None
    _begin: Callable[[], Awaitable[None]] | None = None
    _begin_failed: Exception | None = None
    #: SQLite: the id the next story reserved under this hold gets (see
    #: :meth:`~bot.store.articles.ArticleQueries.reserve_story_ids`).
    next_story_id: int | None = None

    async def lock(self) -> None:
        """Take the lock now (nothing when it is held already)."""
        if not self.locked and self._take is not None:
            await self._take()
        self.locked = True

    async def begin(self) -> None:
        """Open the hold's transaction now, if it opens at its first write (SQLite,
        ``early``) and is not open yet; the store's writes under the hold call it."""
        if self.connection is not None or self._begin is None:
            return
        if self._begin_failed is not None:  # the database's answer stands for the hold
            raise self._begin_failed
        try:
            await self._begin()
        except Exception as exc:
            self._begin_failed = exc
            raise


class PlacementQueries(StoreBase):
    """The placement lock of a store (see the module's docstring)."""

    _placing_lock: asyncio.Lock | None = None
    _placing_fd: int | None = None
    #: What placing cost this store so far: how many, seconds waited for the lock, and
    #: seconds it was held (benchmarks/workers.py shows where several workers queue).
    placements = 0
    placement_wait = 0.0
    placement_held = 0.0
    _held_since = 0.0

    @contextlib.asynccontextmanager
    async def placing(self, *, early: bool = False) -> AsyncIterator[Placement]:
        """Hold the placement lock of every worker of this store while the block runs.

        ``early``: the hold is one transaction, :attr:`Placement.connection`, in which
        the articles placed under it are written (:meth:`insert_articles`, each failing
        article undone alone by its savepoint; then :meth:`place_batch`), all committed
        when the block ends, before the lock is let go; a process killed before then
        leaves none of them. On PostgreSQL that transaction opens without the lock, for
        the writes that need none, and the caller takes it with :meth:`Placement.lock`
        before it reads the window; on SQLite the lock is taken first, and the
        transaction opens at the hold's first write (:meth:`Placement.begin`).

        Without ``early``: on PostgreSQL the same, the lock taken at once; on SQLite no
        transaction: each article placed under the hold (:meth:`ingest_article`,
        :meth:`place_article`) has its own.
        """
        if self._placing_lock is None:
            self._placing_lock = asyncio.Lock()
        async with self._placing_lock:
            hold = self._pg_hold(early) if self.is_postgres else self._sqlite_hold(early)
            async with hold as placement:
                yield placement

    @contextlib.asynccontextmanager
    async def _pg_hold(self, early: bool) -> AsyncIterator[Placement]:
        placement = Placement(None, locked=False)

        async def take() -> None:
            assert placement.connection is not None
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            await self._timed(placement.connection.execute(lock, {"key": _PG_PLACEMENT_KEY}))

        placement._take = take
        try:
            async with self.engine.begin() as connection:
                placement.connection = connection
                if not early:
                    await placement.lock()
                yield placement
        finally:  # the commit (or the rollback) let the lock go: the hold ends
            self._count(placement)

    @contextlib.asynccontextmanager
    async def _sqlite_hold(self, early: bool) -> AsyncIterator[Placement]:
        fd = self._placing_file()
        await self._timed(_flock(fd) if fd is not None else asyncio.sleep(0))
        placement = Placement(None)
        try:
            if not early:
                yield placement
                return
            async with contextlib.AsyncExitStack() as stack:  # commits, or rolls back

                async def begin() -> None:
                    connection = await stack.enter_async_context(self.engine.begin())
                    # the database's write lock at once (other processes write to the
                    # file too: the bot, digests): the hold never reads a snapshot that
                    # a write outside the flock makes stale before its own first write;
                    # and its first savepoint does not begin (and at its RELEASE end)
                    # the transaction
                    await connection.exec_driver_sql("BEGIN IMMEDIATE")
                    placement.connection = connection

                # opened at the first write, not here: the window's sync before it reads
                # on a connection of its own, which must not wait for a pooled one while
                # this process holds the database's write lock (writers of this process
                # blocked by that lock hold theirs)
                placement._begin = begin
                yield placement
        finally:  # after the commit (or the rollback): the next placer sees all of it
            self._count(placement)
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)

    async def _timed(self, taking: Awaitable[object]) -> None:
        """Take the lock (``taking``), counting the wait; the hold starts now."""
        asked = time.perf_counter()
        await taking
        self._held_since = time.perf_counter()
        self.placement_wait += self._held_since - asked

    def _count(self, placement: Placement) -> None:
        if placement.locked:
            self.placements += 1
            self.placement_held += time.perf_counter() - self._held_since

    @contextlib.asynccontextmanager
    async def _placed_transaction(self, placement: Placement | None) -> AsyncIterator[AsyncSession]:
        """One article's transaction: a savepoint of the placement's transaction when it
        has one (a round trip to check out and ping a connection, and a commit, saved
        per article), else a transaction of its own."""
        if placement is not None:
            await placement.begin()
        if placement is None or placement.connection is None:
            async with self.transaction() as session:
                yield session
            return
        session = AsyncSession(
            bind=placement.connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
        try:
            async with session.begin():
                yield session
        finally:
            await session.close()

    @contextlib.asynccontextmanager
    async def _hold_session(self, placement: Placement) -> AsyncIterator[AsyncSession]:
        """A session on the hold's own transaction, without a savepoint: what it writes
        is committed, or rolled back, with the hold (a hold with a transaction: see
        :meth:`placing`)."""
        await placement.begin()
        if placement.connection is None or not placement.locked:
            raise RuntimeError("placing under the lock needs a hold's transaction, locked")
        session = AsyncSession(
            bind=placement.connection,
            join_transaction_mode="rollback_only",
            expire_on_commit=False,
        )
        try:
            yield session
        finally:
            await session.close()

    def _placing_file(self) -> int | None:
        """The open lock file next to this SQLite database (None: in memory)."""
        if self._placing_fd is None:
            url = self.engine.url
            if is_sqlite_memory(url):
                return None
            database = Path(url.database or "").expanduser().resolve()
            path = database.with_name(database.name + ".placing")
            self._placing_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        return self._placing_fd

    def close_placing(self) -> None:
        """Close the SQLite lock file (the store is closing)."""
        if self._placing_fd is not None:
            os.close(self._placing_fd)
            self._placing_fd = None


async def _flock(fd: int) -> None:
    """``flock(LOCK_EX)`` without blocking the event loop (nor a thread a cancel strands)."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            await asyncio.sleep(_FLOCK_RETRY)
