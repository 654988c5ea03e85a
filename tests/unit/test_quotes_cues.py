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


def test_clause_and_sentence_stops_are_those_of_the_plain_alternations() -> None:
    """_CLAUSE_STOP and _SENT_END open with one set of characters and tell the branch by a
    look-behind: the same matches as the alternations written plainly, searched from any
    start to any end (as the windows are), on generated text dense in stops and marks."""
    import random
    import re

    from summarizer.quotes.cues import _CLAUSE_STOP, _SENT_END

    plain = {
        _CLAUSE_STOP: re.compile(r"[.!?](?=[”\"’)]?(?:\s|$))|[“\"«\n]"),
        _SENT_END: re.compile(r"[.!?][”\"’)]?\s+(?=[“\"A-Z])|[;\n]"),
    }
    rng = random.Random(4)
    pieces = [*'.!?;\n“”"’)«', " ", "  ", "\u00a0", "A", "a", "Z", "x", ". A", "?” B", ".\n"]
    texts = ["", "He said. She left; then “no.” End", "Mr. Smith.\nA"]
    for _ in range(5_000):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))))
    for text in texts:
        for pos in range(0, len(text) + 1, 3):
            for end in (len(text), max(pos, len(text) - 2)):
                for fast, slow in plain.items():
                    got = [m.span() for m in fast.finditer(text, pos, end)]
                    assert got == [m.span() for m in slow.finditer(text, pos, end)], text
                    assert (fast.search(text, pos, end) is None) == (
                        slow.search(text, pos, end) is None
                    )
