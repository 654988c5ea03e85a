"""The seed article: the analysis the project was started for.

Iranian and Russian defence officials, fifteen quotes, and every way news names a speaker:
full name with apposition, title before the name, surname, "he", "the Iranian minister",
"the Russian defense minister", a capital standing for its government.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.brief import Person, Quote
from summarizer.quotes import find_quotes_and_people

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-article.txt"


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def found(seed_text: str) -> tuple[list[Quote], list[Person]]:
    return find_quotes_and_people(seed_text, [])


@pytest.fixture(scope="module")
def quotes(found: tuple[list[Quote], list[Person]]) -> list[Quote]:
    return found[0]


@pytest.fixture(scope="module")
def people(found: tuple[list[Quote], list[Person]]) -> dict[str, Person]:
    return {p.name: p for p in found[1]}


def _index(quotes: list[Quote], opening: str) -> int:
    for i, q in enumerate(quotes):
        if q.text.startswith(opening):
            return i
    raise AssertionError(f"no quote starts with {opening!r}: {[q.text[:30] for q in quotes]}")


def test_the_four_officials_with_titles(people: dict[str, Person]) -> None:
    ashtiani = people["Mohammad-Reza Ashtiani"]
    assert "Defense Minister" in ashtiani.title and "Iranian" in ashtiani.title
    shoigu = people["Sergey Shoigu"]
    assert "Defense Minister" in shoigu.title and "Russian" in shoigu.title
    baqeri = people["Mohammad Hossein Baqeri"]
    assert "Major General" in baqeri.title
    assert "Chief of Staff of the Iranian Armed Forces" in baqeri.title
    heydari = people["Kioumars Heydari"]
    assert "Brigadier General" in heydari.title
    assert "commander of the Iranian Army" in heydari.title
    assert "Ground Force" in heydari.title
    for p in (ashtiani, shoigu, baqeri, heydari):
        assert p.kind == "person"


def test_later_mentions_resolve(seed_text: str, people: dict[str, Person]) -> None:
    def said(name: str) -> list[str]:
        return [seed_text[s:e] for s, e in people[name].mentions]

    assert {"Mohammad-Reza Ashtiani", "Ashtiani", "the Iranian minister", "He"} <= set(
        said("Mohammad-Reza Ashtiani")
    )
    assert {
        "Sergey Shoigu",
        "Shoigu",
        "the Russian minister",
        "the Russian defense minister",
    } <= set(said("Sergey Shoigu"))
    assert "Baqeri" in said("Mohammad Hossein Baqeri")


def test_fifteen_quotes_with_offsets(seed_text: str, quotes: list[Quote]) -> None:
    assert len(quotes) == 15
    for q in quotes:
        assert seed_text[q.start : q.end] == q.text
        assert seed_text[q.start - 1] == "“"


def test_ashtianis_seven_quotes(quotes: list[Quote]) -> None:
    first = _index(quotes, "Over the past decade")
    last = _index(quotes, "our cooperation will lead to peace")
    assert last - first == 6
    for q in quotes[first : last + 1]:
        assert q.speaker == "Mohammad-Reza Ashtiani", q
        assert "Iranian" in q.speaker_title and "Defense Minister" in q.speaker_title


def test_the_cues_of_ashtianis_quotes(quotes: list[Quote]) -> None:
    cue = {q.text[:20]: q.cue for q in quotes}
    assert cue["Over the past decade"] == "said"
    assert cue["Many countries have "] == "emphasized"  # "the Iranian minister emphasized"
    assert cue["over the past few ye"] == "noted"  # "He noted that"
    assert cue["in particular, I’d l"] == "added"  # "and added that": subject carried over
    assert cue["saw each and every p"] == "added"  # "Ashtiani further added that"


def test_shoigu_and_baqeri_quotes(quotes: list[Quote]) -> None:
    first = _index(quotes, "to take further joint steps")
    last = _index(quotes, "Russian-Iranian relations in the defense sphere")
    assert last - first == 6
    block = quotes[first : last + 1]
    baqeri = [q for q in block if q.text.startswith("Although the relations")]
    assert [q.speaker for q in baqeri] == ["Mohammad Hossein Baqeri"]
    assert "Major General" in baqeri[0].speaker_title
    shoigu = [q for q in block if q not in baqeri]
    assert len(shoigu) == 6
    for q in shoigu:
        assert q.speaker == "Sergey Shoigu", q
        assert "Russian" in q.speaker_title and "Defense Minister" in q.speaker_title


def test_tricky_constructions(quotes: list[Quote]) -> None:
    by_start = {q.text[:20]: q for q in quotes}
    # "Shoigu said “I consider…”": no "that", no comma
    assert by_start["I consider our meeti"].speaker == "Sergey Shoigu"
    # "Ashtiani said at a meeting with his Russian counterpart Sergey Shoigu": the subject
    assert by_start["Over the past decade"].speaker == "Mohammad-Reza Ashtiani"
    # "the Russian defense minister added"
    assert by_start["Russian-Iranian relat"[:20]].speaker == "Sergey Shoigu"
    # "He urged ..." has no quote: no quote starts there
    assert not any(q.text.startswith("He urged") for q in quotes)


def test_limited_number_is_tehrans(quotes: list[Quote], people: dict[str, Person]) -> None:
    q = quotes[_index(quotes, "limited number")]
    assert q.speaker == "Tehran"
    assert q.speaker_title == "Government of Iran"
    assert people["Tehran"].kind == "government"


def test_no_pronoun_is_ever_a_speaker(quotes: list[Quote]) -> None:
    for q in quotes:
        assert q.speaker is not None
        assert q.speaker.lower() not in {"he", "she", "they", "it", "we", "i"}


def test_analyse_carries_the_same_quotes(seed_text: str, quotes: list[Quote]) -> None:
    summarizer = pytest.importorskip("summarizer")
    analysis = summarizer.analyse(seed_text)
    assert [(q.text, q.speaker) for q in analysis.quotes] == [(q.text, q.speaker) for q in quotes]
    names = {p.name for p in analysis.people}
    assert {
        "Mohammad-Reza Ashtiani",
        "Sergey Shoigu",
        "Mohammad Hossein Baqeri",
        "Kioumars Heydari",
    } <= names


def test_every_seed_speaker_is_official(quotes: list[Quote]) -> None:
    for q in quotes:
        assert q.speaker_role == "official", q
    kinds = {q.speaker: q.speaker_kind for q in quotes}
    assert kinds["Sergey Shoigu"] == "person"
    assert kinds["Tehran"] == "government"


def test_the_brief_shows_each_speakers_most_informative_quote_first(seed_text: str) -> None:
    summarizer = pytest.importorskip("summarizer")
    brief = summarizer.summarize_story([summarizer.analyse(seed_text)])
    shoigu = [q.text for q in brief.quotes if q.speaker == "Sergey Shoigu"]
    pressure = next(i for i, t in enumerate(shoigu) if "The pressure of sanctions" in t)
    steps = next(i for i, t in enumerate(shoigu) if t.startswith("to take further joint steps"))
    assert pressure < steps
    assert all(q.speaker_role == "official" for q in brief.quotes)


def test_roles_survive_the_json_contract(seed_text: str) -> None:
    summarizer = pytest.importorskip("summarizer")
    from summarizer.brief import Analysis

    analysis = summarizer.analyse(seed_text)
    data = analysis.to_dict()
    assert {q["speaker_role"] for q in data["quotes"]} == {"official"}
    again = Analysis.from_dict(data, text=seed_text)
    assert [(q.speaker_role, q.speaker_kind) for q in again.quotes] == [
        (q.speaker_role, q.speaker_kind) for q in analysis.quotes
    ]
