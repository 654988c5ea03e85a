"""/brief: a country's top stories as cards, and the buttons under a story."""

from __future__ import annotations

from datetime import timedelta

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.briefing import StoryBrief, names
from bot.ops.metrics import timed_brief
from bot.store import utcnow
from bot.telegram import keyboards as kb
from bot.telegram import layout
from bot.telegram.callbacks import Press
from bot.telegram.common import arg_text, chat_of, suggest_country
from bot.telegram.context import NewsbriefContext, Services
from bot.telegram.render import clip, esc, render_more_quotes, render_source_list
from bot.telegram.windows import Window, parse_window
from bot.telegram.windows import label as window_label
from summarizer import country_name, lookup_country, parse_country_list

BRIEF_STORIES = 3
DEFAULT_WINDOW_HOURS = 24


async def brief(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    chat_id = chat_of(update)
    query, window = parse_window(arg_text(context))
    window = window or Window(DEFAULT_WINDOW_HOURS)
    if not query:
        sub = await nb.bot_store.get_subscriber(chat_id)
        if sub and sub.codes:
            await send_brief(nb, chat_id, list(sub.codes), window.hours, note=window.note())
            return
        await nb.out.send(
            chat_id, "Which country? For example: /brief Iran, or /brief Iran 2 days."
        )
        return
    code = lookup_country(query)
    if code is None:
        # "Iran, Russia" (or two flags): a brief on each of them, if every one is known.
        codes, unknown = parse_country_list(query)
        if codes and not unknown:
            await send_brief(nb, chat_id, codes, window.hours, note=window.note())
            return
        await suggest_country(nb, chat_id, unknown[0] if unknown else query, "brief")
        return
    await send_brief(nb, chat_id, [code], window.hours, note=window.note())


@timed_brief
async def send_brief(
    nb: Services, chat_id: int, codes: list[str], hours: float, *, note: str = ""
) -> None:
    """The top stories for the countries as numbered cards in one message (more only
    when they do not fit), each with its More button; ``note`` goes under the header."""
    since = utcnow() - timedelta(hours=hours)
    found = await nb.briefs.page(codes, since, limit=BRIEF_STORIES)
    stories = found.stories
    if not stories:
        if found.collecting:
            await still_collecting(nb, chat_id, codes, hours)
            return
        await nothing(nb, chat_id, codes, hours, note=note)
        return
    if not note and found.collecting:
        note = "Still reading the feeds for the first time: more may come in a minute."
    now = utcnow()
    by_id = {s.story_id: s for s in stories}
    numbered = len(stories) > 1
    parts = [layout.head(f"{names(codes)} · last {window_label(hours)}", note)]
    parts += [
        layout.Part(story_id=s.story_id, index=i if numbered else None)
        for i, s in enumerate(stories, 1)
    ]
    for page in layout.pages(parts, by_id, now=now):
        ids = [p.story_id for p in page if p.story_id is not None]
        await nb.out.send(
            chat_id,
            layout.render(page, by_id, now),
            reply_markup=layout.keyboard(page, by_id),
            story_ids=ids,
            kind="brief",
        )


async def still_collecting(nb: Services, chat_id: int, codes: list[str], hours: float) -> None:
    """The first reading of the feeds is under way: say so, and send the brief when done."""
    await nb.out.send(
        chat_id,
        "I'm still collecting the news: the first reading of the feeds has not finished. "
        f"I'll send the brief on {esc(names(codes))} as soon as it is ready "
        "(or try again in a minute).",
    )

    async def deliver(chat: int, wanted: list[str], window: float) -> None:
        await send_brief(nb, chat, wanted, window)

    async def give_up(chat: int, wanted: list[str]) -> None:
        await nb.out.send(
            chat,
            f"The feeds are still being read. Try /brief {esc(country_name(wanted[0]))} "
            "again in a few minutes.",
        )

    nb.waiters.add(
        chat_id, codes, hours, collecting=nb.briefs.settling, deliver=deliver, give_up=give_up
    )


async def nothing(
    nb: Services, chat_id: int, codes: list[str], hours: float, *, note: str = ""
) -> None:
    """Nothing in the window: say so and offer a longer window or countries with news."""
    label = names(codes)
    rows: list[list[InlineKeyboardButton]] = []
    longer = next((h for h in (72, 168, 720) if h > hours), None)
    if longer and len(codes) == 1:
        rows.append([kb.button(f"Last {window_label(longer)}", "win", codes[0], int(longer))])
    with_news = [
        c
        for c in await nb.briefs.countries_with_news(utcnow() - timedelta(hours=24))
        if c not in codes
    ][:6]
    if with_news:
        rows += [
            list(row)
            for row in kb.countries_keyboard(
                [(c, country_name(c)) for c in with_news], "brief", columns=3
            ).inline_keyboard
        ]
    text = f"No stories about {esc(label)} in the last {window_label(hours)}."
    if note:
        text += f" <i>{esc(note)}</i>"
    if with_news:
        text += " Countries with news today are below."
    elif longer:
        text += " Try a longer window."
    await nb.out.send(chat_id, text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


# -- buttons -------------------------------------------------------------------------


async def on_brief(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """A country's button (``brief``), or a longer window (``win``)."""
    assert press.code is not None
    hours = float(press.number) if press.action == "win" and press.number else None
    await send_brief(nb, chat_id, [press.code], hours or DEFAULT_WINDOW_HOURS)


async def on_story(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """A story's More quotes, Sources and Ask buttons."""
    assert press.number is not None
    story = await nb.briefs.story(press.number)
    if story is None:
        await nb.out.send(chat_id, "That story is no longer available.")
    elif press.action == "mq":
        await nb.out.send(
            chat_id, render_more_quotes(story), story_ids=[story.story_id], kind="quotes"
        )
    elif press.action == "src":
        await nb.out.send(
            chat_id, render_source_list(story), story_ids=[story.story_id], kind="sources"
        )
    else:
        await ask(nb, chat_id, message_id, story)


async def ask(nb: Services, chat_id: int, message_id: int | None, story: StoryBrief) -> None:
    """A prompt with a ForceReply, so a phone opens the reply box on its own; the prompt
    stands for every story of the message whose button was pressed."""
    ids = await nb.bot_store.stories_of_message(chat_id, message_id) if message_id else None
    ids = ids or [story.story_id]
    about = f"<b>{esc(clip(story.brief.headline, 120))}</b>" if len(ids) == 1 else "these stories"
    await nb.out.send(
        chat_id,
        f"What would you like to know about {about}? For example: "
        "“What did they say about sanctions?” or “Who is …?”",
        reply_markup=ForceReply(selective=True, input_field_placeholder="Your question"),
        story_ids=ids,
        kind="ask",
    )
