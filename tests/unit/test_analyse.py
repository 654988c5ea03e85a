"""analyse() on the whole pipeline: the public schema, and bad input that must not break it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from summarizer import MAX_ANALYSED_CHARS, Analysis, analyse, analysed_length
from summarizer.text import clean_text
from tests.growth import repeat_to, work

WORD = re.compile(r"\w+")
SEED = Path(__file__).resolve().parents[2] / "tests" / "data" / "seed-article.txt"


def assert_valid(analysis: Analysis, text: str) -> None:
    """Every offset indexes the input (its text with markup blanked), and JSON round-trips."""
    assert isinstance(analysis, Analysis)
    shown = clean_text(text)
    assert len(shown) == len(text)
    for sentence in analysis.sentences:
        assert shown[sentence.start : sentence.end] == sentence.text
    for point in analysis.key_points:
        assert shown[point.start : point.end] == point.text
    for quote in analysis.quotes:
        assert 0 <= quote.start <= quote.end <= len(text)
        assert quote.text.strip()
        # a quote given in pieces ("a … b") spans them all: its words appear there, in order
        span_words = iter(WORD.findall(shown[quote.start : quote.end]))
        assert all(word in span_words for word in WORD.findall(quote.text))
    for person in analysis.people:
        for start, end in person.mentions:
            assert 0 <= start < end <= len(text)
    for country in analysis.countries:
        assert len(country.code) == 2 and 0 <= country.score <= 1
    scores = [c.score for c in analysis.countries]
    assert scores == sorted(scores, reverse=True)
    data = json.loads(json.dumps(analysis.to_dict()))
    keys = {"language", "countries", "people", "quotes", "key_points", "truncated"}
    assert set(data) == keys
    assert data["truncated"] is analysis.truncated


def analyse_quickly(text: str) -> Analysis:
    """analyse() with every offset and the JSON checked (growth is checked by counting
    work in test_fuzz_analyse.py: no stopwatch here)."""
    analysis = analyse(text)
    assert_valid(analysis, text)
    return analysis


@pytest.mark.parametrize("text", ["", " ", "\n\n\t  \n", "\u200b\u200b"])
def test_empty_and_whitespace_give_an_empty_analysis(text: str) -> None:
    analysis = analyse_quickly(text)
    assert analysis.key_points == [] and analysis.quotes == [] and analysis.countries == []


def test_a_single_sentence_is_its_own_key_point() -> None:
    text = "Iran and Russia signed a defence agreement in Tehran on Tuesday."
    analysis = analyse_quickly(text)
    assert [p.text for p in analysis.key_points] == [text]
    assert {c.code for c in analysis.countries} >= {"IR", "RU"}


def test_two_megabytes_of_text_are_read_up_to_the_cap_and_say_so() -> None:
    """Only the first MAX_ANALYSED_CHARS are read: the analysis of 2 MB is that of its
    beginning, so its cost is that of 200,000 characters, and it says it was cut."""
    paragraph = SEED.read_text(encoding="utf-8")
    text = (paragraph + "\n\n") * (2_000_000 // len(paragraph) + 1)
    analysis = analyse_quickly(text)
    assert analysis.truncated is True and analysis.to_dict()["truncated"] is True
    assert 3 <= len(analysis.key_points) <= 5
    assert analysis.countries[0].code in {"IR", "RU"}
    length = analysed_length(text)
    assert MAX_ANALYSED_CHARS * 0.9 < length <= MAX_ANALYSED_CHARS and text[length - 1] == "\n"
    beginning = analyse(text[:length])
    assert beginning.truncated is False
    assert {**analysis.to_dict(), "truncated": False} == beginning.to_dict()


def test_past_the_cap_the_work_stops_growing() -> None:
    """One unbroken line, no space to cut at: the cut falls at the cap itself."""
    unit = "the·talks·went·on·in·Tehran,·officials·said."
    assert analysed_length(repeat_to(unit, 3 * MAX_ANALYSED_CHARS)) == MAX_ANALYSED_CHARS
    at_cap = work(analyse, repeat_to(unit, MAX_ANALYSED_CHARS))
    assert work(analyse, repeat_to(unit, 3 * MAX_ANALYSED_CHARS)) <= at_cap * 1.01 + 100


def test_a_text_within_the_cap_is_read_whole() -> None:
    text = repeat_to(
        "Iran and Russia met in Tehran on Monday, officials said.\n", MAX_ANALYSED_CHARS
    )
    assert analysed_length(text) == len(text)
    analysis = analyse(text)
    assert analysis.truncated is False
    assert analysis.sentences[-1].end > MAX_ANALYSED_CHARS - 60


def test_html_left_in_the_text_is_not_shown() -> None:
    text = (
        '<div class="story"><p>Russia and Iran agreed on Tuesday to expand military '
        "cooperation, officials in Moscow said.</p>\n<p>The agreement covers joint naval "
        'exercises in the Caspian Sea, the ministry said.</p><script>var x = "<b>";</script>'
        "\n<p>It follows months of talks between the two defence ministries.</p></div>"
    )
    analysis = analyse_quickly(text)
    assert analysis.key_points
    shown = " ".join(point.text for point in analysis.key_points)
    assert "Caspian Sea" in shown
    for markup in ("<p>", "</p>", "<div", "<script", "var x"):
        assert markup not in shown


def test_all_caps_wire_copy() -> None:
    text = (
        "TOKYO, MARCH 3 - JAPAN'S TRADE SURPLUS WITH THE UNITED STATES ROSE TO 5.2 BILLION "
        "DLRS IN FEBRUARY FROM 4.1 BILLION IN JANUARY, THE FINANCE MINISTRY SAID.\n\n"
        "EXPORTS TO THE U.S. ROSE 12 PCT WHILE IMPORTS FELL FOUR PCT, IT SAID.\n\n"
        "THE MINISTRY GAVE NO REASON FOR THE RISE."
    )
    analysis = analyse_quickly(text)
    assert analysis.key_points
    assert "JP" in {c.code for c in analysis.countries}


def test_unbalanced_quotes_do_not_lose_the_article() -> None:
    text = (
        "“We will not give in,” the minister said.\n\n"
        "He added that “the talks would go on, and \n\n"
        "Officials in Berlin said the sanctions would stay. “Nothing has changed.\n\n"
        "The next round is due in May."
    )
    analysis = analyse_quickly(text)
    assert any("We will not give in" in q.text for q in analysis.quotes)
    assert len(analysis.sentences) >= 4


@pytest.mark.parametrize(
    "text",
    [
        "Министр обороны России Сергей Шойгу прибыл в Тегеран. «Мы будем развивать "
        "сотрудничество», — сказал он. Визит продлится два дня.",
        "이란과 러시아는 국방 협력을 확대하기로 합의했다. 양국 국방장관은 테헤란에서 만났다.",
        "وقال وزير الدفاع الإيراني إن العلاقات مع روسيا شهدت نموا ملحوظا. وأضاف أن التعاون سيستمر.",
        "中国外交部发言人表示，中方愿与各方加强合作。发言人还说，会谈取得了积极成果。",
    ],
)
def test_non_latin_scripts_are_flagged_not_fatal(text: str) -> None:
    analysis = analyse_quickly(text)
    assert analysis.language not in ("en",)
    assert analysis.sentences


def test_control_characters_are_harmless() -> None:
    text = (
        "Iran\x00 and Russia\x07 signed\x1b[31m a deal.\x0c\n\n"
        "“It is a new stage,” Defense Minister Mohammad-Reza Ashtiani said.\x7f"
    )
    analysis = analyse_quickly(text)
    assert {c.code for c in analysis.countries} >= {"IR", "RU"}
    assert analysis.quotes and analysis.quotes[0].speaker == "Mohammad-Reza Ashtiani"


def test_rejects_what_is_not_text() -> None:
    with pytest.raises(TypeError):
        analyse(b"bytes are not text")  # type: ignore[arg-type]


def test_a_quote_given_in_pieces_spans_them_all() -> None:
    text = (
        "“We will win,” Senator John Smith said on Monday. “And we will do it soon.”\n\n"
        "He added that the vote was “a disgrace” and “a farce”."
    )
    analysis = analyse_quickly(text)
    assert [(q.speaker, q.speaker_title) for q in analysis.quotes] == [
        ("John Smith", "Senator"),
        ("John Smith", "Senator"),
    ]
    first, second = analysis.quotes
    assert "We will win" in first.text and "do it soon" in first.text
    assert second.text == "a disgrace … a farce"
