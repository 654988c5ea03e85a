"""NLTK's Russian Snowball stemmer, step for step, with its suffix searches made cheap.

Key points rank sentences on stemmed words, and every word an article brings that the
stem cache has not seen yet is stemmed: NLTK's Russian stemmer costs about 45 µs a word
(1,062 words, 46 ms, for the 4 Russian articles of the 181 real ones of the evaluation
set, as much as stemming the 11,500 words of the 161 English ones). Nearly all of it goes
to its suffix loops: a step tries each suffix of its list with ``str.endswith`` in turn
(234 adjectival endings, 46 verb and 36 noun ones) and takes the first one listed that
the region ends with (and whose condition holds, for the endings that need "а"/"я"
before them). Here the region's last n letters are looked up in the list's order for
each length n a suffix of the list has: the same first suffix, a few look-ups instead of
hundreds of calls. Everything else is NLTK's own code (its transliteration and regions,
called as they are), so stems are the very strings NLTK gives
(``tests/unit/test_snowball_ru.py`` compares them on the Russian words of the evaluation
texts and on words made of every listed ending).
"""

from __future__ import annotations

from collections.abc import Iterable

from nltk.stem.snowball import RussianStemmer

__all__ = ["russian_stem"]

_BASE = RussianStemmer()  # NLTK's, without stop words (as sumy's Stemmer("russian") makes it)
_LISTS = vars(RussianStemmer)


class _Suffixes:
    """One of NLTK's suffix lists: where each suffix stands in it, and their lengths."""

    def __init__(self, name: str, conditional: Iterable[str] = ()) -> None:
        listed: tuple[str, ...] = _LISTS[f"_RussianStemmer__{name}_suffixes"]
        self.order = {suffix: i for i, suffix in enumerate(listed)}
        self.lengths = sorted({len(suffix) for suffix in listed})
        self.conditional = frozenset(conditional)

    def first(self, region: str) -> str | None:
        """NLTK's loop over the list: the first listed suffix ``region`` ends with whose
        condition (for the conditional ones: "i^a" or "a" just before it) holds."""
        order = self.order
        found = [region[-n:] for n in self.lengths if n <= len(region) and region[-n:] in order]
        if len(found) > 1:
            found.sort(key=order.__getitem__)
        for suffix in found:
            n = len(suffix)
            if suffix in self.conditional and not (
                region[-n - 3 : -n] == "i^a" or region[-n - 1 : -n] == "a"
            ):
                continue
            return suffix
        return None


# The endings NLTK removes only after "а"/"я" (its code lists them inside ``stem``).
_GERUND_AFTER_A = ("v", "vshi", "vshis'")
_ADJECTIVAL_AFTER_A = (
    *("i^ushchi^ui^u", "i^ushchi^ai^a", "i^ushchui^u", "i^ushchai^a", "i^ushchoi^u"),
    *("i^ushchei^u", "i^ushchimi", "i^ushchymi", "i^ushchego", "i^ushchogo", "i^ushchemu"),
    *("i^ushchomu", "i^ushchikh", "i^ushchykh", "shchi^ui^u", "shchi^ai^a", "i^ushchee"),
    *("i^ushchie", "i^ushchye", "i^ushchoe", "i^ushchei`", "i^ushchii`", "i^ushchyi`"),
    *("i^ushchoi`", "i^ushchem", "i^ushchim", "i^ushchym", "i^ushchom", "vshi^ui^u"),
    *("vshi^ai^a", "shchui^u", "shchai^a", "shchoi^u", "shchei^u", "emi^ui^u", "emi^ai^a"),
    *("nni^ui^u", "nni^ai^a", "shchimi", "shchymi", "shchego", "shchogo", "shchemu"),
    *("shchomu", "shchikh", "shchykh", "vshui^u", "vshai^a", "vshoi^u", "vshei^u"),
    *("shchee", "shchie", "shchye", "shchoe", "shchei`", "shchii`", "shchyi`", "shchoi`"),
    *("shchem", "shchim", "shchym", "shchom", "vshimi", "vshymi", "vshego", "vshogo"),
    *("vshemu", "vshomu", "vshikh", "vshykh", "emui^u", "emai^a", "emoi^u", "emei^u"),
    *("nnui^u", "nnai^a", "nnoi^u", "nnei^u", "vshee", "vshie", "vshye", "vshoe", "vshei`"),
    *("vshii`", "vshyi`", "vshoi`", "vshem", "vshim", "vshym", "vshom", "emimi", "emymi"),
    *("emego", "emogo", "ememu", "emomu", "emikh", "emykh", "nnimi", "nnymi", "nnego"),
    *("nnogo", "nnemu", "nnomu", "nnikh", "nnykh", "emee", "emie", "emye", "emoe", "emei`"),
    *("emii`", "emyi`", "emoi`", "emem", "emim", "emym", "emom", "nnee", "nnie", "nnye"),
    *("nnoe", "nnei`", "nnii`", "nnyi`", "nnoi`", "nnem", "nnim", "nnym", "nnom"),
)
_VERB_AFTER_A = (
    *("la", "na", "ete", "i`te", "li", "i`", "l", "em", "n", "lo", "no", "et", "i^ut"),
    *("ny", "t'", "esh'", "nno"),
)

_GERUND = _Suffixes("perfective_gerund", _GERUND_AFTER_A)
_REFLEXIVE = _Suffixes("reflexive")
_ADJECTIVAL = _Suffixes("adjectival", _ADJECTIVAL_AFTER_A)
_VERB = _Suffixes("verb", _VERB_AFTER_A)
_NOUN = _Suffixes("noun")
_SUPERLATIVE = _Suffixes("superlative")
_DERIVATIONAL = _Suffixes("derivational")
_nltk_to_roman = _BASE._RussianStemmer__cyrillic_to_roman
# NLTK transliterates with a chain of 66 ``str.replace`` calls, each of one Cyrillic letter
# by ASCII letters no later call touches: one ``str.translate`` by the same table does it
# (the table read from NLTK's function, letter by letter; a test checks every code point)
_TO_ROMAN = {
    c: _nltk_to_roman(chr(c)) for c in range(0x400, 0x500) if _nltk_to_roman(chr(c)) != chr(c)
}
_to_cyrillic = _BASE._RussianStemmer__roman_to_cyrillic
_regions = _BASE._RussianStemmer__regions_russian


def russian_stem(word: str) -> str:
    """The stem :meth:`nltk.stem.snowball.RussianStemmer.stem` gives ``word``."""
    if not word or max(word) <= "\xff":
        return word  # no character past U+00FF: NLTK leaves the word as it is
    word = word.translate(_TO_ROMAN)
    rv, r2 = _regions(word)

    # Step 1
    suffix = _GERUND.first(rv)
    if suffix is not None:
        n = len(suffix)
        word, r2, rv = word[:-n], r2[:-n], rv[:-n]
    else:
        suffix = _REFLEXIVE.first(rv)
        if suffix is not None:
            n = len(suffix)
            word, r2, rv = word[:-n], r2[:-n], rv[:-n]
        suffix = _ADJECTIVAL.first(rv)
        if suffix is None:
            suffix = _VERB.first(rv)
        if suffix is None:
            suffix = _NOUN.first(rv)
        if suffix is not None:
            n = len(suffix)
            word, r2, rv = word[:-n], r2[:-n], rv[:-n]

    # Step 2
    if rv.endswith("i"):
        word, r2 = word[:-1], r2[:-1]

    # Step 3
    suffix = _DERIVATIONAL.first(r2)
    if suffix is not None:
        word = word[: -len(suffix)]

    # Step 4
    undouble = superlative = False
    if word.endswith("nn"):
        word = word[:-1]
        undouble = True
    if not undouble:
        suffix = _SUPERLATIVE.first(word)
        if suffix is not None:
            word = word[: -len(suffix)]
            superlative = True
        if word.endswith("nn"):
            word = word[:-1]
    if not undouble and not superlative and word.endswith("'"):
        word = word[:-1]

    return _to_cyrillic(word)
