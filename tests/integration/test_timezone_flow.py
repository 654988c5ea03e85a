"""/settings with the zones and times people type, through the real bot and fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.store import Store
from bot.store.subscribers import BotStore
from tests.fakes.bot_harness import bot_running
from tests.fakes.telegram_api import FakeBotAPI

USER = 2002


@pytest.fixture
async def bot(sqlite_url: str) -> AsyncIterator[tuple[FakeBotAPI, BotStore]]:
    store = Store.from_url(sqlite_url)
    try:
        async with FakeBotAPI() as fake, bot_running(fake, store):
            yield fake, BotStore(store.engine)
    finally:
        await store.close()


async def say(fake: FakeBotAPI, text: str) -> str:
    return (await fake.ask(USER, text))[0].plain


async def test_settings_understand_zones_and_times_people_type(
    bot: tuple[FakeBotAPI, BotStore],
) -> None:
    fake, bot_store = bot
    assert "Time zone set to America/New_York" in await say(fake, "/settings tz EST")
    assert "Time zone set to Europe/Berlin" in await say(fake, "/settings tz Munich")
    assert "Time zone set to Asia/Kolkata" in await say(fake, "/settings tz India")
    [question] = await fake.ask(USER, "/settings tz USA")
    several = question.plain
    assert "USA has several time zones" in several and "Chicago (UTC-0" in several
    assert "which one?" in several and "/settings tz America/New_York" in several
    sub = await bot_store.get_subscriber(USER)
    assert sub is not None and sub.timezone == "Asia/Kolkata"  # the ambiguity changed nothing
    chicago = question.button("Chicago")
    assert chicago["callback_data"] == "tz:America/Chicago"
    await fake.press(USER, question, chicago["callback_data"], count=0)
    await _wait_edit(fake, "Time zone set to America/Chicago")
    sub = await bot_store.get_subscriber(USER)
    assert sub is not None and sub.timezone == "America/Chicago"
    assert "Digest time set to 12:00" in await say(fake, "/settings time noon")
    assert "Digest time set to 07:30" in await say(fake, "/settings time half past seven")
    assert "Digest time set to 19:00" in await say(fake, "/settings time 7pm")
    refused = await say(fake, "/settings tz Mars/Base")
    assert "Europe/Berlin" in refused  # says what would work


async def _wait_edit(fake: FakeBotAPI, contains: str) -> None:
    """Until the bot has edited a message to say ``contains`` (the question becomes the answer)."""
    for _ in range(250):
        if any(contains in edit.plain for edit in fake.edits):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no edit containing {contains!r}: {[e.plain for e in fake.edits]}")
