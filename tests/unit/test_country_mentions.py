"""find_mentions reads only the tokens around capitalised words: the mentions must be
those found by listing every token of the text first, as it did before."""

from __future__ import annotations

import random
import re
from pathlib import Path

from summarizer.countries import (
    _NOT_NAMES,
    _PERSON_WORDS,
    _SURNAME_WORDS,
    _TURKEY_FOOD,
    _US_PRONOUN_BEFORE,
    GAP_CHARS,
    Mention,
    Surface,
    find_mentions,
    gazetteer,
    is_mostly_upper,
)
from summarizer.gazetteer import TOKEN_RE

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-article.txt"

# fmt: off
_span = re.Match.span


def _reference(text: str, start: int = 0, *, upper: bool | None = None) -> list[Mention]:
    """find_mentions as it was: every token of the text listed first."""
    g = gazetteer()
    by_first, by_pair, singles = g.by_first, g.by_pair, g.singles
    if upper is None:
        upper = is_mostly_upper(text[start:])
    spans = list(map(_span, TOKEN_RE.finditer(text, start)))
    n = len(spans)
    out: list[Mention] = []
    resume = 0  # the tokens before this one were read as part of a match
    # only a capitalised token can open a name: the others are passed over in one go
    for i in [j for j, (s, _) in enumerate(spans) if text[s].isupper()]:
        if i < resume:
            continue
        start, end = spans[i]
        first = text[start:end].lower()
        if first not in by_first or (start and text[start - 1].isdigit()):
            continue  # "16GB" is no country
        candidates: list[Surface] = []
        if i + 1 < n:
            s1, e1 = spans[i + 1]
            gap = text[end:s1]
            if len(gap) <= 3 and GAP_CHARS.issuperset(gap):
                candidates = by_pair.get((first, text[s1:e1].lower()), [])
        matched = None
        for surface in [*candidates, *singles.get(first, ())]:
            k = len(surface.tokens)
            if i + k > n:
                continue
            last_end = end
            ok = True
            for j in range(1, k):
                s_j, e_j = spans[i + j]
                gap = text[last_end:s_j]
                if (
                    len(gap) > 3
                    or not GAP_CHARS.issuperset(gap)
                    or text[s_j:e_j].lower() != surface.tokens[j]
                    or (surface.caps[j] and not text[s_j].isupper())
                ):
                    ok = False
                    break
                last_end = e_j
            if not ok:
                continue
            if surface.exact and text[start:last_end] != surface.text.rstrip("."):
                continue
            matched = (surface, k, last_end)
            break
        if matched is None:
            continue
        surface, k, last_end = matched
        resume = i + k
        if last_end < len(text) and text[last_end].isdigit():
            continue
        if surface.code is not None and _reference_keep(text, spans, i, k, surface.text, upper):
            out.append(Mention(surface.code, surface.kind, start, last_end, text[start:last_end]))
    return out


def _reference_keep(
    text: str, spans: list[tuple[int, int]], i: int, k: int, surface: str, upper: bool
) -> bool:
    """_keep as it was, on the token list."""
    word = text[spans[i][0] : spans[i][1]].lower()
    if k == 1 and (word in _PERSON_WORDS or word in _SURNAME_WORDS) and not upper:
        # "Michael Jordan", "Chad Smith": a capitalised name right before or after.
        if i > 0:
            ps, pe = spans[i - 1]
            before = text[ps:pe]
            if (
                text[pe : spans[i][0]] == " "
                and before[0].isupper()
                and before.lower() not in _NOT_NAMES
            ):
                return False
            if before in {"Mr", "Mrs", "Ms", "Dr"}:
                return False
        if i + 1 < len(spans) and word in _PERSON_WORDS:
            ns, ne = spans[i + 1]
            after = text[ns:ne]
            if (
                text[spans[i][1] : ns] == " "
                and after[0].isupper()
                and after.lower() not in _NOT_NAMES
            ):
                return False
    if word == "turkey" and i + 1 < len(spans):
        ns, ne = spans[i + 1]
        if text[ns:ne].lower() in _TURKEY_FOOD:
            return False
    if upper and surface == "CAR":
        return False
    if upper and surface == "US" and i > 0:
        ps, pe = spans[i - 1]
        if text[ps:pe].lower() in _US_PRONOUN_BEFORE:
            return False
    return True
# fmt: on

WORDS = """Iran Iranian Tehran Russia Russian Moscow United States U.S. US us USA UK Britain
New York Papua New Guinea Guinea-Bissau Jordan Michael Chad Smith Turkey turkey meat prices
Georgia Tbilisi Atlanta Mr Dr Washington Denzel CAR Central African Republic LET TOLD the of
and in said 16GB 2Iran Iran2 McDonald iPhone Côte d’Ivoire Ivory Coast South Korea North
Korea Congo DR Congo Kyiv Ukraine UKRAINE IRAN RUSSIA Ürümqi China Chinese Beijing""".split()
SEPARATORS = [" ", " ", " ", ", ", ". ", "-", "’s ", "\n", "  ", "'", ". ", " (", ") "]


def _texts() -> list[str]:
    rng = random.Random(11)
    texts = [SEED.read_text(encoding="utf-8"), "", "Iran", "xIran Iran", "LET US GO TO THE US"]
    for _ in range(400):
        parts = []
        for _ in range(rng.randint(1, 40)):
            parts += [rng.choice(WORDS), rng.choice(SEPARATORS)]
        texts.append("".join(parts))
    return texts


def test_mentions_are_those_of_the_full_token_list() -> None:
    found = 0
    for text in _texts():
        for start in sorted({0, 1, 3, len(text) // 2}):
            if start > len(text):
                continue
            for upper in (None, True, False):
                expected = _reference(text, start, upper=upper)
                assert find_mentions(text, start, upper=upper) == expected, (text, start, upper)
                found += len(expected)
    assert found > 1000


def test_capital_tokens_are_those_of_the_category_pattern() -> None:
    """_TOKEN_FROM_CAPITAL looks for its first letter by code point ranges and a
    look-behind: the same first characters as [^\\W\\d_a-z] over every code point, and
    the same tokens from any start on generated text of letters of several scripts."""
    import random
    import re
    import sys

    from summarizer.countries import _TOKEN_FROM_CAPITAL

    plain = re.compile(r"[^\W\d_a-z](?<![^\W\d_].)[^\W\d_]*")
    first = re.compile(_TOKEN_FROM_CAPITAL.pattern.split("(?<![")[0])
    for c in map(chr, range(sys.maxunicode + 1)):
        assert bool(first.fullmatch(c)) == bool(plain.match(c)), hex(ord(c))
    rng = random.Random(6)
    pieces = [*"aZé É_1٣ ª.-’\n", "ß", "Σ", "я", "Я", "中", "ǅ", "\u0301", "Iran", "iran"]
    texts = ["", "The U.S. and Iran", "éIran xÉcole 9Iran _Iran"]
    for _ in range(5_000):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))))
    for text in texts:
        for start in range(0, len(text) + 1, 4):
            assert [m.span() for m in _TOKEN_FROM_CAPITAL.finditer(text, start)] == [
                m.span() for m in plain.finditer(text, start)
            ], (text, start)
