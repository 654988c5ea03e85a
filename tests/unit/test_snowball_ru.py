"""summarizer.snowball_ru must give NLTK's Russian stems, string for string."""

from __future__ import annotations

import ast
import inspect
import random
import textwrap

from nltk.stem.snowball import RussianStemmer

from summarizer import snowball_ru
from summarizer.snowball_ru import russian_stem

_SEED_WORDS = """
    Москва министр обороны заявил заявила заявили сказал говорится российских
    российские президента Путина переговоров встречи встретились будет были было
    самый красивейший величайшими делающийся прыгавшись читавши читав играя
    интересно интересное интересной интересующимися вооружённых сил Ёлка ёлочный
    нравственность нравственности общественностью предприниматель строительство
    ТАСС РИА Новости США НАТО а я и в к с о у по-русски дом домами домов
    word mixed Moskva café naïve 123 ь ъ нн ннн оннн
"""


def _nltk_conditional_lists() -> list[list[str]]:
    """The endings NLTK's ``stem`` removes only after "а"/"я", read from its code."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(RussianStemmer.stem)))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.comparators[0], ast.Tuple)
            and isinstance(node.ops[0], ast.In)
        ):
            found.append([e.value for e in node.comparators[0].elts])  # type: ignore[attr-defined]
    return found


def test_conditional_endings_are_nltks() -> None:
    lists = _nltk_conditional_lists()
    assert sorted(map(sorted, lists)) == sorted(
        map(
            sorted,
            (
                snowball_ru._GERUND_AFTER_A,
                snowball_ru._ADJECTIVAL_AFTER_A,
                snowball_ru._VERB_AFTER_A,
            ),
        )
    )


def test_stems_are_nltks_on_words_made_of_every_ending() -> None:
    """Every listed ending (back in Cyrillic) after stems of several shapes, each alone,
    after "а"/"я" and after another ending: every branch of every step."""
    nltk = RussianStemmer()
    to_cyrillic = nltk._RussianStemmer__roman_to_cyrillic  # type: ignore[attr-defined]
    endings = set()
    for name, value in vars(RussianStemmer).items():
        if name.startswith("_RussianStemmer__") and name.endswith("_suffixes"):
            endings.update(to_cyrillic(s) for s in value)
    endings.discard("")
    stems = ["", "а", "я", "о", "ст", "раст", "красив", "делал", "игра", "нн", "прыга"]
    stems += ["обществ", "поезд", "ь", "стро", "жизн", "пере", "ели"]
    words = set(_SEED_WORDS.split())
    ordered = sorted(endings)
    for stem in stems:
        for ending in ordered:
            words.add(stem + ending)
    rng = random.Random(7)
    for _ in range(30_000):
        words.add(rng.choice(stems) + rng.choice(ordered) + rng.choice(["", *ordered]))
    for word in sorted(words):
        assert russian_stem(word) == nltk.stem(word), word
    assert len(words) > 30_000


def test_words_without_cyrillic_are_kept_as_nltk_keeps_them() -> None:
    nltk = RussianStemmer()
    for word in ["", "a", "café", "ÿ", "Ā", "x" * 30, "ab\u0100"]:
        assert russian_stem(word) == nltk.stem(word), word


def test_transliteration_table_is_nltks_chain_of_replacements() -> None:
    """Every code point, alone and inside a word, is transliterated as NLTK's chain of
    ``str.replace`` calls does it."""
    import sys

    nltk = RussianStemmer()
    to_roman = nltk._RussianStemmer__cyrillic_to_roman  # type: ignore[attr-defined]
    for c in map(chr, range(sys.maxunicode + 1)):
        assert c.translate(snowball_ru._TO_ROMAN) == to_roman(c), hex(ord(c))
    word = "ЁлкаЩёЪьЮяxyzщ"
    assert word.translate(snowball_ru._TO_ROMAN) == to_roman(word)
