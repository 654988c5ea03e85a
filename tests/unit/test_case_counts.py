"""case_counts counts as str.isupper and str.islower of each character would."""

from __future__ import annotations

import random

from summarizer.text import case_counts


def _slow(text: str) -> tuple[int, int]:
    return sum(map(str.isupper, text)), sum(map(str.islower, text))


def test_counts_agree_with_the_string_methods() -> None:
    rng = random.Random(7)
    alphabet = "AbZz09 .,’“”ÀàÉéΣσςİıßǅ ǈ Ⅰⅰ ⓐⒶ 𝐀𝐚 Жж 한국 ß\n\t"
    texts = ["", "ABC", "abc", "NEW YORK, Feb 26 - ", "Ünïcödé TEXT", "ǅ is titlecase"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))) for _ in range(300)]
    texts += ["".join(chr(rng.randint(0, 0x2FFFF)) for _ in range(200)) for _ in range(50)]
    for text in texts:
        assert case_counts(text) == _slow(text), text
    assert case_counts("Hello WORLD ÀÉ àé") == (8, 6)
