"""One brief for a story: several articles about the same event, from several outlets.

Outlets repeat each other: the same agency sentence, the same quote, the same people.
A reader wants each fact once, the facts most outlets agree on first, and every quote
once with the speaker's name when any outlet gave it. The key points of the articles
are ranked together with sumy's TextRank (a fact many outlets report is central to the
set) and near-duplicates across outlets are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from summarizer.brief import Analysis, Brief, CountryScore, Person, Quote, Sentence
from summarizer.keypoints import RankedSentence, centrality, pick, similarity, terms

__all__ = ["summarize_story"]

MAX_POINTS = 4  # a story brief has 2-4 key points (fewer only if its articles have fewer)
HEADLINE_CHARS = 120  # a headline made from a key point is cut to this length
LEAD_BONUS = 0.5  # an article's first key point is its lead: what its outlet put first
SAME_QUOTE = 0.8  # word overlap (of the shorter quote) above which two quotes are one

_NON_WORD = re.compile(r"\W+")


def _spaces(text: str) -> str:
    """Collapse the runs of spaces ``clean_text`` may leave (it keeps every offset)."""
    return " ".join(text.split())


def _language(analyses: Sequence[Analysis]) -> str:
    counts = Counter(a.language for a in analyses if a.language and a.language != "und")
    return counts.most_common(1)[0][0] if counts else "en"


@lru_cache(maxsize=4096)
def _terms(text: str, language: str) -> tuple[str, ...]:
    """The terms of a title or key point, kept (per process, bounded): a story's brief is
    made again each time an article joins the story, from the same key points."""
    return tuple(terms(text, language))


def _article_terms(analysis: Analysis, language: str) -> frozenset[str]:
    """What an article is about: its title and key points (its lead if it has none).

    The terms of each part, together: no word runs from one part into the next.
    """
    parts = [analysis.title or ""] + [k.text for k in analysis.key_points]
    if not analysis.key_points and analysis.sentences:
        parts.append(analysis.sentences[0].text)
    return frozenset(term for part in parts for term in _terms(_spaces(part), language))


def _by_centrality(analyses: Sequence[Analysis], language: str) -> list[int]:
    """Article indexes, the one most like the others first (earliest first on ties)."""
    if len(analyses) == 1:  # a story of one article, as most are: no one to be like
        return [0]
    bags = [_article_terms(a, language) for a in analyses]
    totals = [
        sum(similarity(bag, other) for j, other in enumerate(bags) if j != i)
        for i, bag in enumerate(bags)
    ]
    return sorted(range(len(analyses)), key=lambda i: (-round(totals[i], 9), i))


def _shorten(text: str, limit: int = HEADLINE_CHARS) -> str:
    text = _spaces(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip(" ,;:-—") + "…"


def _headline(analyses: Sequence[Analysis], order: Sequence[int]) -> str:
    for i in order:
        title = analyses[i].title
        if title and title.strip():
            return _spaces(title)
    for i in order:
        if analyses[i].key_points:
            return _shorten(analyses[i].key_points[0].text)
        if analyses[i].sentences:
            return _shorten(analyses[i].sentences[0].text)
    return ""


def _key_points(
    analyses: Sequence[Analysis], order: Sequence[int], language: str, headline: str
) -> list[str]:
    """The best 2-4 key points of the whole story, each fact once, none a headline echo."""
    rank_of_article = {article: rank for rank, article in enumerate(order)}
    candidates: list[tuple[int, int, str]] = []  # (article, position among its points, text)
    for article in order:
        for position, point in enumerate(analyses[article].key_points):
            candidates.append((article, position, _spaces(point.text)))
    if not candidates:
        return []
    candidate_terms = [_terms(text, language) for _, _, text in candidates]
    scores = centrality([text for _, _, text in candidates], candidate_terms, language)
    ranked = []
    for number, ((article, position, text), score, bag) in enumerate(
        zip(candidates, scores, candidate_terms, strict=True)
    ):
        rating = score
        if position == 0:
            rating += LEAD_BONUS / (1 + rank_of_article[article])
        # RankedSentence carries the candidate through pick(); its offsets are unused
        ranked.append(RankedSentence(number, Sentence(text, 0, len(text)), rating, frozenset(bag)))
    ranked.sort(key=lambda r: (-r.score, r.index))
    chosen = pick(ranked, MAX_POINTS, frozenset(_terms(headline, language)))
    if len(analyses) == 1:  # one article: keep its order
        chosen.sort(key=lambda r: r.index)
    else:  # several: the story's lead first, then the rest as the outlets tell it
        lead, rest = chosen[:1], chosen[1:]
        rest.sort(key=lambda r: (candidates[r.index][1], rank_of_article[candidates[r.index][0]]))
        chosen = lead + rest
    return [r.sentence.text for r in chosen]


@dataclass(frozen=True, slots=True)
class _QuoteWords:
    """A quote's words, read once.

    Every quote of a story is compared with every quote kept before it; recounting both
    quotes' words for each pair was most of a story brief's cost.
    """

    words: list[str]
    joined: str  # the words joined by spaces, for the "one quote inside the other" test
    counts: dict[str, int]  # each word's count, for the overlap test


def _quote_words(quote: Quote) -> _QuoteWords:
    words = [w for w in _NON_WORD.split(quote.text.casefold()) if w]
    return _QuoteWords(words, " ".join(words), Counter(words))


def _same_quote(a: _QuoteWords, b: _QuoteWords) -> bool:
    """The same words, or one quote a (near) part of the other: outlets trim quotes."""
    if not a.words or not b.words:
        return False
    if a.words == b.words:
        return True
    shorter, longer = (a, b) if len(a.words) <= len(b.words) else (b, a)
    if shorter.joined in longer.joined:
        return True
    if len(shorter.words) < 4:
        return False
    mine, theirs = shorter.counts, longer.counts
    shared = mine.keys() & theirs.keys()
    needed = SAME_QUOTE * len(shorter.words)
    if len(shared) * max(mine.values()) < needed:
        return False  # too few shared words, even counted as often as any occurs
    # each shared word's smaller count, summed in C (a set iterates in one order)
    common = sum(map(min, map(mine.__getitem__, shared), map(theirs.__getitem__, shared)))
    return common >= needed


def _merge_quote(kept: Quote, kept_words: _QuoteWords, new: Quote, new_words: _QuoteWords) -> Quote:
    """Two versions of one quote: the fuller text, with the speaker and title any gave.

    When two outlets name different speakers the first (most central) one stands.
    """
    if (
        kept.attributed
        and new.attributed
        and not _same_person(_name_tokens(kept.speaker or ""), _name_tokens(new.speaker or ""))
    ):
        return kept
    base = new if len(new_words.words) > len(kept_words.words) else kept
    speaker = kept if kept.attributed or not new.attributed else new
    title = speaker.speaker_title or kept.speaker_title or new.speaker_title
    return replace(
        base,
        speaker=speaker.speaker,
        speaker_title=title if speaker.attributed else None,
        cue=speaker.cue or base.cue,
        speaker_role=speaker.speaker_role if speaker.attributed else None,
        speaker_kind=speaker.speaker_kind if speaker.attributed else None,
    )


def _quotes(analyses: Sequence[Analysis], order: Sequence[int]) -> list[Quote]:
    """Every quote once, preferring the version that names its speaker."""
    merged: list[Quote] = []
    merged_words: list[_QuoteWords] = []
    for article in order:
        for quote in analyses[article].quotes:
            words = _quote_words(quote)
            if not words.words:
                continue
            for i, seen in enumerate(merged_words):
                if _same_quote(words, seen):
                    merged[i] = _merge_quote(merged[i], seen, quote, words)
                    merged_words[i] = _quote_words(merged[i])
                    break
            else:
                merged.append(quote)
                merged_words.append(words)
    return order_quotes(merged)


ROLE_RANK = {"official": 0, "expert": 1, "other": 2}
_PROCEDURAL = re.compile(r"^(?:to|and|or|but|that|of|in|on|for)\b")
_FUNCTION_WORDS = frozenset(
    """this that these those with from have has had were was will would could should their
    there they them then than what when which while about into over such also been being
    very more most some many much just only even""".split()
)


def informativeness(quote: Quote) -> float:
    """How much a quote tells: content words, names and numbers; procedural fragments
    ("to take further joint steps…") count half."""
    words = re.findall(r"[\w’'-]+", quote.text)[:60]
    content = sum(1 for w in words if len(w) > 3 and w.lower() not in _FUNCTION_WORDS)
    names = sum(1 for w in words[1:] if w[:1].isupper())
    numbers = sum(1 for w in words if any(map(str.isdigit, w)))
    score = float(content + 2 * names + 2 * numbers)
    text = quote.text.lstrip(" “\"'‘")
    if _PROCEDURAL.match(text) or text[:1].islower():
        score *= 0.5
    return score


def order_quotes(quotes: Sequence[Quote]) -> list[Quote]:
    """The order a brief shows quotes in: officials, then experts, then others, then
    unattributed ones; speakers in order of first appearance, each speaker's most
    informative quote first."""
    first_seen: dict[str | None, int] = {}
    for i, q in enumerate(quotes):
        first_seen.setdefault(q.speaker, i)

    def key(i: int) -> tuple[int, int, float, int]:
        q = quotes[i]
        rank = ROLE_RANK.get(q.speaker_role or "", 2) if q.attributed else 3
        return (rank, first_seen[q.speaker] if q.attributed else i, -informativeness(q), i)

    return [quotes[i] for i in sorted(range(len(quotes)), key=key)]


def _countries(analyses: Sequence[Analysis]) -> list[CountryScore]:
    """Countries of all articles; a score is the mean over articles (0 where absent)."""
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for analysis in analyses:
        for country in analysis.countries:
            totals[country.code] = totals.get(country.code, 0.0) + country.score
            names.setdefault(country.code, country.name)
    n = max(1, len(analyses))
    merged = [CountryScore(code, names[code], total / n) for code, total in totals.items()]
    return sorted(merged, key=lambda c: (-c.score, c.code))


def _name_tokens(name: str) -> list[str]:
    return [t for t in _NON_WORD.split(name.casefold()) if t]


def _same_person(a: list[str], b: list[str]) -> bool:
    """Whether two names written by two outlets are one person.

    The same surname, and either one name holds the other's words ("Mohammad Baqeri",
    "Mohammad Hossein Baqeri"; a bare "Shoigu") or the first names differ only in
    their ending, as transliterations do ("Sergei"/"Sergey").
    """
    if not a or not b or a[-1] != b[-1]:
        return False
    if len(a) == 1 or len(b) == 1 or set(a) <= set(b) or set(b) <= set(a):
        return True
    first_a, first_b = a[0], b[0]
    stem = min(len(first_a), len(first_b)) - 1
    return stem >= 4 and first_a[:stem] == first_b[:stem]  # not "Mark"/"Mary"


def _people(analyses: Sequence[Analysis], order: Sequence[int]) -> list[Person]:
    """People merged by name, most mentioned first.

    Full names are merged first, so a bare surname joins the one full name it ends
    (and stays apart when two people share it). Mentions are offsets into one
    article's text, so the merged person keeps those of the first article naming them.
    """
    merged: list[Person] = []
    tokens: list[list[str]] = []
    weight: list[int] = []
    everyone = [p for article in order for p in analyses[article].people]
    everyone.sort(key=lambda p: len(_name_tokens(p.name)) < 2)  # stable: full names first
    for person in everyone:
        name = _name_tokens(person.name)
        if not name:
            continue
        matches = [i for i, other in enumerate(tokens) if _same_person(name, other)]
        if len(matches) == 1 or (matches and len(name) > 1):
            i = matches[0]
            if merged[i].title is None and person.title:
                merged[i].title = person.title
            weight[i] += max(1, len(person.mentions))
            continue
        merged.append(Person(person.name, person.title, list(person.mentions), person.kind))
        tokens.append(name)
        weight.append(max(1, len(person.mentions)))
    ranking = sorted(range(len(merged)), key=lambda i: (-weight[i], i))
    return [merged[i] for i in ranking]


def summarize_story(analyses: Sequence[Analysis]) -> Brief:
    """The brief of a story told by one or more articles.

    Headline: the title of the most central article (the one most like the others;
    the earliest on ties) that has one, else its first key point, shortened. Then 2-4
    key points across articles without repeats, every quote once (officials first, then
    experts, others, unattributed; each speaker's most informative quote first),
    countries with their scores averaged over the articles, people merged.
    """
    analyses = list(analyses)
    if not analyses:
        return Brief(headline="")
    language = _language(analyses)
    order = _by_centrality(analyses, language)
    headline = _headline(analyses, order)
    return Brief(
        headline=headline,
        key_points=_key_points(analyses, order, language, headline),
        quotes=_quotes(analyses, order),
        countries=_countries(analyses),
        people=_people(analyses, order),
    )
