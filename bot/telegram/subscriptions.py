"""Subscriptions: /subscribe, /unsubscribe, /subscriptions and their buttons."""

from __future__ import annotations

from telegram import Update

from bot.briefing import by_name, names
from bot.store.subscribers import SubscriberInfo
from bot.telegram import keyboards as kb
from bot.telegram.callbacks import Press
from bot.telegram.common import arg_text, chat_of, country_list, ensure, suggest_each
from bot.telegram.context import NewsbriefContext, Services
from bot.telegram.render import clip, esc
from summarizer import country_name, parse_country_list

CHOOSE = "Choose a country for your daily digest (countries with news today first):"


async def subscribe(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    chat_id = chat_of(update)
    await ensure(nb, update)
    text = arg_text(context)
    if not text:
        countries = await country_list(nb)
        await nb.out.send(
            chat_id,
            CHOOSE,
            reply_markup=kb.paged_countries_keyboard(countries, "sub", 0, page_action="subp"),
        )
        return
    codes, unknown = parse_country_list(text)
    if not codes and not unknown:  # only separators or symbols: never answer with silence
        await nb.out.send(
            chat_id,
            f"I found no country in “{esc(clip(text, 60))}”. Try /subscribe Iran, Russia, "
            "or /subscribe alone for a list.",
        )
        return
    if codes:
        await do_subscribe(nb, chat_id, codes)
    await suggest_each(nb, chat_id, unknown, "sub")


async def do_subscribe(nb: Services, chat_id: int, codes: list[str]) -> None:
    new = await nb.bot_store.subscribe(chat_id, codes)
    sub = await nb.bot_store.get_subscriber(chat_id)
    assert sub is not None
    old = [c for c in codes if c not in new]
    parts = []
    if new:
        parts.append(f"Subscribed to {esc(names(new))}.")
    if old:
        parts.append(f"Already following {esc(names(old))}.")
    when = (
        f"Your digest comes daily at {esc(sub.digest_time)} ({esc(sub.timezone)})"
        if not sub.paused
        else "Your digests are paused (/settings resume)"
    )
    parts.append(
        f"{when}; /settings changes that. /brief {esc(country_name(codes[0]))} shows the news now."
    )
    await nb.out.send(chat_id, " ".join(parts))


async def unsubscribe(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    chat_id = chat_of(update)
    sub = await nb.bot_store.get_subscriber(chat_id)
    text = arg_text(context)
    if not text:
        await list_subscriptions(nb, chat_id, sub)
        return
    codes, unknown = parse_country_list(text)
    if not codes and not unknown:
        await list_subscriptions(nb, chat_id, sub)
        return
    gone = await nb.bot_store.unsubscribe(chat_id, codes) if codes and sub else []
    not_there = [c for c in codes if c not in gone]
    parts = []
    if gone:
        parts.append(f"Unsubscribed from {esc(names(gone))}.")
    if not_there:
        parts.append(f"You were not following {esc(names(not_there))}.")
    if parts:
        await nb.out.send(chat_id, " ".join(parts))
    await suggest_each(nb, chat_id, unknown, "unsub")


async def list_subscriptions(nb: Services, chat_id: int, sub: SubscriberInfo | None) -> None:
    if not sub or not sub.codes:
        await nb.out.send(chat_id, "You follow no countries yet. Try /subscribe Iran.")
        return
    listed = [(c, country_name(c)) for c in by_name(sub.codes)]
    await nb.out.send(
        chat_id,
        f"You follow: {esc(names(by_name(sub.codes)))}. Tap one to remove it.",
        reply_markup=kb.remove_keyboard(listed),
    )


async def subscriptions(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    chat_id = chat_of(update)
    await list_subscriptions(nb, chat_id, await nb.bot_store.get_subscriber(chat_id))


# -- buttons -------------------------------------------------------------------------


async def on_subscribe(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    assert press.code is not None
    await ensure(nb, update)
    await do_subscribe(nb, chat_id, [press.code])


async def on_unsubscribe(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
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


async def on_page(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """Another page of the country list, in the same message."""
    assert press.number is not None
    if message_id:
        countries = await country_list(nb)
        await nb.out.edit(
            chat_id,
            message_id,
            CHOOSE,
            reply_markup=kb.paged_countries_keyboard(
                countries, "sub", press.number, page_action="subp"
            ),
        )
