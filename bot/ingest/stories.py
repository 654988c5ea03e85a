"""Stories: articles about the same event, from different outlets, grouped into one.

A reader wants one brief per event, with its sources, not five near-identical briefs.
Copies of one wire story are caught earlier by MinHash (:mod:`bot.ingest.dedupe`);
here different write-ups of the same event are matched by what they share: the same
people, the same countries, and the same wording (headline and lead weigh most),
within a time window (48 h by default). Everything here is pure: profiles in, a
decision out; the cycle loads the recent stories' profiles from the store.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

WINDOW = timedelta(hours=48)
LEAD_WORDS = 250  # the top of an article says what the event is; the rest drifts
TOP_TERMS = 60
MIN_WORDING = 0.22  # with shared people or countries
STRONG_WORDING = 0.45  # wording alone
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself said says say told tell according new one two three first last year years week
    day days time times since still well would could may might must many much us mr mrs ms
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april june july august september october november december
    people percent per cent including around among within without across another"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def terms(title: str | None, text: str) -> Counter[str]:
    """Content words of the headline (counted thrice) and the lead, lightly stemmed."""
    counts: Counter[str] = Counter()
    for word in _WORD.findall((title or "").lower()):
        if word not in STOPWORDS and len(word) > 2:
            counts[_stem(word)] += 3
    lead = _WORD.findall(text.lower())[:LEAD_WORDS]
    for word in lead:
        if word not in STOPWORDS and len(word) > 2:
            counts[_stem(word)] += 1
    return Counter(dict(counts.most_common(TOP_TERMS)))


def _stem(word: str) -> str:
    word = word.replace("’", "'").removesuffix("'s")
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(v * large.get(k, 0) for k, v in small.items())
    if not dot:
        return 0.0
    return dot / (
        math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    )


def person_keys(names: Iterable[str]) -> set[str]:
    """Full names and surnames, lower-cased: "Sergey Shoigu" matches "Sergei Shoigu"? No,
    but it does match "Shoigu" and "Sergey Shoigu" from another outlet."""
    keys: set[str] = set()
    for name in names:
        words = _WORD.findall(name.lower())
        if len(words) >= 2:
            keys.add(" ".join(words))
            keys.add(words[-1])
    return keys


@dataclass(slots=True)
class Profile:
    """What a story (or one article) is about, for matching."""

    terms: Counter[str] = field(default_factory=Counter)
    people: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @classmethod
    def of_article(
        cls,
        *,
        title: str | None,
        text: str,
        people: Iterable[str] = (),
        countries: Iterable[str] = (),
        published: datetime | None = None,
    ) -> Profile:
        return cls(
            terms=terms(title, text),
            people=person_keys(people),
            countries=set(countries),
            first_seen=published,
            last_seen=published,
        )

    @classmethod
    def of_analysis(cls, analysis: Any, *, published: datetime | None = None) -> Profile:
        """From a :class:`summarizer.Analysis` (persons only; main countries only)."""
        people = [p.name for p in analysis.people if getattr(p, "kind", "person") == "person"]
        countries = [c.code for c in analysis.countries if c.score >= 0.25][:4]
        return cls.of_article(
            title=analysis.title,
            text=analysis.text,
            people=people,
            countries=countries,
            published=published,
        )

    def merge(self, other: Profile) -> None:
        """Add an article's profile to a story's."""
        self.terms.update(other.terms)
        self.terms = Counter(dict(self.terms.most_common(TOP_TERMS * 2)))
        self.people |= other.people
        self.countries |= other.countries
        times = [t for t in (self.first_seen, other.first_seen) if t is not None]
        self.first_seen = min(times) if times else None
        times = [t for t in (self.last_seen, other.last_seen) if t is not None]
        self.last_seen = max(times) if times else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "terms": dict(self.terms),
            "people": sorted(self.people),
            "countries": sorted(self.countries),
        }

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        *,
        first_seen: datetime | None = None,
        last_seen: datetime | None = None,
    ) -> Profile:
        return cls(
            terms=Counter(data.get("terms") or {}),
            people=set(data.get("people") or ()),
            countries=set(data.get("countries") or ()),
            first_seen=first_seen,
            last_seen=last_seen,
        )


@dataclass(frozen=True, slots=True)
class Match:
    story_id: Any
    score: float
    wording: float
    shared_people: int
    shared_countries: int


def score(article: Profile, story: Profile) -> Match | None:
    """How well an article fits a story, or None when it is not the same event."""
    wording = cosine(article.terms, story.terms)
    people = len(article.people & story.people)
    countries = len(article.countries & story.countries)
    total = wording + 0.08 * min(people, 3) + 0.04 * min(countries, 2)
    same = wording >= STRONG_WORDING or (
        wording >= MIN_WORDING and (people >= 1 or countries >= 1) and total >= 0.32
    )
    if not same:
        return None
    return Match(None, total, wording, people, countries)


def within_window(when: datetime | None, story: Profile, window: timedelta = WINDOW) -> bool:
    if when is None or story.last_seen is None:
        return True
    start = (story.first_seen or story.last_seen) - window
    return start <= when <= story.last_seen + window


def best_story(
    article: Profile,
    stories: Sequence[tuple[Any, Profile]],
    *,
    window: timedelta = WINDOW,
) -> Match | None:
    """The story this article belongs to among ``stories`` (id, profile), if any."""
    best: Match | None = None
    for story_id, profile in stories:
        if not within_window(article.last_seen, profile, window):
            continue
        match = score(article, profile)
        if match is not None and (best is None or match.score > best.score):
            best = Match(
                story_id, match.score, match.wording, match.shared_people, match.shared_countries
            )
    return best
