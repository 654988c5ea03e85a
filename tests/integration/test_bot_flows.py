"""Scenario tests: the real bot, driven as a user would, against the fake Bot API.

The store is filled by the real ingestion (a local feed server serving the seed article
among other pages, one ``run_cycle``); the bot is the real ``Application`` long-polling
:class:`~tests.fakes.telegram_api.FakeBotAPI`, which rejects bad HTML and long texts
like Telegram does, so every message asserted on here was also accepted as valid.
"""

from __future__ import annotations

import asyncio

from bot.store import Store
from bot.store.subscribers import BotStore
from bot.telegram.conversation import HINT
from tests.fakes.bot_harness import bot_running
from tests.fakes.telegram_api import FakeBotAPI, SentMessage

USER = 1001
ADMIN = 42


async def one(
    fake: FakeBotAPI, text: str, *, chat: int = USER, reply_to: SentMessage | None = None
) -> SentMessage:
    return (await fake.ask(chat, text, reply_to=reply_to))[0]


async def test_start_help_and_command_menu(fake: FakeBotAPI, bot: BotStore) -> None:
    welcome = await one(fake, "/start")
    assert "Welcome to newsbrief" in welcome.plain
    assert "/subscribe Iran" in welcome.plain
    assert {"sub:IR", "sub:RU", "sub:US"} <= {b["callback_data"] for b in welcome.buttons()}
    assert {c["command"] for c in fake.commands} >= {"start", "brief", "subscribe", "help"}
    assert fake.calls["setMyCommands"] == 1
    helptext = await one(fake, "/help")
    for command in (
        "/brief Iran 3d",
        "/subscribe Iran, Russia",
        "/settings time 07:30",
        "/settings tz Europe/Berlin",
        "/stop",
        "/digest",
        "/unsubscribe",
    ):
        assert command in helptext.plain
    # pressing a country button on the welcome subscribes
    answer = (await fake.press(USER, welcome, "sub:IR"))[0]
    assert "Subscribed to Iran" in answer.plain
    assert (await bot.get_subscriber(USER)).codes == ("IR",)


async def test_subscribe_accepts_names_codes_demonyms_and_forgives_typos(
    fake: FakeBotAPI, bot: BotStore
) -> None:
    assert "Subscribed to Iran." in (await one(fake, "/subscribe Iran")).plain
    msg = await one(fake, "/subscribe iran, russia")
    assert "Subscribed to Russia." in msg.plain and "Already following Iran" in msg.plain
    assert "Already following Iran" in (await one(fake, "/subscribe IR")).plain
    assert "Already following Iran" in (await one(fake, "/subscribe Iranian")).plain
    assert (await bot.get_subscriber(USER)).codes == ("IR", "RU")

    typo = await one(fake, "/subscribe Irna", chat=2002)
    assert "Did you mean Iran?" in typo.plain
    assert typo.button("Iran")["callback_data"] == "sub:IR"
    pressed = (await fake.press(2002, typo, "sub:IR"))[0]
    assert "Subscribed to Iran" in pressed.plain
    assert (await bot.get_subscriber(2002)).codes == ("IR",)

    unknown = await one(fake, "/subscribe <Narnia>", chat=2002)
    assert "I don't know" in unknown.plain
    assert "<Narnia>" in unknown.plain  # echoed, escaped (the fake API parsed it)

    listing = await one(fake, "/subscribe", chat=3003)
    assert "Choose a country" in listing.plain
    datas = [b["callback_data"] for b in listing.buttons()]
    assert datas[0].startswith("sub:") and any(d.startswith("subp:") for d in datas)
    # countries with news today come first
    assert {"sub:IR", "sub:RU"} & set(datas[:6])
    await fake.press(3003, listing, "subp:1", count=0)
    await fake_wait_edit(fake, "Choose a country")
    page2 = [
        b["callback_data"] for row in fake.edits[-1].reply_markup["inline_keyboard"] for b in row
    ]
    assert "subp:0" in page2 and not set(page2) & set(datas[:12])


async def test_subscriptions_and_unsubscribe(fake: FakeBotAPI, bot: BotStore) -> None:
    await one(fake, "/subscribe Iran, Russia, Germany")
    listing = await one(fake, "/subscriptions")
    assert "Iran" in listing.plain and "Russia" in listing.plain
    assert listing.button("Russia")["callback_data"] == "unsub:RU"
    await fake.press(USER, listing, "unsub:RU", count=0)
    await fake_wait_edit(fake, "Unsubscribed from Russia")
    edited = fake.edits[-1]  # the list itself, edited in place; nothing else is sent
    assert edited.message_id == listing.message_id
    assert edited.plain == (
        "Unsubscribed from Russia. You follow: Germany and Iran. Tap one to remove it."
    )
    assert [b["callback_data"] for b in edited.buttons()] == ["unsub:DE", "unsub:IR"]
    await asyncio.sleep(0.2)
    assert fake.last_to(USER).message_id == listing.message_id
    assert "Unsubscribed from Germany" in (await one(fake, "/unsubscribe germany")).plain
    assert "not following" in (await one(fake, "/unsubscribe Japan")).plain
    assert (await bot.get_subscriber(USER)).codes == ("IR",)


async def test_brief_shows_attributed_quotes_sources_and_buttons(
    fake: FakeBotAPI, bot: BotStore
) -> None:
    first = await one(fake, "/brief Iran")
    plain = first.plain
    assert plain.startswith("Iran · last 24 hours\n\n")
    card = plain.split("\n\n", 1)[1]
    lines = card.split("\n")
    assert lines[0] == "Iran and Russia hail 'unprecedented' defense ties as Shoigu visits Tehran"
    assert lines[1] == "1 outlet · just now"
    assert '<b><a href="http://127.0.0.1:' in first.text  # the headline links to its source
    assert 1 <= card.count("• ") <= 2
    assert "” — Mohammad-Reza Ashtiani, Iranian Defense Minister" in card
    assert len(card) <= 700
    assert [b["text"] for b in first.buttons()] == ["More", "Ask about this"]
    assert all(len(b["callback_data"].encode()) < 64 for b in first.buttons())

    # More: the same message, edited to the full brief; Less folds it back
    await fake.press(USER, first, first.button("More")["callback_data"], count=0)
    await fake_wait_edit(fake, "Sources:")
    grown = fake.edits[-1]
    assert grown.message_id == first.message_id
    assert grown.plain.startswith("Iran · last 24 hours\n\n")
    assert grown.plain.count("• ") >= 3
    assert "— Sergey Shoigu, Russian Defense Minister" in grown.plain
    assert "Sources: Test Wire" in grown.plain
    assert grown.buttons()[0]["text"] == "Less"
    await fake.press(USER, grown, grown.button("Less")["callback_data"], count=0)
    await wait_edits(fake, 2)
    assert fake.edits[-1].text == first.text  # folded back exactly
    assert fake.edits[-1].buttons() == first.buttons()
    assert fake.callback_answers  # every button press is answered
    assert len(fake.messages_to(USER)) == 1  # More and Less sent nothing new


async def wait_edits(fake: FakeBotAPI, count: int, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(fake.edits) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"expected {count} edits, got {len(fake.edits)}")
        await asyncio.sleep(0.02)


async def test_follow_up_questions_are_answered_from_the_articles(
    fake: FakeBotAPI, bot: BotStore
) -> None:
    brief = await one(fake, "/brief Iran")
    answer = await one(fake, "What did Shoigu say about sanctions?", reply_to=brief)
    assert "sanctions" in answer.plain
    assert "Sergey Shoigu" in answer.plain
    assert "pressure of sanctions on Russia and Iran is proving to be futile" in answer.plain
    # shown like a brief's quotes: no comma left dangling before the closing mark
    assert "new highs” — Sergey Shoigu, Russian Defense Minister" in answer.plain
    assert '<a href="http://127.0.0.1:' in answer.text
    assert answer.reply_to_message_id is not None

    unrelated = await one(fake, "What is the price of bitcoin in Tokyo?", reply_to=brief)
    assert unrelated.plain == (
        "I couldn't find that in these articles. You can ask what someone said "
        "(“What did Mohammad-Reza Ashtiani say?”), who someone is "
        "(“Who is Sergey Shoigu?”), or send a country name (Iran) for its brief."
    )

    # right after a brief, without replying, still about that brief
    who = await one(fake, "Who is Baqeri?")
    assert "Chief of Staff of the Iranian Armed Forces" in who.plain

    # "Ask about this", then a reply to that prompt: works from the store after a restart
    prompt = (await fake.press(USER, brief, brief.button("Ask")["callback_data"]))[0]
    assert prompt.reply_markup == {
        "force_reply": True,
        "selective": True,
        "input_field_placeholder": "Your question",
    }
    when = await one(fake, "When is the joint exercise?", reply_to=prompt)
    assert "February" in when.plain


async def test_question_without_a_brief_uses_the_last_day(fake: FakeBotAPI, bot: BotStore) -> None:
    answer = await one(fake, "What did Shoigu say about sanctions?", chat=5005)
    assert "From the last day's stories" in answer.plain
    assert "sanctions" in answer.plain


async def test_brief_windows_unknown_and_empty(fake: FakeBotAPI, bot: BotStore) -> None:
    three = await one(fake, "/brief Iran 3d")
    assert three.plain.startswith("Iran · last 3 days")
    typo = await one(fake, "/brief Irna")
    assert "Did you mean Iran?" in typo.plain and typo.button("Iran")["callback_data"] == (
        "brief:IR"
    )
    empty = await one(fake, "/brief Japan")
    assert "No stories about Japan in the last 24 hours" in empty.plain
    datas = [b["callback_data"] for b in empty.buttons()]
    assert "win:JP:72" in datas and "brief:IR" in datas
    again = (await fake.press(USER, empty, "brief:IR"))[0]
    assert "Mohammad-Reza Ashtiani" in again.plain
    # escaping: a title and quote full of <, > and & (the fake API rejects bad HTML)
    france = await one(fake, "/brief France")
    assert "France & Algeria <to resume> talks" in france.plain


async def test_settings_time_zone_pause(fake: FakeBotAPI, bot: BotStore) -> None:
    await one(fake, "/subscribe Iran")
    shown = await one(fake, "/settings")
    assert "daily at 08:00 (UTC)" in shown.plain
    assert "Set to" not in shown.plain
    msg = await one(fake, "/settings time 07:30")
    assert "Digest time set to 07:30" in msg.plain
    msg = await one(fake, "/settings tz Europe/Berlin")
    assert "Time zone set to Europe/Berlin" in msg.plain
    sub = await bot.get_subscriber(USER)
    assert (sub.digest_time, sub.timezone) == ("07:30", "Europe/Berlin")
    local = sub.next_digest_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert local.strftime("%H:%M") == "07:30"
    assert "not a time" in (await one(fake, "/settings time 25:99")).plain
    assert "don't know the time zone" in (await one(fake, "/settings tz Mars/Olympus")).plain
    assert "paused" in (await one(fake, "/settings pause")).plain
    assert (await bot.get_subscriber(USER)).paused
    shown = await one(fake, "/settings")
    assert "Digest: paused" in shown.plain
    assert shown.button("Resume")["callback_data"] == "set:resume"
    await fake.press(USER, shown, "set:resume", count=0)
    await fake_wait_edit(fake, "Digest: on")
    card = fake.edits[-1]  # the card itself, edited: no second card, no extra message
    assert card.message_id == shown.message_id
    assert card.button("Pause")["callback_data"] == "set:pause"
    assert not (await bot.get_subscriber(USER)).paused
    await fake.press(USER, card, "set:pause", count=0)
    await fake_wait_edit(fake, "Digest: paused")
    assert fake.edits[-1].button("Resume")["callback_data"] == "set:resume"
    assert (await bot.get_subscriber(USER)).paused
    await asyncio.sleep(0.2)
    assert fake.last_to(USER).message_id == shown.message_id


async def test_digest_now_then_nothing_new(fake: FakeBotAPI, bot: BotStore) -> None:
    assert "You follow no countries" in (await one(fake, "/digest")).plain
    await one(fake, "/subscribe Iran, Germany")
    digest = await one(fake, "/digest")
    assert digest.plain.startswith("Your digest · Iran and Germany · ")
    assert "\n\n🇮🇷 Iran\n\n1. Iran and Russia hail" in digest.plain
    assert "\n\n🇩🇪 Germany\n\n2. German parliament approves budget" in digest.plain
    assert "Mohammad-Reza Ashtiani" in digest.plain and "budget" in digest.plain
    assert [b["text"] for b in digest.buttons()] == ["More 1", "More 2", "Ask about these"]
    again = await one(fake, "/digest")
    assert "Nothing new on Iran and Germany" in again.plain
    # a reply to the digest asks about its stories
    answer = await one(fake, "What did Shoigu say about sanctions?", reply_to=digest)
    assert "Sergey Shoigu" in answer.plain


async def test_stop_asks_then_deletes_everything(fake: FakeBotAPI, bot: BotStore) -> None:
    await one(fake, "/subscribe Iran")
    ask = await one(fake, "/stop")
    assert "Are you sure?" in ask.plain
    await fake.press(USER, ask, ask.button("Cancel")["callback_data"], count=0)
    await fake_wait_edit(fake, "Cancelled")
    assert await bot.get_subscriber(USER) is not None
    ask = await one(fake, "/stop")
    await fake.press(USER, ask, ask.button("Yes")["callback_data"], count=0)
    await fake_wait_edit(fake, "your data is deleted")
    assert await bot.get_subscriber(USER) is None
    assert await bot.latest_stories(USER, __import__("datetime").datetime(2000, 1, 1)) is None


async def fake_wait_edit(fake: FakeBotAPI, contains: str, timeout: float = 5.0) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(contains in e.plain for e in fake.edits):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no edit containing {contains!r}: {[e.plain for e in fake.edits]}")


async def test_admin_commands(fake: FakeBotAPI, bot: BotStore) -> None:
    refused = await one(fake, "/stats")
    assert "for the bot's admins" in refused.plain
    stats = await one(fake, "/stats", chat=ADMIN)
    assert "Subscribers:" in stats.plain and "Stories: " in stats.plain
    assert "Feeds: 1 enabled, 0 failing" in stats.plain
    feeds = await one(fake, "/feeds", chat=ADMIN)
    assert "Test Wire: ok" in feeds.plain


async def test_buttons_and_replies_work_after_a_restart(fake: FakeBotAPI, filled: Store) -> None:
    async with bot_running(fake, filled):
        brief = await one(fake, "/brief Iran")
    # a new Application on the same database: nothing of the first one's memory survives
    async with bot_running(fake, filled):
        await fake.press(USER, brief, brief.button("More")["callback_data"], count=0)
        await fake_wait_edit(fake, "Sources:")
        assert fake.edits[-1].message_id == brief.message_id
        answer = await one(fake, "What did Shoigu say about sanctions?", reply_to=brief)
        assert "Sergey Shoigu" in answer.plain


async def test_stale_or_forged_buttons_get_a_clear_answer(fake: FakeBotAPI, bot: BotStore) -> None:
    brief = await one(fake, "/brief Iran")
    gone = (await fake.press(USER, brief, "mq:999999"))[0]
    assert gone.plain == "That story is no longer available."
    for forged in ("zz:1", "mq:abc", "mq:99999999999"):  # the last: past a 32-bit id
        answer = await fake.press_for_answer(USER, brief, forged)
        assert answer.get("text") == "That button is no longer valid."
    await asyncio.sleep(0.2)
    assert len(fake.messages_to(USER)) == 2  # the brief and "no longer available" only


async def test_odd_input_always_gets_a_useful_answer(fake: FakeBotAPI, bot: BotStore) -> None:
    nothing = await one(fake, "/subscribe ,,")  # used to get no answer at all
    assert nothing.plain.startswith("I found no country in “,,”")
    assert "Subscribed to Iran." in (await one(fake, "/subscribe 🇮🇷")).plain  # a flag
    assert (await bot.get_subscriber(USER)).codes == ("IR",)
    flag = await one(fake, "/brief 🇮🇷 3d")
    assert flag.plain.startswith("Iran · last 3 days")
    two = await one(fake, "/brief Iran, Germany")  # one message, numbered cards
    assert two.plain.startswith("Iran and Germany · last 24 hours\n\n1. ")
    assert "\n\n2. " in two.plain
    assert "Mohammad-Reza Ashtiani" in two.plain and "Friedrich Merz" in two.plain
    assert [b["text"] for b in two.buttons()] == ["More 1", "More 2", "Ask about these"]
    assert (await one(fake, "/brief Iran 1h")).plain.startswith("Iran · last 1 hour\n")
    assert (await one(fake, "/settings time")).plain == (
        "Which time? For example: /settings time 07:30."
    )
    assert (await one(fake, "/settings tz")).plain == (
        "Which time zone? For example: /settings tz Europe/Berlin."
    )
    listing = await one(fake, "/unsubscribe ,,")
    assert listing.plain.startswith("You follow: Iran.")
    # a newcomer's greeting: not "these articles" (they saw none), but what to do
    hello = await one(fake, "hello", chat=6006)
    assert hello.plain == HINT
    html_question = await one(fake, "<b>hi</b>? & <i>", chat=6006)
    assert "couldn't find" in html_question.plain  # accepted by the fake: nothing unescaped


async def test_a_long_list_of_unknown_names_is_answered_in_a_few_messages(
    fake: FakeBotAPI, bot: BotStore
) -> None:
    junk = ", ".join(f"zzq{i}" for i in range(400))  # used to be 400 messages
    answers = await fake.ask(USER, f"/subscribe Iran, {junk}", count=5)
    await asyncio.sleep(0.3)  # nothing more follows
    answers = fake.messages_to(USER)
    assert len(answers) == 5
    assert answers[0].plain.startswith("Subscribed to Iran.")
    assert all("I don't know" in a.plain for a in answers[1:4])
    assert answers[4].plain == (
        "I don't know these either: “zzq3”, “zzq4”, “zzq5”, “zzq6”, “zzq7” and 392 more."
    )
