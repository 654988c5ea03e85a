"""Quote pairing and attribution, one construction at a time."""

from __future__ import annotations

import sys

import pytest

from summarizer.brief import Quote
from summarizer.quotes import find_quotes_and_people


def quotes_of(text: str) -> list[Quote]:
    quotes, _ = find_quotes_and_people(text, [])
    return quotes


def only(text: str) -> Quote:
    quotes = quotes_of(text)
    assert len(quotes) == 1, quotes
    return quotes[0]


def test_quote_then_speaker_said() -> None:
    text = "Mayor Jane Holt visited the site.\n“We will rebuild the bridge,” Holt said."
    q = only(text)
    assert q.text == "We will rebuild the bridge,"
    assert text[q.start : q.end] == q.text
    assert (q.speaker, q.speaker_title, q.cue) == ("Jane Holt", "Mayor", "said")


def test_speaker_said_colon_quote() -> None:
    q = only("John Smith, the mayor of Springfield, said: “We will win.”")
    assert q.text == "We will win."
    assert q.speaker == "John Smith"
    assert q.speaker_title == "mayor of Springfield"


def test_speaker_said_that_quote() -> None:
    q = only("Finance Minister Ana Berg said that “the budget is balanced.”")
    assert q.text == "the budget is balanced."
    assert (q.speaker, q.speaker_title, q.cue) == ("Ana Berg", "Finance Minister", "said")


def test_said_without_that_or_comma() -> None:
    q = only("Governor Tom Reyes met voters. In turn, Reyes said “I consider this a victory.”")
    assert q.speaker == "Tom Reyes"
    assert q.text == "I consider this a victory."


def test_noted_and_added_carry_the_subject() -> None:
    text = (
        "Senator Mary Long spoke. She noted that “taxes are low,” and added that "
        "“schools are good.”"
    )
    first, second = quotes_of(text)
    assert (first.speaker, first.cue) == ("Mary Long", "noted")
    assert (second.speaker, second.cue) == ("Mary Long", "added")
    assert first.speaker_title == second.speaker_title == "Senator"


def test_announced_readiness_partial_quote() -> None:
    q = only("Foreign Minister Anna Berg announced readiness “to talk at any time.”")
    assert q.text == "to talk at any time."
    assert (q.speaker, q.cue) == ("Anna Berg", "announced")


def test_quote_then_said_speaker() -> None:
    q = only("“We will win,” said John Smith, a campaign adviser.")
    assert q.speaker == "John Smith"
    assert q.speaker_title == "campaign adviser"


def test_according_to_speaker() -> None:
    q = only("According to Paul Adams, the party chairman, “we will win.”")
    assert q.speaker == "Paul Adams"
    assert q.cue == "according to"
    assert q.speaker_title == "party chairman"


def test_quote_only_paragraph_continues_previous_speaker() -> None:
    text = (
        "John Smith, the mayor, spoke on Monday.\n\n"
        "“We will win,” he said.\n\n"
        "“And we will build.”\n\n"
        "Later the council met."
    )
    first, second = quotes_of(text)
    assert first.speaker == second.speaker == "John Smith"
    assert second.text == "And we will build."


def test_colon_paragraph_introduces_next_quote() -> None:
    text = "Spokeswoman Ellen Park described the night:\n\n“We had no power for six hours.”"
    q = only(text)
    assert (q.speaker, q.speaker_title) == ("Ellen Park", "Spokeswoman")


def test_multi_paragraph_quote_is_one_quote() -> None:
    text = (
        "John Smith, the mayor, said:\n\n"
        "“We will win this election.\n\n"
        "“We will build roads.\n\n"
        "“We will rest.”\n\n"
        "The crowd left."
    )
    q = only(text)
    assert q.speaker == "John Smith"
    assert q.text == "We will win this election. We will build roads. We will rest."
    assert text[q.start : q.start + 10] == "We will wi"
    assert text[q.end - 13 : q.end] == "We will rest."


def test_quote_split_by_its_attribution_is_joined() -> None:
    text = "“This is in their heads,” said Pat Caddell, a pollster. “It is one of the things.”"
    q = only(text)
    assert q.text == "This is in their heads, … It is one of the things."
    assert q.speaker == "Pat Caddell"


def test_straight_quotes() -> None:
    q = only('Prime Minister Lee Wong said "the talks were useful."')
    assert q.text == "the talks were useful."
    assert q.speaker == "Lee Wong"


def test_guillemets() -> None:
    text = "Le ministre Jean Dupont said « nous allons gagner »."
    q = only(text)
    assert q.text == text[q.start : q.end] == "nous allons gagner"
    assert q.speaker == "Jean Dupont"


def test_unbalanced_quote_does_not_spoil_the_article() -> None:
    text = (
        "He said “this never closes and runs on\n\n"
        "The meeting went on.\n\n"
        "“Everything is fine,” Anna Berg said.\n\n"
        "Officials said the tally was “final.”\n\n"
        "“Trailing mark at the end"
    )
    quotes = quotes_of(text)
    by_text = {q.text: q for q in quotes}
    assert by_text["Everything is fine,"].speaker == "Anna Berg"
    assert by_text["final."].speaker == "officials"  # a lowercase speaker, kept as written
    assert all(0 <= q.start <= q.end <= len(text) for q in quotes)


def test_stray_closing_marks_are_ignored() -> None:
    q = only("The vote ” ended. And ” “we won,” Maria Diaz said.”")
    assert (q.text, q.speaker) == ("we won,", "Maria Diaz")


def test_organisation_speaker() -> None:
    text = "The Kremlin said “the talks were useful.”"
    quotes, people = find_quotes_and_people(text, [])
    assert quotes[0].speaker == "Kremlin"
    assert quotes[0].speaker_title == "Government of Russia"
    assert [p.kind for p in people if p.name == "Kremlin"] == ["government"]


def test_news_organisation_speaker() -> None:
    quotes, people = find_quotes_and_people(
        "The New York Post reported that aides wanted to “keep the details under wraps.”", []
    )
    assert quotes[0].speaker == "New York Post"
    assert [p.kind for p in people if p.name == "New York Post"] == ["organisation"]


def test_capital_as_government_speaker() -> None:
    text = "However, Tehran denies supplying arms while acknowledging a “limited number” of drones."
    q = only(text)
    assert (q.speaker, q.speaker_title, q.text) == (
        "Tehran",
        "Government of Iran",
        "limited number",
    )


def test_unattributed_quote_is_kept_without_speaker() -> None:
    q = only("“Nobody knows what happens next.” The weather was bad all week.")
    assert q.speaker is None
    assert q.speaker_title is None
    assert not q.attributed


def test_film_title_is_not_an_officials_quote() -> None:
    q = only("Critics loved “Titanic” and the film won eleven awards.")
    assert q.text == "Titanic"
    assert q.speaker is None


def test_pronoun_speaker_resolves_to_the_full_person() -> None:
    text = (
        "Major General Omar Aziz, the army chief of staff, visited the base.\n\n"
        "“Our soldiers are ready,” he said.\n\n"
        "“The enemy is weak,” the army chief added."
    )
    first, second = quotes_of(text)
    assert first.speaker == second.speaker == "Omar Aziz"
    assert "Major General" in (first.speaker_title or "")
    assert "army chief of staff" in (second.speaker_title or "")


def test_later_surname_resolves_to_first_full_name() -> None:
    text = "Defense Secretary Lloyd Carter arrived.\n\n“We are prepared,” Carter said."
    q = only(text)
    assert (q.speaker, q.speaker_title) == ("Lloyd Carter", "Defense Secretary")


@pytest.mark.parametrize("n_marks", [1, 3, 7, 101])
def test_odd_numbers_of_marks_in_one_paragraph(n_marks: int) -> None:
    text = "Ann Lee said " + "“word " * n_marks + "end."
    quotes = quotes_of(text)
    assert quotes  # something was paired, nothing raised
    assert all(text[q.start : q.end] == q.text for q in quotes if "…" not in q.text)


def test_two_megabytes_of_mixed_marks() -> None:
    paragraph = (
        "“We are determined to go on,” Defense Minister Sergey Lavin said on Monday. "
        'He added that "the talks went well" and the meeting was “constructive.\n'
        "Unbalanced « marks and stray ” ones appear too.\n"
    )
    text = paragraph * (2_000_000 // len(paragraph))
    quotes, people = find_quotes_and_people(text, [])  # its speed: benchmarks/hostile.py
    assert len(quotes) > 10_000
    assert any(p.name == "Sergey Lavin" for p in people)


def _calls(text: str) -> int:
    """Python function calls made inside summarizer/ while finding the quotes of ``text``:
    a count of work that does not depend on the machine's speed or load."""
    count = 0

    def profile(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal count
        if event == "call" and "summarizer" in frame.f_code.co_filename:
            count += 1

    sys.setprofile(profile)
    try:
        find_quotes_and_people(text, [])
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize(
    "unit",
    ["He said “a ", "“", '"', '\x00“\x00a\x00”\x00"\x00', "“a,” said John Smith. "],
)
def test_work_grows_linearly_with_marks(unit: str) -> None:
    """No stage rescans from each mark or compares all pairs: doubling the text at most
    doubles the work (plus a margin), for floods of marks of every kind."""
    find_quotes_and_people("Warm “up,” he said.", [])  # word lists and patterns load once
    small = _calls(unit * 2_000)
    large = _calls(unit * 4_000)
    assert large <= 2.3 * small + 2_000


def test_one_line_of_marks_keeps_every_quote() -> None:
    quotes = quotes_of("He said “a " * 20_000)  # one paragraph, no closing mark at all
    assert len(quotes) == 20_000


def test_empty_and_markless_text() -> None:
    assert find_quotes_and_people("", []) == ([], [])
    quotes, _ = find_quotes_and_people("No quotes here at all.", [])
    assert quotes == []


def test_description_speaker_after_said() -> None:
    q = only("“We are cooperating,” said a WeWork spokesperson when contacted by Reuters.")
    assert q.speaker == "a WeWork spokesperson"
    assert q.speaker_title is None


def test_attribution_at_the_end_of_the_sentence() -> None:
    q = only(
        'China has used "velvet gloves" in its dealings with Central Asia, said Nargis '
        "Kassenova, an expert at KIMEP University."
    )
    assert (q.text, q.speaker) == ("velvet gloves", "Nargis Kassenova")
    assert q.speaker_title == "expert at KIMEP University"


def test_participle_cue_takes_the_sentence_subject() -> None:
    text = (
        "Republican nominee Donald Trump spoke in Ohio.\n\n"
        'Then Trump went fully on the attack, saying, "Is he going to resign?"'
    )
    q = only(text)
    assert q.speaker == "Donald Trump"
    assert q.speaker_title == "Republican nominee"
    assert q.cue == "saying"


def test_several_quoted_phrases_of_one_clause_are_one_quote() -> None:
    text = 'Senator Dan Reid called the senator a "nasty guy," an "anchor baby" and "sick."'
    q = only(text)
    assert q.speaker == "Dan Reid"
    assert q.text == "nasty guy, … anchor baby … sick."
    # the span runs from the first quoted word to the last
    assert text[q.start : q.start + 5] == "nasty"
    assert text[q.end - 5 : q.end] == "sick."


def test_cue_scan_finds_whole_words_only() -> None:
    from summarizer.quotes.cues import _scan_cues

    text = (
        "He said so. Unsaid words, said-so talk and the Saidi family aside, SAID it loud; "
        "according to Ann, she has written it and expressed hope that it ends; claims that X."
    )
    found = [c.group() for c in _scan_cues(text)]
    assert found == ["said", "SAID", "according to", "written", "expressed hope", "claims"]


def test_quote_marks_are_those_of_the_plainly_written_pattern() -> None:
    """marks._QUOTE_MARKS opens with one set of characters: the same marks, spans and
    texts as ’’|''|["“”«»„\\n] on runs of every mark, apostrophes and letters."""
    import random
    import re

    from summarizer.quotes.marks import _QUOTE_MARKS

    plain = re.compile(r"’’|''|[\"“”«»„\n]")
    rng = random.Random(3)
    texts = ["", "’’’", "'''", "don’t ‘x’ ’’y’’ ''z''", '“a” «b» „c“ "d"\n']
    for _ in range(20_000):
        texts.append("".join(rng.choice("’'\"“”«»„\na ") for _ in range(rng.randint(0, 15))))
    for text in texts:
        assert [(m.span(), m.group()) for m in _QUOTE_MARKS.finditer(text)] == [
            (m.span(), m.group()) for m in plain.finditer(text)
        ], text
