"""Sending slots that go to the longest digest first.

A flush sends many chats at once, each chat's messages one a second (Telegram's pace for
one chat). When the slots go first come, first served, a chat's second message waits
behind every chat that became ready during its pace, and the digests claimed last end
the run alone: one message a second per chat while the slots stand idle (at 30/s about
0.7 s of 34 s lost to that tail, unlimited about 1 s of 12 s). Giving a free slot to the
waiting chat with the most messages left (ties: first come) starts the long chains
first, and the one-message chats fill the end.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Slots:
    """At most ``size`` holders at once; a freed slot goes to the waiter with the most
    ``rows_left``, first come first among equals."""

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def slot(self, rows_left: int) -> AsyncIterator[None]:
        await self.acquire(rows_left)
        try:
            yield
        finally:
            self.release()

    async def acquire(self, rows_left: int) -> None:
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-rows_left, next(self._order), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot, then cancelled: pass it on
            else:
                waiter.cancel()  # skipped when its turn comes
            raise

    def release(self) -> None:
        """Hand the slot to the best waiter still waiting, or free it."""
        while self._waiters:
            _rows, _order, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1
