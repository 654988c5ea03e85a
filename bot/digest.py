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
from zoneinfo import ZoneInfo

from bot import timezones
from bot.timezones import AmbiguousTimezone as AmbiguousTimezone  # re-exported
from bot.timezones import BadTime as BadTime
from bot.timezones import BadTimezone as BadTimezone


def parse_hhmm(value: str) -> time:
    """A stored digest time (``07:30``, always ``HH:MM``) as a time of day."""
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def parse_time(text: str) -> time:
    """``07:30``, ``7pm``, ``noon``, ``half past seven`` → a time of day (bot.timezones)."""
    return timezones.parse_time(text)


def parse_timezone(text: str) -> str:
    """An IANA name, an abbreviation (EST), a city, a country or a UTC offset → a zone name
    we store; a country with several zones raises AmbiguousTimezone (bot.timezones)."""
    return timezones.parse_timezone(text)


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
