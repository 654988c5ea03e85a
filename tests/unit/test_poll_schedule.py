"""Polling on time, in the schedule's own terms: a feed polled at one tick is due at the
next, however unevenly the ticks fire, and never polled sooner than the floor allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.ingest import schedule

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def test_a_feed_due_moments_after_the_tick_is_due_at_the_tick():
    tick = T0 + 900 * S
    assert schedule.is_due(tick + timedelta(milliseconds=40), tick, 900)
    assert not schedule.is_due(tick + timedelta(milliseconds=40), tick)  # the old comparison
    assert not schedule.is_due(tick + 31 * S, tick, 900)  # a tolerance, not a tick early


def test_the_tolerance_is_small_beside_the_interval():
    assert schedule.early_by(900) == schedule.MAX_EARLY == 30
    assert schedule.early_by(86_400) == 30
    assert schedule.early_by(2) == 0.5  # a quarter of a short interval
    assert schedule.due_by(T0, 60) == T0 + 15 * S


def test_the_next_poll_counts_from_the_tick_not_the_request():
    polled = T0 + timedelta(milliseconds=250)  # the request, a little after the tick
    nxt = schedule.next_poll(T0, polled, 900, interval=900, floor=300)
    assert nxt == T0 + 900 * S
    assert schedule.is_due(nxt, T0 + 900 * S, 900)


def test_a_slow_cycle_never_polls_a_feed_sooner_than_the_floor():
    polled = T0 + 700 * S  # the cycle took 700 s to reach this feed
    nxt = schedule.next_poll(T0, polled, 900, interval=900, floor=300)
    assert nxt == polled + 330 * S  # the floor, plus the tolerance it may be polled early by
    assert not schedule.is_due(nxt, polled + 299 * S, 900)


def test_retry_after_counts_from_the_request():
    polled = T0 + 5 * S
    delay = schedule.failure_delay(900, 1, floor=300, retry_after=7200)
    nxt = schedule.next_poll(T0, polled, delay, interval=900, floor=300, retry_after=7200)
    assert nxt == polled + (7200 + 30) * S
    huge = schedule.next_poll(T0, polled, 86_400, interval=900, floor=300, retry_after=10**9)
    assert huge == polled + (86_400 + 30) * S  # capped at a day


@given(
    lateness=st.lists(st.floats(0, 25), min_size=2, max_size=30),
    reach=st.lists(st.floats(0, 60), min_size=30, max_size=30),
)
def test_every_tick_polls_a_feed_whose_interval_is_the_tick(lateness, reach):
    """Ticks every 900 s, each late by up to 25 s; the cycle reaches the feed up to a
    minute after its tick: every tick polls it, and never sooner than the floor."""
    due = None
    last_request = None
    for k, late in enumerate(lateness):
        tick = T0 + (900 * k + late) * S
        assert schedule.is_due(due, tick, 900), (k, due, tick)
        polled = tick + reach[k] * S
        if last_request is not None:
            assert polled - last_request >= 300 * S
        delay = schedule.success_delay(900, floor=300)
        due = schedule.next_poll(tick, polled, delay, interval=900, floor=300)
        last_request = polled
