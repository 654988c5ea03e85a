"""What the handlers of every feature share: the chat, its subscriber row, the command's
arguments, suggestions for unknown country names, and answering button presses."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot.digest import next_digest_at
from bot.store import utcnow
from bot.store.subscribers import SubscriberInfo
from bot.telegram import keyboards as kb
from bot.telegram.callbacks import Press
from bot.telegram.context import NewsbriefContext, Services
from bot.telegram.render import clip, esc
from summarizer import all_countries, country_name, suggest_countries

log = logging.getLogger("newsbrief.telegram")

MAX_SUGGESTED = 3  # unknown country names answered with their own suggestions
NO_LONGER_VALID = "That button is no longer valid."

#: What a button does, given its validated press, the chat and the pressed message's id.
Action = Callable[[Services, Update, Press, int, int | None], Awaitable[None]]


def chat_of(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def ensure(nb: Services, update: Update) -> SubscriberInfo:
    """The chat's subscriber row, created with the default digest time and zone."""
    chat_id = chat_of(update)
    settings = nb.settings
    at = settings.default_digest_time
    zone = settings.default_timezone
    user = update.effective_user
    return await nb.bot_store.ensure_subscriber(
        chat_id,
        digest_time=f"{at:%H:%M}",
        timezone=zone,
        next_digest_at=next_digest_at(at, zone, utcnow()),
        first_name=user.first_name if user else None,
        language_code=user.language_code if user else None,
    )


_FLAGS_RE = re.compile("(?:[\U0001f1e6-\U0001f1ff]{2})+")


def flags_to_codes(text: str) -> str:
    """Flag emoji as the ISO codes they spell: ``🇮🇷`` → ``IR``, ``🇮🇷🇷🇺`` → ``IR, RU``."""

    def codes(m: re.Match[str]) -> str:
        letters = "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in m.group(0))
        return " " + ", ".join(letters[k : k + 2] for k in range(0, len(letters), 2)) + " "

    return " ".join(_FLAGS_RE.sub(codes, text).split())


def arg_text(context: NewsbriefContext) -> str:
    """The command's arguments as one string, flag emoji read as country codes."""
    return flags_to_codes(" ".join(context.args or []).strip())


async def suggest_country(nb: Services, chat_id: int, term: str, action: str) -> None:
    """An unknown country: say so, and offer the close matches as buttons."""
    suggestions = suggest_countries(term, 3)
    if suggestions:
        first = suggestions[0][1]
        text = f"I don't know “{esc(clip(term, 60))}”. Did you mean {esc(first)}?"
        markup = kb.countries_keyboard([(c, n) for c, n, _s in suggestions], action, columns=3)
        await nb.out.send(chat_id, text, reply_markup=markup)
    else:
        await nb.out.send(
            chat_id,
            f"I don't know a country called “{esc(clip(term, 60))}”. Try a name (Iran), "
            "a code (IR) or a demonym (Iranian); /subscribe alone shows a list.",
        )


async def suggest_each(nb: Services, chat_id: int, terms: list[str], action: str) -> None:
    """Suggestions for a few unknown names, one message each; a long list in one line.

    "/subscribe a, b, c, …" with hundreds of unknown names must not become hundreds of
    messages (paced at one a second, that would be minutes of spam).
    """
    for term in terms[:MAX_SUGGESTED]:
        await suggest_country(nb, chat_id, term, action)
    rest = terms[MAX_SUGGESTED:]
    if rest:
        shown = ", ".join(f"“{esc(clip(t, 30))}”" for t in rest[:5])
        more = f" and {len(rest) - 5} more" if len(rest) > 5 else ""
        await nb.out.send(chat_id, f"I don't know these either: {shown}{more}.")


async def country_list(nb: Services) -> list[tuple[str, str]]:
    """Every country, those with news in the last day first."""
    with_news = await nb.briefs.countries_with_news(utcnow() - timedelta(hours=24), limit=24)
    first = [(c, country_name(c)) for c in with_news]
    rest = [(c, n) for c, n in all_countries() if c not in set(with_news)]
    return first + rest


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
