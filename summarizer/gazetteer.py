"""Country names, aliases, demonyms and places: the data, and the lookup of user input.

Two readers share one table. :mod:`summarizer.countries` matches the surface forms in
article text (token by token, longest match first); the bot resolves what a user types
after ``/subscribe`` with :func:`lookup_country`, :func:`suggest_countries` and
:func:`parse_country_list`. Names and codes come from pycountry; display names, aliases,
demonyms, capitals and cities from the hand-written ``data/countries*.toml`` files.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
from rapidfuzz import process
from rapidfuzz.distance import OSA

# Kinds of surface form, strongest evidence first. ``blocked`` phrases name no country.
NAME = "name"
DEMONYM = "demonym"
CAPITAL = "capital"
CITY = "city"
REGION = "region"
BLOCKED = "blocked"

# A token is a run of letters; apostrophes, hyphens, dots and spaces separate tokens, so
# "Russia's", "Russia-Iran" and "U.S." tokenize the same way in text and in the tables.
TOKEN_RE = re.compile(r"[^\W\d_]+")
# What may stand between two tokens of one name: "Guinea-Bissau", "St. Louis", "N'Djamena".
GAP_CHARS = frozenset(" \t\n-‐–'’.")


@dataclass(frozen=True, slots=True)
class Surface:
    """One way of writing a country (or a place in it) in running text."""

    text: str  # as written in the tables: "Papua New Guinea", "U.S."
    tokens: tuple[str, ...]  # lower-cased tokens: ("papua", "new", "guinea")
    code: str | None  # ISO alpha-2; None for a blocked phrase
    kind: str
    exact: bool = False  # case-sensitive ("US" is never "us")
    caps: tuple[bool, ...] = ()  # which tokens must start with a capital letter in text


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Côte" and "cote" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def input_key(query: str) -> str:
    """The lookup key of user input: folded, punctuation and extra spaces removed."""
    words = TOKEN_RE.findall(fold(query))
    return " ".join(words)


_DATA = Path(__file__).with_name("data")


def _load_toml(name: str) -> dict:
    with (_DATA / name).open("rb") as fh:
        return tomllib.load(fh)


def _reorder(name: str) -> str:
    """pycountry's "Korea, Republic of" → "Republic of Korea"; drops "(French part)"."""
    name = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if ", " in name:
        head, tail = name.split(", ", 1)
        # "Virgin Islands, British" and "Korea, Republic of" turn round; a list such as
        # "Bonaire, Sint Eustatius and Saba" does not.
        if " " not in tail or re.search(r"\bof(?: the)?$", tail, re.IGNORECASE):
            name = f"{tail} {head}"
    return name


def _plural(demonym: str) -> list[str]:
    """ "Iranian" → also "Iranians"; "Chinese", "French", "Swiss" have no plural in -s."""
    if demonym.endswith(("ese", "ish", "ch", "sh", "s", "x", "z", "y")):
        return [demonym]
    return [demonym, demonym + "s"]


@dataclass(slots=True)
class Gazetteer:
    """Every country's names and places, indexed for text matching and for lookup."""

    display: dict[str, str]  # code -> short display name
    surfaces: list[Surface]
    by_first: dict[str, list[Surface]]  # first token -> surfaces, longest first
    by_pair: dict[tuple[str, str], list[Surface]]  # first two tokens -> longer surfaces
    singles: dict[str, list[Surface]]  # one-token surfaces
    lookup: dict[str, str]  # folded user-input key -> code
    compact: dict[str, str]  # the same keys without spaces
    dateline_regions: dict[str, str]  # folded region or abbreviation -> code
    places: dict[str, str]  # folded city or capital -> code (datelines)
    seats: dict[str, str]  # capital or seat of power as written -> code ("Kremlin": RU)


# pycountry names too ambiguous to match in running text ("Jersey" is mostly New Jersey
# or a garment); they still resolve as user input.
_TEXT_EXCLUDED = {"jersey"}


@cache
def gazetteer() -> Gazetteer:
    """Build the tables once per process (about 50 ms)."""
    data = _load_toml("countries.toml")
    places_data = _load_toml("countries_places.toml")
    extra: dict[str, dict] = data["countries"]

    display: dict[str, str] = {}
    forms: dict[tuple[str, str], tuple[str | None, bool]] = {}  # (text, kind) -> (code, exact)
    lookup: dict[str, str] = {}
    seats: dict[str, str] = {}

    def add(text: str, code: str | None, kind: str, exact: bool = False) -> None:
        variants = {text, unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()}
        for v in variants:
            if v and TOKEN_RE.search(v):
                forms.setdefault((v, kind), (code, exact))

    countries = list(pycountry.countries)
    # Hand-written names first: they win over pycountry's where both claim a name
    # ("Congo" is DR Congo here, as in most news today).
    for country in countries:
        code = country.alpha_2
        more = extra.get(code, {})
        common = getattr(country, "common_name", None)
        display[code] = more.get("name") or common or _reorder(country.name)
        for name in [display[code], *more.get("aliases", [])]:
            lookup.setdefault(input_key(name), code)
            if input_key(name) not in _TEXT_EXCLUDED:
                add(name, code, NAME)
        for short in more.get("exact", []):
            lookup.setdefault(input_key(short), code)
            add(short, code, NAME, exact=True)
        for demonym in more.get("demonyms", []):
            lookup.setdefault(input_key(demonym), code)
            for form in _plural(demonym):
                add(form, code, DEMONYM)
        for capital in more.get("capitals", []):
            add(capital, code, CAPITAL)
            seats.setdefault(capital, code)
    for country in countries:
        code = country.alpha_2
        names = {_reorder(country.name)}
        lookup.setdefault(input_key(country.name), code)
        for attr in ("official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names.add(_reorder(value))
                lookup.setdefault(input_key(value), code)
        for name in names:
            lookup.setdefault(input_key(name), code)
            if input_key(name) not in _TEXT_EXCLUDED:
                add(name, code, NAME)
        lookup.setdefault(fold(country.alpha_2), code)
        lookup.setdefault(fold(country.alpha_3), code)

    places: dict[str, str] = {}
    for code, names in places_data["cities"].items():
        for name in names:
            add(name, code, CITY)
            places.setdefault(input_key(name), code)
    for code, more in extra.items():
        for capital in more.get("capitals", []):
            places.setdefault(input_key(capital), code)
    dateline_regions: dict[str, str] = {}
    for code, names in places_data["regions"].items():
        for name in names:
            add(name, code, REGION)
            dateline_regions.setdefault(input_key(name), code)
    for code, names in places_data["abbrevs"].items():
        for name in names:
            dateline_regions.setdefault(input_key(name), code)
    for key, code in lookup.items():
        dateline_regions.setdefault(key, code)
    for phrase in data["not_countries"]["phrases"]:
        add(phrase, None, BLOCKED)

    surfaces = []
    for (text, kind), (form_code, exact) in forms.items():
        words = TOKEN_RE.findall(text)
        if not words[0][:1].isupper():
            continue  # matching starts at a capitalised word
        tokens = tuple(w.lower() for w in words)
        caps = tuple(w[:1].isupper() for w in words)
        surfaces.append(Surface(text, tokens, form_code, kind, exact, caps))
    # The same tokens may appear under several kinds ("Luxembourg" the country and the
    # city): keep the strongest kind for text matching.
    rank = {NAME: 0, BLOCKED: 0, CAPITAL: 1, DEMONYM: 2, CITY: 3, REGION: 4}
    best: dict[tuple[tuple[str, ...], bool, str], Surface] = {}
    for s in sorted(surfaces, key=lambda s: rank[s.kind]):
        best.setdefault((s.tokens, s.exact, s.text if s.exact else ""), s)
    by_first: dict[str, list[Surface]] = {}
    for s in best.values():
        by_first.setdefault(s.tokens[0], []).append(s)
    by_pair: dict[tuple[str, str], list[Surface]] = {}
    singles: dict[str, list[Surface]] = {}
    for entries in by_first.values():
        entries.sort(key=lambda s: -len(s.tokens))
        for s in entries:
            if len(s.tokens) > 1:
                by_pair.setdefault((s.tokens[0], s.tokens[1]), []).append(s)
            else:
                singles.setdefault(s.tokens[0], []).append(s)
    compact = {key.replace(" ", ""): code for key, code in lookup.items()}
    return Gazetteer(
        display,
        list(best.values()),
        by_first,
        by_pair,
        singles,
        lookup,
        compact,
        dateline_regions,
        places,
        seats,
    )


def country_name(code: str) -> str:
    """The short name a reader expects: "Iran", not "Iran, Islamic Republic of"."""
    try:
        return gazetteer().display[code.upper()]
    except KeyError:
        raise KeyError(f"unknown ISO 3166-1 alpha-2 code: {code!r}") from None


def is_country_code(code: str) -> bool:
    """Whether ``code`` is an ISO alpha-2 code the gazetteer can name (exactly, upper case)."""
    return code in gazetteer().display


def seat_of_government(name: str) -> str | None:
    """The country whose government a capital or seat of power stands for ("the Kremlin")."""
    name = name.strip()
    if name.lower().startswith("the "):
        name = name[4:]
    return gazetteer().seats.get(name)


def all_countries() -> list[tuple[str, str]]:
    """Every (code, display name), in display-name order (for keyboards and /countries)."""
    return sorted(gazetteer().display.items(), key=lambda item: fold(item[1]))


def lookup_country(query: str) -> str | None:
    """The ISO alpha-2 code of a name, alias, demonym or ISO code a user typed, or None.

    Case, accents, punctuation and surrounding space are ignored: "U.S.", "usa",
    " Iranian ", "IR" and "IRN" all resolve.
    """
    key = input_key(query)
    if not key:
        return None
    g = gazetteer()
    code = g.lookup.get(key)
    if code is None:
        code = g.compact.get(key.replace(" ", ""))  # "cote divoire"
    if code is None and key.startswith("the "):
        code = g.lookup.get(key[4:])
    if code is None and key.endswith("s") and len(key) > 4:
        code = g.lookup.get(key[:-1])  # "Iranians"
    return code


@cache
def _choices() -> dict[str, str]:
    """Names worth suggesting: display names, aliases, demonyms (not two-letter codes)."""
    g = gazetteer()
    return {key: code for key, code in g.lookup.items() if len(key) > 3}


def suggest_countries(query: str, limit: int = 3) -> list[tuple[str, str, float]]:
    """Close matches for a mistyped country ("Irna" → Iran): (code, name, score in [0, 1])."""
    key = input_key(query)
    if not key or limit <= 0:
        return []
    choices = _choices()
    # Optimal string alignment counts a swap of two letters as one edit: "Irna" is one
    # edit from "iran" but two from "iraq".
    results = process.extract(
        key, list(choices), scorer=OSA.normalized_similarity, limit=limit * 4, score_cutoff=0.6
    )
    best: dict[str, float] = {}
    exact = lookup_country(query)
    if exact is not None:
        best[exact] = 1.0
    for choice, score, _ in results:
        code = choices[choice]
        best[code] = max(best.get(code, 0.0), float(score))
    ranked = sorted(best.items(), key=lambda item: (-item[1], country_name(item[0])))
    return [(code, country_name(code), round(score, 3)) for code, score in ranked[:limit]]


def parse_country_list(text: str) -> tuple[list[str], list[str]]:
    """Split "iran, russia and UK" into codes (in order, no repeats) and unknown terms."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[,;/\n]+|\s+(?:and|&)\s+", text):
        term = part.strip()
        if not input_key(term):
            continue
        code = lookup_country(term)
        if code is None:
            unknown.append(term)
        elif code not in codes:
            codes.append(code)
    return codes, unknown
