"""What a plain message is: a greeting, a country (with a window), or a question."""

from __future__ import annotations

import pytest

from bot.telegram.conversation import (
    closest_command,
    country_query,
    is_greeting,
    looks_like_a_misspelt_country,
)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("breif", "brief"), ("subscrbe", "subscribe"), ("setings", "settings"), ("xyzzy", None)],
)
def test_a_misspelt_command_is_matched_to_the_nearest(typed: str, meant: str | None) -> None:
    assert closest_command(typed) == meant


@pytest.mark.parametrize("text", ["hello", "Hi there!", "hey bot", "thanks", "Good morning", "ok"])
def test_greetings(text: str) -> None:
    assert is_greeting(text)


@pytest.mark.parametrize("text", ["Who is Baqeri?", "hello, what did Shoigu say?", "Iran"])
def test_not_greetings(text: str) -> None:
    assert not is_greeting(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iran", (["IR"], None)),
        ("iran 2 days", (["IR"], 48.0)),
        ("Iran?", (["IR"], None)),
        ("US", (["US"], None)),
        ("UK 1 week", (["GB"], 168.0)),
        ("Iran, Russia", (["IR", "RU"], None)),
        ("🇮🇷", (["IR"], None)),
        ("no", None),  # a word, not Norway
        ("it", None),
        ("What did Shoigu say about Iran?", None),
        ("Who is Baqeri?", None),
    ],
)
def test_a_country_alone_is_a_brief(
    text: str, expected: tuple[list[str], float | None] | None
) -> None:
    assert country_query(text) == expected


def test_misspelt_countries_but_not_words() -> None:
    assert looks_like_a_misspelt_country("Irna")
    assert looks_like_a_misspelt_country("Germny")
    assert not looks_like_a_misspelt_country("sanctions")
    assert not looks_like_a_misspelt_country("Iraq?")
    assert not looks_like_a_misspelt_country("what")
