"""Time zones and times as people type them (bot.timezones): each maps to what the
scheduler needs, keeps daylight saving, and each refusal says what would work."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.digest import get_zone, next_digest_at
from bot.timezones import (
    ABBREVIATIONS,
    AmbiguousTimezone,
    BadTime,
    BadTimezone,
    country_zones,
    iana_timezone,
    parse_time,
    parse_timezone,
    zone_label,
)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("EST", "America/New_York"),
        ("EDT", "America/New_York"),
        ("Eastern Standard Time", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("pacific time", "America/Los_Angeles"),
        ("CET", "Europe/Paris"),
        ("CEST", "Europe/Paris"),
        ("IST", "Asia/Kolkata"),
        ("JST", "Asia/Tokyo"),
        ("AEST", "Australia/Sydney"),
        ("MSK", "Europe/Moscow"),
    ],
)
def test_abbreviations_map_to_zones_with_daylight_saving(text: str, zone: str) -> None:
    assert parse_timezone(text) == zone


def test_est_follows_new_york_all_summer() -> None:
    zone = parse_timezone("EST")
    july = next_digest_at(time(8, 0), zone, datetime(2026, 7, 1, tzinfo=UTC))
    january = next_digest_at(time(8, 0), zone, datetime(2026, 1, 10, tzinfo=UTC))
    assert july.hour == 12 and january.hour == 13  # 08:00 EDT, then 08:00 EST


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Germany", "Europe/Berlin"),  # not also Europe/Busingen: same clock
        ("India", "Asia/Kolkata"),
        ("Japan", "Asia/Tokyo"),
        ("Iran", "Asia/Tehran"),
        ("China", "Asia/Shanghai"),  # one official zone
        ("DE", "Europe/Berlin"),
        ("Munich", "Europe/Berlin"),
        ("San Francisco", "America/Los_Angeles"),
        ("Washington DC", "America/New_York"),
        ("Mumbai", "Asia/Kolkata"),
        ("St Petersburg", "Europe/Moscow"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("europe/berlin", "Europe/Berlin"),
        ("UTC+2", "UTC+02:00"),
        ("utc", "UTC"),
    ],
)
def test_countries_cities_and_names(text: str, zone: str) -> None:
    assert parse_timezone(text) == zone
    get_zone(zone)


@pytest.mark.parametrize(
    ("country", "some"),
    [
        ("USA", {"America/New_York", "America/Chicago", "America/Los_Angeles"}),
        ("Russia", {"Europe/Moscow", "Asia/Vladivostok"}),
        ("Australia", {"Australia/Sydney", "Australia/Perth"}),
        ("Spain", {"Europe/Madrid", "Atlantic/Canary"}),
    ],
)
def test_a_country_with_several_zones_offers_them(country: str, some: set[str]) -> None:
    with pytest.raises(AmbiguousTimezone) as caught:
        parse_timezone(country)
    assert some <= set(caught.value.candidates)
    assert len(caught.value.candidates) <= 11  # a keyboard, not a phone book
    assert "several time zones" in str(caught.value)
    assert isinstance(caught.value, BadTimezone)  # handlers that only know BadTimezone


def test_refusals_say_what_would_work() -> None:
    for text in ("Mars/Base", "nowhere", ""):
        with pytest.raises(BadTimezone) as caught:
            parse_timezone(text)
        assert "Europe/Berlin" in str(caught.value)
    with pytest.raises(BadTimezone, match="UTC-12 to UTC\\+14"):
        parse_timezone("UTC+25")
    with pytest.raises(BadTimezone, match="fixed offset"):
        iana_timezone("UTC+3")  # settings need a zone zoneinfo can load


def test_bundled_tables_name_real_zones() -> None:
    from zoneinfo import ZoneInfo

    zones = country_zones()
    assert len(zones) > 240
    for candidates in zones.values():
        for zone in candidates:
            ZoneInfo(zone)
    for zone in ABBREVIATIONS.values():
        ZoneInfo(zone)


def test_zone_label_shows_the_offset_of_the_day() -> None:
    winter = datetime(2026, 1, 15, tzinfo=UTC)
    summer = datetime(2026, 7, 15, tzinfo=UTC)
    assert zone_label("America/New_York", winter) == "New York (UTC-05:00)"
    assert zone_label("America/New_York", summer) == "New York (UTC-04:00)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("noon", time(12)),
        ("midnight", time(0)),
        ("7pm", time(19)),
        ("7 p.m.", time(19)),
        ("19:30", time(19, 30)),
        ("19h30", time(19, 30)),
        ("half past seven", time(7, 30)),
        ("half past seven in the evening", time(19, 30)),
        ("quarter past 8", time(8, 15)),
        ("quarter to nine", time(8, 45)),
        ("ten past six pm", time(18, 10)),
        ("8 o'clock", time(8)),
        ("seven", time(7)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("0730", time(7, 30)),
    ],
)
def test_times_people_type(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "13pm", "half to six", "teatime", ""])
def test_a_refused_time_says_what_would_work(text: str) -> None:
    with pytest.raises(BadTime, match="half past seven"):
        parse_time(text)
