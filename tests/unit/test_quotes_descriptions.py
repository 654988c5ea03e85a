"""Descriptions of unnamed speakers: kept beside the quote, never shown as a name.

Sentences written for this test. A description ("the announcer", "a narrator in the ad",
"the ruling") says how the article attributes a quote where it names nobody; the quote's
``speaker`` stays None, and a pronoun is never a description.
"""

from __future__ import annotations

import pytest

from summarizer.quotes import find_quotes_and_people
from summarizer.quotes.resolve import is_description


def described(text: str) -> list[tuple[str, str | None, str | None]]:
    quotes, _ = find_quotes_and_people(text)
    return [(q.text.rstrip(",. "), q.speaker, q.speaker_description) for q in quotes]


@pytest.mark.parametrize(
    "phrase",
    [
        "the announcer",
        "The Ohio governor",
        "a narrator in the new ad",
        "the ruling",
        "one questioner",
        "Smith's former campaign manager",
        "the union",
    ],
)
def test_descriptions(phrase: str) -> None:
    assert is_description(phrase)


@pytest.mark.parametrize(
    "phrase", ["he", "they", "Maria Lopez", "The", "the weather", "the “big” man", "Lopez"]
)
def test_not_descriptions(phrase: str) -> None:
    assert not is_description(phrase)


def test_announcer_after_the_quote() -> None:
    text = (
        "The advertisement opens on a dark kitchen.\n\n"
        "“Who do you want answering the phone at three in the morning?” the announcer says."
    )
    assert described(text) == [
        ("Who do you want answering the phone at three in the morning?", None, "the announcer")
    ]


def test_capitalised_description_before_the_quote() -> None:
    text = "The rally was loud.\n\nThe Ohio governor said, “We will win this state by a mile.”"
    assert described(text) == [("We will win this state by a mile", None, "the Ohio governor")]


def test_document_after_the_cue() -> None:
    text = "The court sided with the voters.\n\n“The state cannot purge them,” said the ruling."
    assert described(text) == [("The state cannot purge them", None, "the ruling")]


def test_a_named_speaker_has_no_description() -> None:
    text = "“We are ready,” said Maria Lopez, the mayor of Springfield."
    assert described(text) == [("We are ready", "Maria Lopez", None)]


def test_unresolved_pronoun_is_no_description() -> None:
    text = "The meeting ended late.\n\n“It was a long day,” they said."
    assert described(text) == [("It was a long day", None, None)]


def test_indefinite_description_is_the_speaker_as_written() -> None:
    text = "The feud goes on.\n\n“He is frustrated by all of it,” an insider told the magazine."
    assert described(text) == [("He is frustrated by all of it", "an insider", None)]


def test_title_with_a_slash_before_the_name() -> None:
    # "9/11 widow Jane Doe": the title's first word holds a slash
    text = "“It was over before it began,” said 9/11 widow Jane Doe."
    assert described(text) == [("It was over before it began", "Jane Doe", None)]


def test_she_after_an_inverted_cue_is_the_widow_just_quoted() -> None:
    # "said widow X": X is the subject of "said" (widow is a title), so "She continued" is X,
    # not the woman named earlier
    text = (
        "The senator spoke first. Hillary Clinton agreed.\n\n"
        "“We will not stop,” said 9/11 widow Terry Strada.\n\n"
        "She continued, “For us, all we are asking for is justice.”"
    )
    assert [s for _, s, _ in described(text)] == ["Terry Strada", "Terry Strada"]
