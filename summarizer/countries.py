"""Which countries an article is about, and how much.

Every way of naming a country (names, aliases, demonyms, capitals and institutions used
for their governments, major cities, states and provinces) is matched token by token,
longest match first, in the title, the dateline and the text. Each mention adds evidence
weighted by its kind (a name counts more than a city) and its place (the title and the
lead count more than the tail); the dateline ("NEW YORK, Feb 26 -") counts most, as wire
copy names the place it was filed from once and then assumes it. Salience is a country's
evidence relative to the most-mentioned country, so a passing mention ranks below the
subject and, below :data:`MIN_SALIENCE` (chosen on Reuters-21578 by
``benchmarks/countries.py``), is left out.

Cost is linear in the text: one regex pass for tokens and a dictionary probe for each
capitalised one (about 0.3 ms for a 5,000-character article, 0.15 s for 2 MB).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from summarizer.brief import CountryScore, Person
from summarizer.gazetteer import (
    CAPITAL,
    CITY,
    DEMONYM,
    GAP_CHARS,
    NAME,
    REGION,
    TOKEN_RE,
    Surface,
    country_name,
    gazetteer,
    input_key,
)
from summarizer.text import case_counts

# Countries whose salience relative to the top one is below this are left out. Chosen on
# Reuters-21578 (train, odd ids; confirmed on even ids): see benchmarks/countries.py.
MIN_SALIENCE = 0.35


@dataclass(frozen=True, slots=True)
class Weights:
    """How much one mention counts, by kind and by place.

    The place weights were compared on Reuters-21578 odd ids (title 1-3, dateline 2-5,
    lead 1-2.5): a heavier dateline helps wire copy; these values sit in the flat part.
    """

    kind: tuple[tuple[str, float], ...] = (
        (NAME, 1.0),
        (DEMONYM, 0.8),
        (CAPITAL, 0.8),
        (CITY, 0.6),
        (REGION, 0.5),
    )
    title: float = 2.0
    lead: float = 1.25
    dateline: float = 4.0
    lead_chars: int = 400
    # Each later mention of a person whose title names a country ("the Iranian Defense
    # Minister", then "Ashtiani", "he") adds this much, for at most ``person_mentions``.
    person: float = 0.25
    person_mentions: int = 4


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Mention:
    """One country word in the text: "Tehran" at 120-126 → IR, a capital."""

    code: str
    kind: str
    start: int
    end: int
    text: str


# Capitalised words next to "Jordan" or "Chad" that are no part of a person's name.
_NOT_NAMES = frozenset(
    {
        "in",
        "to",
        "of",
        "from",
        "for",
        "with",
        "and",
        "or",
        "the",
        "a",
        "an",
        "on",
        "at",
        "by",
        "about",
        "into",
        "over",
        "than",
        "as",
        "both",
        "neighbouring",
        "neighboring",
        "nearby",
        "between",
        "across",
        "against",
        "via",
        "while",
        "when",
        "if",
        "after",
        "before",
        "king",
        "queen",
        "president",
        "minister",
        "premier",
        "prince",
        "emir",
        "sultan",
        "ruler",
        "government",
        "kingdom",
        "republic",
        "state",
        "west",
        "western",
        "east",
        "eastern",
        "north",
        "northern",
        "south",
        "southern",
        "central",
    }
)
# Words after "Turkey" that make it the bird.
_TURKEY_FOOD = frozenset(
    {
        "meat",
        "prices",
        "price",
        "production",
        "producers",
        "growers",
        "farms",
        "farmers",
        "sales",
        "sandwich",
        "sandwiches",
        "breast",
        "breasts",
        "dinner",
        "dinners",
        "products",
        "poult",
        "poults",
        "hens",
        "toms",
        "slaughter",
        "roast",
        "legs",
        "parts",
        "feed",
        "stock",
        "stocks",
        "supplies",
        "output",
    }
)
# Words before "US" in capitals text that make it the pronoun ("LET US", "TOLD US").
_US_PRONOUN_BEFORE = frozenset(
    {
        "let",
        "lets",
        "told",
        "tell",
        "tells",
        "give",
        "gives",
        "gave",
        "help",
        "helps",
        "show",
        "shows",
        "ask",
        "asked",
        "join",
        "among",
        "of",
        "for",
        "with",
    }
)
_PERSON_WORDS = frozenset({"jordan", "chad"})  # a name on either side: "Chad Smith"
_SURNAME_WORDS = frozenset({"washington"})  # a name before: "Denzel Washington"
_GEORGIA_WORDS = frozenset({"georgia", "georgian", "georgians"})
_GE_NEIGHBOURS = frozenset({"RU", "AM", "AZ", "UA", "TR"})

_MONTHS = r"(?i:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[A-Za-z]*\.?"
_AGENCY = r"\((?:Reuters|AP|AFP|UPI|Bloomberg|Xinhua|TASS|Tass|dpa|DPA|IANS|PTI|ANI|RIA)\)"
# A wire dateline at the very start of the text: "NEW YORK, Feb 26 -", "AMARILLO, Texas,
# March 27 -", "MOSCOW (Reuters) -", "KYIV, Ukraine (AP) —".
_DATELINE_RE = re.compile(
    r"\A[\W_]{0,8}(?P<city>[^\W\d_][^\W\d_ .'’-]{0,30}(?:[ .'’-]{1,2}[^\W\d_]{1,30}){0,4}\.?)"
    r"(?:,\s*(?P<region>[^\W\d_][^\W\d_ .'’-]{0,30}(?:[ .'’-]{1,2}[^\W\d_]{1,30}){0,3}\.?))?"
    rf"(?:,?\s*(?P<date>{_MONTHS}\s+\d{{1,2}}(?:,\s*\d{{4}})?))?"
    rf"\s*(?P<agency>{_AGENCY})?\s*[-–—]{{1,2}}\s"
)


def is_mostly_upper(text: str, sample: int = 2000) -> bool:
    """Whether text is in capitals (wire headlines): then case tells nothing."""
    head = text[:sample]
    upper, lower = case_counts(head)
    return upper > 3 * lower


# A token (a run of letters, TOKEN_RE) whose first letter is not a-z: a superset of the
# capitalised tokens, which alone can open a name; str.isupper decides. Matched whole, the
# token's span comes with it and the scan goes on after its letters. The first letter
# opens the pattern, the test of the character before it (no letter) follows: the regex
# engine skips to such letters in C instead of trying the look-behind at every character.
# The first letter is looked for as [A-Z] or any code point from U+00AA on, then told
# a letter by a look-behind: the same characters as [^\W\d_a-z] (a test checks every
# code point), but two range comparisons a character in the scan instead of Unicode
# category look-ups (a third off the scan of a text).
_TOKEN_FROM_CAPITAL = re.compile(r"[A-Z\xaa-\U0010ffff](?<=[^\W\d_])(?<![^\W\d_].)[^\W\d_]*")
_LETTER = re.compile(r"[^\W\d_]")


class _Tokens:
    """The tokens (TOKEN_RE runs) of ``text[start:]``, found around the places asked about.

    Splitting a whole article into tokens made a match object for each of its words, for
    the few capitalised ones that can open a country's name: most of the cost of finding
    mentions. Tokens are the same as ``TOKEN_RE.finditer(text, start)`` gives: the one
    before a token is found by reading back over the gap and the word.
    """

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.start = start

    def capitalised(self) -> list[tuple[int, int]]:
        """The tokens that start with a capital letter, as (start, end), in order."""
        text, start = self.text, self.start
        found = [m.span() for m in _TOKEN_FROM_CAPITAL.finditer(text, start)]
        # a token starts at ``start`` even inside a word
        if (
            start
            and start < len(text)
            and _LETTER.match(text, start)
            and _LETTER.match(text, start - 1)
        ):
            found.insert(0, self.at(start))
        return [span for span in found if text[span[0]].isupper()]

    def at(self, pos: int) -> tuple[int, int]:
        """The token starting at ``pos`` (a letter)."""
        m = TOKEN_RE.match(self.text, pos)
        assert m is not None
        return m.span()

    def after(self, end: int) -> tuple[int, int] | None:
        """The first token after position ``end`` (the end of a token)."""
        m = TOKEN_RE.search(self.text, end)
        return m.span() if m else None

    def before(self, pos: int) -> tuple[int, int] | None:
        """The token before the one starting at ``pos``: its gap and then its letters."""
        text, j = self.text, pos - 1
        while j >= self.start and not _LETTER.match(text, j):
            j -= 1
        if j < self.start:
            return None
        end = j + 1
        while j >= self.start and _LETTER.match(text, j):
            j -= 1
        return j + 1, end


def find_mentions(text: str, start: int = 0, *, upper: bool | None = None) -> list[Mention]:
    """Every country word in ``text[start:]``, longest match first, left to right."""
    g = gazetteer()
    by_first, by_pair, singles = g.by_first, g.by_pair, g.singles
    if upper is None:
        upper = is_mostly_upper(text[start:])
    tokens = _Tokens(text, start)
    out: list[Mention] = []
    resume = 0  # the tokens before this position were read as part of a match
    # only a capitalised token can open a name: the others are never looked at
    for begin, end in tokens.capitalised():
        if begin < resume:
            continue
        first = text[begin:end].lower()
        if first not in by_first or (begin and text[begin - 1].isdigit()):
            continue  # "16GB" is no country
        following = [tokens.after(end)]
        candidates: list[Surface] = []
        if following[0] is not None:
            s1, e1 = following[0]
            gap = text[end:s1]
            if len(gap) <= 3 and GAP_CHARS.issuperset(gap):
                candidates = by_pair.get((first, text[s1:e1].lower()), [])
        matched = None
        for surface in [*candidates, *singles.get(first, ())]:
            k = len(surface.tokens)
            last_end = end
            ok = True
            for j in range(1, k):
                while len(following) < j:
                    previous = following[-1]
                    following.append(None if previous is None else tokens.after(previous[1]))
                span = following[j - 1]
                if span is None:
                    ok = False  # fewer than k tokens left
                    break
                s_j, e_j = span
                gap = text[last_end:s_j]
                if (
                    len(gap) > 3
                    or not GAP_CHARS.issuperset(gap)
                    or text[s_j:e_j].lower() != surface.tokens[j]
                    or (surface.caps[j] and not text[s_j].isupper())
                ):
                    ok = False
                    break
                last_end = e_j
            if not ok:
                continue
            if surface.exact and text[begin:last_end] != surface.text.rstrip("."):
                continue
            matched = (surface, k, last_end)
            break
        if matched is None:
            continue
        surface, k, last_end = matched
        resume = last_end
        if last_end < len(text) and text[last_end].isdigit():
            continue
        if surface.code is not None and _keep(text, tokens, begin, end, k, surface.text, upper):
            out.append(Mention(surface.code, surface.kind, begin, last_end, text[begin:last_end]))
    return out


def _keep(
    text: str, tokens: _Tokens, begin: int, end: int, k: int, surface: str, upper: bool
) -> bool:
    """Reject the readings of a match that name no country: people, the bird, the pronoun."""
    word = text[begin:end].lower()
    if k == 1 and (word in _PERSON_WORDS or word in _SURNAME_WORDS) and not upper:
        # "Michael Jordan", "Chad Smith": a capitalised name right before or after.
        prev = tokens.before(begin)
        if prev is not None:
            ps, pe = prev
            before = text[ps:pe]
            if text[pe:begin] == " " and before[0].isupper() and before.lower() not in _NOT_NAMES:
                return False
            if before in {"Mr", "Mrs", "Ms", "Dr"}:
                return False
        nxt = tokens.after(end) if word in _PERSON_WORDS else None
        if nxt is not None:
            ns, ne = nxt
            after = text[ns:ne]
            if text[end:ns] == " " and after[0].isupper() and after.lower() not in _NOT_NAMES:
                return False
    if word == "turkey" and (nxt := tokens.after(end)) is not None:
        ns, ne = nxt
        if text[ns:ne].lower() in _TURKEY_FOOD:
            return False
    if upper and surface == "CAR":
        return False
    if upper and surface == "US" and (prev := tokens.before(begin)) is not None:
        ps, pe = prev
        if text[ps:pe].lower() in _US_PRONOUN_BEFORE:
            return False
    return True


def parse_dateline(text: str) -> tuple[str | None, int]:
    """The country of a wire dateline at the start of ``text``, and where the story begins.

    Returns ``(None, 0)`` when the text does not open with a dateline. A region after the
    city ("Calif.", "Texas", "West Germany") decides; otherwise the city's country.
    """
    m = _DATELINE_RE.match(text)
    if m is None:
        return None, 0
    city = m.group("city")
    region = m.group("region")
    if not (m.group("date") or m.group("agency") or city.isupper()):
        return None, 0
    g = gazetteer()
    code = None
    city_code = g.places.get(input_key(city)) or g.lookup.get(input_key(city))
    if region:
        region_key = input_key(region)
        code = g.dateline_regions.get(region_key)
        if region_key == "georgia" and city_code != "GE":
            code = "US"
    if code is None:
        code = city_code
    return code, m.end()


def _resolve_georgia(mentions: list[Mention], dateline: str | None) -> list[Mention]:
    """ "Georgia" is the US state unless the article says otherwise (Tbilisi, the Caucasus)."""
    if not any(m.text.lower() in _GEORGIA_WORDS for m in mentions):
        return mentions
    codes_by_kind = {(m.code, m.kind) for m in mentions}
    ge_specific = any(m.code == "GE" and m.text.lower() not in _GEORGIA_WORDS for m in mentions)
    neighbours = any(code in _GE_NEIGHBOURS for code, _ in codes_by_kind)
    us_places = dateline == "US" or any(
        code == "US" and kind in (CITY, REGION) for code, kind in codes_by_kind
    )
    if ge_specific or (neighbours and not us_places):
        return mentions
    return [
        Mention("US", REGION, m.start, m.end, m.text) if m.text.lower() in _GEORGIA_WORDS else m
        for m in mentions
    ]


def _drop_person_names(mentions: list[Mention], people: Iterable[Person]) -> list[Mention]:
    """A country word inside a person's name ("Jordan" in "Vernon Jordan") is no country.

    The spans of each name are filed under the words of that name, sorted, with the
    furthest end reached so far: a mention looks only at the spans of its own word and
    finds by bisection whether one covers it. O((mentions + spans) log spans), where
    comparing every mention with every span took 11 s on 200,000 characters.
    """
    by_word: dict[str, list[tuple[int, int]]] = {}
    for person in people:
        if person.kind != "person":
            continue
        for word in {w.lower() for w in TOKEN_RE.findall(person.name)}:
            by_word.setdefault(word, []).extend(person.mentions)
    if not by_word:
        return mentions
    covers: dict[str, tuple[list[int], list[int]]] = {}
    for word, spans in by_word.items():
        spans.sort()
        furthest = list(accumulate((e for _, e in spans), max))
        covers[word] = ([s for s, _ in spans], furthest)
    kept = []
    for m in mentions:
        cover = covers.get(m.text.lower())
        if cover is None:
            kept.append(m)
            continue
        starts, furthest = cover
        i = bisect_right(starts, m.start) - 1  # the last span starting at or before m
        if i < 0 or furthest[i] < m.end:
            kept.append(m)
    return kept


def _people_evidence(people: Iterable[Person], weights: Weights) -> dict[str, float]:
    """Countries in the titles of the people an article keeps coming back to."""
    evidence: dict[str, float] = {}
    for person in people:
        if person.kind != "person" or not person.title or len(person.mentions) < 2:
            continue
        codes = {m.code for m in find_mentions(person.title, upper=False)}
        repeats = min(len(person.mentions) - 1, weights.person_mentions)
        for code in codes:
            evidence[code] = evidence.get(code, 0.0) + weights.person * repeats
    return evidence


def score_countries(
    text: str,
    title: str | None = None,
    people: list[Person] | None = None,
    *,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[CountryScore]:
    """Every country found, with its salience in [0, 1], highest first (no cut-off)."""
    if not text and not title:
        return []
    kind_weight = dict(weights.kind)
    dateline, body_start = parse_dateline(text)
    evidence: dict[str, float] = {}
    first_seen: dict[str, int] = {}

    if title:
        for m in _resolve_georgia(find_mentions(title), dateline):
            evidence[m.code] = evidence.get(m.code, 0.0) + kind_weight[m.kind] * weights.title
            first_seen.setdefault(m.code, -1)
    if dateline:
        evidence[dateline] = evidence.get(dateline, 0.0) + weights.dateline
        first_seen.setdefault(dateline, 0)

    mentions = _resolve_georgia(find_mentions(text, body_start), dateline)
    if people:
        mentions = _drop_person_names(mentions, people)
        for code, amount in _people_evidence(people, weights).items():
            evidence[code] = evidence.get(code, 0.0) + amount
            first_seen.setdefault(code, len(text))
    lead_end = body_start + weights.lead_chars
    for m in mentions:
        place = weights.lead if m.start < lead_end else 1.0
        evidence[m.code] = evidence.get(m.code, 0.0) + kind_weight[m.kind] * place
        first_seen.setdefault(m.code, m.start)

    if not evidence:
        return []
    top = max(evidence.values())
    ranked = sorted(evidence, key=lambda c: (-evidence[c], first_seen[c], c))
    return [
        CountryScore(code, country_name(code), round(evidence[code] / top, 4)) for code in ranked
    ]


def find_countries(
    text: str,
    title: str | None = None,
    people: list[Person] | None = None,
) -> list[CountryScore]:
    """The countries an article is about, most salient first; passing mentions left out."""
    return [c for c in score_countries(text, title, people) if c.score >= MIN_SALIENCE]


__all__ = [
    "MIN_SALIENCE",
    "Mention",
    "Weights",
    "find_countries",
    "find_mentions",
    "parse_dateline",
    "score_countries",
]
