"""Stories: articles about the same event, from different outlets, grouped into one.

A reader wants one brief per event, with its sources, not five near-identical briefs.
Copies of one wire story are caught earlier by MinHash (:mod:`bot.ingest.dedupe`);
here different write-ups of the same event are matched by what they share: the same
people, the same countries, and the same wording (headline and lead weigh most),
within a time window (48 h by default). Everything here is pure: profiles in, a
decision out; the cycle loads the recent stories' profiles from the store.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
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
_SUMY_LANGUAGES = (
    "english", "german", "french", "spanish", "portuguese", "italian", "swedish", "polish",
    "czech", "slovak", "greek", "ukrainian",
)  # fmt: skip


def _stopwords() -> frozenset[str]:
    """Ours plus sumy's lists for the languages of our feeds (function words are no topic)."""
    words = set(_STOPWORD_TEXT.split())
    try:
        from sumy.utils import get_stop_words
    except ImportError:  # pragma: no cover - sumy is a dependency
        return frozenset(words)
    for language in _SUMY_LANGUAGES:
        try:
            words.update(w.lower() for w in get_stop_words(language))
        except LookupError:  # pragma: no cover
            continue
    return frozenset(words)


STOPWORDS = _stopwords()


def terms(title: str | None, text: str) -> Counter[str]:
    """Content words of the headline (counted thrice) and the lead, lightly stemmed."""
    counts: Counter[str] = Counter()
    stem = _stem
    for word in _WORD.findall((title or "").lower()):
        if word not in STOPWORDS and len(word) > 2:
            counts[stem(word)] += 3
    for word in _lead(text):
        if word not in STOPWORDS and len(word) > 2:
            counts[stem(word)] += 1
    return Counter(dict(counts.most_common(TOP_TERMS)))


_LEAD_CHARS = LEAD_WORDS * 12  # what usually holds the lead: read first, more if not


def _lead(text: str) -> list[str]:
    """The first LEAD_WORDS words of ``text.lower()``, reading only as much of the text as
    they need (a long article was lowered and split whole for its first 250 words).

    Read from a prefix only when it holds two words more than the lead: then every word
    of the lead ends, and the word after it starts, inside the prefix, so the lead's
    words and their lower case (a final sigma's included: it looks ahead only as far as
    the next letter) are those of the whole text.
    """
    size = _LEAD_CHARS
    while size < len(text):
        words = _WORD.findall(text[:size].lower())
        if len(words) > LEAD_WORDS + 1:
            return words[:LEAD_WORDS]
        size *= 4
    return _WORD.findall(text.lower())[:LEAD_WORDS]


def lead_is_whole(prefix: str, length: int) -> bool:
    """Whether the first characters of a text of ``length`` characters give the same
    :func:`terms` as the whole text: all of it, or more than LEAD_WORDS words of it (then
    the last word counted ends before the prefix does)."""
    return length <= len(prefix) or len(_WORD.findall(prefix.lower())) > LEAD_WORDS


@functools.lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    word = word.replace("’", "'").removesuffix("'s")
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def cosine(a: Counter[str], b: Counter[str], idf: Callable[[str], float] | None = None) -> float:
    """Cosine of two term vectors, each term weighted by ``idf(term)`` when given."""
    if not a or not b:
        return 0.0
    if idf is None:
        wa: dict[str, float] = dict(a)
        wb: dict[str, float] = dict(b)
    else:
        wa = {k: v * idf(k) for k, v in a.items()}
        wb = {k: v * idf(k) for k, v in b.items()}
    small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    dot = sum(v * large.get(k, 0) for k, v in small.items())
    if not dot:
        return 0.0
    norm_a = math.sqrt(sum(v * v for v in wa.values()))
    norm_b = math.sqrt(sum(v * v for v in wb.values()))
    return dot / (norm_a * norm_b)


class TermStats:
    """How many recent stories use each term: common words weigh less (IDF)."""

    def __init__(self) -> None:
        self.df: Counter[str] = Counter()
        self.stories = 0
        self._weights = _IdfByCount(0)  # idf by document frequency, for ``stories``

    def add(self, terms: Iterable[str]) -> None:
        self.stories += 1
        self.df.update(set(terms))

    def replace(self, old: Iterable[str], new: Iterable[str]) -> None:
        before, after = set(old), set(new)
        self._forget(before - after)
        self.df.update(after - before)

    def remove(self, terms: Iterable[str]) -> None:
        """A story left the window: its terms no longer count."""
        self.stories -= 1
        self._forget(set(terms))

    def _forget(self, terms: set[str]) -> None:
        # a count that falls to 0 is dropped: the window's vocabulary does not pile up
        for term in terms:
            left = self.df.get(term, 0) - 1
            if left > 0:
                self.df[term] = left
            else:
                self.df.pop(term, None)

    def idf(self, term: str) -> float:
        """Smoothed IDF, scaled so a term in ~1/6 of stories keeps weight 1.

        With few stories the counts mean little, so every term weighs 1 until there
        are enough of them.
        """
        if self.stories < 20:
            return 1.0
        raw = math.log((self.stories + 1) / (self.df.get(term, 0) + 1))
        return max(raw / _LOG6, 0.1)

    def weighted(self, counts: Counter[str]) -> dict[str, float]:
        """``{term: count * idf(term)}``, the same values as :meth:`idf` (scoring weighs
        every term of every candidate story, tens of thousands a cycle): the idf of a
        term depends only on its count of stories, so it is computed once per count
        while the number of stories stays the same, not once per term."""
        if self.stories < 20:
            return {k: v * 1.0 for k, v in counts.items()}
        weights = self._weights
        if weights.stories != self.stories:
            weights = self._weights = _IdfByCount(self.stories)
        df = self.df
        return {k: v * weights[df.get(k, 0)] for k, v in counts.items()}


_LOG6 = math.log(6.0)


class _IdfByCount(dict[int, float]):
    """:meth:`TermStats.idf` by a term's count of stories, for one number of stories,
    each computed on first use."""

    __slots__ = ("stories",)

    def __init__(self, stories: int) -> None:
        super().__init__()
        self.stories = stories

    def __missing__(self, count: int) -> float:
        value = self[count] = max(math.log((self.stories + 1) / (count + 1)) / _LOG6, 0.1)
        return value


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
        known_terms: dict[str, int] | None = None,
    ) -> Profile:
        """``known_terms``: :func:`terms` of this title and text, made elsewhere (the
        page's analysis task), in their order."""
        return cls(
            terms=Counter(known_terms) if known_terms is not None else terms(title, text),
            people=person_keys(people),
            countries=set(countries),
            first_seen=published,
            last_seen=published,
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


def score(article: Profile, story: Profile, stats: TermStats | None = None) -> Match | None:
    """How well an article fits a story, or None when it is not the same event."""
    return _score(article, story, _Weights(article, stats))


class _Weights:
    """An article's weighted terms and their norm, made once for all the stories it is
    scored against; a story's weighted as each is scored. The same floats as
    :func:`cosine` with ``stats.idf``, summed in the same order."""

    __slots__ = ("norm", "stats", "terms")

    def __init__(self, article: Profile, stats: TermStats | None) -> None:
        self.stats = stats
        self.terms = self.weigh(article.terms)
        self.norm = math.sqrt(sum(v * v for v in self.terms.values()))

    def weigh(self, counts: Counter[str]) -> dict[str, float]:
        return dict(counts) if self.stats is None else self.stats.weighted(counts)

    def cosine(self, story: Counter[str]) -> float:
        wa = self.terms
        if not wa or not story:
            return 0.0
        wb = self.weigh(story)
        small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
        dot = sum(v * large.get(k, 0) for k, v in small.items())
        if not dot:
            return 0.0
        return dot / (self.norm * math.sqrt(sum(v * v for v in wb.values())))


def _score(article: Profile, story: Profile, weights: _Weights) -> Match | None:
    wording = weights.cosine(story.terms)
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
    stats: TermStats | None = None,
) -> Match | None:
    """The story this article belongs to among ``stories`` (id, profile), if any."""
    best: Match | None = None
    weights: _Weights | None = None
    for story_id, profile in stories:
        if not within_window(article.last_seen, profile, window):
            continue
        weights = weights or _Weights(article, stats)
        match = _score(article, profile, weights)
        if match is not None and (best is None or match.score > best.score):
            best = Match(
                story_id, match.score, match.wording, match.shared_people, match.shared_countries
            )
    return best


class _Postings:
    """Key (a term, a person) -> the stories that have it: the one story id itself, or a
    tuple of them when several share the key. An index that lives as long as the process
    should not give the garbage collector a container per key to walk on every full
    collection (a tuple of ints is dropped from its watch once it has seen it; a set never
    is); a tuple is copied to change, which costs little next to scoring a story."""

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._held)

    def add(self, key: str, story_id: Any) -> None:
        held = self._held.get(key, _NONE)
        if held is _NONE:
            self._held[key] = story_id
        elif type(held) is tuple:
            if story_id not in held:
                self._held[key] = (*held, story_id)
        elif held != story_id:
            self._held[key] = (held, story_id)

    def discard(self, key: str, story_id: Any) -> None:
        held = self._held.get(key, _NONE)
        if type(held) is tuple:
            if story_id in held:
                left = tuple(s for s in held if s != story_id)
                self._held[key] = left[0] if len(left) == 1 else left
        elif held is not _NONE and held == story_id:
            del self._held[key]

    def get(self, key: str) -> Collection[Any]:
        held = self._held.get(key, _NONE)
        if held is _NONE:
            return ()
        return held if type(held) is tuple else (held,)


_NONE: Any = object()


class StoryIndex:
    """Recent stories' profiles with an inverted index, so matching stays cheap.

    Scoring every story of a 48-hour window for every new article is quadratic; here
    only stories sharing a few of the article's distinctive terms, or one of its
    people, are scored.
    """

    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self.profiles: dict[Any, Profile] = {}
        self.stats = TermStats()
        self._postings = _Postings()
        self._people = _Postings()

    def __len__(self) -> int:
        return len(self.profiles)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self.profiles

    def add(self, story_id: Any, profile: Profile) -> None:
        """Add an article's profile to a story (new or known)."""
        story = self.profiles.get(story_id)
        if story is None:
            story = self.profiles[story_id] = Profile(
                terms=Counter(profile.terms),
                people=set(profile.people),
                countries=set(profile.countries),
                first_seen=profile.first_seen,
                last_seen=profile.last_seen,
            )
            self.stats.add(story.terms)
            before: set[str] = set()
        else:
            before = set(story.terms)
            story.merge(profile)
            self.stats.replace(before, story.terms)
        after = set(story.terms)
        for term in before - after:
            self._postings.discard(term, story_id)
        for term in after - before:
            self._postings.add(term, story_id)
        for person in story.people:
            self._people.add(person, story_id)

    def remove(self, story_id: Any) -> Profile | None:
        """Take a story out (it left the window, or is rebuilt from its members)."""
        story = self.profiles.pop(story_id, None)
        if story is None:
            return None
        self.stats.remove(story.terms)
        for term in story.terms:
            self._postings.discard(term, story_id)
        for person in story.people:
            self._people.discard(person, story_id)
        return story

    def candidates(self, article: Profile, top: int = 25, min_shared: int = 3) -> list[Any]:
        """Stories sharing ``min_shared`` of the article's most distinctive terms, or a person."""
        weight = self.stats.weighted(article.terms)
        ranked = sorted(article.terms, key=weight.__getitem__, reverse=True)
        shared: Counter[Any] = Counter()
        for term in ranked[:top]:
            shared.update(self._postings.get(term))
        found = {story_id for story_id, n in shared.items() if n >= min_shared}
        for person in article.people:
            found.update(self._people.get(person))
        return sorted(found)  # ties go to the oldest story, whatever the index's history

    def best(self, article: Profile) -> Match | None:
        """The story this article belongs to, if any."""
        stories = [(sid, self.profiles[sid]) for sid in self.candidates(article)]
        return best_story(article, stories, window=self.window, stats=self.stats)
