"""Analysis and Brief to JSON and back: every field the JSON carries survives, and JSON
stored by older versions (fields missing) still reads."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from summarizer import Analysis, Brief, CountryScore, KeyPoint, Person, Quote, analyse

TEXT = st.text(max_size=40)
MAYBE = st.none() | TEXT
OFFSET = st.integers(min_value=0, max_value=10**6)
KIND = st.sampled_from(["person", "organisation", "government"])

quotes = st.builds(
    Quote,
    text=TEXT,
    start=OFFSET,
    end=OFFSET,
    speaker=MAYBE,
    speaker_title=MAYBE,
    cue=MAYBE,
    speaker_role=st.none() | st.sampled_from(["official", "expert", "other"]),
    speaker_kind=st.none() | KIND,
    speaker_description=MAYBE,
)
# scores as the JSON keeps them (Analysis rounds to 4 digits)
scores = st.integers(min_value=0, max_value=10_000).map(lambda n: n / 10_000)
countries = st.builds(
    CountryScore, code=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    name=st.text(min_size=1, max_size=20), score=scores,
)  # fmt: skip
mentions = st.lists(st.tuples(OFFSET, OFFSET), max_size=4)
people = st.builds(Person, name=TEXT, title=MAYBE, mentions=mentions, kind=KIND)
key_points = st.builds(KeyPoint, text=TEXT, start=OFFSET, end=OFFSET)
analyses = st.builds(
    Analysis,
    text=st.text(max_size=80),
    title=MAYBE,
    language=st.sampled_from(["en", "de", "und"]),
    sentences=st.just([]),  # not in the JSON: derived from the text
    countries=st.lists(countries, max_size=4),
    people=st.lists(people, max_size=4),
    quotes=st.lists(quotes, max_size=4),
    key_points=st.lists(key_points, max_size=4),
    truncated=st.booleans(),
)
briefs = st.builds(
    Brief,
    headline=TEXT,
    key_points=st.lists(TEXT, max_size=4),
    quotes=st.lists(quotes, max_size=4),
    countries=st.lists(countries, max_size=4),
    people=st.lists(st.builds(Person, name=TEXT, title=MAYBE, kind=KIND), max_size=4),
)


def through_json(data: dict) -> dict:
    """What the store gives back: the dict after a trip through JSON text."""
    return json.loads(json.dumps(data, ensure_ascii=False))


@given(analyses)
def test_every_field_of_an_analysis_survives_its_json(analysis: Analysis) -> None:
    again = Analysis.from_dict(
        through_json(analysis.to_dict()), text=analysis.text, title=analysis.title
    )
    assert again == analysis


@given(briefs)
def test_every_field_of_a_brief_survives_its_json(brief: Brief) -> None:
    assert Brief.from_dict(through_json(brief.to_dict())) == brief


def test_a_brief_keeps_no_mentions() -> None:
    """Mentions are offsets into one of the story's articles: a brief does not keep them."""
    brief = Brief("h", people=[Person("Ann Lee", "minister", [(3, 10)], "person")])
    assert "mentions" not in brief.to_dict()["people"][0]
    assert Brief.from_dict(brief.to_dict()).people == [Person("Ann Lee", "minister")]


def test_a_real_analysis_survives_its_json() -> None:
    text = (
        'Iran\'s oil minister Javad Owji said on Monday: "Exports will rise." '
        "The ministry added that talks with Russia would go on in Moscow."
    )
    analysis = analyse(text, title="Iran expects oil exports to rise")
    again = Analysis.from_dict(through_json(analysis.to_dict()), text=text, title=analysis.title)
    assert again.to_dict() == analysis.to_dict()
    assert again.quotes == analysis.quotes and again.people == analysis.people


def test_a_brief_stored_before_offsets_roles_and_kinds_still_reads() -> None:
    old = {
        "headline": "",
        "key_points": ["One.", 2],
        "quotes": [
            {"text": "We will.", "speaker": "Ann Lee", "speaker_title": None, "cue": "said"}
        ],
        "countries": [{"code": "IR", "score": 1}],
        "people": [{"name": "Ann Lee", "title": "minister"}],
    }
    brief = Brief.from_dict(old, "Stored headline")
    assert brief.headline == "Stored headline"
    assert brief.key_points == ["One.", "2"]
    assert brief.quotes == [Quote("We will.", 0, 0, "Ann Lee", None, "said")]
    assert brief.countries == [CountryScore("IR", "IR", 1.0)]
    assert brief.people == [Person("Ann Lee", "minister", [], "person")]


def test_no_brief_yet_is_the_headline_alone() -> None:
    assert Brief.from_dict(None, "Headline") == Brief("Headline")
    assert Brief.from_dict({}, "Headline") == Brief("Headline")


def test_an_analysis_stored_before_kinds_and_truncation_still_reads() -> None:
    old = {
        "language": "en",
        "countries": [{"code": "RU", "name": "Russia", "score": 1.0}],
        "people": [{"name": "Sergey Shoigu", "title": None, "mentions": [[1, 5]]}],
        "quotes": [{"text": "x", "start": 1, "end": 2, "speaker": None}],
        "key_points": [{"text": "k", "start": 0, "end": 1}],
    }
    analysis = Analysis.from_dict(old, text="t")
    assert analysis.people == [Person("Sergey Shoigu", None, [(1, 5)], "person")]
    assert analysis.quotes == [Quote("x", 1, 2)]
    assert analysis.truncated is False
