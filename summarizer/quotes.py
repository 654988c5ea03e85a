"""Direct quotes and who said them.

Two steps. First the quote marks are paired, paragraph by paragraph, in one linear scan:
curly, straight and « » marks; a quote left open at the end of a paragraph either goes on
in the next paragraph (news repeats the opening mark there and closes only at the end) or
stops at the paragraph end, so an odd number of marks never spoils the rest of the article.
Then each quote is attributed with the constructions news uses ("Q," X said / X said: "Q"
/ X said that "Q" / "Q," said X / according to X / ... and added that "Q" / a quote-only
paragraph after a speaker), and the speaker is resolved through :mod:`summarizer.people`
to the full person with title, never the pronoun or surname that happened to be nearby.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from summarizer.brief import Person, Quote, Sentence
from summarizer.people import PeopleIndex, find_people
from summarizer.titles import (
    capital_country,
    country_names,
    not_name_words,
    organisation_words,
    title_nouns,
    wordset,
)

# -- speech verbs ---------------------------------------------------------------------------------
_CUE_STEMS = """
say says said saying tell tells told telling add adds added adding noted noting stated stating
stress stresses stressed stressing emphasize emphasizes emphasized emphasizing emphasise
emphasises emphasised emphasising announce announces announced announcing declare declares
declared declaring assert asserts asserted asserting insist insists insisted insisting argue
argues argued arguing explain explains explained explaining warn warns warned warning urge
urges urged urging claimed claiming write writes wrote writing tweeted tweeting ask asks asked
asking replies replied replying respond responds responded responding answered answering
continue continues continued continuing conclude concludes concluded concluding recall recalls
recalled recalling acknowledge acknowledges acknowledged acknowledging admit admits admitted
admitting deny denies denied denying mention mentions mentioned mentioning observe observes
observed observing remarked remarking commented commenting suggest suggests suggested
suggesting predict predicts predicted predicting promised promising vowed vowing pledged
pledging confirm confirms confirmed confirming reported reporting shout shouts shouted shouting
yell yells yelled joked joking complain complains complained complaining boasts boasted concede
concedes conceded conceding countered countering charged alleged alleges allege contend
contends contended maintains maintained reiterate reiterates reiterated reiterating posted
proclaim proclaims proclaimed agree agrees agreed accuse accuses accused accusing praised calls
called calling describe describes described describing dismiss dismissed dismissing criticize
criticized criticised criticizing slam slams slammed blast blasts blasted mocks mocked quip
quips quipped recount recounts recounted testify testifies testified testifying express
expresses expressed expressing hoped believe believes believed think thinks thought feel feels
felt cautioned cautions pointed reads assure assures assured remind reminds reminded exclaimed
exclaims whispered wonders wondered questioned underlines underlined underscored underscores
highlights highlighted highlighting threatened threatens threaten lamented summed labeled
labelled branded termed dubbed estimated defends defended thanked chanted demur demurs demurred
hails hailed lauds lauded blames blamed implore implored begged pleads pleaded swore mused
scoffed snapped retorted sneered pronounce pronounced touts touted characterize characterized
characterise characterised refers referred signaled signalled concurred decried decries
lambasted ripped teased taunted chided scolded cites cited quoted sings sang
praising praised bemoan bemoans bemoaned ponder ponders pondered emailed texted pressed
welcomed welcomes characterizes protested
chanting chanted echoing echoed referenced
"""
# Words that are more often nouns ("the claims", "his remarks"): cues only before "that"/":".
_AMBIGUOUS_CUES = """
note notes claim claims state states report reports remark remarks comment comments point
points hope hopes joke jokes tweet tweets post posts vow vows pledge pledges promise promises
charge charges counter counters estimate estimates answer answers question questions
"""
_CUE_WORDS = frozenset(_CUE_STEMS.split())
_AMBIGUOUS = frozenset(_AMBIGUOUS_CUES.split())
_WORD_TOKEN = re.compile(r"[\w’'\-]+")
_THAT_OR_COLON = re.compile(r"[ \u00a0]+that\b|[ \u00a0]*:")
_TO = re.compile(r"[ \u00a0]+to\b")

_PRONOUNS = wordset("he she they i we it who you")
_ADVERBS = wordset(
    """also further later then has had have was were is are would will could had again once
    repeatedly previously recently reportedly publicly privately flatly strongly firmly simply
    just already often frequently earlier subsequently finally initially originally
    additionally even never not only since still openly bluntly angrily quickly proudly
    separately elsewhere once-again has’d"""
)
# Heads of lowercase speaker phrases: "a campaign spokesman", "the memo", "the crowd".
_SPEAKER_HEADS = wordset(
    """source person man woman men women resident voter supporter critic protester protesters
    crowd group campaign report memo lawsuit letter headline ad ads advertisement article
    editorial complaint filing study poll survey website site statement release document
    documents email emails post tweet message note board panel team office staff family
    friend friends father mother wife husband son daughter brother sister neighbor
    neighbour student students worker workers employee employees member members owner
    veteran veterans mom dad user users fan fans rep agent host anchor narrator voice
    organization organisation agency ministry department government administration
    committee party court judge jury prosecutors newspaper paper magazine network
    outlet station channel book memoir biography press media"""
)
_NOT_ADVERBS = wordset("family ally rally bully belly supply reply apply july italy")


def _is_adverb(word: str) -> bool:
    low = word.lower()
    return low in _ADVERBS or (
        word.islower() and low.endswith("ly") and len(low) > 4 and low not in _NOT_ADVERBS
    )


_CONJ_BEFORE = re.compile(r"(?:\b(?:and|but|or|then)|,)\s+$")
_NP_DET = wordset(
    "the a an his her their its one another some many several two three four other this "
    "these those that both all most few"
)
_BARE_SPEAKERS = wordset(
    """sources officials critics aides analysts experts people witnesses police residents
    prosecutors lawmakers republicans democrats supporters opponents observers diplomats
    investigators authorities reporters voters organizers organisers activists protesters
    spokesmen advisers advisors economists scientists researchers doctors"""
)
_FUNCTION = wordset(
    """while and but or that which to of in on at for with by from as when if after before
    because than so not whether where how what about into over under"""
)
# A capitalised word (with inner particles), for speaker noun phrases.
_CAP = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'\-]*\.?|(?:al|el)-[A-Z][\w’'\-]*)"
_SP = r"[ \u00a0]+"
_DET = r"(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Oo]ne|[Aa]nother)"
_CAP_NP = rf"{_CAP}(?:{_SP}(?:of{_SP}(?:the{_SP})?)?{_CAP}){{0,6}}"
_AFTER_NP = re.compile(
    rf"""\s*(?P<np>
        (?:[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I)\b
      | (?:{_DET}\s+)?(?:[\w’'\-.]+\s+){{0,6}}?{_CAP_NP}
      | {_DET}\s+(?:[\w’'\-]+\s+){{0,4}}?[a-z][\w’'\-]*
      | {"|".join(sorted(_BARE_SPEAKERS))}
    )""",
    re.VERBOSE,
)
_OPENING_NP = re.compile(rf"[\s“\"]*((?:The{_SP})?{_CAP_NP})(?=[ \u00a0]+[a-z])")
_DESCRIPTION_NP = re.compile(
    rf"\s*(?P<np>{_DET}[ \u00a0]+(?:[\w’'\-]+[ \u00a0]+){{0,4}}?[a-z][\w’'\-]*)"
)


def _head_ok(word: str) -> bool:
    """Whether a lowercase noun can head a speaker phrase ("spokesperson", "memo")."""
    low = word.lower()
    return low in _SPEAKER_HEADS or low in _BARE_SPEAKERS or low in title_nouns()


_TITLED_NAME = re.compile(rf"((?:[ \u00a0]+[a-z][\w’'\-]*){{1,3}})[ \u00a0]+({_CAP_NP})")
_DASH_NAME = re.compile(
    rf"[ \u00a0]*[―—–-]+[ \u00a0]*({_CAP}(?:[ \u00a0]+{_CAP}){{0,5}})[ \u00a0.]*(?:\n|$)"
)
_CLAUSE_STOP = re.compile(r"[.!?](?=[”\"’)]?(?:\s|$))|[“\"«\n]")
_QUOTE_MARKS = re.compile(r"[\"“”«»„\n]")
_SENT_END = re.compile(r"[.!?][”\"’)]?\s+(?=[“\"A-Z])|[;\n]")
_ABBREV_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|St|Jr|Sr|Capt|Maj|Prof|Rev|No|vs|Sept|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Inc|Corp|Co)|\b[A-Z]|(?:[A-Z]\.)+[A-Z])$"
)


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


# -- context helpers -------------------------------------------------------------------------
def _sentence_start(text: str, pos: int, floor: int, inside: list[tuple[int, int]]) -> int:
    """Start of the sentence holding ``pos`` (not before ``floor``).

    Abbreviations ("Mr.", "U.S.") and full stops inside earlier quotes do not end it.
    """
    lo = max(floor, pos - 400)
    best = lo
    for m in _SENT_END.finditer(text, lo, pos):
        if m.group()[0] == "." and _ABBREV_END.search(text, max(0, m.start() - 6), m.start()):
            continue
        if any(a < m.start() and m.end() <= b for a, b in inside):
            continue
        best = m.end()
    return best


class _Paragraphs:
    """Paragraph bounds by bisection over the newlines, found once (linear on one-line text)."""

    def __init__(self, text: str) -> None:
        self.n = len(text)
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def bounds(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.newlines, pos - 1) if pos > 0 else 0
        start = self.newlines[i - 1] + 1 if i > 0 else 0
        j = bisect_left(self.newlines, pos)
        end = self.newlines[j] if j < len(self.newlines) else self.n
        return start, end


class _Cue:
    """A speech verb found in the text (one or two words), shaped like a match object."""

    __slots__ = ("_end", "_start", "_text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text, self._start, self._end = text, start, end

    def group(self) -> str:
        return self._text[self._start : self._end]

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def span(self) -> tuple[int, int]:
        return self._start, self._end


def _cues(text: str, start: int, end: int) -> list[_Cue]:
    """Speech verbs in text[start:end], by set lookup word by word (cheap, linear).

    "according to" is one cue; "claims", "notes" and other words that are more often
    nouns count only before "that" or a colon; "expressed hope" is one cue of two words.
    """
    found: list[_Cue] = []
    for m in _WORD_TOKEN.finditer(text, start, end):
        low = m.group().lower()
        cue_end = m.end()
        if low in _CUE_WORDS or (low in _AMBIGUOUS and _THAT_OR_COLON.match(text, m.end())):
            pass
        elif low == "according" and (to := _TO.match(text, m.end())):
            cue_end = to.end()
        else:
            continue
        if found and found[-1].end() == m.start() - 1 and text[m.start() - 1] == " ":
            found[-1] = _Cue(text, found[-1].start(), cue_end)
        else:
            found.append(_Cue(text, m.start(), cue_end))
    return found


def _cue_at(text: str, pos: int, end: int) -> _Cue | None:
    """The speech verb starting exactly at ``pos``, if one does."""
    for cue in _cues(text, pos, min(end, pos + 40))[:1]:
        if cue.start() == pos:
            return cue
    return None


def _first_cue(text: str, pos: int, end: int) -> _Cue | None:
    found = _cues(text, pos, end)
    return found[0] if found else None


class _Attributor:
    """Attributes paired quotes and resolves speakers to entities of the people index."""

    def __init__(self, text: str, people: PeopleIndex) -> None:
        self.text = text
        self.people = people
        self._made: dict[str, int] = {}

    # -- noun phrases to entities ---------------------------------------------------------------
    def entity_for(self, start: int, end: int) -> int | None:
        """The entity a speaker noun phrase text[start:end] names."""
        text = self.text
        np = text[start:end].strip()
        if not np:
            return None
        words = np.split()
        low0 = words[0].lower()
        if len(words) == 1 and low0 in _PRONOUNS:
            if low0 in ("he", "she"):
                eid = self.people.last_subject(start)
            elif low0 in ("they", "we", "it"):
                eid = self.people.last_subject(start, ("organisation", "government", "person"))
            else:
                return None
            if eid is not None:
                self.people.add_speaker_mention(eid, start, end)
            return eid
        eid = self.people.mention_in(start, end)
        if eid is not None:
            return eid
        # "the Iranian minister", "the Russian defense minister"
        if low0 in ("the", "a", "an") and words[-1].lower().strip(".") in title_nouns():
            eid = self.people.resolve_description(words[1:], start)
            if eid is not None:
                self.people.add_speaker_mention(eid, start, end)
                return eid
        bare = np[4:] if low0 == "the" and words[-1][:1].isupper() else np
        bare = bare.rstrip(",.")
        if not bare.strip():
            return None
        if len(words) == 1 or words[-1][:1].isupper():
            last = bare.split()[-1]
            sid = self.people.by_surname(last)
            if sid is not None:
                self.people.add_speaker_mention(sid, start, end)
                return sid
        country = capital_country(bare) or country_names().get(bare)
        if country:
            return self._make(bare, f"Government of {country}", "government", start, end)
        lows = {w.lower().strip(".,’'") for w in bare.split()}
        described = (low0 in _NP_DET and len(words) > 1 and not words[1][:1].isupper()) or (
            len(words) == 1 and low0 in _BARE_SPEAKERS
        )
        if not described and all(w.lower().strip(".,’'") in not_name_words() for w in words):
            return None  # "Sunday", "The", "Monday’s": not a speaker
        if bare[:1].isupper() and not described:
            kind = "organisation" if lows & organisation_words() else "person"
            return self._make(bare, None, kind, start, end)
        # "a campaign spokesman", "sources": kept as written, not a name
        if described and words[0][:1].isupper():
            np = words[0].lower() + np[len(words[0]) :]
        return self._make(np, None, "person", start, end, named=False)

    def _make(
        self, name: str, title: str | None, kind: str, start: int, end: int, named: bool = True
    ) -> int:
        key = f"{kind}:{name.lower()}"
        eid = self._made.get(key)
        if eid is None:
            eid = self.people.new_entity(name, kind=kind, named=named)
            if title:
                self.people.entities[eid].add_title(title)
            self._made[key] = eid
        self.people.add_speaker_mention(eid, start, end)
        return eid

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
                eid = self.entity_for(s, e)
                if eid is None:
                    # "said GOP strategist Keith Nahigian": the name after a title
                    titled = _TITLED_NAME.match(text, e, limit)
                    if titled and any(w.lower() in title_nouns() for w in titled.group(1).split()):
                        eid = self.entity_for(titled.start(2), titled.end(2))
                if eid is not None:
                    q.speaker, q.cue, q.cue_span, q.via = eid, m.group(), m.span(), "after"
                    return True
        if not ends_open and not inner.endswith("."):
            return False
        # speaker then cue: "Ashtiani said", "the Iranian minister emphasized"
        m = _first_cue(text, w0, min(limit, w0 + 160))
        if m and re.match(r"[ \u00a0]*:", text[m.end() : m.end() + 3]):
            return False  # 'X said:' introduces the next quote, not this one
        if m and not m.group().lower().startswith("according") and m.start() > w0:
            span = self._subject_before(w0, m.start())
            gap = text[w0 : span[0]] if span is not None else ""
            if span is not None and (
                not gap.strip(" ,")
                or (
                    re.fullmatch(r"(?:[a-z][\w’'\-]*\s+){1,4}", gap)
                    and not any(w in _CUE_WORDS for w in gap.split())
                )
                or (
                    # "the presumptive GOP nominee, Donald Trump, tweeted"
                    gap.endswith(", ")
                    and len(gap.split()) <= 8
                    and not any(w.lower() in _CUE_WORDS for w in gap.split())
                )
            ):
                if not ends_open and not self._short_clause(m.end(), limit):
                    return False
                eid = self.entity_for(*span)
                if eid is not None:
                    q.speaker, q.cue, q.cue_span, q.via = eid, m.group(), m.span(), "after"
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
        cues = [
            c
            for c in _cues(text, start, q.open_mark)
            if not any(a <= c.start() < b for a, b in inside)
        ]
        for k, m in enumerate(reversed(cues)):
            if m.group().lower().startswith("according"):
                np = self._np_after(m.end(), q.open_mark)
                if np:
                    s, e = self._trim_np(np.start("np"), np.end("np"))
                    eid = self.entity_for(s, e)
                    if eid is not None:
                        q.speaker, q.cue, q.via, q.cue_span = (
                            eid,
                            "according to",
                            "before",
                            m.span(),
                        )
                        return True
                continue
            if k == 0:
                # "..., explained Rosenberg, “Q": the speaker follows the verb
                np = self._np_after(m.end(), q.open_mark)
                gap = text[np.end("np") : q.open_mark] if np else "x"
                inverted = text[max(start, m.start() - 2) : m.start()].strip() == ","
                if inverted and re.fullmatch(r"[ \u00a0]*[,:][ \u00a0]*", gap):
                    s, e = self._trim_np(np.start("np"), np.end("np"))
                    if text[s:e].lower() not in _PRONOUNS:
                        eid = self.entity_for(s, e)
                        if eid is not None:
                            q.speaker, q.cue, q.via, q.cue_span = eid, m.group(), "before", m.span()
                            return True
            adv = self._skip_adverbs(start, m.start())
            lead = text[max(start, adv - 6) : adv]
            if m.group().endswith("ing") or _CONJ_BEFORE.search(lead):
                # "..., saying "Q"" / "... and added that "Q"": the clause's subject
                if k > 0:
                    continue
                if prev is not None and prev.speaker is not None and prev.after <= m.start():
                    q.speaker, q.cue, q.via, q.cue_span = prev.speaker, m.group(), "carry", m.span()
                    return True
                eid = self._sentence_subject(start, m.start(), inside)
                if eid is not None:
                    q.speaker, q.cue, q.via, q.cue_span = eid, m.group(), "before", m.span()
                    return True
                continue
            span = self._subject_before(start, m.start())
            if span is not None:
                eid = self.entity_for(*span)
                if eid is not None:
                    q.speaker, q.cue, q.via, q.cue_span = eid, m.group(), "before", m.span()
                    return True
        if not cues and prev is not None and prev.speaker is not None:
            # a second quoted phrase of the same clause: 'a "nasty guy," an "anchor baby"'
            q.speaker, q.cue, q.via, q.cue_span = prev.speaker, prev.cue, "same", prev.cue_span
            return True
        if text[start : q.open_mark].rstrip().endswith(":"):
            # "Trump issued the following statement:" then the quote
            eid = self.people.first_subject_in(start, q.open_mark, inside)
            if eid is not None:
                q.speaker, q.via = eid, "colon"
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
        end = floor + len(left)
        # an apposition between commas: "Baqeri, the Chief of Staff ..., mentioned"
        if left.endswith(","):
            comma = left.rfind(",", 0, len(left) - 1)
            if comma > 0:
                seg = left[comma + 1 : -1].strip()
                segw = seg.split()
                before_comma = left[:comma].split()
                if (
                    re.fullmatch(rf"{_CAP}(?:{_SP}{_CAP}){{1,4}}", seg)
                    and before_comma
                    and before_comma[-1].lower().strip(".’'") in title_nouns()
                ):
                    # "Sanders's campaign manager, Jeff Weaver, said": the name is the subject
                    s0 = floor + left.index(seg, comma)
                    return s0, s0 + len(seg)
                if segw and (
                    segw[0].lower() in ("the", "a", "an", "who", "former", "which")
                    or any(w.lower().strip(".’'") in title_nouns() for w in segw)
                    or seg[:1].isdigit()
                    or (len(segw) <= 12 and re.search(r"[A-Z][\w’'.\-]*$", left[:comma]))
                ):
                    left = left[:comma].rstrip()
                    end = floor + len(left)
                else:
                    return None
            else:
                return None
        m = re.search(r"(?<![\w’'])([A-Za-z]+)$", left)
        if m and m.group(1).lower() == "who":
            # "Mike Pence, who called their son ..."
            rest = left[: m.start(1)].rstrip()
            if rest.endswith(","):
                return self._subject_before(floor, floor + len(rest) - 1)
            return None
        if m and m.group(1).lower() in _PRONOUNS:
            return floor + m.start(1), end
        # a capitalised noun phrase: "Russian Defense Minister Sergey Shoigu", "Tehran"
        cm = re.search(
            rf"(?:(?:[Tt]he){_SP})?{_CAP}(?:{_SP}(?:of{_SP}(?:the{_SP})?)?{_CAP}){{0,7}}$",
            left[-160:],
        )
        if cm:
            s = end - (len(left[-160:]) - cm.start())
            return s, end
        # a lowercase description: "a campaign spokesman", "the source", "sources"
        words = list(re.finditer(r"[\w’'\-]+", left[-80:]))
        if not words:
            return None
        base = end - len(left[-80:])
        last = words[-1]
        head = last.group().lower()
        if base + last.end() != end or not (
            head in _SPEAKER_HEADS or head in _BARE_SPEAKERS or head in title_nouns()
        ):
            return None
        if last.group().lower() in _BARE_SPEAKERS and (
            len(words) == 1 or words[-2].group().lower() not in _NP_DET
        ):
            return base + last.start(), end
        for k in range(len(words) - 1, max(-1, len(words) - 6), -1):
            w = words[k].group()
            between = left[-80:][words[k].end() : last.start()]
            if re.search(r"[,;:()\"“”«»]", between):
                return None
            if w.lower() in _FUNCTION:
                return None
            if w.lower() in _NP_DET:
                if k == len(words) - 1:
                    return None
                if any(x.group().lower() in _CUE_WORDS for x in words[k + 1 :]):
                    return None
                return base + words[k].start(), end
        return None


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
    people = find_people(text)
    raws = _pair_quotes(text)
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
        if not att.after(q, p_end) and not att.before(q, p_start, in_para):
            att.sentence_end(q, p_end)
        if q.speaker is None:
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


def _continue_previous(
    text: str,
    q: _Raw,
    p_start: int,
    prev: _Raw | None,
    last: tuple[int, int] | None,
    att: _Attributor,
    paragraphs: _Paragraphs,
) -> None:
    """A paragraph that is only a quote continues the speaker of the paragraph before."""
    if q.open_mark - p_start > 8 or text[p_start : q.open_mark].strip():
        return
    # "X said:" ending the previous paragraph introduces this one.
    prev_end = p_start - 1
    while prev_end > max(0, p_start - 40) and text[prev_end - 1] in "\n \t\r":
        prev_end -= 1
    if prev_end > 0 and text[prev_end - 1] == ":":
        ps, _ = paragraphs.bounds(prev_end - 1)
        probe = _Raw(open_mark=prev_end, after=prev_end)
        probe.pieces = [(prev_end - 1, prev_end - 1)]
        if att.before(probe, ps, []):
            q.speaker, q.cue, q.via = probe.speaker, probe.cue, "colon"
            return
    if last is None or prev is None:
        return
    para_end, eid = last
    gap = text[para_end:p_start] if 0 <= p_start - para_end <= 40 else "x"
    if gap.count("\n") <= 3 and not gap.strip():
        q.speaker, q.via = eid, "continued"


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
    speaker = title = None
    if q.speaker is not None:
        ent = people.entities[q.speaker]
        speaker, title = ent.name, ent.title
    return Quote(
        text="".join(parts),
        start=start,
        end=end,
        speaker=speaker,
        speaker_title=title,
        cue=q.cue,
    )
