"""Digest times: local wall clock to UTC, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.digest import (
    BadTime,
    BadTimezone,
    get_zone,
    is_stale,
    next_digest_at,
    parse_time,
    parse_timezone,
)

EIGHT = time(8, 0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_berlin_eight_oclock_follows_the_wall_clock_into_summer_time() -> None:
    # Winter (CET, UTC+1): 08:00 is 07:00 UTC; from 29 March 2026 (CEST, UTC+2): 06:00 UTC.
    first = next_digest_at(EIGHT, "Europe/Berlin", utc(2026, 3, 27, 12))
    assert first == utc(2026, 3, 28, 7)
    second = next_digest_at(EIGHT, "Europe/Berlin", first)
    assert second == utc(2026, 3, 29, 6)  # the day of the change itself
    third = next_digest_at(EIGHT, "Europe/Berlin", second)
    assert third == utc(2026, 3, 30, 6)
    assert (second - first) == timedelta(hours=23)


def test_berlin_eight_oclock_follows_the_wall_clock_back_to_winter_time() -> None:
    before = next_digest_at(EIGHT, "Europe/Berlin", utc(2026, 10, 24, 0))
    assert before == utc(2026, 10, 24, 6)
    on_change_day = next_digest_at(EIGHT, "Europe/Berlin", before)
    assert on_change_day == utc(2026, 10, 25, 7)
    assert on_change_day - before == timedelta(hours=25)
    local = on_change_day.astimezone(get_zone("Europe/Berlin"))
    assert (local.hour, local.minute) == (8, 0)


def test_a_time_inside_the_spring_gap_is_sent_just_after_it() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026 (02:00 -> 03:00).
    due = next_digest_at(time(2, 30), "Europe/Berlin", utc(2026, 3, 28, 12))
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(get_zone("Europe/Berlin")).strftime("%H:%M") == "03:30"


def test_an_ambiguous_autumn_time_is_sent_once_at_its_first_occurrence() -> None:
    due = next_digest_at(time(2, 30), "Europe/Berlin", utc(2026, 10, 24, 12))
    assert due == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not 02:30 CET an hour later
    following = next_digest_at(time(2, 30), "Europe/Berlin", due)
    assert following == utc(2026, 10, 26, 1, 30)


def test_next_is_strictly_after_and_other_zones() -> None:
    assert next_digest_at(EIGHT, "UTC", utc(2026, 1, 1, 8)) == utc(2026, 1, 2, 8)
    assert next_digest_at(EIGHT, "UTC", utc(2026, 1, 1, 7, 59)) == utc(2026, 1, 1, 8)
    assert next_digest_at(EIGHT, "Asia/Tehran", utc(2026, 6, 1)) == utc(2026, 6, 1, 4, 30)
    assert next_digest_at(EIGHT, "UTC+05:30", utc(2026, 6, 1)) == utc(2026, 6, 1, 2, 30)
    assert next_digest_at(EIGHT, "America/New_York", utc(2026, 3, 8, 12)) == utc(2026, 3, 9, 12)


def test_staleness() -> None:
    due = utc(2026, 5, 1, 6)
    assert not is_stale(due, due + timedelta(hours=5, minutes=59), 6)
    assert is_stale(due, due + timedelta(hours=6, minutes=1), 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("Tehran", "Asia/Tehran"),
        ("UTC", "UTC"),
        ("UTC+2", "UTC+02:00"),
        ("+05:30", "UTC+05:30"),
        ("GMT-3", "UTC-03:00"),
    ],
)
def test_parse_timezone(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected
    get_zone(expected)  # and it resolves


@pytest.mark.parametrize("text", ["Narnia/Cair_Paravel", "", "UTC+25", "nowhere"])
def test_parse_timezone_rejects(text: str) -> None:
    with pytest.raises(BadTimezone):
        parse_timezone(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("0730", time(7, 30)),
        ("7", time(7)),
        ("7am", time(7)),
        ("7.30 pm", time(19, 30)),
        ("12am", time(0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "7:75", "13pm", ""])  # "noon" works now
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(BadTime):
        parse_time(text)
