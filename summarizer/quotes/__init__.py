"""Direct quotes and who said them, in four stages with clear hand-offs.

1. :mod:`.marks` pairs the quote marks (linear in the text);
2. :mod:`.cues` and :mod:`.attribute` find the cue and the speaker mention of each quote;
3. :mod:`.resolve` turns the mention into an entity of :mod:`summarizer.people` (full name,
   never the pronoun or surname that happened to be nearby);
4. :mod:`.roles` gives the speaker's kind and role (official, expert, other).
Precision first: when the evidence is not clear the speaker stays null.
"""

from __future__ import annotations

import re

from summarizer.brief import Person, Quote, Sentence
from summarizer.people import PeopleIndex, find_people
from summarizer.quotes.attribute import _Attributor, _continue_previous
from summarizer.quotes.cues import _Paragraphs
from summarizer.quotes.marks import (
    _MAX_ATTRIBUTED,
    _QUOTE_MARKS,
    _pair_quotes,
    _Raw,
    _worth_attributing,
)
from summarizer.quotes.roles import speaker_kind, speaker_role

__all__ = ["find_quotes_and_people"]


def find_quotes_and_people(
    text: str, sentences: list[Sentence] | None = None
) -> tuple[list[Quote], list[Person]]:
    """Every direct quote with its resolved speaker, and the article's people.

    ``sentences`` is accepted for the pipeline's sake; attribution needs clause
    boundaries around quote marks, which it finds itself (a sentence splitter may cut
    inside a quote, which must not cut the quote).
    """
    if not text:
        return [], []
    raws = _pair_quotes(text)
    people = find_people(text, [(q.open_mark, q.after) for q in raws])
    att = _Attributor(text, people)
    prev: _Raw | None = None
    last_para_speaker: tuple[int, int] | None = None  # (paragraph end, entity)
    in_para: list[_Raw] = []
    paragraphs = _Paragraphs(text)
    for n, q in enumerate(raws):
        if n >= _MAX_ATTRIBUTED or not _worth_attributing(text, q):
            continue
        p_start, p_end = paragraphs.bounds(q.open_mark)
        # earlier quotes of this paragraph near enough to share a sentence with this one
        in_para = [r for r in in_para[-8:] if r.after > max(p_start, q.open_mark - 600)]
        if (
            not att.after(q, p_end)
            and not q.contested
            and not att.before(q, p_start, in_para)
            and not q.contested
        ):
            att.sentence_end(q, p_end)
        if q.speaker is None and not q.contested:
            _continue_previous(text, q, p_start, prev, last_para_speaker, att, paragraphs)
        if q.speaker is not None:
            last_para_speaker = (paragraphs.bounds(max(0, q.after - 1))[1], q.speaker)
        in_para.append(q)
        prev = q
    for q in raws:
        if q.speaker is not None:
            people.entities[q.speaker].speaker = True
    merged = _merge(text, raws)
    quotes = [_to_quote(text, people, q) for q in merged]
    return quotes, people.people()


def _merge(text: str, raws: list[_Raw]) -> list[_Raw]:
    """Join the pieces of one attribution into one quote.

    '"Q1," X said. "Q2."' is one statement cut by its attribution, and 'called him a
    "nasty guy," an "anchor baby"' is one quoted description: PolNeAR and readers alike
    treat each as one quote of one speaker. Pieces with their own cue stay apart.
    """
    out: list[_Raw] = []
    for q in raws:
        if out and out[-1].speaker is not None and q.speaker in (None, out[-1].speaker):
            p = out[-1]
            gap = text[p.after : q.open_mark]
            sep = None
            if "\n" not in gap and len(gap) < 300:
                inner = text[q.pieces[-1][0] : q.pieces[-1][1]].rstrip()
                final = inner.endswith((".", "!", "?", "…")) or re.match(
                    r"[.!?]|\s*(?:\n|$)", text[q.after : q.after + 2]
                )
                if p.via == "after" and p.cue_span and p.after <= p.cue_span[0] < q.open_mark:
                    tail = text[p.cue_span[1] : q.open_mark]
                    if (
                        not _QUOTE_MARKS.search(tail)
                        and len(tail.split()) <= 30
                        and (final or q.cue_span == p.cue_span)
                    ):
                        sep = " "
                elif (
                    q.speaker is not None
                    and (q.via == "same" or (q.cue_span is not None and q.cue_span == p.cue_span))
                ) or (
                    q.speaker is None and re.fullmatch(r"[\s,;—–-]*(?:(?:and|or|an?|but)\s*)?", gap)
                ):
                    sep = " … "
            if sep is not None:
                p.seps[len(p.pieces)] = sep
                p.pieces.extend(q.pieces)
                p.after = q.after
                p.closed = q.closed
                continue
        out.append(q)
    return out


def _to_quote(text: str, people: PeopleIndex, q: _Raw) -> Quote:
    """The public quote: pieces joined, the speaker as the full person with title."""
    parts = []
    for i, (s, e) in enumerate(q.pieces):
        piece = text[s:e].strip()
        if piece:
            parts.append((q.seps.get(i, " ") if parts else "") + piece)
    # the span runs from the first to the last quoted character, marks and spaces excluded
    start, end = q.pieces[0][0], q.pieces[-1][1]
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    speaker = title = role = kind = None
    if q.speaker is not None:
        ent = people.entities[q.speaker]
        speaker, title = ent.name, ent.title
        role, kind = speaker_role(ent), speaker_kind(ent)
    return Quote(
        text="".join(parts),
        start=start,
        end=end,
        speaker=speaker,
        speaker_title=title,
        cue=q.cue,
        speaker_role=role,
        speaker_kind=kind,
    )
