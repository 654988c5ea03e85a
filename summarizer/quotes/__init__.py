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
from summarizer.quotes.attribute import (
    _Attributor,
    _continue_previous,
    continue_in_paragraph,
    previous_subject,
)
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

    A quote whose speaker resolves to no name keeps, in ``speaker_description``, how the
    article describes who spoke there ("the Indiana governor", "a narrator in the ad",
    "the ruling"; never a pronoun): a description, not a name, which a brief never shows
    as one. ``sentences`` is accepted for the pipeline's sake; attribution needs clause
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
            continue_in_paragraph(text, q, in_para[-1] if in_para else None)
            previous_subject(text, q, p_start, att)
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


def _description(text: str, q: _Raw) -> str | None:
    """The unresolved speaker's description, "The Indiana governor" written "the Indiana
    governor" (a description, not a name, starts in lower case)."""
    if q.speaker is not None or q.mention is None:
        return None
    words = text[q.mention[0] : q.mention[1]].strip(" ,")
    if words.split()[0].lower() in ("the", "a", "an", "one", "another"):
        words = words[:1].lower() + words[1:]
    return words


def _merge(text: str, raws: list[_Raw]) -> list[_Raw]:
    """Join the pieces of one quote: '"Q1," X said, "Q2."' is one statement cut by its
    attribution, and 'called him a "nasty guy," an "anchor baby"' one quoted description.

    Pieces are joined only when the same speaker says them in one sentence, and shown as
    "Q1 … Q2"; separate quotes are never fused.
    """
    out: list[_Raw] = []
    for q in raws:
        if out and _joins(text, out[-1], q):
            p = out[-1]
            p.seps[len(p.pieces)] = " … "
            p.pieces.extend(q.pieces)
            p.after = q.after
            p.closed = q.closed
            continue
        out.append(q)
    return out


_SENTENCE_DONE = re.compile(r"[.!?]\s*$")
_SENTENCE_END = re.compile(r"[.!?]\s+\S")  # a sentence ends and another starts
_SAME_PHRASE = re.compile(r"[\s,;—–-]*(?:(?:and|or|an?|but)\s*)?")


def _joins(text: str, p: _Raw, q: _Raw) -> bool:
    """Whether ``q`` goes on the statement of ``p``, said by the same speaker.

    '"Q1," X said, "Q2"' and '"Q1," X said. "Q2."' are one statement cut by its
    attribution (news and PolNeAR alike read them so); any other sentence in between, a
    quote with its own speaker, or one whose attribution failed, stays apart.
    """
    if p.speaker is None or q.contested or q.speaker not in (None, p.speaker):
        return False
    if q.cue_span is not None and q.cue_span != p.cue_span and q.via != "continued":
        return False  # a quote with its own speech verb ("..., adding that “Q”") stays apart
    gap = text[p.after : q.open_mark]
    if "\n" in gap or len(gap) >= 300:
        return False
    if p.via == "after" and p.cue_span and p.after <= p.cue_span[0] < q.open_mark:
        tail = text[p.cue_span[1] : q.open_mark]
        if _QUOTE_MARKS.search(tail) or len(tail.split()) > 30 or _SENTENCE_END.search(tail):
            return False  # the attribution sentence must run right up to the next quote
        return q.speaker == p.speaker or q.via in ("", "continued")
    if _SENTENCE_DONE.search(gap):
        return False
    if q.speaker is None:
        return bool(_SAME_PHRASE.fullmatch(gap))
    return q.via == "same" or (q.cue_span is not None and q.cue_span == p.cue_span)


def _to_quote(text: str, people: PeopleIndex, q: _Raw) -> Quote:
    """The public quote: pieces joined, the speaker as the full person with title."""
    parts: list[str] = []
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
        speaker_description=_description(text, q),
    )
