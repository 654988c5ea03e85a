"""Every button's callback data, parsed and validated in one place.

A Telegram client can send any ``callback_data`` with any message, not only the data of
the buttons the bot drew: the data is input from a stranger like any text. So nothing
downstream reads the raw string. :func:`parse` turns it into a :class:`Press` (an action
from a closed set, a country code the gazetteer knows, ids and numbers in range) or
``None``, and never raises; :func:`encode` builds the data of the bot's own buttons and
refuses anything :func:`parse` would not accept, so the two cannot drift apart.

Grammar (``:``-separated, ASCII, at most 64 bytes)::

    sub:CC  unsub:CC  brief:CC      a country (ISO alpha-2, known to the gazetteer)
    win:CC:H                        a brief over H hours, 1 <= H <= 720
    subp:N                          a page of the country list, 0 <= N < 100
    mq:ID  src:ID  ask:ID           a story id, 1 <= ID < 2**31 (the column is 32-bit)
    more:ID  less:ID                a story's card grown to its full brief, and folded
    set:pause|resume|quiet_on|quiet_off
    stop:yes|no:TOKEN               the /stop confirmation; TOKEN is checked against the
                                    one stored for the message it was shown on
    tz:ZONE                         a time zone offered for a country with several; ZONE
                                    must be an IANA name this machine's zoneinfo knows
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from summarizer import is_country_code

MAX_CALLBACK_BYTES = 64
MAX_STORY_ID = 2**31 - 1
MAX_PAGE = 99
MAX_WINDOW_HOURS = 720

COUNTRY_ACTIONS = frozenset({"sub", "unsub", "brief"})
STORY_ACTIONS = frozenset({"mq", "src", "ask", "more", "less"})
SETTINGS_CHOICES = frozenset({"pause", "resume", "quiet_on", "quiet_off"})
STOP_CHOICES = frozenset({"yes", "no"})
ACTIONS = COUNTRY_ACTIONS | STORY_ACTIONS | {"win", "subp", "set", "stop", "tz"}

_CODE_RE = re.compile(r"[A-Z]{2}")
_ID_RE = re.compile(r"[1-9][0-9]{0,9}")
_SMALL_RE = re.compile(r"0|[1-9][0-9]{0,2}")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,16}")
_ZONE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){1,2}")


@dataclass(frozen=True, slots=True)
class Press:
    """A validated button press: which action, and its one checked argument (or two)."""

    action: str
    code: str | None = None  # sub, unsub, brief, win
    number: int | None = None  # story id (mq, src, ask, more, less), page, hours (win)
    choice: str | None = None  # set, stop; the zone name for tz
    token: str | None = None  # stop


def is_country(code: str) -> bool:
    """Whether ``code`` is an upper-case ISO alpha-2 code the gazetteer can name."""
    return bool(_CODE_RE.fullmatch(code)) and is_country_code(code)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone (``Area/City``) this machine's zoneinfo knows."""
    return bool(_ZONE_RE.fullmatch(name)) and name in _zones()


def _number(text: str, pattern: re.Pattern[str], low: int, high: int) -> int | None:
    if not pattern.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _parse_args(action: str, args: list[str]) -> Press | None:
    if action in COUNTRY_ACTIONS and len(args) == 1:
        return Press(action, code=args[0]) if is_country(args[0]) else None
    if action in STORY_ACTIONS and len(args) == 1:
        story_id = _number(args[0], _ID_RE, 1, MAX_STORY_ID)
        return None if story_id is None else Press(action, number=story_id)
    if action == "win" and len(args) == 2 and is_country(args[0]):
        hours = _number(args[1], _SMALL_RE, 1, MAX_WINDOW_HOURS)
        return None if hours is None else Press(action, code=args[0], number=hours)
    if action == "subp" and len(args) == 1:
        page = _number(args[0], _SMALL_RE, 0, MAX_PAGE)
        return None if page is None else Press(action, number=page)
    if action == "set" and len(args) == 1 and args[0] in SETTINGS_CHOICES:
        return Press(action, choice=args[0])
    if action == "tz" and len(args) == 1 and is_zone(args[0]):
        return Press(action, choice=args[0])
    if (
        action == "stop"
        and len(args) == 2
        and args[0] in STOP_CHOICES
        and _TOKEN_RE.fullmatch(args[1])
    ):
        return Press(action, choice=args[0], token=args[1])
    return None


def parse(data: object) -> Press | None:
    """The press ``data`` stands for, or ``None`` for anything the bot never draws."""
    if not isinstance(data, str) or not data.isascii():
        return None
    if len(data) > MAX_CALLBACK_BYTES:  # ASCII: one byte a character
        return None
    action, *args = data.split(":")
    if action not in ACTIONS:
        return None
    return _parse_args(action, args)


def encode(action: str, *args: object) -> str:
    """``action:arg1:arg2`` for a button the bot draws; refuses what :func:`parse` would."""
    value = ":".join([action, *(str(a) for a in args)])
    if parse(value) is None:
        raise ValueError(f"not valid callback data: {value!r}")
    return value


def matcher(action: str) -> Callable[[object], bool]:
    """A ``CallbackQueryHandler`` pattern: true for valid data of ``action`` only."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def matches(data: object) -> bool:
        press = parse(data)
        return press is not None and press.action == action

    matches.__name__ = f"is_{action}"
    return matches
