"""Page clutter that is not the article: blanked before the analysis reads the text.

Extraction keeps bits of the page around the story: "Story continues below advertisement",
"READ MORE: …" links, the signature line of an embedded tweet ("— Name (@handle) November
18, 2019"), photo captions and credits, "Q:"/"A:" labels and stray headings. They are not
key points, and a name in them is never the antecedent of a later "he" or "she".

Each piece is replaced by spaces (line breaks kept), so the text keeps its length and every
offset into it still points at the same character. One pass of a few line-anchored
patterns: linear in the text.
"""

from __future__ import annotations

import re

_LINE_CLUTTER = re.compile(
    r"""^[ \t]*(?:
        (?:story\ continues\ below\ advertisement|advertisement|skip\ advertisement)[ \t]*$
      | (?:read\ more|related|see\ also|watch|listen)[ \t]*:[^\n]*$
      | [—–-][ \t]*[^\n(]{1,80}\(@\w{1,30}\)[^\n]{0,40}$
      | pic\.twitter\.com/\S+[ \t]*$
      | (?:photo|image|picture|caption|credit|image\ copyright|image\ caption)
        (?:\ credit)?[ \t]*:[^\n]{0,240}$
      | [^\n]{0,200}(?:getty\ images|/\ ?ap\ photo|/\ ?reuters|/\ ?afp|\(ap\ photo[^)]*\))
        [ \t]*\)?[ \t]*$
    )""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_QA_LABEL = re.compile(r"^[ \t]*(?:Q|A)[ \t]*:[ \t]*", re.MULTILINE)
# A heading: a short title-case line with no sentence punctuation, alone in its paragraph.
_HEADING = re.compile(
    r"(?:^|(?<=\n\n))[ \t]*(?:[A-Za-z0-9][\w’'&-]*[ \t]+){1,7}[A-Za-z0-9][\w’'&-]*[ \t]*(?=\n\n|\Z)"
)


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def drop_clutter(text: str) -> str:
    """``text`` with page clutter blanked out: same length, same offsets."""
    if not text:
        return text
    spans = _line_matches(_LINE_CLUTTER, text)
    spans += _line_matches(_QA_LABEL, text)
    spans += _headings(text)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        _blank(chars, start, end)
    return "".join(chars)


def _line_matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The spans of ``pattern.finditer(text)`` for a pattern that starts with ``^``.

    Tried only where a line starts (with ``match``, which sees ``^`` as ``finditer`` does),
    not at each character, where ``finditer`` spends most of its time failing on ``^``.
    A match may run over several lines: the line starts inside it are passed over, as
    ``finditer`` resumes after a match.
    """
    out: list[tuple[int, int]] = []
    done = at = 0
    while True:
        if at >= done and (m := pattern.match(text, at)) is not None:
            out.append(m.span())
            done = m.end()
        line = text.find("\n", at)
        if line == -1:
            return out
        at = line + 1


def _headings(text: str) -> list[tuple[int, int]]:
    """The spans of ``_HEADING.finditer(text)`` that :func:`_is_heading` accepts.

    A heading starts the text or follows a blank line, so the pattern is tried only
    there (with ``match``, which sees the look-behind), not at every character.
    """
    out: list[tuple[int, int]] = []
    done = 0
    at = 0
    while True:
        if at >= done and (m := _HEADING.match(text, at)) is not None:
            done = m.end()
            if _is_heading(m.group()):
                out.append(m.span())
        gap = text.find("\n\n", at - 1 if at else 0)  # "\n\n\n" holds two places
        if gap == -1:
            return out
        at = gap + 2


def _is_heading(line: str) -> bool:
    """A heading ("Not Merely Taste and Smell Receptors"): most words capitalised, no verb-like
    end."""
    words = line.split()
    if len(words) < 2:
        return False
    capitalised = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
    return capitalised >= len(words) - 2 and capitalised * 2 > len(words)
