"""Punkt's answer for a candidate sentence end, given at once for the contexts whose
answer its rules fix, is the answer Punkt's annotation passes give."""

from __future__ import annotations

import random
from pathlib import Path

from punkt import PunktSentenceTokenizer

from summarizer.text import _punkt

SEED = (Path(__file__).resolve().parents[1] / "data" / "seed-article.txt").read_text()


def _contexts() -> list[str]:
    """Real contexts (the seed article's candidates) and generated ones: abbreviations,
    collocations, numbers, initials, sentence starters, other scripts, quote marks, runs
    of punctuation and every kind of whitespace, before and after the mark."""
    tokenizer = _punkt()
    params = tokenizer._params
    contexts = [candidate.context for candidate in tokenizer._boundaries.detect(SEED)]
    rng = random.Random(7)
    words = [
        *("said", "Mr", "mr", "U.S", "Dr", "Gen", "No", "no", "pp", "St", "Inc", "Jr", "vs"),
        *("etc", "Sept", "ab", "x1", "1990", "3", "l'", "co", "mining-co", "Smith", "the"),
        *("The", "However", "But", "a", "I", "é", "ǅa", "ﬁne", "ß", "²a", "a_b", "ΟΔΟΣ"),
        *("İstanbul", "Straße", "Москва", "東京"),
        *rng.sample(sorted(params.abbrev_types), 40),
        *(first for first, _ in params.collocations),
        *(second for _, second in params.collocations),
        *rng.sample(sorted(params.sent_starters), 20),
        *sorted(params.numeric_abbrev_types)[:20],
    ]
    marks = [".", "?", "!", "..", "?!", "!?", ".”", '."', "?”", ".)", "...", ". .", ",", "!!"]
    spaces = [" ", "\n", "\n\n", "  ", "\t", "\u00a0", "\u2028", " \n ", ""]
    after = [*words, "“We", '"The', "(", "”", ".", "..", "5", "5.", "1,000", "$5", "«Я", "-"]
    ends = ["", "", ".", "?", ",", "”", " x"]
    for _ in range(20_000):
        contexts.append(
            rng.choice(["", "(", "“", '"', "'"])
            + rng.choice(words)
            + rng.choice(marks)
            + rng.choice(spaces)
            + rng.choice(after)
            + rng.choice(ends)
        )
    return contexts


def test_known_breaks_are_punkts_answers() -> None:
    tokenizer = _punkt()
    assert type(tokenizer) is not PunktSentenceTokenizer  # the fast answers are on
    original = PunktSentenceTokenizer._context_has_sentbreak
    contexts = _contexts()
    breaks = 0
    for context in contexts:
        expected = original(tokenizer, context)
        assert tokenizer._context_has_sentbreak(context) == expected, context
        breaks += expected
    assert 0.2 < breaks / len(contexts) < 0.9  # both answers are tried


def _texts() -> list[str]:
    """The seed article and generated texts: abbreviations, initials, numbers, quotes and
    brackets to realign, runs of marks to absorb, ellipses, other scripts, blank lines."""
    rng = random.Random(3)
    pieces = [
        *("Mr.", "said.", "He", "“We", "”", '"', "'", ")", "(", "...", ". . .", "--", "?"),
        *("!", "?!", "U.S.", "e.g.", "No.", "5.", "3.14", "a.", "J.", "\n", "\n\n", " "),
        *("  ", "\t", "\u00a0", "。", "東京", "Ωμέγα.", "Straße.", "’", "»", "«", "»?", ".”"),
        *("?”", "!)", "etc.", "Inc.", "x", "The", "and", "—", "-", ",", ";", ".\n"),
    ]
    texts = [SEED, "", " ", ".", "..", "!!!", "Wow!!!", "a. b", "“Hi.” Bye.", "(Hi there.) Bye."]
    for _ in range(3000):
        texts.append(
            "".join(
                rng.choice(pieces) + rng.choice(["", " ", " ", "\n"])
                for _ in range(rng.randint(0, 40))
            )
        )
    return texts


def test_spans_in_one_pass_are_punkts_spans() -> None:
    tokenizer = _punkt()
    plain = PunktSentenceTokenizer(tokenizer._params)  # Punkt alone, no fast answers
    for text in _texts():
        spans = list(tokenizer.span_tokenize(text))
        assert spans == list(PunktSentenceTokenizer.span_tokenize(tokenizer, text)), text
        assert spans == list(plain.span_tokenize(text)), text
