"""Key points: the few sentences that stand for an article, chosen the way news is read.

sumy's TextRank rates how central each sentence is (chosen by measurement on the BBC
reference summaries: see ``benchmarks/keypoints.py``); on top of it news needs more:

- the lead counts: the first usable sentence is kept, and a mild position prior favours
  the next ones, where news puts what matters;
- quotes are shown as quotes, so a sentence that is mostly quotation is not a key point
  (quoted sentences still take part in the ranking: they tell what matters);
- a sentence leaning on the one before ("He added...", "But...") is held back, since a
  key point is read on its own;
- boilerplate ("Read more", "Photo: Reuters", bylines...), headings and fragments never
  are;
- no two key points say the same thing (nor repeat the headline);
- key points keep article order, and long articles are cut to their first
  ``MAX_CANDIDATES`` sentences before ranking so the cost stays bounded.

sumy's own matrix construction is a Python double loop (tens of milliseconds for a long
article); :class:`_FastTextRank` builds the same matrix with numpy and leaves the rest
(power method, ratings) to sumy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sumy.models.dom import ObjectDocumentModel
from sumy.summarizers.text_rank import TextRankSummarizer
from threadpoolctl import ThreadpoolController

from summarizer.brief import KeyPoint, Quote, Sentence
from summarizer.language import detect_language
from summarizer.snowball_en import english_stem
from summarizer.snowball_ru import russian_stem
from summarizer.text import case_counts, has_words, quotation_spans, words

__all__ = [
    "MAX_CANDIDATES",
    "RankedSentence",
    "centrality",
    "pick",
    "rank_sentences",
    "select_key_points",
    "similarity",
    "terms",
    "usable_sentences",
]

MAX_CANDIDATES = 70  # sentences ranked at most: the first ones, where news puts what matters
MIN_POINTS, MAX_POINTS = 3, 5
LANGUAGE_SAMPLE = 1000  # characters enough to choose a stemmer when the caller did not say
MIN_WORDS = 6  # shorter sentences are fragments ("Image copyright Getty Images")
MAX_CHARS = 700  # longer "sentences" are lists or unsplit paragraphs
QUOTED_SHARE = 0.5  # a sentence more than half quotation is shown as a quote instead
HEADLINE_SHARE = 0.8  # a sentence with more of its terms in the headline adds nothing
SIMILAR = 0.5  # cosine of stemmed content words above which two sentences say the same
# Position prior: score * (1 + LEAD_WEIGHT / (1 + position / LEAD_DECAY)). The BBC
# references are centrality-made and punish a strong prior (1.0: -3 ROUGE-1), so it is
# mild; the lead itself is kept outright instead (LEAD_WITHIN).
LEAD_WEIGHT = 0.15
LEAD_DECAY = 2.0
DANGLING_FACTOR = 0.6  # costs 0.5 ROUGE-1 on BBC; keeps "He said that..." out of briefs
LEAD_WITHIN = 3  # the first usable sentence is a key point if it is among the first three

# Page furniture that extraction lets through. Anchored at the start unless the phrase
# cannot occur in a news sentence ("All rights reserved"), so "By Monday, ..." or
# "...losses for the latest quarter" stay. Three patterns, not one alternation: searched
# as one, the phrases allowed anywhere made every sentence cost a scan with ~70 branches
# at each character (0.8 ms an article); see :func:`_is_boilerplate`.
_BOILERPLATE_START = re.compile(
    r"\W*(?:read more|read also|related(?:\s*:| articles| stories| coverage| content)|"
    r"more on this story|see also|click here|sign up|subscribe (?:to|now|here)|follow us|"
    r"follow @|share this|advertisement|image caption|image copyright|image source|"
    r"media caption|media playback|video caption|(?:photo|picture|photograph|image)\s*[:/|]|"
    r"(?:photo|picture) (?:by|credit|courtesy)|caption\s*:|copyright|©|\(c\) \d|source\s*:|"
    r"file photo|watch\s*:|listen\s*:|live\s*:|updated\s*:|published\s*:|last updated|"
    r"posted\s*:|for the latest|terms of (?:use|service)|privacy policy|cookie (?:policy|settings)|"
    r"by [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3}\s*(?:[,|/]|$)|"
    r"(?:reporting|writing|editing|additional reporting) by)",
    re.IGNORECASE,
)
_BOILERPLATE_ANYWHERE = re.compile(
    r"all rights reserved|sign up for (?:our|the) \w+|(?:to|for|in) our newsletter|"
    r"follow us on|click here|contributed to this report|(?:we )?use cookies|"
    r"this (?:article|story) (?:was|has been) (?:originally )?(?:published|updated)|"
    r"download (?:the|our) app",
    re.IGNORECASE,
)
# Words without which _BOILERPLATE_ANYWHERE cannot match (casefolded): a substring test
# rules most sentences out before the regex runs.
_BOILERPLATE_WORDS = (
    "reserved",
    "sign up for",
    "newsletter",
    "follow us on",
    "click here",
    "contributed to this report",
    "use cookies",
    "this article",
    "this story",
    "download",
)
_BOILERPLATE_END = re.compile(r"(?:getty images|afp|reuters|ap)\Z", re.IGNORECASE)


def _is_boilerplate(text: str) -> bool:
    """Whether a sentence is page furniture: a phrase at its start, one that no news
    sentence holds anywhere, or a picture agency at its end."""
    if _BOILERPLATE_START.match(text):
        return True
    if _BOILERPLATE_END.search(text.rstrip()[-12:]):
        return True
    folded = text.casefold()
    # 'ı' and 'İ' match "i" under IGNORECASE but do not casefold to it
    if not ("\u0131" in text or "\u0130" in text) and not any(
        w in folded for w in _BOILERPLATE_WORDS
    ):
        return False
    return bool(_BOILERPLATE_ANYWHERE.search(text))


# A sentence that leans on the one before ("He added...", "But this...") reads badly
# on its own, as a key point must.
_DANGLING = re.compile(
    r"\W*(?:he|she|they|it|this|these|those|his|her|their|its|but|and|also|however|"
    r"meanwhile|yet|so|then)\b",
    re.IGNORECASE,
)
# What a sentence must end with, trailing white space aside, not to be a heading: as
# r"[.!?。！？…\"”’»)\]]\s*$" finds (\s is what str.rstrip strips), without a search
# trying that pattern at every such character of the sentence
_END_PUNCTUATION = frozenset('.!?。！？…"”’»)]')
_SPACE_SCRIPTLESS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

_SUMY_LANGUAGES = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "ru": "russian",
    "nl": "dutch",
    "sv": "swedish",
    "da": "danish",
    "fi": "finnish",
    "no": "norwegian",
    "ro": "romanian",
    "hu": "hungarian",
    "uk": "ukrainian",
    "cs": "czech",
    "sk": "slovak",
    "pl": "polish",
    "el": "greek",
}


# NLTK's stemmers for these languages, the same stems for less work (see each module)
_OWN_STEMMERS: dict[str, Callable[[str], str]] = {
    "english": english_stem,
    "russian": russian_stem,
}


@dataclass(frozen=True, slots=True)
class RankedSentence:
    """A candidate with its rating; ``terms`` are its stemmed content words."""

    index: int
    sentence: Sentence
    score: float
    terms: frozenset[str]


class _FastTextRank(TextRankSummarizer):
    """sumy's TextRank with its similarity matrix built by numpy instead of a double loop.

    Same formula: shared words (with multiplicity) over the sum of the logs of the two
    sentence lengths, rows normalised, damped; sumy's power method does the rest.
    """

    def __init__(self, sentence_terms: Sequence[Sequence[str]]) -> None:
        super().__init__()
        self._terms = sentence_terms

    def _create_matrix(self, document: ObjectDocumentModel | None) -> np.ndarray:
        n = len(self._terms)
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, terms in enumerate(self._terms):
            for term in terms:
                rows.append(i)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
        width = max(1, len(vocabulary))
        flat = np.asarray(rows, dtype=np.int64) * width + np.asarray(cols, dtype=np.int64)
        counts = np.bincount(flat, minlength=n * width).reshape(n, width).astype(float)
        shared = counts @ counts.T
        # sumy also links each sentence to itself; without that loop: +0.6 ROUGE-1 on BBC
        np.fill_diagonal(shared, 0.0)
        logs = np.log(np.maximum(counts.sum(axis=1), 1.0))
        norm = logs[:, None] + logs[None, :]
        weights = np.divide(shared, norm, out=shared.copy(), where=norm > 1e-9)
        weights /= weights.sum(axis=1)[:, None] + self._ZERO_DIVISION_PREVENTION
        return np.full((n, n), (1.0 - self.damping) / n) + self.damping * weights


class _Language:
    """Stemming and stop words for one language; plain lower case where sumy has neither.

    sumy's stemmers are NLTK's Snowball stemmers (pure code, no NLTK data) and its stop
    words ship inside sumy; English, the language of most articles, is stemmed by
    :func:`summarizer.snowball_en.english_stem`, NLTK's stemmer made twice as fast with
    the same stems, and Russian by :func:`summarizer.snowball_ru.russian_stem` (NLTK's
    took 45 µs a word). Stems are cached: news repeats its words.
    """

    def __init__(self, code: str) -> None:
        from sumy.nlp.stemmers import Stemmer
        from sumy.utils import get_stop_words

        name = _SUMY_LANGUAGES.get(code)
        self.stop_words: frozenset[str] = frozenset()
        stemmer: Callable[[str], str] = str.lower
        if name is not None:
            with suppress(LookupError):
                stemmer = _OWN_STEMMERS.get(name) or Stemmer(name)
            with suppress(LookupError):
                self.stop_words = frozenset(w.lower() for w in get_stop_words(name))
        self.stem = lru_cache(maxsize=100_000)(stemmer)
        self._table = _TermTable(self)

    def term(self, word: str) -> str | None:
        """A word's term: its stem in lower case; None for a stop word or a word that does
        not start with a letter."""
        lower = word.lower()
        if lower in self.stop_words or not lower[0].isalpha():
            return None
        return self.stem(lower)

    def terms(self, text: str) -> list[str]:
        return [t for t in map(self._table.__getitem__, words(text)) if t is not None]


class _TermTable(dict[str, str | None]):
    """Each word as written, with its :meth:`_Language.term`, filled on first sight.

    One dictionary look-up a word, from C, instead of lowering, two tests and the stem
    cache's call: ranking reads every word of up to 70 sentences an article. Emptied
    when it reaches ``MAX_WORDS``, so a long-lived worker's memory stays bounded.
    """

    MAX_WORDS = 50_000

    def __init__(self, language: _Language) -> None:
        super().__init__()
        self._language = language

    def __missing__(self, word: str) -> str | None:
        if len(self) >= self.MAX_WORDS:
            self.clear()
        term = self[word] = self._language.term(word)
        return term


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def _one_blas_thread() -> AbstractContextManager[object]:
    """OpenBLAS threads make these small products 5-10x slower and erratic on a busy
    2-core machine; limiting them costs microseconds per call (the controller is reused)."""
    return _blas_controller().limit(limits=1, user_api="blas")


@lru_cache(maxsize=32)
def _language(code: str) -> _Language:
    return _Language(code)


def _quoted_share(sentence: Sentence, quotes: Sequence[tuple[int, int]]) -> float:
    """How much of a sentence lies inside quotations (each quote counted once)."""
    inside = 0
    for start, end in quotes:
        if end <= sentence.start:
            continue
        if start >= sentence.end:
            break
        inside += min(end, sentence.end) - max(start, sentence.start)
    return inside / max(1, sentence.end - sentence.start)


def _quote_spans(quotes: Iterable[Quote], text: str, first: int, last: int) -> list:
    """Quote spans given by the caller plus the quotation marks we can see ourselves,
    for the stretch ``text[first:last]`` where the candidate sentences are.

    Marks pair within a line, so the marks are read from the start of ``first``'s line,
    not from the start of the text.
    """
    spans = [(q.start, q.end) for q in quotes if q.end > first and q.start < last]
    line = text.rfind("\n", 0, first) + 1
    spans.extend(
        (line + a, line + b + 1) for a, b in quotation_spans(text[line:last]) if line + b >= first
    )
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _is_heading(sentence: Sentence, all_caps_text: bool) -> bool:
    text = sentence.text
    end = text.rstrip()[-1:]
    if not end or end not in _END_PUNCTUATION:
        return True
    return not all_caps_text and text.isupper()


def _is_fragment(sentence: Sentence) -> bool:
    text = sentence.text
    if len(text) > MAX_CHARS:
        return True
    if _SPACE_SCRIPTLESS.search(text):  # Chinese, Japanese, Korean: count characters
        return len(text) < 15
    return not has_words(text, MIN_WORDS)


def usable_sentences(
    text: str, sentences: Sequence[Sentence], quotes: Iterable[Quote] = ()
) -> list[tuple[int, Sentence, bool]]:
    """Sentences worth ranking, as (position in the article, sentence, mostly quoted).

    Boilerplate, headings and fragments are left out; mostly-quoted sentences are kept
    (they show what the article is about) but flagged, so they are never chosen.
    """
    head = list(sentences[:MAX_CANDIDATES])
    sample = text[: min(head[-1].end if head else 0, 3000)]
    upper, lower = case_counts(sample)
    all_caps = upper > 4 * lower  # wire copy in capitals: capitals are not headings there
    kept = []
    for index, sentence in enumerate(head):
        # fragments first: the length test is what keeps a 200,000-character "sentence"
        # from being searched for boilerplate
        if _is_fragment(sentence) or _is_boilerplate(sentence.text):
            continue
        if not _is_heading(sentence, all_caps):
            kept.append((index, sentence))
    if not kept:
        return []
    spans = _quote_spans(quotes, text, kept[0][1].start, kept[-1][1].end)
    return [(index, s, _quoted_share(s, spans) > QUOTED_SHARE) for index, s in kept]


def terms(text: str, language: str = "en") -> list[str]:
    """The stemmed content words of a text, as ranking and redundancy checks see it."""
    return _language(language).terms(text)


def centrality(
    texts: Sequence[str], sentence_terms: Sequence[Sequence[str]], language: str = "en"
) -> list[float]:
    """sumy TextRank ratings of sentences (given with their terms), summing to about 1."""
    if len(texts) <= 1:
        return [1.0] * len(texts)
    summarizer = _FastTextRank(sentence_terms)
    with _one_blas_thread():
        matrix = summarizer._create_matrix(None)  # built from the terms; no sumy document
        return [float(x) for x in _power_method(matrix, summarizer.epsilon)]


def _power_method(matrix: np.ndarray, epsilon: float) -> np.ndarray:
    """sumy's ``TextRankSummarizer.power_method``, step for step (the same floats), without
    ``np.linalg.norm``'s checks and with its vectors reused: over a hundred rounds an
    article made their overhead a tenth of the ranking's cost. The norm of a real vector
    is ``sqrt(x·x)``, as numpy computes it."""
    transposed = matrix.T
    n = len(matrix)
    p_vector = np.array([1.0 / n] * n)
    next_p, diff = np.empty(n), np.empty(n)
    # bound once: ``np.dot`` is the array's ``dot`` behind a dispatcher, a frame a round
    dot, subtract, sqrt = transposed.dot, np.subtract, math.sqrt
    lambda_val = 1.0
    while lambda_val > epsilon:
        dot(p_vector, out=next_p)
        subtract(next_p, p_vector, out=diff)
        lambda_val = sqrt(diff.dot(diff))
        p_vector, next_p = next_p, p_vector
    return p_vector


def rank_sentences(
    candidates: Sequence[tuple[int, Sentence, bool]],
    language: str = "en",
    lead_weight: float | None = None,
) -> list[RankedSentence]:
    """TextRank centrality times a position prior, best first; quoted sentences are left out.

    Quoted sentences take part in the graph (they tell what the article is about: +0.7
    ROUGE-1 on BBC) but are not returned. The lead, if among the first ``LEAD_WITHIN``
    sentences, comes first whatever its score.
    """
    if not candidates:
        return []
    if lead_weight is None:
        lead_weight = LEAD_WEIGHT
    lang = _language(language)
    bags = [lang.terms(s.text) for _, s, _ in candidates]
    scores = centrality([s.text for _, s, _ in candidates], bags, language)
    first = next((c[0] for c in candidates if not c[2]), candidates[0][0])
    ranked = []
    for (index, sentence, quoted), score, bag in zip(candidates, scores, bags, strict=True):
        if quoted:
            continue
        position = max(0, index - first)
        prior = 1.0 + lead_weight / (1.0 + position / LEAD_DECAY)
        rating = float(score) * prior
        if language == "en" and _DANGLING.match(sentence.text):
            rating *= DANGLING_FACTOR
        if position == 0 and index < LEAD_WITHIN:
            rating += 1.0  # above any TextRank score (they sum to about 1)
        ranked.append(RankedSentence(index, sentence, rating, frozenset(bag)))
    ranked.sort(key=lambda r: (-r.score, r.index))
    return ranked


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of two sets of terms: 1.0 when they say the same thing in the same words."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def pick(
    ranked: Sequence[RankedSentence], count: int, headline: frozenset[str] = frozenset()
) -> list[RankedSentence]:
    """The best ``count`` sentences, skipping any too similar to one already chosen.

    A sentence that only repeats the headline (nearly all its terms are in it) is
    skipped too; a lead that says more than the headline is not.
    """
    chosen: list[RankedSentence] = []
    seen: list[frozenset[str]] = []
    for candidate in ranked:
        if len(chosen) >= count:
            break
        bag = candidate.terms
        if headline and bag and len(bag & headline) > HEADLINE_SHARE * len(bag):
            continue
        if any(similarity(bag, other) > SIMILAR for other in seen):
            continue
        chosen.append(candidate)
        seen.append(candidate.terms)
    return chosen


def default_count(sentences: int) -> int:
    """Three key points for a short article, up to five for a long one."""
    if sentences <= 12:
        return MIN_POINTS
    if sentences <= 30:
        return MIN_POINTS + 1
    return MAX_POINTS


def select_key_points(
    text: str,
    sentences: list[Sentence],
    quotes: Sequence[Quote] = (),
    title: str | None = None,
    count: int | None = None,
    language: str | None = None,
) -> list[KeyPoint]:
    """Choose 3 to 5 sentences that stand for the article, in article order.

    Fewer only when the article has fewer usable sentences. ``language`` (ISO 639-1) is
    detected when not given; languages without a stemmer are ranked on plain words.
    """
    candidates = usable_sentences(text, sentences, quotes)
    if not candidates:
        return []
    if language is None:
        language = detect_language(text[: min(candidates[-1][1].end, LANGUAGE_SAMPLE)])
    wanted = default_count(len(sentences)) if count is None else max(0, count)
    headline = frozenset(terms(title, language)) if title else frozenset()
    ranked = rank_sentences(candidates, language)
    chosen = sorted(pick(ranked, wanted, headline), key=lambda r: r.index)
    return [KeyPoint(r.sentence.text, r.sentence.start, r.sentence.end) for r in chosen]
