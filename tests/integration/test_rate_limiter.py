"""The shape of the bot's overall rate limiter, counted on real sends to the fake Bot API.

Counted, not timed: the limiter's leaky bucket runs on the event loop's clock, so the
messages it lets go in any window of W seconds of that clock are at most
``burst + rate * W`` however loaded the machine is. The clock is read where our transport
starts each request, right after the limiter let it go (no suspension in between).
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import ExtBot

from bot.telegram.app import rate_limiter
from bot.telegram.request import AiohttpRequest
from tests.fakes.telegram_api import FakeBotAPI


class ClockedRequest(AiohttpRequest):
    """Our transport, noting the loop's clock as each sendMessage leaves."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sends: list[float] = []

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("/sendMessage"):
            self.sends.append(asyncio.get_running_loop().time())
        return await super().do_request(url, method, *args, **kwargs)


def most_in_window(times: list[float], width: float) -> int:
    """The most sends in any window of ``width`` seconds starting at a send."""
    times = sorted(times)
    best = 0
    end = 0
    for start, t in enumerate(times):
        while end < len(times) and times[end] <= t + width:
            end += 1
        best = max(best, end - start)
    return best


async def test_the_limiter_keeps_30_a_second_with_bursts_of_a_tenth_of_a_second(
    fake: FakeBotAPI,
) -> None:
    rate, burst, messages = 30.0, 3, 75
    request = ClockedRequest(connection_pool_size=64)
    bot = ExtBot(
        fake.token,
        base_url=fake.base_url,
        request=request,
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        rate_limiter=rate_limiter(rate),
    )
    async with bot:
        await asyncio.gather(
            *(bot.send_message(20_000 + i, f"message {i}") for i in range(messages))
        )
    assert len(fake.sent) == messages
    sends = request.sends
    assert len(sends) == messages
    slack = 1e-6  # float rounding in the bucket's arithmetic
    for width in (0.05, 0.1, 0.5, 1.0, 2.0):
        bound = burst + rate * width + slack
        assert most_in_window(sends, width) <= bound, (width, most_in_window(sends, width))
    # the slack is there: messages go together (the first ones at least; no limiter of
    # one message per 1/30 s lets two go within 1/60 s), never more than the burst at once
    assert 2 <= most_in_window(sends, 0.5 / rate) <= burst
