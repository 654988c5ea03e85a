"""Stage 1: pairing the quote marks, in one linear scan over the marks.

Curly, straight and « » marks; a quote left open at the end of a paragraph either goes on
in the next paragraph (news repeats the opening mark there and closes only at the end) or
stops at the paragraph end, so an odd number of marks never spoils the rest of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# ’’|''|["“”«»„\n], written to open with one set of characters (then ’ and ' must be
# doubled): the regex engine skips to those characters in C, where an alternation that
# opens with two strings was tried at every character of the text
_QUOTE_MARKS = re.compile(r"[\"“”«»„\n’'](?:(?<=’)’|(?<=')'|(?<![’']))")


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
    # the speaker as the text describes it when no name resolves: "the announcer" in
    # '“Q,” the announcer said' (a description, never a name; see quotes.describe)
    mention: tuple[int, int] | None = None


_CLOSER = {"“": "”", "„": "“", '"': '"', "«": "»", "”": "”"}
_SPACE = " \t\r\n\u00a0"
_VISIBLE = re.compile(r"\S")  # a quote of nothing but spaces ("“&nbsp;") is no quote


class _Pairer:
    """The state of the one pass over the marks; a quote is built only once it has words."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.quotes: list[_Raw] = []
        self.open_at = -1  # the opening mark of the quote being read, -1 if none
        self.pieces: list[tuple[int, int]] = []
        self.opener = self.nested = ""
        self.piece_start = 0
        self.skip_open = -1

    def emit(self, end: int, after: int, closed: bool) -> None:
        """End the current quote at ``end``; keep it if some piece holds a visible character."""
        self.pieces.append((self.piece_start, end))
        if any(_VISIBLE.search(self.text, s, e) for s, e in self.pieces):
            self.quotes.append(_Raw(self.pieces, self.open_at, after, closed))
        self.open_at, self.pieces, self.nested = -1, [], ""

    def start(self, pos: int, mark: str) -> None:
        self.open_at, self.pieces = pos, []
        self.opener, self.nested = mark, ""
        self.piece_start = pos + 1

    def newline(self, pos: int) -> None:
        """A paragraph ends inside a quote: it goes on if the next paragraph reopens it."""
        text, n = self.text, len(self.text)
        j = pos
        while j < n and text[j] in _SPACE and j - pos < 64:
            j += 1
        if j < n and text[j] in '“"«„':
            self.pieces.append((self.piece_start, pos))
            self.nested = ""
            self.piece_start, self.skip_open = j + 1, j
        else:
            self.emit(pos, pos, False)

    def mark(self, pos: int, c: str, width: int = 1) -> None:
        """One quote mark (a ’’ or '' closer arrives as ”, ``width`` 2)."""
        if self.open_at < 0:
            if c in "”»" and not _opens_here(self.text, pos):
                return  # a stray closer; ”Mr. Trump embodies...” opens with one
            self.start(pos, c)
            return
        closer = _CLOSER.get(self.opener, "”")
        if self.nested:
            if c == _CLOSER.get(self.nested, "”") or (self.nested == "“" and c == '"'):
                self.nested = ""
                return
            if c != closer:
                return
        if c == closer or (self.opener in '“"”' and c in '”"' and not _opens_here(self.text, pos)):
            self.emit(pos, pos + width, True)
        elif c != self.opener and c in '“"«':
            self.nested = c
        else:
            # The same opening mark again inside an open quote: the first was never closed.
            self.emit(pos, pos, False)
            self.start(pos, c)


def _pair_quotes(text: str) -> list[_Raw]:
    """Pair quote marks in one pass; unclosed quotes end at their paragraph's end.

    Marks of another style inside a quote are nested quotes ("He said “no” twice"); ’’ and
    '' close a quote as ” does. Each mark is looked at once, and a quote object is made
    only for a quote with words: linear in the text whatever the marks.
    """
    state = _Pairer(text)
    for m in _QUOTE_MARKS.finditer(text):
        pos, c = m.start(), m.group()
        if c == "\n":
            if state.open_at >= 0:
                state.newline(pos)
        elif pos != state.skip_open:
            state.mark(pos, "”" if len(c) == 2 else c, len(c))
    if state.open_at >= 0:
        state.emit(len(text), len(text), False)
    return state.quotes


def _opens_here(text: str, pos: int) -> bool:
    """A mark after a space (or at the start) and before a word opens a (nested) quote."""
    before = text[pos - 1 : pos] if pos else " "
    return before.isspace() and text[pos + 1 : pos + 2].isalnum()


_MAX_ATTRIBUTED = 1_000  # news articles have a few dozen; bounds the work on hostile input
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
