"""One sender per SQLite store: an exclusive lock next to the database file.

On SQLite the outbox's claims cannot tell a live process from a dead one (the store has
no ``SKIP LOCKED``, and a sender must take back the claims a killed predecessor left), so
two processes sending from one file would repeat digests. Every command that sends
(``newsbrief run``, ``newsbrief digest --send-due``) takes this lock first and holds it
for its life; a second one stops with one line pointing to PostgreSQL, where any number
of workers share the work. The lock is ``flock`` on ``<database>.lock``: the kernel drops
it when the process dies, however it dies, so a stale lock file never blocks a restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from bot.store.engine import is_sqlite_memory, normalise_database_url


class StoreBusy(Exception):
    """Another live process holds the store's sender lock."""

    def __init__(self, database: Path, holder: str) -> None:
        self.database = database
        self.holder = holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(
            f"{who} is already sending from {database}; SQLite allows one sender: stop it "
            "first, or set DATABASE_URL to PostgreSQL to run several workers"
        )


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    url = normalise_database_url(database_url)
    if url.get_backend_name() != "sqlite" or is_sqlite_memory(url):
        return None
    return Path(url.database or "").expanduser().resolve()


class SenderLock:
    """The exclusive right to send from one SQLite file, for as long as it is held."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> SenderLock:
        """Take the lock now or raise :class:`StoreBusy` (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
            os.close(fd)
            raise StoreBusy(self.database, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock up (the file stays: removing it would race with a new holder)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> SenderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
