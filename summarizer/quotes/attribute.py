"""Stage 2b: the constructions that tie a quote to a speaker mention.

'"Q," X said' / 'X said: "Q"' / 'X said that "Q"' / '"Q," said X' / 'according to X' /
'... and added that "Q"' / a quote-only paragraph after a speaker. Each construction looks
only at a bounded window around the quote, so the whole stage is linear in the article.
"""

from __future__ import annotations

import re

from summarizer.people import PeopleIndex
from summarizer.quotes.cues import (
    _AFTER_NP,
    _BARE_SPEAKERS,
    _CAP,
    _CLAUSE_STOP,
    _CONJ_BEFORE,
    _CUE_WORDS,
    _DASH_NAME,
    _DESCRIPTION_NP,
    _FUNCTION,
    _NP_DET,
    _OPENING_NP,
    _PRONOUNS,
    _QUOTE_MARKS,
    _SP,
    _SPEAKER_HEADS,
    _TITLED_NAME,
    _Cue,
    _cue_at,
    _cues,
    _first_cue,
    _head_ok,
    _is_adverb,
    _Paragraphs,
    _sentence_start,
)
from summarizer.quotes.marks import _Raw
from summarizer.quotes.resolve import _DESCRIPTION_HEADS, Resolver, is_description
from summarizer.titles import (
    not_name_words,
    title_nouns,
)


class _Attributor:
    """Attributes paired quotes and resolves speakers to entities of the people index."""

    def __init__(self, text: str, people: PeopleIndex) -> None:
        self.text = text
        self.people = people
        self.entity_for = Resolver(text, people).entity_for

    # -- constructions --------------------------------------------------------------------------
    def after(self, q: _Raw, para_end: int) -> bool:
        """'"Q," X said' and '"Q," said X' right after the closing mark."""
        text = self.text
        inner = text[q.pieces[-1][0] : q.pieces[-1][1]].rstrip(" ’'‘\u00a0")
        pos = q.after
        limit = min(para_end, pos + 220)
        window = text[pos:limit]
        lead = len(window) - len(window.lstrip(" ,\u00a0—–-"))
        ends_open = inner.endswith((",", "!", "?", "—", "–", "-", "…")) or window[:1] == ","
        w0 = pos + lead
        # "Q." ― Sonya Herridge (a name after a dash, ending the line)
        dm = _DASH_NAME.match(text, pos, para_end + 1)
        if dm:
            eid = self.entity_for(dm.start(1), dm.end(1))
            if eid is not None:
                q.speaker, q.via = eid, "dash"
                return True
        # cue then speaker: "said Caddell", "added the Russian minister"
        m = _cue_at(text, w0, limit)
        if m and not m.group().lower().startswith("according") and not m.group().endswith("ing"):
            np = self._np_after(m.end(), limit)
            if np and self._np_ok(np.group("np")) and text[np.end("np") : np.end("np") + 1] != ":":
                s, e = self._trim_np(np.start("np"), np.end("np"))
                # "said GOP strategist Keith Nahigian", "responded NASA administrator Jim
                # Bridenstine": the person after a title wrapped round the organisation
                titled = _TITLED_NAME.match(text, e, limit)
                if titled and any(w.lower() in title_nouns() for w in titled.group(1).split()):
                    s, e = titled.start(2), titled.end(2)
                eid = self.entity_for(s, e)
                if eid is not None:
                    q.speaker, q.cue, q.cue_span, q.via = eid, m.group(), m.span(), "after"
                    return True
                self._describe(q, s, e)  # '“Q,” said the announcer'
        if not ends_open and not inner.endswith("."):
            if not self._short_clause(w0, limit):
                return False
            ends_open = True  # '"... continue to see" Mayer said.': no comma, a short clause
        if self._name_then_apposition(q, w0, limit):
            return True
        return self._speaker_then_cue(q, w0, limit, ends_open)

    def _speaker_then_cue(self, q: _Raw, w0: int, limit: int, ends_open: bool) -> bool:
        """'"Q," Ashtiani said', '"Q," the Iranian minister emphasized'.

        When such an attribution clause is there but its subject resolves to nobody ("one
        Weibo commenter said", "the source said"), the chain is broken: the quote is marked
        contested, so no later rule (the paragraph before, the sentence end) guesses.
        """
        text = self.text
        m = _first_cue(text, w0, min(limit, w0 + 160))
        if m and re.match(r"[ \u00a0]*:", text[m.end() : m.end() + 3]):
            return False  # 'X said:' introduces the next quote, not this one
        if not m or m.group().lower().startswith("according") or m.start() <= w0:
            return False
        span = self._subject_before(w0, m.start())
        gap = text[w0 : span[0]] if span is not None else ""
        between = text[w0 : m.start()].split()
        clause = (
            ends_open
            and 0 < len(between) <= 5
            and (
                between[0][:1].isupper()
                or between[0].lower() in _NP_DET
                or between[0].lower() in _PRONOUNS
            )
        )  # "one Weibo commenter said", "the source said": an attribution clause
        if span is None or not (
            not gap.strip(" ,")
            or (
                re.fullmatch(r"(?:[a-z0-9][\w’'\-]*\s+){1,4}", gap)
                and not any(w in _CUE_WORDS for w in gap.split())
            )
            or _title_gap(gap)
            or (
                # "the presumptive GOP nominee, Donald Trump, tweeted"
                gap.endswith(", ")
                and len(gap.split()) <= 8
                and not any(w.lower() in _CUE_WORDS for w in gap.split())
            )
        ):
            q.contested = clause and not _QUOTE_MARKS.search(text, w0, m.start())
            return False
        if not ends_open and not self._short_clause(m.end(), limit):
            return False
        eid = self.entity_for(*span)
        if eid is None:
            q.contested = clause
            self._describe(q, *span)  # '“Q,” the announcer said'
            return False
        q.speaker, q.cue, q.cue_span, q.via = eid, m.group(), m.span(), "after"
        return True

    def indirect_speaker(self, start: int, end: int) -> int | None:
        """The subject of indirect speech in a paragraph with no quote marks: "Health
        Minister X says he has been meeting..." (its first speech verb, if near the start)."""
        if _QUOTE_MARKS.search(self.text, start, end):
            return None
        for cue in _cues(self.text, start, min(end, start + 200))[:1]:
            if cue.group().lower().startswith("according") or cue.group().endswith("ing"):
                return None
            span = self._subject_before(start, cue.start())
            if span is None or self.text[start : span[0]].strip():
                return None  # the subject must open the paragraph
            return self.entity_for(*span)
        return None

    def _name_then_apposition(self, q: _Raw, w0: int, limit: int) -> bool:
        """'"Q," Dylan Nelson, a fellow at the Institute in Munich, Germany, said.'"""
        text = self.text
        m = _NAME_COMMA.match(text, w0, limit)
        pre = _LOWER_TITLE.match(text, w0, limit)
        if m is None and pre and pre.group(1).split()[-1].lower() in title_nouns():
            m = _NAME_COMMA.match(text, pre.end(), limit)  # "study lead author X, a ..., said"
        if m is None:
            return False
        stop = _CLAUSE_STOP.search(text, m.end(), limit)
        end = stop.start() if stop else limit
        for k, cue in enumerate(_cues(text, m.end(), min(end, m.end() + 260))):
            between = text[m.end() : cue.start()]
            unclosed = (  # "X, a research analyst at the Y think tank told CBS News"
                k == 0
                and re.match(r"(?:an?|the)[ \u00a0]", between) is not None
                and cue.group().lower() in ("said", "told", "says", "added")
            )
            if not between.rstrip().endswith(",") and not unclosed:
                continue
            if cue.group().lower().startswith("according") or cue.group().endswith("ing"):
                return False
            eid = self.entity_for(m.start(1), m.end(1))
            if eid is None or self.people.entities[eid].kind != "person":
                return False
            q.speaker, q.cue, q.cue_span, q.via = eid, cue.group(), cue.span(), "after"
            return True
        return False

    def sentence_end(self, q: _Raw, para_end: int) -> bool:
        """'... "velvet gloves" in its dealings, said Nargis Kassenova.' at the sentence end."""
        text = self.text
        pos = q.after
        limit = min(para_end, pos + 300)
        stop = _CLAUSE_STOP.search(text, pos, limit)
        if stop is None or text[stop.start()] not in ".!?":
            return False
        end = stop.start()
        comma = text.find(",", pos, end)
        tries = 0
        while comma >= 0 and tries < 4:
            tries += 1
            cs = comma + 1
            if len(text[cs:end].split()) <= 16:
                found = self._clause_speaker(cs, end)
                if found is not None:
                    q.speaker, q.cue, q.cue_span = found[0], found[1].group(), found[1].span()
                    q.via = "end"
                    return True
            comma = text.find(",", cs, end)
        return False

    def _clause_speaker(self, cs: int, end: int) -> tuple[int, _Cue] | None:
        """The speaker of a trailing clause: "said X", "X said", "according to X"."""
        text = self.text
        found = _cues(text, cs, end)
        if not found:
            return None
        cue = found[0]
        lead = text[cs : cue.start()]
        if not lead.strip() and cue.group().lower() in _OBJECT_CUES:
            return None  # "..., told the BBC.": the BBC heard it
        if not lead.strip():
            np = self._np_after(cue.end(), end)
            if np is None or not self._np_ok(np.group("np")):
                return None
            s, e = self._trim_np(np.start("np"), np.end("np"))
            if text[s:e].lower() in _PRONOUNS and not cue.group().lower().startswith("according"):
                return None  # "..., said he" is rare; "..., he said" is handled below
        else:
            if len(lead.split()) > 8:
                return None
            span = self._subject_before(cs, cue.start())
            if span is None or text[cs : span[0]].strip():
                return None
            s, e = span
        eid = self.entity_for(s, e)
        return (eid, cue) if eid is not None else None

    def _describe(self, q: _Raw, start: int, end: int) -> None:
        """Keep the unresolved subject of a speech verb as the quote's description when it
        is one ("the Indiana governor", "a narrator in the ad", "the ruling"), not a
        pronoun or a name that failed to resolve."""
        if q.mention is None and is_description(self.text[start:end]):
            q.mention = (start, end)

    def _short_clause(self, pos: int, limit: int) -> bool:
        """After '."' only a short attribution sentence counts: 'Q.' he said."""
        stop = re.search(r"[.!?]", self.text[pos:limit])
        return stop is not None and len(self.text[pos : pos + stop.start()].split()) <= 8

    def _np_after(self, pos: int, limit: int) -> re.Match[str] | None:
        """The noun phrase after a verb: "said a WeWork spokesperson", "said Victor Cha"."""
        m = _DESCRIPTION_NP.match(self.text, pos, limit)
        if m and _head_ok(m.group("np").split()[-1]):
            return m
        return _AFTER_NP.match(self.text, pos, limit)

    def _np_ok(self, np: str) -> bool:
        words = np.split()
        return bool(words) and not any(w.lower() in _CUE_WORDS for w in words)

    def _trim_np(self, s: int, e: int) -> tuple[int, int]:
        np = self.text[s:e]
        stripped = np.rstrip(" ,")
        s2 = s + (len(np) - len(np.lstrip()))
        return s2, s + len(stripped)

    def before(self, q: _Raw, floor: int, earlier: list[_Raw]) -> bool:
        """'X said: "Q"', 'X said that "Q"', 'according to X, "Q"', '... and added that "Q"'."""
        text = self.text
        inside = [(r.open_mark, r.after) for r in earlier]
        start = _sentence_start(text, q.open_mark, floor, inside)
        prev = earlier[-1] if earlier and earlier[-1].after > start else None
        cues: list[_Cue] = []
        for c in reversed(_cues(text, start, q.open_mark)):
            if len(cues) == _MAX_CUES:
                break  # a sentence has a few speech verbs; bounds the work on any input
            if not any(a <= c.start() < b for a, b in inside):
                cues.insert(0, c)
        for k, m in enumerate(reversed(cues)):
            found = self._cue_speaker(q, m, k, start, prev, inside)
            if found is None:
                continue
            eid, via = found
            if via == "before" and self._contested(start, cues[: len(cues) - 1 - k], eid):
                q.contested = True  # "X said that Y had concluded “Q”": two candidates
                return False
            q.speaker, q.via, q.cue_span = eid, via, m.span()
            q.cue = "according to" if m.group().lower().startswith("according") else m.group()
            return True
        if not cues and prev is not None and prev.speaker is not None:
            # a second quoted phrase of the same clause: 'a "nasty guy," an "anchor baby"'
            q.speaker, q.cue, q.via, q.cue_span = prev.speaker, prev.cue, "same", prev.cue_span
            return True
        if text[start : q.open_mark].rstrip().endswith(":"):
            # "Trump issued the following statement:" then the quote
            subject = self.people.first_subject_in(start, q.open_mark, inside)
            if subject is not None:
                q.speaker, q.via = subject, "colon"
                return True
        return False

    def _cue_speaker(
        self,
        q: _Raw,
        m: _Cue,
        k: int,
        start: int,
        prev: _Raw | None,
        inside: list[tuple[int, int]],
    ) -> tuple[int, str] | None:
        """The speaker one cue before the quote gives it, and how ("before" or "carry")."""
        text = self.text
        if m.group().lower().startswith("according"):
            np = self._np_after(m.end(), q.open_mark)
            if not np:
                return None
            # "according to his aunt, Jane Starner, “Q”": the name the description gives
            named = _NAMED_APPOSITION.match(text, np.end("np"), q.open_mark)
            name = named.span(1) if named else self._trim_np(np.start("np"), np.end("np"))
            eid = self.entity_for(*name)
            return (eid, "before") if eid is not None else None
        if k == 0 and (eid := self._inverted(q, m, start)) is not None:
            return eid, "before"
        if _PASSIVE_OF.search(text, max(start, m.start() - 40), m.start()):
            return None  # "was accused of calling him “Q”": someone else says so
        if not m.group().endswith("ing") and _PASSIVE.search(
            text, max(start, m.start() - 8), m.start()
        ):
            return None  # "was accused of": the subject did not say it
        adv = self._skip_adverbs(start, m.start())
        lead = text[max(start, adv - 6) : adv]
        conj = _CONJ_BEFORE.search(lead)
        if conj and conj.group().startswith(",") and not m.group().endswith("ing"):
            # "Milley, chairman of the Joint Chiefs, told": an apposition, not "..., and"
            span = self._subject_before(start, m.start())
            eid = self.entity_for(*span) if span is not None else None
            if eid is not None:
                return eid, "before"
        if m.group().endswith("ing") or conj:
            # "..., saying "Q"" / "... and added that "Q"": the clause's subject
            if k > 0:
                return None
            if prev is not None and prev.speaker is not None and prev.after <= m.start():
                return prev.speaker, "carry"
            eid = self._sentence_subject(start, m.start(), inside)
            return (eid, "subject") if eid is not None else None
        span = self._subject_before(start, m.start())
        eid = self.entity_for(*span) if span is not None else None
        if eid is None and span is not None and k == 0:
            self._describe(q, *span)  # 'the announcer said, “Q”'
        return (eid, "before") if eid is not None else None

    def _inverted(self, q: _Raw, m: _Cue, start: int) -> int | None:
        """'..., explained Rosenberg, “Q”': the speaker follows the verb."""
        text = self.text
        np = self._np_after(m.end(), q.open_mark)
        if np is None:
            return None
        gap = text[np.end("np") : q.open_mark]
        inverted = text[max(start, m.start() - 2) : m.start()].strip() == ","
        if not inverted or m.group().lower() in _OBJECT_CUES:
            return None
        if not re.fullmatch(r"[ \u00a0]*[,:][ \u00a0]*", gap):
            return None
        s, e = self._trim_np(np.start("np"), np.end("np"))
        return None if text[s:e].lower() in _PRONOUNS else self.entity_for(s, e)

    def _contested(self, start: int, earlier: list[_Cue], eid: int) -> bool:
        """Whether an earlier speech verb of the sentence has another named subject."""
        for c in earlier[:2]:
            if c.group().lower().startswith("according") or c.group().endswith("ing"):
                continue
            span = self._subject_before(start, c.start())
            other = self.people.mention_in(*span) if span is not None else None
            if other is not None and other != eid and self.people.entities[other].named:
                return True
        return False

    def _sentence_subject(self, start: int, end: int, inside: list[tuple[int, int]]) -> int | None:
        """The subject opening the sentence ("Hayek confirmed ... and said"), else its first
        subject mention."""
        m = _OPENING_NP.match(self.text, start, end)
        if m and not any(a <= m.start(1) < b for a, b in inside):
            first = m.group(1).split()[0].lower()
            if first not in not_name_words() or first == "the":
                eid = self.entity_for(m.start(1), m.end(1))
                if eid is not None:
                    return eid
        return self.people.first_subject_in(start, end, inside)

    def _skip_adverbs(self, floor: int, pos: int) -> int:
        """Move back over adverbs and auxiliaries: "Ashtiani further added", "he has said"."""
        for _ in range(4):
            m = re.search(r"([A-Za-z][\w’'\-]*)\s+$", self.text[max(floor, pos - 30) : pos])
            if m and _is_adverb(m.group(1)):
                pos = max(floor, pos - 30) + m.start()
            else:
                break
        return pos

    def _person_inside(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of a named person's mention ending a phrase, after its first word."""
        eid = self.people.mention_in(start, end)
        if eid is None:
            return None
        ent = self.people.entities[eid]
        if ent.kind != "person" or not ent.named:
            return None
        for s0, e0 in ent.mentions:
            if start < s0 and e0 == end:
                return s0, e0
        return None

    def _subject_before(self, floor: int, cue_start: int) -> tuple[int, int] | None:
        """The subject noun phrase ending just before a speech verb."""
        text = self.text
        pos = self._skip_adverbs(floor, cue_start)
        left = text[floor:pos].rstrip()
        # a party label after a name: "Sen. Marco Rubio (R-Fla.) said"
        paren = re.search(r"\s*\([^()]{1,24}\)$", left)
        if paren:
            left = left[: paren.start()]
        if not left:
            return None
        if left.endswith(","):
            cut = _strip_apposition(left, floor)
            if cut is None or isinstance(cut, tuple):
                return cut
            left = cut
        end = floor + len(left)
        m = re.search(r"(?<![\w’'])([A-Za-z]+)$", left)
        if m and m.group(1).lower() == "who":
            # "Mike Pence, who called their son ..."
            rest = left[: m.start(1)].rstrip()
            if rest.endswith(","):
                return self._subject_before(floor, floor + len(rest) - 1)
            return None
        if m and m.group(1).lower() in _PRONOUNS:
            return floor + m.start(1), end
        team = _AND_TEAM.search(left)
        if team:
            return floor + team.start(1), floor + team.end(1)  # "Paganini and his team wrote"
        # a capitalised noun phrase: "Russian Defense Minister Sergey Shoigu", "Tehran"
        cm = _CAP_END.search(left[-160:])
        if cm:
            s = end - (len(left[-160:]) - cm.start())
            if _PREPOSITION_BEFORE.search(text, max(floor, s - 8), s):
                # "a spokesperson for the Foreign Office said": not the office; but
                # "ambassador to Britain Liu Xiaming said": the person after the place
                return self._person_inside(s, end)
            return s, end
        return _description_before(left, end)


_CAP_END = re.compile(
    rf"(?:(?:[Tt]he){_SP})?{_CAP}(?:{_SP}(?:of{_SP}(?:the{_SP})?)?{_CAP}){{0,7}}$"
)


def _strip_apposition(left: str, floor: int) -> str | tuple[int, int] | None:
    """Text before a speech verb that ends with a comma: "Baqeri, the Chief of Staff ...,".

    The text without the apposition, or the span of a name that is itself the apposition
    ("Sanders's campaign manager, Jeff Weaver, said"), or None when it is no apposition.
    """
    comma = left.rfind(",", 0, len(left) - 1)
    if comma <= 0:
        return None
    seg = left[comma + 1 : -1].strip()
    segw = seg.split()
    before_comma = left[:comma].split()
    if re.fullmatch(rf"{_CAP}(?:{_SP}{_CAP}){{1,4}}", seg) and _title_ends(before_comma):
        s0 = floor + left.index(seg, comma)
        return s0, s0 + len(seg)
    if segw and (
        segw[0].lower() in ("the", "a", "an", "who", "former", "which")
        or any(w.lower().strip(".’'") in title_nouns() for w in segw)
        or seg[:1].isdigit()
        or (len(segw) <= 12 and re.search(r"[A-Z][\w’'.\-]*$", left[:comma]))
    ):
        return left[:comma].rstrip()
    return None


def _title_ends(words: list[str]) -> bool:
    """Whether words before a comma end a title: "Sweden’s deputy director of public
    prosecutions, Eva-Marie Persson," (a title noun among the last lowercase words)."""
    for w in reversed(words[-6:]):
        low = w.lower().strip(".’'")
        if low in title_nouns():
            return True
        if w[:1].isupper() and low not in ("of", "the"):
            return False  # another name or an organisation: "told Reuters, Jane Doe,"
    return False


def _description_before(left: str, end: int) -> tuple[int, int] | None:
    """A lowercase description ending at ``end``: "a campaign spokesman", "sources"."""
    words = list(re.finditer(r"[\w’'\-]+", left[-80:]))
    if not words:
        return None
    base = end - len(left[-80:])
    last = words[-1]
    head = last.group().lower()
    if base + last.end() != end or not (
        head in _SPEAKER_HEADS
        or head in _BARE_SPEAKERS
        or head in title_nouns()
        or head in _DESCRIPTION_HEADS
    ):
        return None
    if head in _BARE_SPEAKERS and (len(words) == 1 or words[-2].group().lower() not in _NP_DET):
        return base + last.start(), end
    for k in range(len(words) - 1, max(-1, len(words) - 6), -1):
        w = words[k].group()
        between = left[-80:][words[k].end() : last.start()]
        if re.search(r"[,;:()\"“”«»]", between) or w.lower() in _FUNCTION:
            return None
        if w.lower() in _NP_DET:
            if k == len(words) - 1 or any(x.group().lower() in _CUE_WORDS for x in words[k + 1 :]):
                return None
            return base + words[k].start(), end
    return None


def _continue_previous(
    text: str,
    q: _Raw,
    p_start: int,
    prev: _Raw | None,
    last: tuple[int, int] | None,
    att: _Attributor,
    paragraphs: _Paragraphs,
) -> None:
    """A paragraph that is only a quote continues the speaker of the paragraph before.

    That speaker is the one introduced by "X said:" ending that paragraph, the subject of
    its indirect speech ("Health Minister X says he has been meeting..."), or the speaker
    of its last quote; a paragraph of anything else in between breaks the chain.
    """
    if q.open_mark - p_start > 8 or text[p_start : q.open_mark].strip():
        return
    p_end = paragraphs.bounds(q.open_mark)[1]
    next_mark = _QUOTE_MARKS.search(text, q.after, p_end)
    if _cues(text, q.after, next_mark.start() if next_mark else p_end):
        return  # '"Q," Jane Doe, head of X, told Y.': its own attribution, even if unread
    prev_end = p_start - 1
    while prev_end > max(0, p_start - 40) and text[prev_end - 1] in "\n \t\r":
        prev_end -= 1
    if prev_end <= 0:
        return
    ps, _ = paragraphs.bounds(prev_end - 1)
    if text[prev_end - 1] == ":":
        probe = _Raw(open_mark=prev_end, after=prev_end)
        probe.pieces = [(prev_end - 1, prev_end - 1)]
        if att.before(probe, ps, []):
            q.speaker, q.cue, q.via = probe.speaker, probe.cue, "colon"
        return
    if last is not None and prev is not None:
        para_end, eid = last
        gap = text[para_end:p_start] if 0 <= p_start - para_end <= 40 else "x"
        if gap.count("\n") <= 3 and not gap.strip():
            q.speaker, q.via = eid, "continued"
            return
    speaker = att.indirect_speaker(ps, prev_end)
    if speaker is not None:
        q.speaker, q.via = speaker, "continued"


def continue_in_paragraph(text: str, q: _Raw, prev: _Raw | None) -> None:
    """'"Q1," X said on Monday. "Q2."': the next quote of the paragraph, with no cue of its
    own and no one else named in between, is X's too (a quote of its own, not fused)."""
    if prev is None or prev.speaker is None or q.speaker is not None or q.contested:
        return
    gap = text[prev.after : q.open_mark]
    if "\n" in gap or len(gap) > 300 or _QUOTE_MARKS.search(gap):
        return
    if prev.via == "after" and prev.cue_span and prev.cue_span[0] >= prev.after:
        # '"Q1," said X, director of Y. "Q2"': only the attribution sentence in between
        if re.search(r"[.!?]\s*$", gap) and not re.search(r"[.!?]\s+\S", gap.rstrip()):
            q.speaker, q.cue, q.via = prev.speaker, prev.cue, "continued"
        return
    words = gap.split()
    if len(words) > 6:
        return
    if any(w[:1].isupper() or w.lower().strip(".,;:") in _CUE_WORDS for w in words[1:]):
        return  # someone else named, or another speech verb
    if words and words[0][:1].isupper():
        return
    q.speaker, q.cue, q.via = prev.speaker, prev.cue, "continued"


_NAME_COMMA = re.compile(
    r"((?:[A-Z][\w’'\-]*\.?[ \u00a0]+){1,3}[A-Z][\w’'\-]+),[ \u00a0]+(?=[a-z])"
)
_MAX_CUES = 4
_LOWER_TITLE = re.compile(r"((?:[a-z][\w’'\-]*[ \u00a0]+){1,4})(?=[A-Z])")
_AND_TEAM = re.compile(
    r"(?<![\w’'])([A-Z][\w’'\-]+)[ \u00a0]+and[ \u00a0]+(?:his|her)[ \u00a0]+"
    r"(?:team|colleagues|co-?authors|co-?workers)$"
)
_NAMED_APPOSITION = re.compile(r",[ \u00a0]+((?:[A-Z][\w’'\-]*\.?[ \u00a0]+){1,3}[A-Z][\w’'\-]+),")
_PASSIVE_OF = re.compile(
    r"\b(?:was|were|been|being|is|are)[ \u00a0]+[a-z]+(?:ed|en)[ \u00a0]+(?:of|for)[ \u00a0]+$"
)
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are)[ \u00a0]+$")
_PREPOSITION_BEFORE = re.compile(r"\b(?:for|of|at|to|from|with|by|in|on)[ \u00a0]+$")
_OBJECT_CUES = frozenset("told tell tells telling asked asks asking thanked".split())


def _title_gap(gap: str) -> bool:
    """ "Commerzbank analyst " before "Carsten Fritsch said": a title wrapped round a name."""
    words = gap.split()
    return (
        0 < len(words) <= 6
        and words[-1].lower().strip(",") in title_nouns()
        and not gap.rstrip().endswith(",")
        and not any(w.lower() in _CUE_WORDS for w in words)
    )


def previous_subject(text: str, q: _Raw, p_start: int, att: _Attributor) -> None:
    """ "Bridenstine expects three rockets by 2024. “Q.”": a quote standing as its own
    sentence, with no cue of its own, after a sentence of the same paragraph whose subject
    is one person and which names no other person, is that person's.
    """
    if q.speaker is not None or q.contested or not q.closed:
        return
    lead = text[p_start : q.open_mark]
    stripped = lead.rstrip(" \u00a0")
    if not stripped or not re.search(r"[.!?][”\"’)]?$", stripped) or _QUOTE_MARKS.search(lead):
        return  # the quote must open a sentence that follows plain narration
    p_end = text.find("\n", q.after)
    p_end = len(text) if p_end < 0 else p_end
    nxt = _QUOTE_MARKS.search(text, q.after, p_end)
    if _cues(text, q.after, nxt.start() if nxt else p_end):
        return  # a speech verb after the quote: its own attribution, read or not
    s = _sentence_start(text, len(stripped) + p_start - 1, p_start, [])
    m = _OPENING_NP.match(text, s, q.open_mark)
    pron = re.match(r"[ \u00a0]*(He|She)\b", text[s : q.open_mark])
    if m is not None and m.group(1).endswith(("’s", "'s")):
        return  # "Swift's rep told Fox News": the subject is not the person named
    if m is not None:
        eid = att.people.mention_in(m.start(1), m.end(1))  # a person the article named
    elif pron is not None:
        eid = att.entity_for(s + pron.start(1), s + pron.end(1))
    else:
        return
    if eid is None or att.people.entities[eid].kind != "person":
        return
    if not att.people.entities[eid].named or att.people.other_person_in(s, q.open_mark, eid):
        return
    q.speaker, q.via = eid, "narrated"
