"""Which stored subscriber values the bot can use: checked on every read.

Rows written by older versions (which stored a forged ``sub:ZZ`` unchecked) or by hand
may hold a country code no one can name, a time zone ``zoneinfo`` does not know or a
digest time that is not ``HH:MM``. A row is never trusted because it is in the store:
:func:`check` keeps what is usable, replaces what is not with a safe default (the value
itself stays in the store, and the subscriber can fix it with /settings), and says what
it dropped, so the caller can log it with the chat id and /stats can count it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.digest import get_zone

FALLBACK_TIMEZONE = "UTC"
FALLBACK_DIGEST_TIME = "08:00"
_HHMM_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CODE_RE = re.compile(r"[A-Z]{2}")


def usable_code(code: object) -> bool:
    """An ISO alpha-2 code the gazetteer can name (the summarizer is loaded on first use:
    commands that read no subscriber do not pay for it)."""
    from summarizer import is_country_code

    return isinstance(code, str) and bool(_CODE_RE.fullmatch(code)) and is_country_code(code)


def usable_timezone(name: object) -> bool:
    if not isinstance(name, str) or not name or len(name) > 64 or "\x00" in name:
        return False
    try:
        get_zone(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def usable_digest_time(value: object) -> bool:
    return isinstance(value, str) and bool(_HHMM_RE.fullmatch(value))


def check(
    codes: Iterable[object], timezone: object, digest_time: object
) -> tuple[tuple[str, ...], str, str, tuple[str, ...]]:
    """``(codes, timezone, digest_time, problems)`` with every unusable value left out."""
    problems: list[str] = []
    good: set[str] = set()
    for code in codes:
        if usable_code(code):
            good.add(str(code))
        else:
            problems.append(f"country={code!r}")
    if not usable_timezone(timezone):
        problems.append(f"timezone={timezone!r}")
        timezone = FALLBACK_TIMEZONE
    if not usable_digest_time(digest_time):
        problems.append(f"digest_time={digest_time!r}")
        digest_time = FALLBACK_DIGEST_TIME
    return tuple(sorted(good)), str(timezone), str(digest_time), tuple(problems)
