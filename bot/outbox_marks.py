"""Marks of outbox messages Telegram accepted: written in groups, never dropped.

A mark says "Telegram accepted outbox row N as message M". Once a message is accepted, its
mark is the only thing that keeps the row from being sent again, so a mark is never given
up on while the process lives:

- :class:`MarkWriter` writes marks as a group commit (each write takes every mark that
  arrived during the previous one). When a write fails (the database is down), it says
  so at once (:attr:`MarkWriter.failing`, which stops the sender), journals the marks it
  holds, and retries with backoff until they are written;
- :class:`MarkJournal` is a local file of marks (JSON lines, fsync'd) for the case the
  process dies before the database is back: the next start replays it before it claims
  any row. Writing a mark twice is harmless (:meth:`BotStore.mark_sent` is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

log = logging.getLogger("newsbrief.delivery")

#: ``(outbox_id, chat_id, telegram_message_id, story_ids)``
Mark = tuple[int, int, int, Sequence[int]]
WriteMarks = Callable[[Sequence[Mark]], Awaitable[None]]


class MarkJournal:
    """Marks not yet in the database, in a local file that outlives the process.

    Appends take an exclusive ``flock`` and check that the path still names the file
    they opened; a replay first renames the file away (atomic), so marks appended while
    a replay writes land in a new file and are never deleted unwritten. Several
    processes may share one journal: any of them may replay any mark.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, marks: Sequence[Mark]) -> None:
        if not marks:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(json.dumps([m[0], m[1], m[2], list(m[3])]) + "\n" for m in marks)
        while True:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if same:  # else a replay renamed it between open and flock: open again
                    os.write(fd, data.encode())
                    os.fsync(fd)
                    return
            finally:
                os.close(fd)

    def _taken(self) -> list[Path]:
        """Files to replay: the journal (renamed away first) and any left by a failed replay."""
        taken = sorted(self.path.parent.glob(self.path.name + ".replay-*"))
        if self.path.exists():
            target = self.path.with_name(f"{self.path.name}.replay-{uuid.uuid4().hex[:12]}")
            with contextlib.suppress(FileNotFoundError):
                os.rename(self.path, target)
                taken.append(target)
        return taken

    @staticmethod
    def _read(path: Path) -> list[Mark]:
        marks: list[Mark] = []
        with contextlib.suppress(FileNotFoundError), open(path, encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)  # an append in progress finishes first
            for line in handle:
                try:
                    oid, chat, mid, stories = json.loads(line)
                except ValueError:  # a line torn by a crash mid-write: that mark was never whole
                    continue
                marks.append((int(oid), int(chat), int(mid), [int(s) for s in stories]))
        return marks

    def pending(self) -> bool:
        return self.path.exists() or any(self.path.parent.glob(self.path.name + ".replay-*"))

    async def replay(self, write: WriteMarks) -> int:
        """Write every journalled mark with ``write``, then forget it; raises if writing fails
        (the marks stay journalled)."""
        if not self.pending():
            return 0
        count = 0
        for path in self._taken():
            marks = self._read(path)
            if marks:
                await write(marks)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            count += len(marks)
        if count:
            log.info("event=outbox_marks_replayed count=%d journal=%s", count, self.path)
        return count


class MarkWriter:
    """Writes one flush's marks as a group commit; retries until written (see module doc)."""

    def __init__(
        self,
        write: WriteMarks,
        journal: MarkJournal | None,
        *,
        backoff: float = 0.2,
        max_backoff: float = 2.0,
        give_up_after: float = 120.0,
    ) -> None:
        self._write = write
        self.journal = journal
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.give_up_after = give_up_after
        self.queue: list[Mark] = []
        self._wake = asyncio.Event()
        self._healthy = asyncio.Event()
        self._healthy.set()
        self.failing_since: float | None = None
        self.gave_up = False
        self.failures = 0

    @property
    def failing(self) -> bool:
        """A write failed and not everything is written since."""
        return not self._healthy.is_set()

    @property
    def stopped(self) -> bool:
        """Senders must not send: marks are not being written (yet, or any more)."""
        return self.gave_up or not self._healthy.is_set()

    def add(self, mark: Mark) -> None:
        self.queue.append(mark)
        if self.stopped:
            self._journal([mark])  # accepted while the database is away: keep it now
        self._wake.set()

    def _journal(self, marks: Sequence[Mark]) -> None:
        if self.journal is None:
            return
        try:
            self.journal.append(marks)
        except OSError as exc:  # a read-only disk: the marks are still retried from memory
            log.error("event=outbox_journal_failed journal=%s error=%r", self.journal.path, exc)

    def wake(self) -> None:
        """Let :meth:`run` see that ``done`` is set."""
        self._wake.set()

    async def settled(self) -> bool:
        """Wait until marks are written again (True) or the writer gave up (False)."""
        await self._healthy.wait()
        return not self.gave_up

    async def run(self, done: asyncio.Event) -> None:
        """Write marks as they come until ``done`` is set and the queue is empty (or the
        writer gave up: what is left stays in :attr:`queue`, and in the journal)."""
        delay = self.backoff
        while True:
            if not self.queue:
                if done.is_set():
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            batch = self.queue[:]
            del self.queue[: len(batch)]
            try:
                await self._write(batch)
            except Exception as exc:  # the database is away: keep every mark, retry
                self.queue[:0] = batch
                self._failed(exc)
                if time.monotonic() - (self.failing_since or 0.0) > self.give_up_after:
                    self._give_up()
                    return
                await asyncio.sleep(delay)
                delay = min(self.max_backoff, delay * 2)
                continue
            delay = self.backoff
            if self.failing:
                await self._recovered()

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        if self.failing:
            log.warning(
                "event=outbox_marks_retry pending=%d attempt=%d error=%r",
                len(self.queue),
                self.failures,
                str(exc)[:200],
            )
            return
        self.failing_since = time.monotonic()
        self._healthy.clear()
        self._journal(self.queue)
        log.error(
            "event=outbox_marks_failed pending=%d journal=%s error=%r: sending stops until "
            "they are written",
            len(self.queue),
            self.journal.path if self.journal else None,
            str(exc)[:200],
        )

    async def _recovered(self) -> None:
        if self.journal is not None:
            try:  # everything journalled is written (again: harmless) and forgotten
                await self.journal.replay(self._write)
            except Exception as exc:
                self._failed(exc)
                return
        log.info(
            "event=outbox_marks_written_again seconds=%.1f attempts=%d",
            time.monotonic() - (self.failing_since or time.monotonic()),
            self.failures,
        )
        self.failing_since = None
        self.failures = 0
        self._healthy.set()

    def _give_up(self) -> None:
        self.gave_up = True
        log.error(
            "event=outbox_marks_unwritten count=%d journal=%s: kept for the next flush",
            len(self.queue),
            self.journal.path if self.journal else None,
        )
        self._healthy.set()  # wake the waiters; they see gave_up
