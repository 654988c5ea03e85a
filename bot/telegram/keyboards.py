"""Inline keyboards and their callback data (``action:arg``, always under 64 bytes).

Callback data carries ids only (a story id, a country code, a page number); whatever
a button acts on is read from the store when it is pressed, so buttons keep working
after a restart. The data is built by :func:`bot.telegram.callbacks.encode`, which
refuses anything the parser of presses would not accept.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import encode

POPULAR = ("US", "UA", "RU", "IR", "IL", "CN", "GB", "DE")
PAGE_SIZE = 12


def data(action: str, *args: object) -> str:
    """``action:arg1:arg2``, valid by construction (and under Telegram's 64 bytes)."""
    return encode(action, *args)


def button(text: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(action, *args))


def story_keyboard(story_id: int) -> InlineKeyboardMarkup:
    """Under each brief: more quotes, sources, ask."""
    return InlineKeyboardMarkup(
        [
            [
                button("More quotes", "mq", story_id),
                button("Sources", "src", story_id),
                button("Ask about this", "ask", story_id),
            ]
        ]
    )


def countries_keyboard(
    countries: Sequence[tuple[str, str]], action: str, *, columns: int = 2
) -> InlineKeyboardMarkup:
    """One button per (code, name), ``action:CODE``."""
    rows: list[list[InlineKeyboardButton]] = []
    for i in range(0, len(countries), columns):
        rows.append([button(name, action, code) for code, name in countries[i : i + columns]])
    return InlineKeyboardMarkup(rows)


def paged_countries_keyboard(
    countries: Sequence[tuple[str, str]], action: str, page: int, *, page_action: str
) -> InlineKeyboardMarkup:
    """A page of countries with ◀ ▶ buttons (``page_action:N``)."""
    pages = max(1, (len(countries) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = max(0, min(page, pages - 1))
    chunk = countries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    markup = countries_keyboard(chunk, action, columns=3)
    rows = [list(r) for r in markup.inline_keyboard]
    nav = []
    if page > 0:
        nav.append(button("◀", page_action, page - 1))
    nav.append(button(f"{page + 1}/{pages}", page_action, page))
    if page < pages - 1:
        nav.append(button("▶", page_action, page + 1))
    rows.append(nav)
    return InlineKeyboardMarkup(rows)


def confirm_stop_keyboard(token: str) -> InlineKeyboardMarkup:
    """Yes / Cancel, carrying the token stored with the message they are shown on."""
    return InlineKeyboardMarkup(
        [
            [
                button("Yes, delete my data", "stop", "yes", token),
                button("Cancel", "stop", "no", token),
            ]
        ]
    )


def zone_keyboard(zones: Sequence[str], labels: Sequence[str]) -> InlineKeyboardMarkup:
    """The zones of a country with several, two to a row, each labelled with its offset."""
    buttons = [button(label, "tz", zone) for zone, label in zip(zones, labels, strict=True)]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def settings_keyboard(paused: bool, quiet_notice: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button("Resume digests", "set", "resume")
                if paused
                else button("Pause digests", "set", "pause"),
                button(
                    "Quiet-day note: on" if quiet_notice else "Quiet-day note: off",
                    "set",
                    "quiet_off" if quiet_notice else "quiet_on",
                ),
            ]
        ]
    )


def remove_keyboard(countries: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(f"✕ {name}", "unsub", code)] for code, name in countries])
