"""Hostile input on the Telegram side (issue 7): forged buttons, poisoned rows, replays.

Each test reproduces a failure of commit 464d051 and passes now. The bot is the real
``Application`` against the fake Bot API; poisoned rows are written straight into the
SQLite file or the PostgreSQL database, as an older version (or an attacker through it)
would have left them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.store import Store
from bot.store.subscribers import BotStore
from tests.fakes.bot_harness import bot_running
from tests.fakes.telegram_api import FakeBotAPI, SentMessage

USER = 1001
ADMIN = 42
INVALID = "That button is no longer valid."


async def one(fake: FakeBotAPI, text: str, *, chat: int = USER) -> SentMessage:
    return (await fake.ask(chat, text))[0]


async def add_subscriber(bs: BotStore, chat_id: int, due: datetime, codes=("IR",)) -> None:
    await bs.ensure_subscriber(chat_id, digest_time="08:00", timezone="UTC", next_digest_at=due)
    await bs.subscribe(chat_id, codes)


async def write(store: Store, sql: str, **params: Any) -> None:
    """Straight into the database, past every check of the bot."""
    async with store.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def dispatch(app: Any) -> Any:
    nb = app.bot_data.services
    return await nb.digests.dispatch_due(nb.delivery)


# -- forged buttons --------------------------------------------------------------------

FORGED = [
    "sub:ZZ",  # stored unchecked before: every later digest batch failed on it
    "sub:XX",
    "sub:ir",
    "sub:IR:extra",
    "unsub:ZZ",
    "brief:IR;DROP",
    "brief:",
    "win:IR:99999",
    "win:ZZ:72",
    "subp:-1",
    "subp:99999999999999999999",
    "mq:2147483648",  # past the 32-bit story id column: PostgreSQL refused the query
    "mq:0",
    "src:１２",  # full-width digits
    "set:delete_everything",
    "stop:yes",  # the confirmation without its token
    "zz:1",
    "",
]


async def test_forged_buttons_are_refused_and_change_nothing(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    async with bot_running(fake, filled):
        brief = await one(fake, "/brief Iran")
        assert "Subscribed to Iran" in (await one(fake, "/subscribe Iran")).plain
        before = len(fake.messages_to(USER))
        for data in FORGED:
            answer = await fake.press_for_answer(USER, brief, data)
            assert answer.get("text") == INVALID, data
        await asyncio.sleep(0.2)
        assert len(fake.messages_to(USER)) == before  # no message, no edit
        assert not fake.edits
        sub = await bs.get_subscriber(USER)
        assert sub is not None and sub.codes == ("IR",) and not sub.problems
        async with filled.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT code FROM subscriptions"))).scalars()
            assert list(stored) == ["IR"]
        # the real buttons still work
        pressed = (await fake.press(USER, brief, brief.button("Ask")["callback_data"]))[0]
        assert pressed.plain.startswith("What would you like to know about")


async def test_a_forged_stop_confirmation_deletes_nothing(fake: FakeBotAPI, filled: Store) -> None:
    bs = BotStore(filled.engine)
    async with bot_running(fake, filled):
        brief = await one(fake, "/brief Iran")
        await one(fake, "/subscribe Iran")
        # "stop:yes" pressed on any message, without ever asking: refused
        assert (await fake.press_for_answer(USER, brief, "stop:yes"))["text"] == INVALID
        ask = await one(fake, "/stop")
        yes = ask.button("Yes")["callback_data"]
        assert yes.startswith("stop:yes:") and len(yes) < 64
        # the right token on another message, or a made-up token on the question: refused
        assert (await fake.press_for_answer(USER, brief, yes))["text"] == INVALID
        made_up = "stop:yes:AAAAAAAAAAAA"
        assert (await fake.press_for_answer(USER, ask, made_up))["text"] == INVALID
        # another user pressing this user's button data on their own message: refused
        theirs = await one(fake, "/help", chat=2002)
        assert (await fake.press_for_answer(2002, theirs, yes))["text"] == INVALID
        assert (await bs.get_subscriber(USER)).codes == ("IR",)
        # the button the user was shown, on the message it was shown on: done, once
        answer = await fake.press_for_answer(USER, ask, yes)
        assert answer.get("text") != INVALID
        await until(lambda: any("your data is deleted" in e.plain for e in fake.edits))
        assert await bs.get_subscriber(USER) is None
        await one(fake, "/subscribe Germany")
        assert (await fake.press_for_answer(USER, ask, yes))["text"] == INVALID  # stale
        assert (await bs.get_subscriber(USER)).codes == ("DE",)


async def until(predicate: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


# -- poisoned rows -----------------------------------------------------------------------

POISONS = [
    "country",
    "only_bad_country",
    "timezone",
    "digest_time",
    "outbox_clash",
    "refused",
    "unreadable_date",
]
VICTIM = 9999


async def poison(store: Store, kind: str, due: datetime) -> None:
    """One subscriber row the code cannot use, written as an older version left it."""
    now = datetime.now(UTC)
    if kind == "country":
        await write(store, "INSERT INTO subscriptions VALUES (:c, 'ZZ', :t)", c=VICTIM, t=now)
    elif kind == "only_bad_country":
        await write(store, "DELETE FROM subscriptions WHERE chat_id = :c", c=VICTIM)
        await write(store, "INSERT INTO subscriptions VALUES (:c, 'XX', :t)", c=VICTIM, t=now)
    elif kind == "timezone":
        sql = "UPDATE subscribers SET timezone = 'Mars/Olympus' WHERE chat_id = :c"
        await write(store, sql, c=VICTIM)
    elif kind == "digest_time":
        sql = "UPDATE subscribers SET digest_time = '99:99' WHERE chat_id = :c"
        await write(store, sql, c=VICTIM)
    elif kind == "unreadable_date":  # SQLite keeps any text in a date column
        sql = "UPDATE subscribers SET last_digest_at = 'not a date' WHERE chat_id = :c"
        await write(store, sql, c=VICTIM)
    elif kind == "outbox_clash":  # an old outbox row holding the key of its next digest
        await write(
            store,
            "INSERT INTO outbox (chat_id, kind, digest_key, seq, text, status, attempts, "
            "created_at) VALUES (:c, 'digest', :k, 0, 'old', 'sent', 1, :t)",
            c=VICTIM,
            k=f"{VICTIM}:{due:%Y%m%dT%H%M}",
            t=now,
        )


@pytest.mark.parametrize("kind", POISONS)
async def test_one_poisoned_subscriber_never_stops_the_others_digests(
    fake: FakeBotAPI, filled: Store, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    if kind == "unreadable_date" and filled.dialect != "sqlite":
        pytest.skip("PostgreSQL refuses text that is no date in a timestamp column")
    bs = BotStore(filled.engine)
    due = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    others = list(range(7001, 7021))
    for chat in [VICTIM, *others]:  # the victim first: first in the claimed batch
        await add_subscriber(bs, chat, due - timedelta(minutes=1 if chat == VICTIM else 0))
    await poison(filled, kind, due - timedelta(minutes=1))
    if kind == "refused":  # Telegram refuses every send to the victim ("chat not found")
        fake.inject("400", chat_id=VICTIM, count=100)
    caplog.set_level(logging.INFO)
    async with bot_running(fake, filled) as app:
        report = await dispatch(app)
        skipped = kind == "unreadable_date"  # left out of the batch, put off a day
        assert report.subscribers == len(others) + (0 if skipped else 1)
        per_chat = Counter(m.chat_id for m in fake.sent)
        for chat in others:  # everyone else got their digest, once
            assert per_chat[chat] == 1, (chat, per_chat)
            assert fake.messages_to(chat)[0].plain.startswith("Your digest · Iran")
        victim = fake.messages_to(VICTIM)
        if kind in ("country", "timezone", "digest_time"):  # the bad value is ignored
            assert len(victim) == 1 and victim[0].plain.startswith("Your digest · Iran")
        else:  # nothing usable (no country it can name; its key taken; refused): none
            assert victim == []
        # nobody is due again: the victim's schedule moved on too, the job does not spin
        sub = await bs.get_subscriber(VICTIM)
        assert sub is not None and sub.next_digest_at > datetime.now(UTC)
        assert (await dispatch(app)).subscribers == 0
    events = ("subscriber_row_invalid", "subscriber_row_unreadable", "digest_failed", "bad_request")
    problems = [r.getMessage() for r in caplog.records if any(e in r.getMessage() for e in events)]
    assert problems and all(f"{VICTIM}" in m for m in problems), problems


async def test_a_poisoned_row_still_lets_its_owner_use_the_bot_and_shows_in_stats(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    async with bot_running(fake, filled):
        await one(fake, "/subscribe Iran")
        now = datetime.now(UTC)
        await write(filled, "INSERT INTO subscriptions VALUES (:c, 'ZZ', :t)", c=USER, t=now)
        sql = "UPDATE subscribers SET timezone = 'Mars/Olympus' WHERE chat_id = :c"
        await write(filled, sql, c=USER)
        assert (await one(fake, "/brief")).plain.startswith("Iran · last 24 hours")
        settings = (await one(fake, "/settings")).plain
        assert "Countries: Iran" in settings and "(UTC)" in settings
        assert "Your saved time zone could not be read" in settings
        listing = await one(fake, "/subscriptions")
        assert listing.plain.startswith("You follow: Iran.")
        assert [b["callback_data"] for b in listing.buttons()] == ["unsub:IR"]
        assert (await one(fake, "/digest")).plain.startswith("Your digest · Iran")
        assert "Time zone set to Europe/Berlin" in (await one(fake, "/settings tz Berlin")).plain
        stats = (await one(fake, "/stats", chat=ADMIN)).plain
        assert f"Subscriber rows with unusable values (ignored, see the log): 1 (chat {USER})" in (
            stats
        )
        assert (await bs.unusable_subscribers()) == (1, [USER])  # the ZZ row is still there


async def test_a_story_with_an_unreadable_brief_is_left_out_not_fatal(
    fake: FakeBotAPI, filled: Store
) -> None:
    broken = '{"headline": "x", "countries": [{"name": "no code"}]}'
    async with bot_running(fake, filled):
        iran = await one(fake, "/brief Iran")
        bad = int(iran.button("More")["callback_data"].split(":")[1])
        await write(filled, "UPDATE stories SET brief = :b WHERE id = :i", b=broken, i=bad)
        again = await one(fake, "/brief Iran")
        assert "Sorry" not in again.plain and "Ashtiani" not in again.plain
        gone = (await fake.press(USER, iran, f"mq:{bad}"))[0]
        assert gone.plain == "That story is no longer available."
        assert "Friedrich Merz" in (await one(fake, "/brief Germany")).plain


# -- replayed updates and the webhook ------------------------------------------------------


async def test_a_replayed_update_is_processed_once_in_polling_mode(
    fake: FakeBotAPI, filled: Store
) -> None:
    bs = BotStore(filled.engine)
    async with bot_running(fake, filled):
        update = fake.push_message(USER, "/subscribe Iran")
        fake.replay(update, times=2)  # the same update_id, in the same getUpdates answer
        await fake.wait_for(USER, 1)
        await asyncio.sleep(0.5)
        answers = fake.messages_to(USER)
        assert [m.plain.split(".")[0] for m in answers] == ["Subscribed to Iran"]
        assert (await bs.get_subscriber(USER)).codes == ("IR",)
