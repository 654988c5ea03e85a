"""Which countries an article is about: names, aliases, metonyms, datelines, ambiguity."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.brief import CountryScore, Person
from summarizer.countries import (
    MIN_SALIENCE,
    find_countries,
    find_mentions,
    parse_dateline,
    score_countries,
)
from tests.growth import repeat_to, work, work_growth

SEED_TEXT = (Path(__file__).resolve().parents[1] / "data" / "seed-article.txt").read_text(
    encoding="utf-8"
)


def codes(text: str, title: str | None = None, people: list[Person] | None = None) -> list[str]:
    return [c.code for c in find_countries(text, title=title, people=people)]


def mentioned(text: str) -> list[str]:
    return [m.code for m in find_mentions(text)]


def test_seed_article_is_about_iran_and_russia() -> None:
    found = find_countries(SEED_TEXT)
    assert {c.code for c in found[:2]} == {"IR", "RU"}
    assert found[0].score == 1.0
    assert found[1].score > 0.8
    # The US ("opposition from the US") and Ukraine (last paragraph) are passing mentions.
    scores = {c.code: c.score for c in score_countries(SEED_TEXT)}
    assert scores["US"] < 0.2
    assert scores["UA"] < 0.2
    assert "US" not in {c.code for c in found}
    assert "UA" not in {c.code for c in found}


def test_result_shape_scores_and_names() -> None:
    found = find_countries(
        "Iran and Russia signed a deal. Iran said the deal with Russia helps Iran."
    )
    assert all(isinstance(c, CountryScore) for c in found)
    assert [c.code for c in found] == ["IR", "RU"]
    assert [c.name for c in found] == ["Iran", "Russia"]
    assert found[0].score == 1.0
    assert 0.0 < found[1].score < 1.0
    assert all(c.score >= MIN_SALIENCE for c in found)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Talks with the US resumed.", "US"),
        ("Talks with the U.S. resumed.", "US"),
        ("Exports to the USA rose.", "US"),
        ("The UK said on Monday it would act.", "GB"),
        ("Britain said on Monday it would act.", "GB"),
        ("Great Britain won the match.", "GB"),
        ("The DPRK fired a missile.", "KP"),
        ("North Korea fired a missile.", "KP"),
        ("South Korea protested.", "KR"),
        ("Cocoa from Ivory Coast rose.", "CI"),
        ("Cocoa from Côte d'Ivoire rose.", "CI"),
        ("Czechia joined the talks.", "CZ"),
        ("Burma's generals met.", "MM"),
        ("The UAE said prices would rise.", "AE"),
        ("Holland beat Belgium's hopes.", "NL"),
    ],
)
def test_aliases(text: str, code: str) -> None:
    assert mentioned(text)[0] == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The Iranian minister arrived.", "IR"),
        ("Russian forces advanced.", "RU"),
        ("Two Israelis were hurt.", "IL"),
        ("Swiss banks lent more.", "CH"),
        ("Dutch exports fell.", "NL"),
        ("The Filipino workers went home.", "PH"),
    ],
)
def test_demonyms(text: str, code: str) -> None:
    assert mentioned(text) == [code]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Moscow rejected the claim.", "RU"),
        ("The Kremlin rejected the claim.", "RU"),
        ("Tehran denies supplying arms.", "IR"),
        ("Washington imposed sanctions.", "US"),
        ("The White House said nothing.", "US"),
        ("The Pentagon said nothing.", "US"),
        ("Beijing protested.", "CN"),
        ("Downing Street declined to comment.", "GB"),
        ("Whitehall officials briefed reporters.", "GB"),
        ("Kyiv said the strike killed two.", "UA"),
        ("Shares rose in Tokyo.", "JP"),
    ],
)
def test_capitals_and_institutions_stand_for_governments(text: str, code: str) -> None:
    assert mentioned(text) == [code]


@pytest.mark.parametrize(
    ("text", "code", "story"),
    [
        ("NEW YORK, Feb 26 - Shares of Sony rose.", "US", "Shares"),
        ("AMARILLO, Texas, March 27 - Southwestern Public Service said.", "US", "Southwestern"),
        ("FARMINGTON, Conn., FEb 26 - Emhart Corp said.", "US", "Emhart"),
        ("CALGARY, Alberta, March 3 - Precambrian Shield said.", "CA", "Precambrian"),
        ("ALEXANDRIA, Egypt, March 13 - Weather closed the port.", "EG", "Weather"),
        ("MOSCOW (Reuters) - The Kremlin said.", "RU", "The Kremlin"),
        ("KYIV, Ukraine (AP) — Air raid sirens sounded.", "UA", "Air raid"),
        ("PEKING, March 1 - China will borrow.", "CN", "China"),
        ("LONDON, March 2, 2024 (Reuters) - Shares fell.", "GB", "Shares"),
        ("ATLANTA, Georgia, May 3 - Delta said.", "US", "Delta"),
        ("TBILISI, Georgia, May 3 - The government said.", "GE", "The government"),
    ],
)
def test_dateline(text: str, code: str, story: str) -> None:
    found, start = parse_dateline(text)
    assert found == code
    assert text[start:].startswith(story)


def test_no_dateline_in_ordinary_prose() -> None:
    assert parse_dateline("Iran - a country of 85 million - said on Monday.") == (None, 0)
    assert parse_dateline("") == (None, 0)


def test_dateline_outweighs_the_subject_of_a_wire_story() -> None:
    # Wire copy filed from New York about Japanese trade is still a US story.
    text = "NEW YORK, March 3 - Japanese exporters expect Japan's surplus to narrow, analysts said."
    found = codes(text)
    assert found[0] == "US"
    assert "JP" in found


def test_title_counts_more_than_the_body() -> None:
    body = "Officials met. Argentina hopes to sell wheat. Argentina and Brazil signed."
    assert codes(body)[0] == "AR"
    assert codes(body, title="BRAZIL SEEKS MORE WHEAT")[0] == "BR"


def test_passing_mention_ranks_below_subject_and_is_left_out() -> None:
    text = (
        "France and Germany agreed on a budget. France will pay more, Germany less. "
        "French and German ministers said the deal, reached in Paris, was fair. "
        "A similar deal was once discussed with Chile."
    )
    scores = {c.code: c.score for c in score_countries(text)}
    assert scores["CL"] < scores["DE"] <= scores["FR"]
    assert codes(text) == ["FR", "DE"]


class TestAmbiguity:
    def test_us_pronoun_is_not_the_united_states(self) -> None:
        assert mentioned("Let us go; they told us so.") == []
        assert mentioned("He told US officials.") == ["US"]

    def test_us_pronoun_in_capitals(self) -> None:
        assert mentioned("LET US PRAY, SAYS BISHOP") == []
        assert mentioned("U.S. SEEKS TALKS") == ["US"]

    def test_georgia_the_state(self) -> None:
        assert codes("Delta is based in Atlanta, Georgia.") == ["US"]
        assert codes("Georgia Power raised rates in Georgia.") == ["US"]

    def test_georgia_the_country(self) -> None:
        assert codes("Russia and Georgia fought in 2008. Georgia's capital is Tbilisi.")[0] == "GE"

    def test_jordan_the_person(self) -> None:
        assert mentioned("Michael Jordan scored 40 points.") == []
        assert mentioned("Mr. Jordan declined to comment.") == []
        assert mentioned("King Abdullah of Jordan met the envoy in Amman.") == ["JO", "JO"]
        assert mentioned("In Jordan, prices rose.") == ["JO"]

    def test_jordan_a_person_named_by_the_people_helper(self) -> None:
        text = "Jordan said the deal was fair, the minister added."
        person = Person(name="Vernon Jordan", mentions=[(0, 6)])
        assert codes(text) == ["JO"]
        assert codes(text, people=[person]) == []

    def test_washington_the_surname(self) -> None:
        assert mentioned("Denzel Washington starred.") == []
        assert mentioned("Officials in Washington said.") == ["US"]

    def test_chad_the_person(self) -> None:
        assert mentioned("Chad Smith played drums.") == []
        assert mentioned("Rebels advanced in Chad.") == ["TD"]

    def test_turkey_the_bird(self) -> None:
        assert mentioned("Turkey prices rose before Thanksgiving.") == []
        assert mentioned("We ate turkey.") == []
        assert mentioned("Turkey said it would block the bid.") == ["TR"]
        assert mentioned("TURKEY SEEKING 100,000 TONNES SUGAR") == ["TR"]

    def test_new_mexico_and_new_england_are_not_mexico_or_england(self) -> None:
        assert mentioned("Drought hit New Mexico and New England.") == ["US", "US"]
        assert mentioned("Mexico and England") == ["MX", "GB"]

    def test_longest_guinea_wins(self) -> None:
        text = "Papua New Guinea, Equatorial Guinea, Guinea-Bissau and Guinea."
        assert mentioned(text) == ["PG", "GQ", "GW", "GN"]

    def test_niger_is_not_nigeria(self) -> None:
        assert mentioned("Niger and Nigeria share a border.") == ["NE", "NG"]
        assert mentioned("Nigeria's Niger Delta") == ["NG", "NG"]

    def test_dominica_is_not_the_dominican_republic(self) -> None:
        assert mentioned("Dominica and the Dominican Republic") == ["DM", "DO"]

    def test_korea_alone_and_congo(self) -> None:
        assert mentioned("Korea's exports rose.") == ["KR"]
        assert mentioned("the Republic of the Congo and the Democratic Republic of the Congo") == [
            "CG",
            "CD",
        ]

    def test_phrases_that_name_no_country(self) -> None:
        assert mentioned("Latin American debt and the Indian Ocean and the Persian Gulf") == []
        assert mentioned("North American sales rose.") == []

    def test_codes_glued_to_numbers_are_units(self) -> None:
        assert mentioned("The 16GB model and the 512GB one, 4US2 and UK2") == []

    def test_lower_case_words_are_not_names(self) -> None:
        assert mentioned("a chad, a guinea and a china cup") == []


def test_people_whose_titles_name_a_country_add_weight() -> None:
    text = (
        "Mohammad-Reza Ashtiani, the Iranian Defense Minister, spoke on Monday. Iraq and "
        "Syria were mentioned, and Iraq again. Ashtiani said more. He said a lot. "
        "Ashtiani added that talks would go on."
    )
    starts = [i for i in range(30, len(text)) if text.startswith(("Ashtiani", "He "), i)]
    person = Person(
        name="Mohammad-Reza Ashtiani",
        title="Iranian Defense Minister",
        mentions=[(0, 22), (24, 52)] + [(i, text.index(" ", i)) for i in starts],
    )
    assert len(person.mentions) == 5
    without = {c.code: c.score for c in score_countries(text)}
    with_people = {c.code: c.score for c in score_countries(text, people=[person])}
    assert without["IR"] < without["SY"] < without["IQ"] == 1.0
    assert without["IR"] < with_people["IR"]
    assert with_people["SY"] < with_people["IR"] < with_people["IQ"] == 1.0
    # A person named once adds nothing: the title is already in the text.
    once = Person(name=person.name, title=person.title, mentions=person.mentions[:1])
    assert {c.code: c.score for c in score_countries(text, people=[once])} == without


def test_all_caps_wire_copy() -> None:
    text = "TOKYO, MARCH 3 - JAPAN'S TRADE SURPLUS WITH THE U.S. ROSE, THE MINISTRY SAID."
    assert codes(text, title="JAPAN SURPLUS WITH U.S. RISES") == ["JP", "US"]


def test_empty_and_countryless_text() -> None:
    assert find_countries("") == []
    assert find_countries("", title="") == []
    assert find_countries("   \n\n  ") == []
    assert find_countries("The cat sat on the mat. 12345 !!!") == []
    assert codes("", title="IRAN SAYS TALKS FAILED") == ["IR"]


def test_long_texts_cost_linear_work() -> None:
    paragraph = (
        "Officials in Tehran and Moscow said on Monday that trade between Iran and Russia "
        "grew, while the U.S. and the European Union said sanctions would stay. "
    )
    big = repeat_to(paragraph, 400_000)
    found = find_countries(big)
    assert {c.code for c in found[:2]} == {"IR", "RU"}
    assert work_growth(find_countries, big[:100_000], big) <= 6


def test_a_typical_article_costs_a_few_calls_per_character() -> None:
    """The count of calls is the same on every machine: a budget a stopwatch can't be."""
    paragraph = (
        "Ashtiani said at a meeting with his Russian counterpart in Tehran, according to "
        "the Mehr news agency, that the ties with Moscow grew over ten years. "
    )
    article = (paragraph * 40)[:5000]
    assert set(codes(article)[:2]) == {"IR", "RU"}
    assert work(find_countries, article) <= 3 * len(article)  # 1.8 per character today


def test_names_and_mentions_are_matched_without_comparing_every_pair() -> None:
    """A person named thousands of times and a country named thousands of times: 4x the
    text, at most 6x the work (every mention against every name span was 11 s at 200 kB)."""

    def article(n: int) -> tuple[str, list[Person]]:
        unit = "Lavrov and Iran met. Jordan spoke. "
        text = repeat_to(unit, n)
        lavrov = Person(name="Sergey Lavrov", mentions=[])
        vernon = Person(name="Vernon Jordan", mentions=[])
        for start in range(0, n - len(unit) + 1, len(unit)):
            lavrov.mentions.append((start, start + 6))
            vernon.mentions.append((start + 21, start + 27))
        return text, [lavrov, vernon]

    text, people = article(4_000)
    assert [m.text for m in find_mentions(text)][:2] == ["Iran", "Jordan"]
    assert codes(text, people=people) == ["IR"]  # "Jordan" is Vernon Jordan each time
    small, large = article(20_000), article(80_000)
    assert work_growth(lambda p: find_countries(p[0], people=p[1]), small, large) <= 6
