"""Every message gets an answer: unknown commands, greetings, bare country names.

Before, any text that was not a command was taken as a question about the last brief
("hello" got "I couldn't find that in these articles."), typing "Iran" gave a follow-up
answer rather than Iran's brief, and ``/breif Iran`` got no reply at all. Here a message
is routed by what it is: a command the bot does not know gets the closest one it does;
an empty message or a greeting gets a one-line hint; a country name (with an optional
window, "Iran 2 days") gets that country's brief; anything else is a question.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from telegram import InlineKeyboardMarkup, Update

from bot.telegram import keyboards as kb
from bot.telegram.brief import DEFAULT_WINDOW_HOURS, send_brief
from bot.telegram.common import chat_of, flags_to_codes, suggest_country
from bot.telegram.context import NewsbriefContext
from bot.telegram.questions import question
from bot.telegram.render import clip, esc
from bot.telegram.welcome import COMMANDS
from bot.telegram.windows import parse_window
from summarizer import (
    country_name,
    lookup_country,
    parse_country_list,
    suggest_countries,
)

#: How alike a typed command must be to a known one to be suggested (rapidfuzz ratio).
MIN_COMMAND_SCORE = 60
#: How close a lone word must be to a country's name to be read as a misspelt one.
MISSPELT_COUNTRY_SCORE = 0.75
#: Commands that take a country, so "/breif Iran" can offer the brief itself as a button.
COUNTRY_COMMANDS = {"brief": "brief", "subscribe": "sub", "unsubscribe": "unsub"}

HINT = (
    "Hi! Send a country name (Iran) for its brief, reply to a brief with a question, "
    "or /help for everything I do."
)
_GREETING_RE = re.compile(
    r"^(?:hi+|hello+|hey+|hiya|yo|howdy|greetings|hallo|hola|bonjour|salut|salam|salaam|"
    r"ciao|privet|привет|здравствуйте|سلام|good\s+(?:morning|afternoon|evening|day)|"
    r"thanks?(?:\s+you)?|thx|ty|ok(?:ay)?|cool|test(?:ing)?|start|help|menu|\?+)"
    r"(?:\s+(?:there|bot|newsbrief|all|everyone))?[\s!.,?]*$",
    re.IGNORECASE,
)


def known_commands() -> list[str]:
    """The commands a user can type (those in the menu)."""
    return [name for name, _description in COMMANDS]


def closest_command(typed: str) -> str | None:
    """The known command nearest to ``typed`` ("breif" → "brief"), or None if none is near."""
    if not typed:
        return None
    match = process.extractOne(
        typed.lower(), known_commands(), scorer=fuzz.ratio, score_cutoff=MIN_COMMAND_SCORE
    )
    return match[0] if match else None


async def unknown_command(update: Update, context: NewsbriefContext) -> None:
    """A command no handler took: suggest the nearest one, with a button when it fits."""
    nb = context.services
    message = update.effective_message
    if message is None or not message.text:
        return
    first, _, rest = message.text.strip().partition(" ")
    typed = first[1:].split("@", 1)[0]
    best = closest_command(typed)
    if best is None:
        await nb.out.send(
            chat_of(update),
            f"I don't know the command /{esc(clip(typed, 40))}. /help lists what I can do.",
        )
        return
    markup = None
    code = lookup_country(parse_window(flags_to_codes(rest))[0]) if rest.strip() else None
    if best in COUNTRY_COMMANDS and code is not None:
        label = f"/{best} {country_name(code)}"
        markup = InlineKeyboardMarkup([[kb.button(label, COUNTRY_COMMANDS[best], code)]])
    await nb.out.send(chat_of(update), f"Did you mean /{best}?", reply_markup=markup)


def is_greeting(text: str) -> bool:
    """A hello, a thanks, an "ok": a message that asks nothing of the articles."""
    return bool(_GREETING_RE.match(text.strip()))


def country_query(text: str) -> tuple[list[str], float | None] | None:
    """The countries (and window) a plain message names, if that is all it says.

    "Iran", "iran 2 days", "Iran, Russia" and "🇮🇷" are briefs; two- and three-letter
    codes count only in capitals ("US", "UK"), so "no", "it" or "is" stay words.
    """
    query, window = parse_window(flags_to_codes(text.strip()))
    query = query.strip().rstrip("?!.").strip()
    if not query or len(query) > 60:
        return None
    hours = window.hours if window else None
    if len(query) <= 3 and not query.isupper():
        return None
    code = lookup_country(query)
    if code is not None:
        return [code], hours
    if "," in query or " and " in query:
        codes, unknown = parse_country_list(query)
        if (
            codes
            and not unknown
            and all(
                len(p.strip()) > 3 or p.strip().isupper()
                for p in re.split(r",|\band\b", query)
                if p.strip()
            )
        ):
            return codes, hours
    return None


async def plain_text(update: Update, context: NewsbriefContext) -> None:
    """A message that is not a command: a hint, a country's brief, or a question."""
    nb = context.services
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text
    if not text.strip() or is_greeting(text):
        await nb.out.send(chat_of(update), HINT)
        return
    asked = country_query(text)
    if asked is not None:
        codes, hours = asked
        await send_brief(nb, chat_of(update), codes, hours or DEFAULT_WINDOW_HOURS)
        return
    if looks_like_a_misspelt_country(text):
        await suggest_country(nb, chat_of(update), text.strip(), "brief")
        return
    await question(update, context)


def looks_like_a_misspelt_country(text: str) -> bool:
    """One word, no question, close to a country's name: "Irna", "Germny"."""
    word = text.strip()
    if " " in word or "?" in word or len(word) < 4 or not word.isalpha():
        return False
    close = suggest_countries(word, 1)
    return bool(close) and close[0][2] >= MISSPELT_COUNTRY_SCORE
