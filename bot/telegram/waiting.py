"""Briefs promised while the store was still being filled, sent once it is.

Right after a fresh start the first poll of the feeds takes a while; a ``/brief`` then
gets "still collecting" and a promise to send the brief when the news is in. This keeps
those promises: one watcher task per process checks every :attr:`Waiters.interval`
seconds whether the first reading of the feeds has finished and, once it has, sends
each waiting chat its brief. It runs only while someone waits, and gives up (saying
so) after :attr:`Waiters.max_checks`. Promises live in memory: after a restart the
user asks again, as the message told them they could.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("newsbrief.telegram")

Check = Callable[[], Awaitable[bool]]
Deliver = Callable[[int, list[str], float], Awaitable[None]]
GiveUp = Callable[[int, list[str]], Awaitable[None]]


class Waiters:
    """Chats waiting for a brief until the first reading of the feeds is over."""

    def __init__(self, interval: float = 3.0, max_checks: int = 600) -> None:
        self.interval = interval
        self.max_checks = max_checks
        self.pending: dict[int, tuple[list[str], float]] = {}
        self._task: asyncio.Task | None = None

    def add(
        self,
        chat_id: int,
        codes: list[str],
        hours: float,
        *,
        collecting: Check,
        deliver: Deliver,
        give_up: GiveUp,
    ) -> None:
        """Remember the chat's brief (its latest request wins) and watch if nobody does."""
        self.pending[chat_id] = (list(codes), hours)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch(collecting, deliver, give_up))

    async def _watch(self, collecting: Check, deliver: Deliver, give_up: GiveUp) -> None:
        checks = 0
        while self.pending:
            await asyncio.sleep(self.interval)
            checks += 1
            try:
                busy = await collecting()
            except Exception:  # the store is briefly unreachable: look again next time
                log.exception("event=collecting_check_failed")
                busy = True
            if busy and checks < self.max_checks:
                continue
            due, self.pending = self.pending, {}
            for chat_id, (codes, hours) in due.items():
                try:
                    if busy:
                        await give_up(chat_id, codes)
                    else:
                        await deliver(chat_id, codes, hours)
                except Exception:
                    log.exception("event=waiting_brief_failed chat_id=%s", chat_id)

    async def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
