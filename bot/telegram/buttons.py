"""What each inline button does: one handler per action, registered with its pattern.

Every handler receives a :class:`~bot.telegram.callbacks.Press` that
:func:`~bot.telegram.callbacks.parse` already validated (``CallbackQueryHandler``'s
pattern is :func:`~bot.telegram.callbacks.matcher`), so none reads raw callback data.
Data no button of the bot carries (forged, or from an older version) reaches
:func:`invalid` instead: the press is answered "That button is no longer valid" and
nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import wraps
from typing import Any

from telegram import CallbackQuery, ForceReply, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.jobs import by_name, names
from bot.store import utcnow
from bot.telegram import callbacks, fold
from bot.telegram import keyboards as kb
from bot.telegram.callbacks import Press
from bot.telegram.handlers import (
    DEFAULT_WINDOW_HOURS,
    BotContext,
    country_list,
    ctx_of,
    do_subscribe,
    ensure,
    send_brief,
    set_paused,
    set_timezone,
    settings_text,
)
from bot.telegram.render import (
    StoryBrief,
    clip,
    esc,
    render_more_quotes,
    render_source_list,
)
from summarizer.gazetteer import country_name

log = logging.getLogger("newsbrief.telegram")

NO_LONGER_VALID = "That button is no longer valid."
#: How long a /stop confirmation can be answered.
CONFIRM_FOR = timedelta(hours=1)

Action = Callable[[BotContext, Update, Press, int, int | None], Awaitable[None]]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


async def refuse(update: Update, why: str) -> None:
    """Answer a press the bot will not act on, logged with its chat and (clipped) data."""
    query = update.callback_query
    chat = update.effective_chat.id if update.effective_chat else None
    log.warning(
        "event=bad_callback chat_id=%s reason=%s data=%r",
        chat,
        why,
        (query.data or "")[:80] if query else None,
    )
    if query is not None:
        await answer(query, NO_LONGER_VALID)


async def answer(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a press; one Telegram no longer takes (too old) is not worth an error."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        log.info("event=callback_answer_refused error=%r", str(exc)[:200])


async def invalid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any press no other handler's pattern accepted."""
    await refuse(update, "unknown")


def pressed(action: Action) -> Handler:
    """The PTB callback for ``action``: the press parsed again, answered, then acted on."""

    @wraps(action)
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        press = callbacks.parse(query.data if query else None)
        if query is None or press is None or update.effective_chat is None:
            await refuse(update, "unparsed")
            return
        message_id = query.message.message_id if query.message else None
        if press.action != "stop":  # stop answers once it knows whether the token holds
            await answer(query)
        await action(ctx_of(context), update, press, update.effective_chat.id, message_id)

    return handler


async def _subscribe(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    assert press.code is not None
    await ensure(nb, update)
    await do_subscribe(nb, chat_id, [press.code])


async def _unsubscribe(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """✕ under /subscriptions: the list is edited in place, and nothing else is sent."""
    assert press.code is not None
    gone = await nb.bot_store.unsubscribe(chat_id, [press.code])
    sub = await nb.bot_store.get_subscriber(chat_id)
    name = esc(country_name(press.code))
    if message_id is None:  # the list is too old to edit: say what happened instead
        text = f"Unsubscribed from {name}." if gone else f"You were not following {name}."
        await nb.out.send(chat_id, text)
        return
    if sub and sub.codes:
        listed = [(c, country_name(c)) for c in by_name(sub.codes)]
        await nb.out.edit(
            chat_id,
            message_id,
            f"Unsubscribed from {name}. You follow: {esc(names(by_name(sub.codes)))}. "
            "Tap one to remove it.",
            reply_markup=kb.remove_keyboard(listed),
        )
    else:
        await nb.out.edit(
            chat_id,
            message_id,
            f"Unsubscribed from {name}. You follow no countries now; /subscribe Iran adds one.",
        )


async def _page(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    assert press.number is not None
    if message_id:
        countries = await country_list(nb)
        await nb.out.edit(
            chat_id,
            message_id,
            "Choose a country for your daily digest (countries with news today first):",
            reply_markup=kb.paged_countries_keyboard(
                countries, "sub", press.number, page_action="subp"
            ),
        )


async def _brief(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    assert press.code is not None
    hours = float(press.number) if press.action == "win" and press.number else None
    await send_brief(nb, chat_id, [press.code], hours or DEFAULT_WINDOW_HOURS)


async def _story(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
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


async def ask(nb: BotContext, chat_id: int, message_id: int | None, story: StoryBrief) -> None:
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


async def _stop(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """Yes or Cancel under the /stop question: valid once, on that message, for an hour."""
    assert press.token is not None and update.callback_query is not None
    pending = nb.confirmations_pending.get(chat_id)
    if pending is not None:  # the question is still being sent: its token is not stored yet
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pending.wait(), timeout=10)
    since = utcnow() - CONFIRM_FOR
    if message_id is None or not await nb.bot_store.take_confirmation(
        chat_id, message_id, press.token, since
    ):
        await refuse(update, "confirmation")
        return
    await answer(update.callback_query)
    if press.choice == "yes":
        await nb.bot_store.delete_user_data(chat_id)
        text = "Done: you are unsubscribed and your data is deleted. /start to come back."
    else:
        text = "Cancelled: nothing was changed."
    await nb.out.edit(chat_id, message_id, text)


async def _settings(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """Pause, Resume and the quiet-day note change the settings card itself."""
    await ensure(nb, update)
    if press.choice in ("pause", "resume"):
        await set_paused(nb, chat_id, press.choice == "pause", announce=message_id is None)
    else:
        await nb.bot_store.update_subscriber(chat_id, quiet_notice=press.choice == "quiet_on")
    sub = await nb.bot_store.get_subscriber(chat_id)
    if sub is None:
        return
    if message_id is None:
        await nb.out.send(chat_id, settings_text(sub))
        return
    await nb.out.edit(
        chat_id,
        message_id,
        settings_text(sub),
        reply_markup=kb.settings_keyboard(sub.paused, sub.quiet_notice),
    )


async def _zone(
    nb: BotContext, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """One of the zones offered for a country with several: the question becomes the answer."""
    assert press.choice is not None  # parse() gives tz presses a checked zone name
    await ensure(nb, update)
    await set_timezone(nb, chat_id, press.choice, message_id=message_id)


#: One handler per action of :data:`bot.telegram.callbacks.ACTIONS`.
HANDLERS: dict[str, Handler] = {
    "sub": pressed(_subscribe),
    "unsub": pressed(_unsubscribe),
    "subp": pressed(_page),
    "brief": pressed(_brief),
    "win": pressed(_brief),
    "mq": pressed(_story),
    "src": pressed(_story),
    "ask": pressed(_story),
    "more": pressed(fold.toggle_story),
    "less": pressed(fold.toggle_story),
    "stop": pressed(_stop),
    "set": pressed(_settings),
    "tz": pressed(_zone),
}
