"""What the bot does for each command, button and question.

Handlers read and write the store and answer through :class:`~bot.delivery.Delivery`
(never ``update.message.reply_text``), so every message is paced, retried and logged in
one place. Everything a user typed is escaped before it is echoed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.delivery import Delivery
from bot.digest import (
    AmbiguousTimezone,
    BadTime,
    BadTimezone,
    describe_local,
    next_digest_at,
    parse_time,
    parse_timezone,
)
from bot.jobs import DigestBuilder, by_name, names, parse_hhmm
from bot.ops.metrics import timed_brief
from bot.settings import Settings
from bot.store import Store, utcnow
from bot.store.subscribers import BotStore, SubscriberInfo
from bot.telegram import keyboards as kb
from bot.telegram import layout
from bot.telegram.briefs import Briefs
from bot.telegram.render import (
    clip,
    esc,
)
from bot.telegram.waiting import Waiters
from bot.telegram.windows import Window, parse_window
from bot.telegram.windows import label as window_label
from bot.timezones import zone_label
from summarizer.gazetteer import (
    all_countries,
    country_name,
    lookup_country,
    parse_country_list,
    suggest_countries,
)

log = logging.getLogger("newsbrief.telegram")

BRIEF_STORIES = 3
MAX_SUGGESTED = 3  # unknown country names answered with their own suggestions
DEFAULT_WINDOW_HOURS = 24
QUOTE_MARKS = "“”\"' "

COMMANDS = [
    ("start", "What this bot does"),
    ("brief", "Top stories for a country: /brief Iran"),
    ("subscribe", "Daily digest for countries: /subscribe Iran, Russia"),
    ("unsubscribe", "Stop a country: /unsubscribe Iran"),
    ("subscriptions", "Your countries"),
    ("digest", "Your digest now"),
    ("settings", "Digest time, time zone, pause"),
    ("help", "Every command with an example"),
    ("stop", "Unsubscribe and delete your data"),
]

HELP = """<b>newsbrief</b>: the day's news by country, in short briefs with the words of officials.

/brief Iran: top stories about Iran from the last 24 hours
/brief Iran 3d: the same over 3 days (also 48h, 2 days, 1 week)
Iran: just a country's name is its brief too
/subscribe Iran, Russia: a daily digest on those countries
/subscribe: choose countries from a list
/unsubscribe Iran: stop one country
/subscriptions: your countries, with buttons to remove them
/digest: your digest now
/settings: show digest time, zone and pause
/settings time 07:30: digest time (your local time)
/settings tz Europe/Berlin: time zone (or UTC+2, or a city)
/settings pause, /settings resume: stop and restart digests
/settings quiet off: no message on days without news
/stop: unsubscribe and delete everything the bot keeps about you

Reply to a brief or a digest with a question (“What did Shoigu say about sanctions?”) \
and the answer comes from the articles behind it."""


@dataclass
class BotContext:
    """What every handler needs; lives in ``application.bot_data["nb"]``."""

    settings: Settings
    store: Store
    bot_store: BotStore
    briefs: Briefs
    digests: DigestBuilder
    delivery: Delivery | None = None
    tasks: set[asyncio.Task] = field(default_factory=set)
    waiters: Waiters = field(default_factory=Waiters)
    # /stop questions being sent: a Yes pressed at once waits until its token is stored
    # (updates are handled concurrently, so the press can overtake the question's handler).
    confirmations_pending: dict[int, asyncio.Event] = field(default_factory=dict)

    def background(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` after the handler returns (kept referenced until done)."""
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @property
    def out(self) -> Delivery:
        assert self.delivery is not None, "delivery is set up in post_init"
        return self.delivery

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


def ctx_of(context: ContextTypes.DEFAULT_TYPE) -> BotContext:
    return context.application.bot_data["nb"]


def chat_of(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def ensure(nb: BotContext, update: Update) -> SubscriberInfo:
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


def arg_text(context: ContextTypes.DEFAULT_TYPE) -> str:
    """The command's arguments as one string, flag emoji read as country codes."""
    return flags_to_codes(" ".join(context.args or []).strip())


# -- /start, /help -------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    nb = ctx_of(context)
    await ensure(nb, update)
    text = (
        "<b>Welcome to newsbrief.</b>\n"
        "I turn the day's news into short briefs by country: the key points, "
        "and what officials said, with their names and titles.\n\n"
        "Tap a country to get a daily digest of it, or type /subscribe Iran. "
        "/brief Iran shows the top stories now; /help lists everything."
    )
    markup = kb.countries_keyboard([(c, country_name(c)) for c in kb.POPULAR], "sub", columns=4)
    await nb.out.send(chat_of(update), text, reply_markup=markup)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await ctx_of(context).out.send(chat_of(update), HELP)


# -- countries -----------------------------------------------------------------------


async def suggest_country(nb: BotContext, chat_id: int, term: str, action: str) -> None:
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


async def _suggest_each(nb: BotContext, chat_id: int, terms: list[str], action: str) -> None:
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


async def country_list(nb: BotContext) -> list[tuple[str, str]]:
    """Every country, those with news in the last day first."""
    with_news = await nb.briefs.countries_with_news(utcnow() - timedelta(hours=24), limit=24)
    first = [(c, country_name(c)) for c in with_news]
    rest = [(c, n) for c, n in all_countries() if c not in set(with_news)]
    return first + rest


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    nb = ctx_of(context)
    chat_id = chat_of(update)
    await ensure(nb, update)
    text = arg_text(context)
    if not text:
        countries = await country_list(nb)
        await nb.out.send(
            chat_id,
            "Choose a country for your daily digest (countries with news today first):",
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
    await _suggest_each(nb, chat_id, unknown, "sub")


async def do_subscribe(nb: BotContext, chat_id: int, codes: list[str]) -> None:
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


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    nb = ctx_of(context)
    chat_id = chat_of(update)
    sub = await nb.bot_store.get_subscriber(chat_id)
    text = arg_text(context)
    if not text:
        await _list_subscriptions(nb, chat_id, sub)
        return
    codes, unknown = parse_country_list(text)
    if not codes and not unknown:
        await _list_subscriptions(nb, chat_id, sub)
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
    await _suggest_each(nb, chat_id, unknown, "unsub")


async def _list_subscriptions(nb: BotContext, chat_id: int, sub: SubscriberInfo | None) -> None:
    if not sub or not sub.codes:
        await nb.out.send(chat_id, "You follow no countries yet. Try /subscribe Iran.")
        return
    listed = [(c, country_name(c)) for c in by_name(sub.codes)]
    await nb.out.send(
        chat_id,
        f"You follow: {esc(names(by_name(sub.codes)))}. Tap one to remove it.",
        reply_markup=kb.remove_keyboard(listed),
    )


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    nb = ctx_of(context)
    chat_id = chat_of(update)
    await _list_subscriptions(nb, chat_id, await nb.bot_store.get_subscriber(chat_id))


# -- /brief --------------------------------------------------------------------------


async def brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    nb = ctx_of(context)
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
    nb: BotContext, chat_id: int, codes: list[str], hours: float, *, note: str = ""
) -> None:
    """The top stories for the countries as numbered cards in one message (more only
    when they do not fit), each with its More button; ``note`` goes under the header."""
    since = utcnow() - timedelta(hours=hours)
    stories = await nb.briefs.for_countries(codes, since, limit=BRIEF_STORIES)
    if not stories:
        if await nb.briefs.collecting():
            await still_collecting(nb, chat_id, codes, hours)
            return
        await _nothing(nb, chat_id, codes, hours, note=note)
        return
    if not note and await nb.briefs.collecting():
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


async def still_collecting(nb: BotContext, chat_id: int, codes: list[str], hours: float) -> None:
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
        chat_id, codes, hours, collecting=nb.briefs.collecting, deliver=deliver, give_up=give_up
    )


async def _nothing(
    nb: BotContext, chat_id: int, codes: list[str], hours: float, *, note: str = ""
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


# -- settings ------------------------------------------------------------------------


def settings_text(sub: SubscriberInfo) -> str:
    state = "paused" if sub.paused else "on"
    lines = [
        "<b>Your settings</b>",
        f"Digest: {state}, daily at {esc(sub.digest_time)} ({esc(sub.timezone)})",
        f"Countries: {esc(names(by_name(sub.codes))) or 'none yet (/subscribe Iran)'}",
        f"Note on quiet days: {'on' if sub.quiet_notice else 'off'}",
    ]
    if sub.next_digest_at and not sub.paused:
        lines.append(
            f"Next digest: {esc(describe_local(sub.next_digest_at or utcnow(), sub.timezone))}"
        )
    unreadable = [
        f for f in ("timezone", "digest_time") if any(p.startswith(f) for p in sub.problems)
    ]
    if unreadable:  # a stored value the bot cannot use: say what stands in for it
        what = " and ".join("time zone" if f == "timezone" else "digest time" for f in unreadable)
        lines.append(
            f"Your saved {what} could not be read, so the default is used until you set it."
        )
    lines.append("Change: /settings time 07:30 · /settings tz Europe/Berlin · /settings pause")
    return "\n".join(lines)


async def set_timezone(
    nb: BotContext, chat_id: int, zone: str, *, message_id: int | None = None
) -> None:
    """Store the zone, move the next digest to it, and say so (editing ``message_id``)."""
    sub = await _reschedule(nb, chat_id, timezone=zone)
    text = (
        f"Time zone set to {esc(zone)}. "
        f"Next digest: {esc(describe_local(sub.next_digest_at or utcnow(), zone))}."
    )
    if message_id is None:
        await nb.out.send(chat_id, text)
    else:
        await nb.out.edit(chat_id, message_id, text)


async def _reschedule(nb: BotContext, chat_id: int, **values: object) -> SubscriberInfo:
    sub = await nb.bot_store.get_subscriber(chat_id)
    assert sub is not None
    at = str(values.get("digest_time", sub.digest_time))
    zone = str(values.get("timezone", sub.timezone))
    values["next_digest_at"] = next_digest_at(parse_hhmm(at), zone, utcnow())
    await nb.bot_store.update_subscriber(chat_id, **values)
    info = await nb.bot_store.get_subscriber(chat_id)
    assert info is not None
    return info


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    nb = ctx_of(context)
    chat_id = chat_of(update)
    sub = await ensure(nb, update)
    args = context.args or []
    if not args:
        await nb.out.send(
            chat_id,
            settings_text(sub),
            reply_markup=kb.settings_keyboard(sub.paused, sub.quiet_notice),
        )
        return
    what, rest = args[0].lower(), " ".join(args[1:]).strip()
    if what in ("time", "tz", "timezone", "zone") and not rest:
        example = "time 07:30" if what == "time" else "tz Europe/Berlin"
        await nb.out.send(
            chat_id,
            f"Which {'time' if what == 'time' else 'time zone'}? For example: /settings {example}.",
        )
        return
    if what == "time":
        try:
            at = parse_time(rest)
        except BadTime:
            await nb.out.send(
                chat_id, f"“{esc(clip(rest, 40))}” is not a time. Try /settings time 07:30."
            )
            return
        sub = await _reschedule(nb, chat_id, digest_time=f"{at:%H:%M}")
        await nb.out.send(
            chat_id,
            f"Digest time set to {at:%H:%M} ({esc(sub.timezone)}). "
            f"Next: {esc(describe_local(sub.next_digest_at or utcnow(), sub.timezone))}.",
        )
    elif what in ("tz", "timezone", "zone"):
        try:
            zone = parse_timezone(rest)
        except AmbiguousTimezone as exc:  # a country with several zones: choose by button
            zones = exc.candidates[:12]
            await nb.out.send(
                chat_id,
                esc(f"{exc}: which one? (or /settings tz {zones[0]})"),
                reply_markup=kb.zone_keyboard(zones, [zone_label(zone) for zone in zones]),
            )
            return
        except BadTimezone:
            await nb.out.send(
                chat_id,
                f"I don't know the time zone “{esc(clip(rest, 40))}”. "
                "Try Europe/Berlin, UTC+2 or a city like Tehran.",
            )
            return
        await set_timezone(nb, chat_id, zone)
    elif what in ("pause", "resume"):
        await set_paused(nb, chat_id, what == "pause")
    elif what == "quiet" and rest.lower() in ("on", "off"):
        await nb.bot_store.update_subscriber(chat_id, quiet_notice=rest.lower() == "on")
        await nb.out.send(chat_id, f"Note on quiet days: {rest.lower()}.")
    else:
        await nb.out.send(
            chat_id,
            "Try /settings time 07:30, /settings tz Europe/Berlin, "
            "/settings pause or /settings resume.",
        )


async def set_paused(nb: BotContext, chat_id: int, pause: bool, *, announce: bool = True) -> None:
    """Pause or resume; ``announce=False`` when the settings card is edited instead."""
    if pause:
        await nb.bot_store.update_subscriber(chat_id, paused=True)
        if announce:
            await nb.out.send(chat_id, "Digests paused. /settings resume starts them again.")
    else:
        sub = await _reschedule(nb, chat_id, paused=False)
        if not announce:
            return
        when = describe_local(sub.next_digest_at or utcnow(), sub.timezone)
        await nb.out.send(chat_id, f"Digests resumed. Next: {esc(when)}.")


# -- /digest -------------------------------------------------------------------------


async def digest_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    nb = ctx_of(context)
    chat_id = chat_of(update)
    sub = await ensure(nb, update)
    if not sub.codes:
        await nb.out.send(chat_id, "You follow no countries yet. Try /subscribe Iran.")
        return
    # Like a scheduled digest: the messages go into the outbox in the same transaction
    # that records their stories as delivered, then out through it, marked as Telegram
    # accepts each one. A failure or a crash half-way leaves the rest in the outbox for
    # the dispatcher to send (once), instead of stories recorded but never shown.
    async with nb.bot_store.engine.begin() as conn:
        sub = await nb.bot_store.lock_subscriber(conn, chat_id) or sub
        plan = await nb.digests.plan(conn, [sub], utcnow(), scheduled=False)
        await nb.bot_store.record_digest(conn, plan.messages, plan.delivered, plan.schedule)
    if plan.failed:  # logged with the chat id by the planner
        await nb.out.send(chat_id, "Sorry, your digest could not be made just now.")
        return
    if not plan.messages:
        await nb.out.send(
            chat_id, f"Nothing new on {esc(names(sub.codes))} since your last digest."
        )
        return
    await nb.out.flush_chat(chat_id)


# -- /stop ---------------------------------------------------------------------------


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask first; the answer counts only on this message, with this message's token."""
    nb = ctx_of(context)
    chat_id = chat_of(update)
    token = secrets.token_urlsafe(9)  # 12 characters of [A-Za-z0-9_-]
    stored = nb.confirmations_pending[chat_id] = asyncio.Event()
    try:
        message = await nb.out.send(
            chat_id,
            "This unsubscribes you from everything and deletes what I keep about you "
            "(countries, settings, message history). Are you sure?",
            reply_markup=kb.confirm_stop_keyboard(token),
        )
        if message is not None:
            await nb.bot_store.remember_confirmation(chat_id, message.message_id, token)
    finally:
        stored.set()
        if nb.confirmations_pending.get(chat_id) is stored:
            del nb.confirmations_pending[chat_id]
