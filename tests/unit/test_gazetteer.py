"""Resolving what a user types after /subscribe, and the country tables behind it."""

from __future__ import annotations

import pycountry
import pytest

from summarizer.gazetteer import (
    all_countries,
    country_name,
    gazetteer,
    lookup_country,
    parse_country_list,
    suggest_countries,
)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Iran", "IR"),
        ("iran", "IR"),
        ("  IRAN  ", "IR"),
        ("Iran, Islamic Republic of", "IR"),
        ("Islamic Republic of Iran", "IR"),
        ("IR", "IR"),
        ("ir", "IR"),
        ("IRN", "IR"),
        ("Iranian", "IR"),
        ("iranians", "IR"),
        ("US", "US"),
        ("U.S.", "US"),
        ("usa", "US"),
        ("United States of America", "US"),
        ("America", "US"),
        ("American", "US"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("Britain", "GB"),
        ("Great Britain", "GB"),
        ("british", "GB"),
        ("DPRK", "KP"),
        ("North Korea", "KP"),
        ("South Korea", "KR"),
        ("Korea", "KR"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("cote d’ivoire", "CI"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("Burma", "MM"),
        ("Myanmar", "MM"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("russian!", "RU"),
        ("the Netherlands", "NL"),
        ("Holland", "NL"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Vietnam", "VN"),
        ("Viet Nam", "VN"),
        ("Congo", "CD"),
        ("Republic of the Congo", "CG"),
        ("Jersey", "JE"),
        ("Georgia", "GE"),
    ],
)
def test_lookup_country(query: str, code: str) -> None:
    assert lookup_country(query) == code


@pytest.mark.parametrize("query", ["Atlantis", "", "   ", "!!!", "Moscowland", "xx"])
def test_lookup_unknown_is_none(query: str) -> None:
    assert lookup_country(query) is None


def test_every_pycountry_name_and_code_resolves_to_itself() -> None:
    for country in pycountry.countries:
        assert lookup_country(country.alpha_2) == country.alpha_2
        assert lookup_country(country.alpha_3) == country.alpha_2
        if country.alpha_2 not in {"CG"}:  # "Congo" alone means DR Congo in today's news
            assert lookup_country(country.name) == country.alpha_2, country.name


def test_suggestions_for_typos() -> None:
    suggestions = suggest_countries("Irna")
    assert suggestions[0][:2] == ("IR", "Iran")
    assert 0.0 < suggestions[0][2] <= 1.0
    assert suggest_countries("Rusia")[0][0] == "RU"
    assert suggest_countries("Untied Kingdom")[0][:2] == ("GB", "United Kingdom")
    assert suggest_countries("Phillipines")[0][0] == "PH"
    assert suggest_countries("germny", limit=1) == [("DE", "Germany", pytest.approx(0.857, 0.01))]


def test_suggestions_are_ranked_bounded_and_may_be_empty() -> None:
    suggestions = suggest_countries("ukrane", limit=3)
    assert 1 <= len(suggestions) <= 3
    scores = [score for _, _, score in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert len({code for code, _, _ in suggestions}) == len(suggestions)
    assert suggest_countries("Atlantis") == []
    assert suggest_countries("") == []
    assert suggest_countries("Iran", limit=0) == []


def test_an_exact_name_is_the_first_suggestion() -> None:
    assert suggest_countries("USA")[0] == ("US", "United States", 1.0)


def test_parse_country_list() -> None:
    assert parse_country_list("iran, russia") == (["IR", "RU"], [])
    assert parse_country_list("Iran; U.S. and UK / Ivory Coast") == (["IR", "US", "GB", "CI"], [])
    assert parse_country_list("iran, Atlantis, Iranian") == (["IR"], ["Atlantis"])
    assert parse_country_list("") == ([], [])
    assert parse_country_list(" , ,") == ([], [])


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("IR", "Iran"),
        ("ir", "Iran"),
        ("RU", "Russia"),
        ("US", "United States"),
        ("GB", "United Kingdom"),
        ("KR", "South Korea"),
        ("KP", "North Korea"),
        ("SY", "Syria"),
        ("TW", "Taiwan"),
        ("VN", "Vietnam"),
        ("BO", "Bolivia"),
        ("TR", "Turkey"),
        ("FR", "France"),
    ],
)
def test_country_name_is_short(code: str, name: str) -> None:
    assert country_name(code) == name


def test_country_name_rejects_unknown_codes() -> None:
    with pytest.raises(KeyError):
        country_name("XX")


def test_all_countries_in_display_order() -> None:
    countries = all_countries()
    assert len(countries) == len(pycountry.countries)
    names = [name for _, name in countries]
    assert names.index("Afghanistan") < names.index("Iran") < names.index("Zimbabwe")
    assert ("IR", "Iran") in countries
    assert all("," not in name for _, name in countries)


def test_tables_index_every_surface_by_its_first_token() -> None:
    g = gazetteer()
    for surface in g.surfaces:
        assert surface in g.by_first[surface.tokens[0]]
        assert len(surface.caps) == len(surface.tokens)
    # Longest first, so "Papua New Guinea" is tried before "Papua" alone would be.
    for entries in g.by_first.values():
        lengths = [len(s.tokens) for s in entries]
        assert lengths == sorted(lengths, reverse=True)
    assert len(g.places) > 300  # a few hundred major cities and capitals
