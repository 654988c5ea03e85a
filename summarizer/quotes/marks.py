"""Stage 1: pairing the quote marks, in one linear scan over the marks.

Curly, straight and « » marks; a quote left open at the end of a paragraph either goes on
in the next paragraph (news repeats the opening mark there and closes only at the end) or
stops at the paragraph end, so an odd number of marks never spoils the rest of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_QUOTE_MARKS = re.compile(r"[\"“”«»„\n]")


@dataclass(slots=True)
class _Raw:
    """One quote as paired marks: its pieces (one per paragraph) and where the marks are."""

    pieces: list[tuple[int, int]] = field(default_factory=list)
    open_mark: int = 0
    after: int = 0  # first index after the closing mark (or the paragraph end)
    closed: bool = True
    speaker: int | None = None  # entity id
    cue: str | None = None
    cue_span: tuple[int, int] | None = None
    via: str = ""  # which construction attributed it
    seps: dict[int, str] = field(default_factory=dict)  # piece index -> joiner before it
    contested: bool = False  # two candidates compete: the speaker stays unknown


_CLOSER = {"“": "”", "„": "“", '"': '"', "«": "»", "”": "”"}


def _pair_quotes(text: str) -> list[_Raw]:
    """Pair quote marks in one pass; unclosed quotes end at their paragraph's end.

    Marks of another style inside a quote are nested quotes ("He said “no” twice").
    """
    quotes: list[_Raw] = []
    current: _Raw | None = None
    opener = ""
    nested = ""
    piece_start = 0
    skip_open = -1
    n = len(text)
    for m in _QUOTE_MARKS.finditer(text):
        pos = m.start()
        c = m.group()
        if c == "\n":
            if current is None:
                continue
            # The paragraph ends inside a quote: does the next paragraph reopen it?
            j = pos
            while j < n and text[j] in " \t\r\n\u00a0":
                j += 1
            current.pieces.append((piece_start, pos))
            nested = ""
            if j < n and text[j] in '“"«„':
                piece_start = j + 1
                skip_open = j
            else:
                current.after = pos
                current.closed = False
                quotes.append(current)
                current = None
            continue
        if pos == skip_open:
            continue
        if current is None:
            if c in "”»":
                # a closing mark used to open ("”Mr. Trump embodies...”") or a stray one
                nxt = text[pos + 1 : pos + 2]
                if not ((pos == 0 or text[pos - 1].isspace()) and nxt.isalnum()):
                    continue
            current = _Raw(open_mark=pos)
            opener, nested = c, ""
            piece_start = pos + 1
            continue
        closer = _CLOSER.get(opener, "”")
        if nested:
            if c == _CLOSER.get(nested, "”") or (nested == "“" and c == '"'):
                nested = ""
                continue
            if c != closer:
                continue
        if c == closer or (opener in '“"”' and c in '”"' and not _opens_here(text, pos)):
            current.pieces.append((piece_start, pos))
            current.after = pos + 1
            quotes.append(current)
            current = None
        elif c != opener and c in '“"«':
            nested = c
        else:
            # The same opening mark again inside an open quote: the first was never closed.
            current.pieces.append((piece_start, pos))
            current.after = pos
            current.closed = False
            quotes.append(current)
            current = _Raw(open_mark=pos)
            opener, nested = c, ""
            piece_start = pos + 1
    if current is not None:
        current.pieces.append((piece_start, n))
        current.after = n
        current.closed = False
        quotes.append(current)
    return [q for q in quotes if any(e > s for s, e in q.pieces)]


def _opens_here(text: str, pos: int) -> bool:
    """A straight mark after a space and before a word opens a (nested) quote."""
    before = text[pos - 1 : pos] if pos else " "
    return before.isspace() and text[pos + 1 : pos + 2].isalnum()


_MAX_ATTRIBUTED = 10_000  # no news article has more; bounds the work on pathological input
_LETTER = re.compile(r"[^\W\d_]")


def _worth_attributing(text: str, q: _Raw) -> bool:
    """A quote of fewer than two letters ("a", "x") is a mark, not words someone said."""
    found = 0
    for s, e in q.pieces:
        for _ in _LETTER.finditer(text, s, min(e, s + 64)):
            found += 1
            if found >= 2:
                return True
    return False
