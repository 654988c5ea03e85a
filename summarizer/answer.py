"""Follow-up questions answered from the articles behind a brief, never invented.

The units are the sentences and the quotes of those articles. They are ranked for the
question with BM25 (Okapi, k1=1.2, b=0.75), where a unit also "contains" the people it
mentions (a quote its speaker; a sentence the full name behind "he" or "the Iranian
minister") and the countries it names, so "What did Shoigu say about sanctions?" finds
the quote Shoigu gave about sanctions even though the quote itself never says "Shoigu".

A question is answered only when the best unit covers most of what the question asks
(by IDF weight; words the articles never use weigh the most), otherwise the answer says
it is not in these articles.

Terms match as a reader would: "US" in capitals is the country, never the pronoun (and
U.S. or United States is the same term); Iran and Iranian are one term, as are Europe and
European, sanctions and sanction, oil and crude. Quotes of three words or fewer are phrases
the writer borrowed, not answers. "He" or "she" in a follow-up means the person the
previous answer was about (``about=``, from :attr:`Answer.about`).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from nltk.stem import PorterStemmer

from summarizer.brief import Analysis, Person
from summarizer.gazetteer import lookup_country
from summarizer.text import clean_text, split_sentences

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours
    yourself yourselves say said says saying tell told think thought know mean meant let
    regarding anything something someone anybody whether ever please us many much""".split()
)

# Terms of a question looked at, at most: every unit is scored for each, so a message of
# 4,096 characters pasted as a question must not cost 600 passes over the articles.
MAX_QUESTION_TERMS = 40

# A quote of this many words or fewer is a borrowed phrase ("a lot"), not a quote to answer with.
MIN_QUOTE_WORDS = 3
# In a follow-up to an answer, these mean the person that answer was about.
_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers"})
_WHY_RE = re.compile(r"\b(because|due to|since|as a result|over|reason)\b", re.IGNORECASE)
_NUMBER_RE = re.compile(r"\d")

# A question word tells what kind of answer fits; it is not a term to match.
_QUESTION_KINDS = {"who": "who", "whom": "who", "when": "when", "why": "why", "where": "where"}
_MONTHS = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday week "
    "month year"
).split()
_TIME_RE = re.compile(
    r"\b(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{4}|" + "|".join(_MONTHS) + r")\b", re.IGNORECASE
)


_PORTER = PorterStemmer()

# Upper-case codes of countries and unions: "US" is a place, "us" a pronoun. They are never
# stop words, and the spelt-out names and dotted forms are written as them before matching.
CODES = frozenset({"US", "USA", "UK", "EU", "UN", "UAE", "NATO"})
_DOTTED = re.compile(r"\b([A-Z])\.([A-Z])\.(?:([A-Z])\.)?")  # U.S., U.N., U.S.A.
_PHRASES = (
    (re.compile(r"\bUnited States\b"), "US"),
    (re.compile(r"\bUnited Kingdom\b"), "UK"),
    (re.compile(r"\bEuropean Union\b"), "EU"),
    (re.compile(r"\bUnited Nations\b"), "UN"),
    (re.compile(r"\b[Cc]hief [Ee]xecutive(?: [Oo]fficer)?\b"), "CEO"),
)

# Words news uses for the same thing: a question about "fuel" finds a sentence about "oil".
# Kept small and general: each group must mean one thing in any story.
_SYNONYM_GROUPS = (
    "oil fuel crude petroleum gasoline",
    "car vehicle automobile",
    "buyer consumer shopper customer",
    "price cost",
    "fall drop decline plunge slump",
    "rise increase climb surge",
    "give provide supply",
    "kill dead death die",
    "army military troops soldiers",
    "talks negotiations",
    "people population residents inhabitants",
    "war conflict",
    "deal agreement accord pact",
    "sanction embargo",
)


def _porter(word: str) -> str:
    return _PORTER.stem(word, to_lowercase=True)


def stem(word: str) -> str:
    """One form for the forms of a word: sanctions/sanction, talks/talked, Europe/European,
    and one for the words of a synonym group (oil/fuel/crude)."""
    s = _base(word)
    return _SYNONYMS.get(s, s)


def _base(word: str) -> str:
    """Porter's stemmer, then trailing vowels off (Africa/Africa-n), and for a capitalised
    adjective of a place its "-an" off first (European -> Europe)."""
    w = word.replace("’", "'")
    if w.lower().endswith("'s"):
        w = w[:-2]
    low = w.lower()
    if low.endswith(("ian", "ean")) or (w[:1].isupper() and low.endswith("an") and len(w) >= 6):
        low = low[:-2]
    s = _porter(low)
    trimmed = s.rstrip("aeiouy")
    if len(trimmed) >= 3:
        s = trimmed
    return s


_SYNONYMS = {_base(w): _base(g.split()[0]) for g in _SYNONYM_GROUPS for w in g.split()}


def _normalise(text: str) -> str:
    """Dotted codes and spelt-out unions written as their codes (U.S., United States -> US)."""
    text = _DOTTED.sub(lambda m: "".join(g for g in m.groups() if g), text)
    for pattern, code in _PHRASES:
        text = pattern.sub(code, text)
    return text


@lru_cache(maxsize=65536)
def _term(word: str) -> str | None:
    """The term of one word as written, or None for a stop word."""
    if word in CODES or (word[:1].isupper() and len(word) >= 4 and not word.isupper()):
        code = lookup_country(word)  # Iranian, Iran and IR are one term
        if code:
            return "country" + code.lower()
        if word in CODES:
            return word.lower()
    if word.lower() in STOPWORDS or len(word) < 2:
        return None
    return stem(word)


def terms(text: str) -> list[str]:
    """Content terms of ``text``: words stemmed, stop words dropped, codes kept."""
    found = (_term(w) for w in _WORD.findall(_normalise(text)))
    return [t for t in found if t]


@dataclass(frozen=True, slots=True)
class Document:
    """One article behind a brief, with where it came from (for the link)."""

    analysis: Analysis
    url: str | None = None
    source: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerItem:
    """A sentence or quote that answers, with its speaker when it is a quote."""

    text: str
    is_quote: bool
    speaker: str | None
    speaker_title: str | None
    url: str | None
    source: str | None
    score: float


@dataclass(slots=True)
class Answer:
    question: str
    items: list[AnswerItem] = field(default_factory=list)
    #: a person the question asked about ("Who is Baqeri?"): (name, title)
    person: tuple[str, str | None] | None = None

    @property
    def found(self) -> bool:
        return bool(self.items) or self.person is not None

    @property
    def about(self) -> str | None:
        """The person this answer was about, whom "he" or "she" in the next question means."""
        if self.person:
            return self.person[0]
        return next((i.speaker for i in self.items if i.speaker), None)


@dataclass(slots=True)
class _Unit:
    text: str
    doc: int
    start: int
    end: int
    is_quote: bool
    speaker: str | None = None
    speaker_title: str | None = None
    tf: Counter = field(default_factory=Counter)
    length: int = 0


def _name_terms(name: str) -> list[str]:
    """A name's terms as a question would spell them (a "Jordan" is the country's term)."""
    return [t for t in (_term(w) for w in _WORD.findall(_normalise(name))) if t]


class _Spans:
    """Spans sorted by start, with the furthest end reached so far: whether any of them
    overlaps or covers a range is one bisection, not a pass over all of them."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.furthest = list(accumulate((e for _, e in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Some span has s < end and e > start."""
        i = bisect_left(self.starts, end) - 1  # the last span starting before ``end``
        return i >= 0 and self.furthest[i] > start

    def covers(self, start: int, end: int) -> bool:
        """Some span has s <= start and e >= end."""
        i = bisect_right(self.starts, start) - 1
        return i >= 0 and self.furthest[i] >= end


def _build_units(docs: Sequence[Document]) -> list[_Unit]:
    """Sentences and attributed quotes, each with its terms and those of the people and
    countries it mentions. Mentions and quotes are looked up by bisection, so a page of
    thousands of quotes and sentences costs n log n, not every sentence times every quote.
    """
    units: list[_Unit] = []
    for d_index, doc in enumerate(docs):
        a = doc.analysis
        text = a.text
        people = [(p.name, _name_terms(p.name), _Spans(p.mentions)) for p in a.people]
        quote_spans = _Spans((q.start, q.end) for q in a.quotes)

        def extra_terms(start: int, end: int, speaker: str | None, people=people) -> list[str]:
            extra: list[str] = []
            for name, names, mentions in people:
                if name == speaker or mentions.overlaps(start, end):
                    extra += names
            return extra

        sentences = a.sentences or (split_sentences(clean_text(text)) if text else [])
        for s in sentences:
            body = text[s.start : s.end] if s.end <= len(text) else s.text
            # A sentence made only of a quote is indexed as the quote.
            if quote_spans.covers(s.start + 2, s.end - 2):
                continue
            unit = _Unit(s.text or body, d_index, s.start, s.end, False)
            if unit.text.rstrip().endswith("?"):  # a question (a subheading) answers nothing
                continue
            toks = terms(unit.text)
            toks += extra_terms(s.start, s.end, None)
            unit.tf = Counter(toks)
            unit.length = len(toks)
            units.append(unit)
        for q in a.quotes:
            if not q.attributed or not is_real_quote(q.text):
                continue
            unit = _Unit(q.text, d_index, q.start, q.end, True, q.speaker, q.speaker_title)
            toks = terms(q.text)
            if q.speaker:
                toks += _name_terms(q.speaker)
            toks += extra_terms(q.start, q.end, q.speaker)
            unit.tf = Counter(toks)
            unit.length = len(toks)
            units.append(unit)
    return units


def is_real_quote(text: str) -> bool:
    """A quote worth answering with: more than three words. "a lot" or "nice stepping
    stone" are words the writer borrowed inside their own sentence, not something said."""
    return len(_WORD.findall(text)) > MIN_QUOTE_WORDS


def _question_terms(question: str, about: str | None) -> tuple[str | None, list[str]]:
    """The kind of answer asked for, and the terms to match; "he"/"she" is ``about``."""
    q_words = [w.lower() for w in _WORD.findall(question)]
    kind = next((_QUESTION_KINDS[w] for w in q_words[:3] if w in _QUESTION_KINDS), None)
    if kind is None and "how" in q_words[:3] and {"many", "much"} & set(q_words[:4]):
        kind = "number"
    found = terms(question)
    if about and _PRONOUNS & set(q_words):
        found = _name_terms(about) + found
    return kind, list(dict.fromkeys(found))[:MAX_QUESTION_TERMS]


def _who_is(q_terms: list[str], docs: Sequence[Document]) -> tuple[int, Person] | None:
    """The titled person a "Who is X?" names, with the index of their article."""
    for d_index, doc in enumerate(docs):
        for p in doc.analysis.people:
            names = set(_name_terms(p.name))
            if p.title and names & set(q_terms) and not set(q_terms) - names:
                return d_index, p
    return None


def _latest_quote(units: list[_Unit], doc: int, name: str) -> _Unit | None:
    """The last quote of ``name`` in article ``doc``: who they are, in their own words."""
    theirs = [u for u in units if u.is_quote and u.doc == doc and u.speaker == name]
    return max(theirs, key=lambda u: u.start, default=None)


def _item(u: _Unit, doc: Document, score: float) -> AnswerItem:
    return AnswerItem(
        u.text.strip(), u.is_quote, u.speaker, u.speaker_title, doc.url, doc.source, round(score, 3)
    )


def _boost(kind: str | None, u: _Unit, q_terms: set[str]) -> float:
    """How much the kind of question and the unit's speaker favour this unit."""
    factor = 1.0
    if kind == "when" and _TIME_RE.search(u.text):
        factor *= 1.3
    if kind == "why" and _WHY_RE.search(u.text):
        factor *= 1.2
    if kind == "number" and _NUMBER_RE.search(u.text):
        factor *= 1.3
    if u.is_quote:
        factor *= 1.1  # the words of the person, rather than a paraphrase of them
        if u.speaker and set(_name_terms(u.speaker)) & q_terms:
            factor *= 1.5  # "What did Shotwell say": Shotwell's words, not a sentence on her
    return factor


def _score(
    units: list[_Unit], q_terms: list[str], kind: str | None
) -> list[tuple[float, float, _Unit]]:
    """(coverage, BM25 score, unit) for every unit that has a question term."""
    n = len(units)
    df: Counter = Counter()
    for u in units:
        df.update(u.tf.keys())
    avg_len = sum(u.length for u in units) / n or 1.0
    unseen_idf = math.log(1 + (n + 0.5) / 0.5)
    weights = {
        t: (math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) if df[t] else unseen_idf)
        for t in q_terms
    }
    total_weight = sum(weights.values())
    asked = set(q_terms)
    k1, b = 1.2, 0.75
    scored: list[tuple[float, float, _Unit]] = []
    for u in units:
        score = covered = 0.0
        for t in q_terms:
            f = u.tf.get(t, 0)
            if f:
                covered += weights[t]
                score += weights[t] * f * (k1 + 1) / (f + k1 * (1 - b + b * u.length / avg_len))
        if score:
            scored.append((covered / total_weight, score * _boost(kind, u, asked), u))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return scored


def answer_question(
    question: str,
    docs: Sequence[Document],
    *,
    max_items: int = 2,
    min_coverage: float = 0.6,
    about: str | None = None,
) -> Answer:
    """The best sentences or quotes for ``question`` from ``docs``; empty when none fit.

    ``about`` is the person the previous answer was about (:attr:`Answer.about`): a
    follow-up "and what did he say about X?" asks about them.
    """
    result = Answer(question=question)
    kind, q_terms = _question_terms(question, about)
    units = _build_units(docs)
    if not q_terms or not units:
        return result
    if kind == "who" and (found := _who_is(q_terms, docs)):
        d_index, person = found
        result.person = (person.name, person.title)
        quote = _latest_quote(units, d_index, person.name)
        if quote is not None:
            result.items.append(_item(quote, docs[d_index], 0.0))
        return result
    scored = _score(units, q_terms, kind)
    if not scored or scored[0][0] < min_coverage:
        return result
    best_cov = scored[0][0]
    chosen: list[_Unit] = []
    for cov, score, u in scored:
        if cov < max(min_coverage, best_cov - 0.25):
            continue
        # Skip a sentence that contains a chosen quote, or a quote inside a chosen sentence.
        if any(c.doc == u.doc and c.start < u.end and u.start < c.end for c in chosen):
            continue
        if any(u.text.strip() == c.text.strip() for c in chosen):
            continue
        chosen.append(u)
        result.items.append(_item(u, docs[u.doc], score))
        if len(chosen) >= max_items:
            break
    return result
