"""A pronoun in a follow-up to an answer means the person that answer was about, through
the real bot against the fake Bot API (issue 10)."""

from __future__ import annotations

import asyncio

from bot.store.subscribers import BotStore
from tests.fakes.telegram_api import FakeBotAPI, SentMessage

USER = 1001


async def one(fake: FakeBotAPI, text: str, *, reply_to: SentMessage | None = None) -> SentMessage:
    return (await fake.ask(USER, text, reply_to=reply_to))[0]


async def recorded(bot: BotStore, answer: SentMessage, timeout: float = 5.0) -> None:
    """Wait until the bot has recorded what ``answer`` was about. It does so once Telegram
    accepted the message, so a next message sent at once could overtake it (a reader
    types slower than a test)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await bot.stories_of_message(USER, answer.message_id) is None:
        assert loop.time() < deadline, "the answer's stories were never recorded"
        await asyncio.sleep(0.02)


async def test_he_in_reply_to_an_answer_is_that_answers_person(
    fake: FakeBotAPI, bot: BotStore
) -> None:
    brief = await one(fake, "/brief Iran")
    who = await one(fake, "Who is Baqeri?", reply_to=brief)
    assert "Chief of Staff of the Iranian Armed Forces" in who.plain
    assert "considerable unexplored potential" in who.plain  # his latest quote
    await recorded(bot, who)

    # "he" is Baqeri: his words on relations, not Ashtiani's (the best match without him)
    follow = await one(fake, "And what did he say about relations?", reply_to=who)
    assert "considerable unexplored potential" in follow.plain
    assert "Over the past decade" not in follow.plain

    # without a reply, "he" is the person of the latest answer
    shoigu = await one(fake, "What did Shoigu say about the US?", reply_to=brief)
    assert "opposition from the US" in shoigu.plain
    await recorded(bot, shoigu)
    again = await one(fake, "What did he say about the Middle East?")
    assert "stability and security in the Middle East" in again.plain
