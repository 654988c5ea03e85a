"""Word lists that tell a title from a name, and a person from an organisation.

News names people in a few fixed ways ("Russian Defense Minister Sergey Shoigu", "Major
General Mohammad Hossein Baqeri", "Ashtiani, the Iranian Defense Minister"). Spotting
them without a statistical model needs to know which words are titles, which are
organisation words and which capitalised words are never names. The lists live in
``summarizer/data/titles.txt`` (one section per list) so they can grow without code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from summarizer.gazetteer import NAME, country_name, gazetteer, seat_of_government

_DATA = Path(__file__).resolve().parent / "data"


def wordset(words: str) -> frozenset[str]:
    """A set of words written as one string: word lists read best that way in code."""
    return frozenset(words.split())


@cache
def _sections() -> dict[str, frozenset[str]]:
    """Parse data/titles.txt: ``[section]`` headers, then words, ``#`` comments."""
    raw = (_DATA / "titles.txt").read_text(encoding="utf-8")
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif current is not None:
            current.update(w.lower() for w in line.split())
    return {name: frozenset(words) for name, words in sections.items()}


# Each list is asked for in every test of every capitalised word: cached, a call is a
# dictionary look-up in C, not a Python frame.
@cache
def title_nouns() -> frozenset[str]:
    """Words that make a phrase a title: minister, general, spokesman, senator..."""
    return _sections()["title_nouns"]


@cache
def title_modifiers() -> frozenset[str]:
    """Words that may sit inside a title before the name: Defense, Foreign, Deputy..."""
    return _sections()["title_modifiers"]


@cache
def demonyms() -> frozenset[str]:
    """Nationality adjectives, which start titles ("Iranian Defense Minister")."""
    return _sections()["demonyms"]


@cache
def organisation_words() -> frozenset[str]:
    """Words that make a capitalised phrase an organisation, not a person."""
    return _sections()["organisation_words"]


@cache
def not_name_words() -> frozenset[str]:
    """Capitalised words that are never part of a person's name (months, days, places...)."""
    return _sections()["not_name_words"]


def capital_country(name: str) -> str | None:
    """The country whose government a capital or seat of power stands for ("Tehran")."""
    code = seat_of_government(name)
    return country_name(code) if code else None


@cache
def country_names() -> dict[str, str]:
    """Country names and aliases as news writes them, to their display name ("UK")."""
    g = gazetteer()
    return {s.text: g.display[s.code] for s in g.surfaces if s.kind == NAME and s.code}


@cache
def _first_names() -> dict[str, str]:
    """data/first_names.txt: given name -> "m", "f", or "x" (listed under both, or under
    [either]: a person's name that tells no gender)."""
    raw = (_DATA / "first_names.txt").read_text(encoding="utf-8")
    seen: dict[str, set[str]] = {}
    current = ""
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if line in ("[female]", "[male]", "[either]"):
            current = {"[female]": "f", "[male]": "m", "[either]": "x"}[line]
        elif line and current:
            for name in line.split():
                seen.setdefault(name.lower(), set()).add(current)
    return {name: next(iter(g)) if len(g) == 1 else "x" for name, g in seen.items()}


_FEMALE_WORDS = wordset(
    """mrs mrs. ms ms. miss madam madame lady dame queen princess duchess countess
    spokeswoman chairwoman congresswoman councilwoman businesswoman actress waitress
    mother wife daughter sister aunt niece grandmother girlfriend widow woman girl
    stepmother mom mum"""
)
_MALE_WORDS = wordset(
    """mr mr. sir lord king prince duke count spokesman chairman congressman councilman
    businessman actor waiter father husband son brother uncle nephew grandfather
    boyfriend widower man boy stepfather dad"""
)


def gender_of_name(first: str) -> str | None:
    """ "m", "f" or None (unknown or used for both) for a given name."""
    gender = _first_names().get(first.lower().strip(".,’'"))
    return gender if gender in ("m", "f") else None


def is_given_name(first: str) -> bool:
    """Whether a word is a known given name (of either gender): a sign of a person."""
    return first.lower().strip(".,’'") in _first_names()


def gender_of_words(words: str) -> str | None:
    """The gender a title or honorific states ("Mrs.", "spokeswoman", "his aunt"), if any."""
    found = {
        "f" if w in _FEMALE_WORDS else "m"
        for w in (x.lower().strip(",’'") for x in words.split())
        if w in _FEMALE_WORDS or w in _MALE_WORDS
    }
    return found.pop() if len(found) == 1 else None
