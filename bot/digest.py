"""When each subscriber's digest is due: local wall-clock time to UTC, across DST.

A subscriber row keeps ``next_digest_at`` in UTC. It is computed from their local time
("08:00") in their zone ("Europe/Berlin") for the next calendar day on which that local
time is still ahead, so the digest follows the wall clock through daylight-saving
changes: 08:00 Berlin is 07:00 UTC in winter and 06:00 UTC in summer. A local time that
does not exist (02:30 on a spring-forward night) is sent at the first instant after the
gap; one that exists twice (02:30 on a fall-back night) at its first occurrence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TIME_RE = re.compile(r"^(\d{1,2})(?::|h|\.)?(\d{2})?\s*(am|pm)?$", re.IGNORECASE)


class BadTimezone(ValueError):
    """Input that names no time zone we know."""


class BadTime(ValueError):
    """Input that is not a time of day."""


def parse_time(text: str) -> time:
    """``07:30``, ``7:30``, ``0730``, ``7``, ``7am``, ``7.30 pm`` → a time of day."""
    raw = text.strip().replace(" ", "")
    if re.fullmatch(r"\d{3,4}", raw):
        raw = f"{raw[:-2]}:{raw[-2:]}"
    m = _TIME_RE.match(raw)
    if not m:
        raise BadTime(f"not a time of day: {text!r}")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    meridiem = (m.group(3) or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise BadTime(f"not a time of day: {text!r}")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise BadTime(f"not a time of day: {text!r}")
    return time(hour, minute)


@lru_cache(maxsize=1)
def _city_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/")):
            continue
        city = name.rsplit("/", 1)[1].replace("_", " ").lower()
        index.setdefault(city, name)
    return index


def parse_timezone(text: str) -> str:
    """An IANA name, a UTC offset (``UTC+2``, ``+05:30``) or a city → a zone name we store.

    Offsets are kept as ``UTC+05:30`` (fixed, no DST); everything else as the IANA name.
    """
    raw = text.strip()
    if not raw:
        raise BadTimezone("empty time zone")
    if raw.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    m = _OFFSET_RE.match(raw.replace(" ", ""))
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise BadTimezone(f"offset out of range: {text!r}")
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    candidate = raw.replace(" ", "_")
    for name in (candidate, candidate.title()):
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    lowered = {n.lower(): n for n in available_timezones()}
    if candidate.lower() in lowered:
        return lowered[candidate.lower()]
    city = _city_index().get(raw.lower().replace("_", " "))
    if city:
        return city
    raise BadTimezone(f"unknown time zone: {text!r}")


def get_zone(name: str) -> tzinfo:
    """The tzinfo for a stored zone name (IANA, or ``UTC±HH:MM``)."""
    m = re.fullmatch(r"UTC([+-])(\d{2}):(\d{2})", name)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(delta if m.group(1) == "+" else -delta, name)
    return ZoneInfo(name)


def local_to_utc(day: datetime | object, at: time, zone: tzinfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on local date ``day`` in ``zone``.

    Non-existent local times (in a spring-forward gap) move forward by the gap;
    ambiguous ones (fall-back) take the first occurrence (``fold=0``).
    """
    naive = datetime.combine(day, at)  # type: ignore[arg-type]
    local = naive.replace(tzinfo=zone, fold=0)
    # In a gap, fold=0 uses the offset from before the change, which lands just after the
    # gap: the first valid instant at or after the requested wall time.
    return local.astimezone(UTC)


def next_digest_at(at: time, zone_name: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` when it is ``at`` o'clock in the zone."""
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    zone = get_zone(zone_name)
    local_day = after.astimezone(zone).date()
    for offset in range(0, 3):
        candidate = local_to_utc(local_day + timedelta(days=offset), at, zone)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a local time recurs within three days")


def is_stale(due_at: datetime, now: datetime, staleness_hours: float) -> bool:
    """Whether a digest that fell due at ``due_at`` is too old to send at ``now``."""
    return now - due_at > timedelta(hours=staleness_hours)


def describe_local(when_utc: datetime, zone_name: str) -> str:
    """``Mon 30 Mar 08:00 (Europe/Berlin)``: a due time as the subscriber reads it."""
    local = when_utc.astimezone(get_zone(zone_name))
    return f"{local:%a %d %b %H:%M} ({zone_name})"
