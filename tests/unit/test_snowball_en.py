"""summarizer.snowball_en must give the very stems NLTK's English Snowball stemmer gives.

Key points compare sentences by their stems, so one stem that differed would change which
sentences are chosen. The words are generated to reach every branch: each suffix of every
step after stems of several shapes (short, with and without vowels, with y, with the
"gener"/"commun"/"arsen" prefixes, with apostrophes), plus NLTK's special words.
"""

from __future__ import annotations

import itertools

from nltk.stem.snowball import EnglishStemmer

from summarizer.snowball_en import _SPECIAL_WORDS, english_stem

_SUFFIXES = """s es ed ing ly ness ful ation ational tional izer ization ement ment ence ance
able ible ism ate iti ous ive ize ion al er ic li bli ogi logi alli entli fulli lessli enci anci
abli ator alism aliti ousli iviti biliti fulness ousness iveness icate iciti ical ative alize
eed eedly ingly edly sses ied ies us ss 's 's' ' ’s y e l ll at bl iz sion tion""".split()
_STEMS = """a b y ay by cry hop hope fall bat tap plan fizz agree gener commun arsen generat
communit arsenal yoyo sky skie die ly ti rel cent condit opt posit nation ration valu ski
process cook troubl sens ’ ' 'tis o’ re un ab ed ing""".split()


def _words() -> list[str]:
    words = set(_SPECIAL_WORDS)
    endings = ["", *_SUFFIXES]
    for stem, first, second in itertools.product(_STEMS, endings, endings):
        words.add(stem + first + second)
    return sorted(words)


def test_stems_are_nltks() -> None:
    nltk = EnglishStemmer()
    words = _words()
    assert len(words) > 100_000
    different = [
        (w, nltk.stem(w), english_stem(w)) for w in words if nltk.stem(w) != english_stem(w)
    ]
    assert different == []


def test_upper_case_is_stemmed_as_lower() -> None:
    assert english_stem("Generously") == EnglishStemmer().stem("Generously") == "generous"
    assert english_stem("RUNNING") == "run"
