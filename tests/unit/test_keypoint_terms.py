"""Key-point terms come from a per-word table: the same terms as stemming each word, and a
table that stays bounded in a long-lived worker."""

from __future__ import annotations

from nltk.stem.snowball import EnglishStemmer

from summarizer.keypoints import _Language
from summarizer.text import words

TEXT = (
    "The Iranian Defence Minister said on Monday that talks with Russia’s officials were "
    "“constructive”, adding: 2024's budget isn't final. ÉCOLE Über naïve co-operation "
    "U-turn don't 3D _private words words WORDS"
)


def _expected(language: _Language, text: str) -> list[str]:
    stemmer = EnglishStemmer()
    return [
        stemmer.stem(w.lower())
        for w in words(text)
        if w.lower() not in language.stop_words and w.lower()[0].isalpha()
    ]


def test_terms_are_the_stems_of_the_content_words() -> None:
    language = _Language("en")
    expected = _expected(language, TEXT)
    assert "minist" in expected and "the" not in expected  # stems; stop words dropped
    assert language.terms(TEXT) == expected
    assert language.terms(TEXT) == expected  # the second time from the table


def test_the_table_is_emptied_when_full() -> None:
    language = _Language("en")
    language._table.MAX_WORDS = 5  # type: ignore[misc]
    text = " ".join(f"word{n} apple{n}" for n in range(40))
    assert language.terms(text) == _expected(language, text)
    assert 0 < len(language._table) <= 5
