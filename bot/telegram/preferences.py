"""/settings: digest time, time zone, pause and the quiet-day note, and their buttons."""

from __future__ import annotations

from telegram import Update

from bot.briefing import by_name, names
from bot.digest import (
    AmbiguousTimezone,
    BadTime,
    BadTimezone,
    describe_local,
    next_digest_at,
    parse_hhmm,
    parse_time,
    parse_timezone,
)
from bot.store import utcnow
from bot.store.subscribers import SubscriberInfo
from bot.telegram import keyboards as kb
from bot.telegram.callbacks import Press
from bot.telegram.common import chat_of, ensure
from bot.telegram.context import NewsbriefContext, Services
from bot.telegram.render import clip, esc
from bot.timezones import zone_label

ZONE_WORDS = ("tz", "timezone", "zone")


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
    nb: Services, chat_id: int, zone: str, *, message_id: int | None = None
) -> None:
    """Store the zone, move the next digest to it, and say so (editing ``message_id``)."""
    sub = await reschedule(nb, chat_id, timezone=zone)
    text = (
        f"Time zone set to {esc(zone)}. "
        f"Next digest: {esc(describe_local(sub.next_digest_at or utcnow(), zone))}."
    )
    if message_id is None:
        await nb.out.send(chat_id, text)
    else:
        await nb.out.edit(chat_id, message_id, text)


async def reschedule(nb: Services, chat_id: int, **values: object) -> SubscriberInfo:
    """Store ``values`` and the next due time they make; the row as it is now."""
    sub = await nb.bot_store.get_subscriber(chat_id)
    assert sub is not None
    at = str(values.get("digest_time", sub.digest_time))
    zone = str(values.get("timezone", sub.timezone))
    values["next_digest_at"] = next_digest_at(parse_hhmm(at), zone, utcnow())
    await nb.bot_store.update_subscriber(chat_id, **values)
    info = await nb.bot_store.get_subscriber(chat_id)
    assert info is not None
    return info


async def settings_command(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
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
    if (what == "time" or what in ZONE_WORDS) and not rest:
        example = "time 07:30" if what == "time" else "tz Europe/Berlin"
        await nb.out.send(
            chat_id,
            f"Which {'time' if what == 'time' else 'time zone'}? For example: /settings {example}.",
        )
    elif what == "time":
        await _set_time(nb, chat_id, rest)
    elif what in ZONE_WORDS:
        await _set_zone(nb, chat_id, rest)
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


async def _set_time(nb: Services, chat_id: int, text: str) -> None:
    """``/settings time 07:30``: the digest's local time."""
    try:
        at = parse_time(text)
    except BadTime:
        await nb.out.send(
            chat_id, f"“{esc(clip(text, 40))}” is not a time. Try /settings time 07:30."
        )
        return
    sub = await reschedule(nb, chat_id, digest_time=f"{at:%H:%M}")
    await nb.out.send(
        chat_id,
        f"Digest time set to {at:%H:%M} ({esc(sub.timezone)}). "
        f"Next: {esc(describe_local(sub.next_digest_at or utcnow(), sub.timezone))}.",
    )


async def _set_zone(nb: Services, chat_id: int, text: str) -> None:
    """``/settings tz …``: a zone, or buttons when a country has several."""
    try:
        zone = parse_timezone(text)
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
            f"I don't know the time zone “{esc(clip(text, 40))}”. "
            "Try Europe/Berlin, UTC+2 or a city like Tehran.",
        )
        return
    await set_timezone(nb, chat_id, zone)


async def set_paused(nb: Services, chat_id: int, pause: bool, *, announce: bool = True) -> None:
    """Pause or resume; ``announce=False`` when the settings card is edited instead."""
    if pause:
        await nb.bot_store.update_subscriber(chat_id, paused=True)
        if announce:
            await nb.out.send(chat_id, "Digests paused. /settings resume starts them again.")
    else:
        sub = await reschedule(nb, chat_id, paused=False)
        if not announce:
            return
        when = describe_local(sub.next_digest_at or utcnow(), sub.timezone)
        await nb.out.send(chat_id, f"Digests resumed. Next: {esc(when)}.")


# -- buttons -------------------------------------------------------------------------


async def on_settings(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
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


async def on_zone(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """One of the zones offered for a country with several: the question becomes the answer."""
    assert press.choice is not None  # parse() gives tz presses a checked zone name
    await ensure(nb, update)
    await set_timezone(nb, chat_id, press.choice, message_id=message_id)
