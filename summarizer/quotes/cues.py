"""Stage 2a: speech verbs and the shapes of speaker noun phrases.

Set lookups word by word and regexes compiled once: finding the cues of a window is linear
in the window, and every window the attribution stage looks at is bounded in length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from summarizer.titles import title_nouns, wordset

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
quips quipped recount recounts recounted testify testifies testified testifying

 cautioned cautions pointed reads assure assures assured remind reminds reminded exclaimed
exclaims whispered wonders wondered questioned underlines underlined underscored underscores
highlights highlighted highlighting threatened threatens threaten lamented summed labeled
labelled branded termed dubbed estimated defends defended thanked chanted demur demurs demurred
hails hailed lauds lauded blames blamed implore implored begged pleads pleaded swore mused
scoffed snapped retorted sneered pronounce pronounced touts touted characterize characterized
characterise characterised signaled signalled concurred decried decries
lambasted ripped teased taunted chided scolded cites cited quoted sings sang
praising praised bemoan bemoans bemoaned ponder ponders pondered emailed texted pressed
welcomed welcomes characterizes protested
chanting chanted echoing echoed
"""
# Words that are more often nouns ("the claims", "his remarks"): cues only before "that"/":".
_AMBIGUOUS_CUES = """
note notes claim claims state states report reports remark remarks comment comments point
points hope hopes joke jokes tweet tweets post posts vow vows pledge pledges promise promises
charge charges counter counters estimate estimates answer answers question questions
"""
# Not speech verbs, though news often puts them near a quote: "refers to", "believes",
# "expressing" (their subject is not thereby the speaker of the quoted words).
_CUE_WORDS = frozenset(_CUE_STEMS.split())
_AMBIGUOUS = frozenset(_AMBIGUOUS_CUES.split())
_WORD_TOKEN = re.compile(r"[\w’'\-]+")
_THAT_OR_COLON = re.compile(r"[ \u00a0]+that\b|[ \u00a0]*:")
_PERFECT = re.compile(r"\b(?:has|have|had)[ \u00a0]+$")
_TO = re.compile(r"[ \u00a0]+to\b")
_EXPRESS = frozenset("express expresses expressed expressing".split())
_EXPRESSED_WHAT = re.compile(
    r"[ \u00a0]+(?:hope|concern|confidence|regret|doubt)s?(?=[ \u00a0]+that\b)"
)

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
    organization organisation agency ministry department government administration company firm
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
        (?:[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I)\b(?![ \u00a0]+[A-Z])
      | (?:{_DET}\s+)?(?:[\w’'\-./]+\s+){{0,6}}?{_CAP_NP}
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
# _CLAUSE_STOP and _SENT_END are r"[.!?](?=[”\"’)]?(?:\s|$))|[“\"«\n]" and
# r"[.!?][”\"’)]?\s+(?=[“\"A-Z])|[;\n]" written to open with one set of characters, each
# branch then told by the character just matched (a look-behind): an alternation of
# sets gives the engine no first character to skip to in C, so it tried both branches
# at every character of the windows searched (the same matches, a third of the time)
_CLAUSE_STOP = re.compile(r"[.!?“\"«\n](?:(?<=[.!?])(?=[”\"’)]?(?:\s|$))|(?<=[“\"«\n]))")
_QUOTE_MARKS = re.compile(r"[\"“”«»„\n]")
_SENT_END = re.compile(r"[.!?;\n](?:(?<=[.!?])[”\"’)]?\s+(?=[“\"A-Z])|(?<=[;\n]))")
_ABBREV_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|St|Jr|Sr|Capt|Maj|Prof|Rev|No|vs|Sept|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Inc|Corp|Co)|\b[A-Z]|(?:[A-Z]\.)+[A-Z])$"
)


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


_CANDIDATES = _CUE_WORDS | _AMBIGUOUS | _EXPRESS | {"written", "according"}
_TOKEN_CHAR = re.compile(r"[\w’'\-]")


def _trie(words: frozenset[str]) -> str:
    """``words`` as one regex alternation shaped as a trie of their letters: at a word's
    start the engine follows its letters down one branch instead of trying every word."""

    def node(suffixes: list[str]) -> str:
        children: dict[str, list[str]] = {}
        for suffix in suffixes:
            if suffix:
                children.setdefault(suffix[0], []).append(suffix[1:])
        if not children:
            return ""
        group = "(?:" + "|".join(re.escape(c) + node(rest) for c, rest in children.items()) + ")"
        return group + "?" if "" in suffixes else group

    return node(sorted(words))


# A candidate word as a whole token of the lowered text
_CANDIDATE = re.compile(rf"(?<![\w’'\-])(?:{_trie(_CANDIDATES)})(?![\w’'\-])")


def _candidates(text: str) -> list[re.Match[str]]:
    """The tokens of ``_WORD_TOKEN`` whose lower case :func:`_scan_cues` may keep, in order.

    The candidate words are found in the lowered text by one regex, a trie of them tried
    at each word's start (listing every word of the article and the words' set first was
    two thirds of the scan's time), so no Python step runs per word of the article. The
    tokens found are exactly those a word-by-word pass would test.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer ("İ"): word by word
        return [m for m in _WORD_TOKEN.finditer(text) if m.group().lower() in _CANDIDATES]
    # Each character lowered to one: the tokens of the lowered text are the lowered tokens
    # (lowering keeps every character in or out of _WORD_TOKEN's class; a test checks
    # each code point), at the same offsets in ``text``.
    found: list[re.Match[str]] = []
    for candidate in _CANDIDATE.finditer(lowered):
        at = candidate.start()
        m = _WORD_TOKEN.match(text, at)
        if m and m.end() == candidate.end() and not (at and _TOKEN_CHAR.match(text, at - 1)):
            found.append(m)
    return found


def _scan_cues(text: str) -> list[_Cue]:
    """Every speech verb of the text, by set lookup word by word: one linear pass.

    "according to" is one cue; "claims", "notes" and other words that are more often
    nouns count only before "that" or a colon; "expressed hope" is one cue of two words.
    """
    found: list[_Cue] = []
    for m in _candidates(text):
        if found and m.start() < found[-1].end():
            continue  # the second word of "expressed hope"
        low = m.group().lower()
        cue_end = m.end()
        if low in _CUE_WORDS or (low in _AMBIGUOUS and _THAT_OR_COLON.match(text, m.end())):
            pass
        elif low == "written" and _PERFECT.search(text, max(0, m.start() - 5), m.start()):
            pass  # "X has written": a statement in print
        elif low == "according" and (to := _TO.match(text, m.end())):
            cue_end = to.end()
        elif low in _EXPRESS and (what := _EXPRESSED_WHAT.match(text, m.end())):
            cue_end = what.end()  # "expressed hope that": a statement; "expressing" alone is not
        else:
            continue
        if found and found[-1].end() == m.start() - 1 and text[m.start() - 1] == " ":
            found[-1] = _Cue(text, found[-1].start(), cue_end)
        else:
            found.append(_Cue(text, m.start(), cue_end))
    return found


_LAST_SCAN: tuple[str, list[int], list[_Cue]] = ("", [], [])


def _cues(text: str, start: int, end: int) -> list[_Cue]:
    """The speech verbs starting in text[start:end].

    The text is scanned once (the scan of the last text is kept), then each window is two
    bisections: looking at many windows of one article never rescans it.
    """
    global _LAST_SCAN
    scan = _LAST_SCAN
    if scan[0] is not text:
        found = _scan_cues(text)
        scan = (text, [c.start() for c in found], found)
        _LAST_SCAN = scan
    _, starts, found = scan
    return found[bisect_left(starts, start) : bisect_left(starts, end)]


_CAPITAL_AFTER = re.compile(r"[ \u00a0]+[A-Z]")  # matched in place: no copy of the text's rest


def _cue_at(text: str, pos: int, end: int) -> _Cue | None:
    """The speech verb starting exactly at ``pos``, if one does."""
    for cue in _cues(text, pos, min(end, pos + 40))[:1]:
        if cue.start() == pos:
            return cue
    # '"Q," comments Johnston': a word that is more often a noun is a verb right after a quote
    m = _WORD_TOKEN.match(text, pos, end)
    if m and m.group().lower() in _AMBIGUOUS and _CAPITAL_AFTER.match(text, m.end()):
        return _Cue(text, m.start(), m.end())
    return None


def _first_cue(text: str, pos: int, end: int) -> _Cue | None:
    found = _cues(text, pos, end)
    return found[0] if found else None
