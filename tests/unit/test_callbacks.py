"""Callback data: every string a client can send is either a valid press or refused.

Property-based (Hypothesis): random text, and text built from the grammar's own pieces
(actions, codes, numbers, separators) so the deeper branches are reached, never raise;
whatever is accepted is within the bounds the handlers rely on and round-trips.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store.subscriber_check import check, usable_timezone
from bot.telegram import buttons, callbacks
from bot.telegram import keyboards as kb
from bot.telegram.callbacks import ACTIONS, MAX_STORY_ID, Press, encode, matcher, parse
from bot.telegram.updates import SeenUpdates
from summarizer.gazetteer import all_countries, gazetteer

PIECES = st.sampled_from(
    [
        *sorted(ACTIONS),
        "IR",
        "ZZ",
        "ir",
        "0",
        "1",
        "72",
        "720",
        "721",
        "2147483647",
        "2147483648",
        "-1",
        "yes",
        "no",
        "pause",
        "quiet_on",
        "AAAAAAAAAAAA",
        "IR;DROP",
        "١٢",
        "",
        " ",
        "\n",
        "\x00",
    ]
)
GRAMMAR_LIKE = st.lists(PIECES, min_size=1, max_size=4).map(":".join)


def check_press(data: str, press: Press | None) -> None:
    if press is None:
        return
    assert data.isascii() and len(data.encode()) <= 64
    assert press.action in ACTIONS
    if press.code is not None:
        assert press.code in gazetteer().display
    if press.action in ("mq", "src", "ask"):
        assert press.number is not None and 1 <= press.number <= MAX_STORY_ID
    if press.action == "win":
        assert press.number is not None and 1 <= press.number <= 720
    assert encode(*data.split(":")) == data  # what is accepted is what the bot would draw
    assert matcher(press.action)(data)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_any_text_is_a_valid_press_or_refused_never_an_exception(data: str) -> None:
    check_press(data, parse(data))


@settings(max_examples=1000)
@given(GRAMMAR_LIKE)
def test_text_built_from_the_grammar_is_a_valid_press_or_refused(data: str) -> None:
    press = parse(data)
    check_press(data, press)
    for action in ACTIONS:  # the handlers' patterns agree with the parser
        assert matcher(action)(data) == (press is not None and press.action == action)


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_data_that_is_not_text_is_refused(data: object) -> None:
    assert parse(data) is None


@pytest.mark.parametrize(
    "data",
    [
        "sub:ZZ",
        "sub:XX",
        "sub:ir",
        "brief:IR;DROP",
        "mq:2147483648",
        "mq:0",
        "mq:01",
        "mq:1\n",
        "subp:100",
        "win:IR:0",
        "win:IR:721",
        "stop:yes",
        "stop:yes:short",
        "stop:maybe:AAAAAAAAAAAA",
        "set:delete",
        "sub:IR:IR",
        "sub:" + "I" * 70,
        "",
    ],
)
def test_forged_data_is_refused(data: str) -> None:
    assert parse(data) is None


def test_every_button_the_bot_draws_parses() -> None:
    markups = [
        kb.story_keyboard(1),
        kb.story_keyboard(MAX_STORY_ID),
        kb.countries_keyboard(all_countries(), "sub"),
        kb.countries_keyboard(all_countries(), "brief"),
        kb.remove_keyboard(all_countries()),
        kb.confirm_stop_keyboard("Ab3_-Ab3_-Ab"),
        kb.settings_keyboard(True, True),
        kb.settings_keyboard(False, False),
    ]
    markups += [
        kb.paged_countries_keyboard(all_countries(), "sub", page, page_action="subp")
        for page in range(30)
    ]
    datas = [b.callback_data for m in markups for row in m.inline_keyboard for b in row]
    assert len(datas) > 3 * len(all_countries())
    assert all(parse(d) is not None for d in datas)
    assert parse("win:JP:72") == Press("win", code="JP", number=72)
    assert parse("stop:yes:Ab3_-Ab3_-Ab") == Press("stop", choice="yes", token="Ab3_-Ab3_-Ab")
    with pytest.raises(ValueError):
        kb.story_keyboard(MAX_STORY_ID + 1)
    with pytest.raises(ValueError):
        callbacks.encode("sub", "ZZ")
    assert set(buttons.HANDLERS) == ACTIONS  # one handler per action, none without one


def test_seen_updates_drop_a_replay_within_the_window_and_stay_bounded() -> None:
    now = [0.0]
    seen = SeenUpdates(ttl=60, size=1000, clock=lambda: now[0])
    assert not seen.check_and_add(1)
    assert seen.check_and_add(1)  # replayed
    now[0] = 61
    assert not seen.check_and_add(2)
    assert not seen.check_and_add(1)  # forgotten after the window
    for i in range(10, 5010):
        seen.check_and_add(i)
    assert len(seen) <= 1000


def test_stored_subscriber_values_are_checked_on_read() -> None:
    codes, zone, at, problems = check(["IR", "ZZ", "ir", None], "Mars/Olympus", "99:99")
    assert (codes, zone, at) == (("IR",), "UTC", "08:00")
    assert len(problems) == 5
    assert check(["RU", "IR"], "Europe/Berlin", "07:30") == (
        ("IR", "RU"),
        "Europe/Berlin",
        "07:30",
        (),
    )
    for bad in ("", "../etc/passwd", "UTC+99:00", "Europe", "x\x00", "a" * 100, None, 5):
        assert not usable_timezone(bad)
    assert usable_timezone("UTC+05:30") and usable_timezone("America/New_York")


def test_a_time_zone_press_names_a_real_zone() -> None:
    press = callbacks.parse("tz:America/Chicago")
    assert press is not None and press.action == "tz" and press.choice == "America/Chicago"
    for forged in ("tz:Mars/Base", "tz:America/Chicago;DROP", "tz:../etc/passwd", "tz:UTC", "tz:"):
        assert callbacks.parse(forged) is None, forged
