"""The speech-verb scan lists the words of the lowered text, not each word lowered.

That is the same list only if lowering a character never moves it in or out of the
token class; these tests check every code point, and the scan against a word-by-word one.
"""

from __future__ import annotations

import sys

from summarizer.quotes.cues import _CANDIDATES, _TOKEN_CHAR, _WORD_TOKEN, _candidates


def test_lowering_keeps_every_character_in_or_out_of_the_token_class() -> None:
    moved = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        lower = char.lower()
        if len(lower) == 1 and bool(_TOKEN_CHAR.match(char)) != bool(_TOKEN_CHAR.match(lower)):
            moved.append(hex(code))
    assert moved == []


def _word_by_word(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD_TOKEN.finditer(text) if m.group().lower() in _CANDIDATES]


def test_candidates_are_those_of_a_word_by_word_pass() -> None:
    texts = [
        "“We will,” SAID the minister. Told-you-so, she Added; nothing-said. He SAYS: no.",
        "ΟΔΟΣ.Said Σ’said ÀSKED asked’ o'said said-so ‘told’ told.” Noted that it is.",
        "Written by him, according to them, expressed hope that all’s well, says İstanbul.",
        "İstanbul said, and the official told reporters.",  # "İ" lowers to two characters
        "",
        "no cue words here at all",
    ]
    for text in texts:
        assert [m.span() for m in _candidates(text)] == _word_by_word(text), text
