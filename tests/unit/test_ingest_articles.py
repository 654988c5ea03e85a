"""What the cycle reads of a stored analysis (people, main countries) without loading
the summarizer: it must agree with the summarizer's own JSON, old and new."""

from __future__ import annotations

from bot.ingest.articles import countries_of, fallback_headline, main_countries, person_names
from summarizer import Analysis, CountryScore, Person


def test_the_cycle_reads_what_analysis_to_dict_writes() -> None:
    analysis = Analysis(
        text="",
        people=[
            Person("Ann Lee", "minister", [(0, 7)]),
            Person("Reuters", None, [], "organisation"),
            Person("Tehran", "Government of Iran", [], "government"),
        ],
        countries=[CountryScore(c, c, s) for c, s in [("IR", 1), ("US", 0.5), ("FR", 0.2)]],
    )
    data = analysis.to_dict()
    assert person_names(data) == ["Ann Lee"]  # people proper, as story matching wants
    assert countries_of(data) == [("IR", 1.0), ("US", 0.5), ("FR", 0.2)]
    assert main_countries(data) == ["IR", "US"]


def test_analyses_stored_before_people_had_a_kind_count_everyone() -> None:
    old = {"people": [{"name": "Ann Lee", "title": None, "mentions": []}, {"name": ""}]}
    assert person_names(old) == ["Ann Lee"]
    assert countries_of(None) == [] and main_countries({}) == []


def test_a_headline_for_an_untitled_article_is_its_first_sentence() -> None:
    text = "  The port of Valparaiso reopened on Thursday. Officials said more.  "
    assert fallback_headline(text) == "The port of Valparaiso reopened on Thursday."
    assert fallback_headline("short") == "short"
