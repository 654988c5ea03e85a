"""One article placed into a story at a time, across every worker of a store.

Where an article goes (a near-duplicate's story, the best matching story, or a new one)
is decided by the ingest cycle from what it knows of the window. Two workers ingesting
articles of the same event at once would each miss the other's article and start two
stories for one event. So placing is serialised: a worker takes the placement lock,
reads the articles other workers stored since it last looked (the story window's sync,
:mod:`bot.ingest.window`, by id), decides, stores the articles it has ready with their
stories (each all or nothing: on PostgreSQL a savepoint of the lock's own transaction,
else a transaction of its own; all committed before the lock is let go), and releases
the lock; the next worker then sees those articles. As every article is inserted under
this lock, ids grow in the order articles are placed, and an id is a complete watermark.

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
from collections.abc import AsyncIterator
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


@dataclass(frozen=True, slots=True)
class Placement:
    """A hold of the placement lock; ``connection``: the transaction that holds it on
    PostgreSQL (None elsewhere), in which the articles placed under it are written."""

    connection: AsyncConnection | None


class PlacementQueries(StoreBase):
    """The placement lock of a store (see the module's docstring)."""

    _placing_lock: asyncio.Lock | None = None
    _placing_fd: int | None = None
    #: What placing cost this store so far: how many, seconds waited for the lock, and
    #: seconds it was held (benchmarks/workers.py shows where several workers queue).
    placements = 0
    placement_wait = 0.0
    placement_held = 0.0

    @contextlib.asynccontextmanager
    async def placing(self) -> AsyncIterator[Placement]:
        """Hold the placement lock of every worker of this store while the block runs.

        What it yields is given to :meth:`ingest_article` (``placement=``) for the
        articles placed under this hold: on PostgreSQL they are written in the lock's
        own transaction, each in a savepoint of its own (one failing undoes only its
        rows), and all committed when the block ends, with the lock let go; a process
        killed before then leaves none of them. Elsewhere each has its own transaction.
        """
        asked = time.perf_counter()
        async with self._locked() as connection:
            held = time.perf_counter()
            self.placement_wait += held - asked
            try:
                yield Placement(connection)
            finally:
                self.placements += 1
                self.placement_held += time.perf_counter() - held

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[AsyncConnection | None]:
        if self._placing_lock is None:
            self._placing_lock = asyncio.Lock()
        async with self._placing_lock:
            if self.is_postgres:
                async with self.engine.begin() as connection:
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_PLACEMENT_KEY}
                    )
                    yield connection
                return  # the commit released the lock
            fd = self._placing_file()
            if fd is None:
                yield None
                return
            await _flock(fd)
            try:
                yield None
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    @contextlib.asynccontextmanager
    async def _placed_transaction(self, placement: Placement | None) -> AsyncIterator[AsyncSession]:
        """One article's transaction: a savepoint of the placement's transaction when it
        has one (a round trip to check out and ping a connection, and a commit, saved
        per article), else a transaction of its own."""
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
