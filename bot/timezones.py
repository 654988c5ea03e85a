"""Time zones and times of day as people type them, turned into what the scheduler needs.

A subscriber types "EST", "Germany", "Munich", "UTC+2" or "Europe/Berlin" for their zone
and "7pm", "noon" or "half past seven" for their digest time. Abbreviations map to the
zone that observes them *with* its daylight saving ("EST" is New York, an hour off all
summer if stored as a fixed UTC-5); a country with one zone maps to it; a country with
several raises :class:`AmbiguousTimezone` carrying the candidates, so the bot can offer
them as buttons. Every refusal says what would work.

The country and city tables are package data (``bot/data/country_zones.toml``,
``bot/data/cities.toml``), read once with :mod:`importlib.resources`.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, time
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

ZONE_HINT = (
    "try a city (Berlin, San Francisco), a country (Germany), an abbreviation (EST, CET), "
    "an IANA name (Europe/Berlin) or an offset (UTC+2)"
)
NAMED_ZONE_HINT = (
    "try a city (Berlin, San Francisco), a country (Germany), an abbreviation (EST, CET) "
    "or an IANA name (Europe/Berlin)"
)
TIME_HINT = "try 07:30, 7pm, 19:30, noon or half past seven"


class BadTimezone(ValueError):
    """Input that names no time zone we know."""


class AmbiguousTimezone(BadTimezone):
    """A country with several zones: the caller offers :attr:`candidates` to choose from."""

    def __init__(self, place: str, candidates: list[str]) -> None:
        self.place = place
        self.candidates = candidates
        names = ", ".join(zone_label(zone) for zone in candidates)
        super().__init__(
            f"{place} has several time zones: {names}; name one, such as {candidates[0]}"
        )


class BadTime(ValueError):
    """Input that is not a time of day."""


#: Abbreviations and names of zones, each to the IANA zone that keeps its DST rules.
#: Ambiguous ones go to the most common reading: CST to US Central, IST to India.
ABBREVIATIONS = {
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "zulu": "UTC",
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "ct": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mt": "America/Denver",
    "mountain": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "akst": "America/Anchorage",
    "akdt": "America/Anchorage",
    "alaska": "America/Anchorage",
    "hst": "Pacific/Honolulu",
    "hawaii": "Pacific/Honolulu",
    "ast": "America/Halifax",
    "adt": "America/Halifax",
    "atlantic": "America/Halifax",
    "nst": "America/St_Johns",
    "ndt": "America/St_Johns",
    "bst": "Europe/London",
    "wet": "Europe/Lisbon",
    "west": "Europe/Lisbon",
    "western european": "Europe/Lisbon",
    "cet": "Europe/Paris",
    "cest": "Europe/Paris",
    "mez": "Europe/Berlin",
    "mesz": "Europe/Berlin",
    "central european": "Europe/Paris",
    "eet": "Europe/Athens",
    "eest": "Europe/Athens",
    "eastern european": "Europe/Athens",
    "msk": "Europe/Moscow",
    "trt": "Europe/Istanbul",
    "irst": "Asia/Tehran",
    "gst": "Asia/Dubai",
    "pkt": "Asia/Karachi",
    "ist": "Asia/Kolkata",
    "indian": "Asia/Kolkata",
    "ict": "Asia/Bangkok",
    "wib": "Asia/Jakarta",
    "pht": "Asia/Manila",
    "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    "awst": "Australia/Perth",
    "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "wat": "Africa/Lagos",
    "cat": "Africa/Maputo",
    "eat": "Africa/Nairobi",
    "sast": "Africa/Johannesburg",
    "brt": "America/Sao_Paulo",
    "art": "America/Argentina/Buenos_Aires",
}

_OFFSET_RE = re.compile(r"^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_NOISE_RE = re.compile(r"\b(?:standard|daylight|summer|saving|savings|time|zone)\b", re.I)


def zone_label(zone: str, now: datetime | None = None) -> str:
    """``New York (UTC-04:00)``: how a zone reads on a button, with its offset today."""
    offset = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).strftime("%z")
    city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} (UTC{offset[:3]}:{offset[3:]})"


@lru_cache(maxsize=1)
def _data(name: str) -> dict[str, object]:
    return tomllib.loads(resources.files("bot").joinpath("data", name).read_text("utf-8"))


def country_zones() -> dict[str, list[str]]:
    """ISO 3166-1 alpha-2 code -> the zones people there name, most populous first."""
    return _data("country_zones.toml")["countries"]  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _zone_index() -> dict[str, str]:
    """Lower-cased IANA names and their last part ("new york") -> the IANA name."""
    index: dict[str, str] = {"utc": "UTC"}
    for name in sorted(available_timezones()):
        if "/" in name:  # not the legacy links "Iran", "Japan", "EST" (a fixed UTC-5)
            index.setdefault(name.lower(), name)
    for name in sorted(available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/")):
            continue
        index.setdefault(name.rsplit("/", 1)[1].replace("_", " ").lower(), name)
    cities: dict[str, str] = _data("cities.toml")["cities"]  # type: ignore[assignment]
    index.update(cities)
    return index


def _country(text: str) -> str | None:
    """The ISO code of a country named in ``text`` (name, code, demonym), if any."""
    from summarizer import lookup_country

    code = lookup_country(text)
    return code if code in country_zones() else None


def parse_timezone(text: str, *, offsets: bool = True) -> str:
    """What someone typed for their zone -> an IANA name, or ``UTC±HH:MM`` for an offset
    (fixed, no DST; refused when not ``offsets``).

    Raises :class:`AmbiguousTimezone` (with candidates) for a country with several zones,
    and :class:`BadTimezone` saying what would work for anything else unknown.
    """
    hint = ZONE_HINT if offsets else NAMED_ZONE_HINT
    raw = " ".join(text.split())
    if not raw:
        raise BadTimezone(f"empty time zone: {hint}")
    key = raw.lower()
    offset = _OFFSET_RE.match(key.replace(" ", ""))
    if offset and not offsets and key not in ("utc", "gmt"):
        raise BadTimezone(f"{text!r} is a fixed offset; name a zone such as Europe/Berlin")
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            raise BadTimezone(f"offset out of range: {text!r} (UTC-12 to UTC+14)")
        return "UTC" if hours == minutes == 0 else f"UTC{sign}{hours:02d}:{minutes:02d}"
    plain = " ".join(_NOISE_RE.sub(" ", key).split()) or key
    for candidate in (key, plain):
        if candidate in ABBREVIATIONS:
            return ABBREVIATIONS[candidate]
    index = _zone_index()
    for candidate in (key, key.replace(" ", "_"), key.replace("_", " ")):
        if candidate in index:
            return index[candidate]
    code = _country(raw)
    if code is not None:
        zones = country_zones()[code]
        if len(zones) == 1:
            return zones[0]
        raise AmbiguousTimezone(raw, list(zones))
    raise BadTimezone(f"unknown time zone: {text!r}; {hint}")


def iana_timezone(text: str) -> str:
    """Like :func:`parse_timezone`, but only zones ``zoneinfo`` can load (settings)."""
    return parse_timezone(text, offsets=False)


_NUMBERS = {
    word: number
    for number, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
}
_HOUR = r"(\d{1,2}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_CLOCK_RE = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?\s*h?$")
_COMPACT_RE = re.compile(r"^(\d{1,2})(\d{2})$")
_PHRASE_RE = re.compile(
    rf"^(?:(half|quarter|\d{{1,2}}|{_HOUR[1:-1]})\s+(past|after|to|before)\s+)?{_HOUR}"
    r"(?:\s+o'?\s?clock)?$"
)
_DAYPART_RE = re.compile(
    r"^(.*?)\s*(a\.?m\.?|p\.?m\.?|in the morning|in the afternoon|in the evening|at night"
    r"|tonight|this evening)$"
)
_NAMED = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _split_daypart(text: str) -> tuple[str, str | None]:
    m = _DAYPART_RE.match(text)
    if not m or not m.group(1):
        return text, None
    morning = m.group(2).startswith("a") or m.group(2) == "in the morning"
    return m.group(1).strip(), "am" if morning else "pm"


def _clock(text: str) -> tuple[int, int] | None:
    """``19:30``, ``7.30``, ``0730``, ``7``, ``half past seven`` -> (hour, minute)."""
    text = text.replace("o'clock", "").replace("oclock", "").strip() or text
    m = _CLOCK_RE.match(text) or _COMPACT_RE.match(text)
    if m:
        return int(m.group(1)), int(m.group(2) or 0)
    m = _PHRASE_RE.match(text)
    if not m:
        return None
    amount, direction, hour = m.group(1), m.group(2), _number(m.group(3))
    if amount is None:
        return hour, 0
    minutes = {"half": 30, "quarter": 15}.get(amount) or _number(amount)
    if direction in ("to", "before"):
        if amount == "half" or minutes >= 60:
            return None
        return (hour - 1) % 24 if hour != 0 else 23, 60 - minutes
    return hour, minutes


def parse_time(text: str) -> time:
    """What someone typed for a time of day -> a time: ``07:30``, ``7pm``, ``noon``,
    ``half past seven`` (07:30), ``quarter to eight in the evening`` (19:45).

    A bare hour is taken as written on a 24-hour clock (``7`` is 07:00).
    """
    key = " ".join(text.lower().split())
    if key in _NAMED:
        return _NAMED[key]
    head, daypart = _split_daypart(key)
    if head in _NAMED and daypart is None:
        return _NAMED[head]
    parsed = _clock(head)
    if parsed is None:
        raise BadTime(f"not a time of day: {text!r}; {TIME_HINT}")
    hour, minute = parsed
    if daypart is not None:
        if not 1 <= hour <= 12:
            raise BadTime(f"{text!r}: with am/pm the hour is 1 to 12; {TIME_HINT}")
        hour = hour % 12 + (12 if daypart == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise BadTime(f"not a time of day: {text!r}; {TIME_HINT}")
    return time(hour, minute)
