"""Who is who in an article: full names, titles, and the later mentions that point back.

News introduces a person once, in full and with a title, then shortens: "Russian Defense
Minister Sergey Shoigu" becomes "Shoigu", "he", "the Russian defense minister". Quotes are
attributed to those short forms, but a brief must name the full person, so this module
links every short form back to the person first introduced.

It works on capitalised word sequences and a few fixed constructions (title before the
name, apposition after it, "the <adjective> <title>"), in one pass over the text, with
regexes compiled once and no backtracking-prone patterns: a few milliseconds an article.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from summarizer.brief import Person
from summarizer.gazetteer import gazetteer, input_key
from summarizer.titles import (
    capital_country,
    country_names,
    demonyms,
    gender_of_name,
    gender_of_words,
    is_given_name,
    not_name_words,
    organisation_words,
    title_modifiers,
    title_nouns,
    wordset,
)

# A capitalised word, an acronym with dots ("U.S."), or an Arabic-style particle name:
#   (?<![\w’'\-])(?:(?:[A-Z]\.){2,}|(?:al|el)-[A-Z][\w’'\-]*|[A-Z][\w’'\-]*\.?|of(?= [A-Z])
#   |(?:de|da|di|du|del|der|van|von|le|la|bin|ibn)(?= [A-Z]))
# written to open with the set of letters a token can start with, the look-behind after
# it (two characters back): the regex engine then skips to those letters in C instead of
# trying the look-behind at every character (a third of the time of finding the runs).
_T = r"[\w’'\-]"
_TOKEN = re.compile(
    rf"[A-Zadeilobv](?<!{_T}.)(?:(?<=[A-Z])(?:\.(?:[A-Z]\.)+|{_T}*\.?)|(?<=[ae])l-[A-Z]{_T}*"
    r"|(?<=o)f(?= [A-Z])|(?<=d)(?:e|a|i|u|el|er)(?= [A-Z])|(?<=v)(?:an|on)(?= [A-Z])"
    r"|(?<=l)(?:e|a)(?= [A-Z])|(?<=b)in(?= [A-Z])|(?<=i)bn(?= [A-Z]))"
)
_PARTICLES = frozenset("de da di du del der van von le la bin ibn".split())
_ABBREVIATIONS = wordset(
    "mr. mrs. ms. dr. gen. sen. rep. gov. lt. col. sgt. st. jr. sr. capt. maj. adm. prof. "
    "rev. gov. pres. cmdr. cpl. pvt. hon. atty. supt. insp. amb. sec. no."
)
_PREPOSITIONS = (
    "with|of|to|from|by|for|at|in|on|against|about|toward|towards|between|among|under|over|"
    "than|like|via|versus|vs\\.|into|onto|upon|without|before|after|behind|beside|near"
)
_PREPOSITION_WORDS = frozenset(_PREPOSITIONS.replace("\\", "").split("|"))
# \b(?:[Hh]e|[Ss]he)\b, written to open with a character set so that the regex engine
# skips to the letters H and S in C instead of trying the pattern at every character
_PRONOUN = re.compile(r"[HhSs](?<!\w.)(?:(?<=[Hh])e|(?<=[Ss])he)\b")
_NAME_AFTER = re.compile(r" [A-Z][a-z]")
_APPOSITION_END = re.compile(r"[,;:\n()“”\"«»—–]|(?<![A-Z])\.(?=\s|$)")
_APPOSITION_LEAD = re.compile(
    r"(?:[ \u00a0]*\([^()\n]{1,20}\))?"  # a party label first: "Rep. Brian Babin (R-TX),"
    r"(?:,\s+(?:who is\s+|who was\s+)?|\s+[—–]\s+|(?P<copula>\s+(?:is|was)\s+))"
    r"(?:(?P<det>the|a|an)\s+)?"
)
_APPOSITION_VERBS = wordset(
    "said says told added is was has had wrote writes argued claimed announced noted stated "
    "asked warned called described urged insisted are were will would"
)
# Title nouns that are also common adjectives or nouns ("major", "general", "head").
_AMBIGUOUS_NOUNS = wordset(
    "major general chief head member members fellow partner owner speaker leader official "
    "officials executive deputy expert delegate author"
)
_DETERMINERS = wordset("the a an his her their its this that our my")


_SUFFIXES = wordset("jr jr. sr sr. ii iii iv")
# Abbreviated titles spelled out, the fullest form of the same title ("Gov." is
# "Governor"); "Rep." stays, as it stands for more than one title.
_SPELLED = {
    "gov": "Governor",
    "lt. gov": "Lieutenant Governor",
    "sen": "Senator",
    "gen": "General",
    "col": "Colonel",
    "lt. col": "Lieutenant Colonel",
    "sgt": "Sergeant",
    "capt": "Captain",
    "cmdr": "Commander",
    "adm": "Admiral",
    "prof": "Professor",
    "supt": "Superintendent",
}
_ABBREVIATED = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(_SPELLED, key=len, reverse=True)) + r")\.(?!\w)",
    re.IGNORECASE,
)


def surname_of(name: str) -> str:
    """The family name, without "Jr." or "III": "James P. Kennedy Jr." → "kennedy"."""
    words = [w for w in name.lower().split() if w.rstrip(",") not in _SUFFIXES]
    return (words or name.lower().split() or [""])[-1].rstrip(",")


@lru_cache(maxsize=16384)  # pure, and called for every capitalised word several times
def _norm_word(word: str) -> str:
    return word.lower().rstrip(".") if word.lower() not in _ABBREVIATIONS else word.lower()


@dataclass(slots=True)
class Entity:
    """A person, organisation or government while the article is being read."""

    name: str
    titles: list[str] = field(default_factory=list)
    kind: str = "person"
    mentions: list[tuple[int, int]] = field(default_factory=list)
    named: bool = True  # a real name (not "a campaign spokesman")
    speaker: bool = False  # said something quoted: always listed
    gender: str | None = None  # "m" | "f" | None (unknown: agrees with he and she)
    quoted: bool = False  # named as the speaker of a quote: surely a person or a group
    speaks: bool = False  # the subject of a speech verb ("noted X", "X said"): a person

    @property
    def personal(self) -> bool:
        """Evidence that this is a person (what "he" or "she" may mean), not "Go-Kart Track".

        A known first name or honorific, a title, or being quoted by name.
        """
        return (
            self.gender is not None
            or bool(self.titles)
            or self.quoted
            or self.speaks
            or (self.kind == "person" and is_given_name(self.name.split()[0]))
        )

    @property
    def title(self) -> str | None:
        return ", ".join(self.titles) if self.titles else None

    @property
    def surname(self) -> str:
        return surname_of(self.name)

    def add_title(self, title: str) -> None:
        title = _ABBREVIATED.sub(lambda m: _SPELLED[m.group(1).lower()], title.strip(" ,"))
        if not title:
            return
        low = title.lower()
        for i, existing in enumerate(self.titles):
            el = existing.lower()
            if low in el:
                return
            if el in low:
                self.titles[i] = title
                return
        self.titles.append(title)

    def title_words(self) -> set[str]:
        return {w.lower().strip(".,’'") for t in self.titles for w in t.split()}


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    entity: int
    subject: bool  # not governed by a preposition: a candidate for "he"


class PeopleIndex:
    """The people of one article, and every span resolved to one of them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.entities: list[Entity] = []
        self._mentions: list[_Mention] = []  # in text order
        self._ends: list[int] = []
        self._by_surname: dict[str, int] = {}
        self._by_first: dict[str, int] = {}
        self._speaker_spans: set[tuple[int, int]] = set()
        self._groups: list[tuple[int, int]] = []  # (end, entity), in text order
        self._orgs: dict[str, int] = {}

    # -- building ---------------------------------------------------------------------------
    def _add_mention(self, eid: int, start: int, end: int, subject: bool) -> None:
        m = _Mention(start, end, eid, subject)
        i = bisect_right(self._ends, end)
        self._mentions.insert(i, m)
        self._ends.insert(i, end)
        self.entities[eid].mentions.append((start, end))

    def new_entity(self, name: str, kind: str = "person", named: bool = True) -> int:
        self.entities.append(Entity(name=name, kind=kind, named=named))
        eid = len(self.entities) - 1
        if kind == "person" and named:
            self._by_surname[self.entities[eid].surname] = eid
            first = name.split()[0].lower()
            if len(name.split()) > 1:
                # a first name alone ("Ken", "Liu") may stand for one person, never for two
                self._by_first[first] = eid if first not in self._by_first else -1
            words = name.split()
            if first in _ROYAL and len(words) > 1:
                first = words[1].lower()  # "Prince Andrew": the given name after the title
            self.entities[eid].gender = gender_of_name(first)
        return eid

    def add_speaker_mention(self, eid: int, start: int, end: int) -> None:
        """Record a span the quote finder resolved (a pronoun or description as speaker).

        Kept on the entity only (for the public mentions), not in the positional index:
        inserting there would cost a shift of the whole list for each quote.
        """
        ent = self.entities[eid]
        if (start, end) not in self._speaker_spans:
            self._speaker_spans.add((start, end))
            ent.mentions.append((start, end))

    # -- lookups ----------------------------------------------------------------------------
    def mention_in(self, start: int, end: int) -> int | None:
        """The entity a phrase text[start:end] names: its first subject mention (the head of
        "Rosaly Lopes of NASA's Jet Propulsion Laboratory"), else its last mention."""
        i = bisect_right(self._ends, end) - 1
        last = first_subject = None
        while i >= 0 and self._ends[i] > start:
            m = self._mentions[i]
            if m.start >= start:
                last = m.entity if last is None else last
                first_subject = m.entity if m.subject else first_subject
            i -= 1
        return first_subject if first_subject is not None else last

    def organisation(self, name: str) -> int:
        """The entity of an organisation by name, made on first sight."""
        eid = self._orgs.get(name.lower())
        if eid is None:
            eid = self._orgs[name.lower()] = self.new_entity(name, kind="organisation")
        return eid

    def add_group_mention(self, eid: int, start: int, end: int) -> None:
        """An organisation or government named as a speaker: what a later "it" may mean."""
        self.add_speaker_mention(eid, start, end)
        if not self._groups or self._groups[-1][0] <= end:
            self._groups.append((end, eid))

    def last_group(self, pos: int, within: int = 1500) -> int | None:
        """The organisation or government last named as a speaker shortly before ``pos``."""
        i = bisect_left(self._groups, (pos, -1)) - 1
        if i < 0 or pos - self._groups[i][0] > within:
            return None
        end, eid = self._groups[i]
        j = bisect_left(self._ends, pos) - 1
        while j >= 0 and self._ends[j] > end and pos - self._ends[j] < within:
            m = self._mentions[j]
            ent = self.entities[m.entity]
            if m.subject and ent.kind == "person" and ent.named:
                return None  # a person named since: "they" may be them
            j -= 1
        return eid

    def by_surname(self, word: str) -> int | None:
        return self._by_surname.get(word.lower().rstrip(","))

    def by_first_name(self, word: str) -> int | None:
        """The one person whose full name starts with ``word`` ("Ken" for "Ken Doctor")."""
        eid = self._by_first.get(word.lower(), -1)
        return eid if eid >= 0 else None

    def by_name_words(self, words: list[str]) -> int | None:
        """A known person whose full name ends with these words ("Eriksson Ek")."""
        want = [w.lower() for w in words if w.lower() not in _SUFFIXES]
        eid = self.by_surname(want[-1]) if want else None
        if eid is None:
            return None
        known = [w.lower() for w in self.entities[eid].name.split() if w.lower() not in _SUFFIXES]
        return eid if known[-len(want) :] == want or known == want[-len(known) :] else None

    def last_subject(
        self, pos: int, kinds: tuple[str, ...] = ("person",), gender: str | None = None
    ) -> int | None:
        """The most recent entity named as a subject before ``pos`` (what "he" points to).

        With ``gender``, a person of the other known gender is passed over ("she" is not
        the Mr. Smith named last). A nearer subject with no sign of being a person at all
        ("Go-Kart Track") makes the pronoun unclear: None, never a jump further back.
        """
        i = bisect_left(self._ends, pos) - 1
        seen = 0
        while i >= 0 and seen < 200:
            m = self._mentions[i]
            ent = self.entities[m.entity]
            i -= 1
            seen += 1
            if not (m.subject and ent.kind in kinds and ent.named):
                continue
            if gender is None or ent.gender == gender:
                return m.entity
            if ent.gender is None:
                return m.entity if ent.personal or self._surname_used(ent) else None
        return None

    def _surname_used(self, ent: Entity) -> bool:
        """Whether a two-word name was also written as its last word alone ("Deval Patrick",
        then "Patrick walked in"): how news refers to people, not to companies."""
        if ent.kind != "person" or len(ent.name.split()) < 2:
            return False
        last = ent.name.split()[-1]
        return any(self.text[s:e] == last for s, e in ent.mentions)

    def first_subject_in(
        self, start: int, end: int, skip: Sequence[tuple[int, int]] = ()
    ) -> int | None:
        """The first entity named as a subject inside [start, end): a sentence's subject.

        ``skip`` holds spans (earlier quotes) whose mentions do not count.
        """
        i = bisect_left(self._ends, start)
        best: _Mention | None = None
        while i < len(self._mentions) and self._mentions[i].end <= end:
            m = self._mentions[i]
            if any(a <= m.start < b for a, b in skip):
                i += 1
                continue
            if m.start >= start and m.subject and (best is None or m.start < best.start):
                best = m
            i += 1
        return best.entity if best is not None else None

    def other_person_in(self, start: int, end: int, eid: int) -> bool:
        """Whether a person other than ``eid`` is named inside [start, end)."""
        i = bisect_left(self._ends, start)
        while i < len(self._mentions) and self._ends[i] <= end:
            m = self._mentions[i]
            if m.start >= start and m.entity != eid and self.entities[m.entity].kind == "person":
                return True
            i += 1
        return False

    def resolve_description(self, words: list[str], pos: int) -> int | None:
        """The one recent person whose title holds every word of "the Iranian minister".

        Two people who fit (two ministers) leave it unresolved: precision first.
        """
        wanted = {w.lower().strip(".,’'") for w in words} - _DETERMINERS
        if not wanted:
            return None
        gender = gender_of_words(" ".join(words))
        i = bisect_left(self._ends, pos) - 1
        seen = 0
        tried: set[int] = set()
        fits: list[int] = []
        while i >= 0 and seen < 400:
            eid = self._mentions[i].entity
            if eid not in tried:
                tried.add(eid)
                ent = self.entities[eid]
                if (
                    ent.kind == "person"
                    and ent.named
                    and wanted <= ent.title_words()
                    and ent.gender in (None, gender or ent.gender)
                ):
                    fits.append(eid)
            i -= 1
            seen += 1
        return fits[0] if len(fits) == 1 else None

    def people(self) -> list[Person]:
        """The public list: named people (with a full name or a title) and speakers."""
        out = []
        for ent in self.entities:
            if not ent.mentions or (ent.kind != "person" and not ent.speaker):
                continue  # an organisation is listed when it is quoted
            if (
                not ent.speaker
                and ent.kind == "person"
                and (not ent.named or (len(ent.name.split()) < 2 and not ent.titles))
            ):
                continue
            out.append(
                Person(
                    name=ent.name,
                    title=ent.title,
                    mentions=sorted(set(ent.mentions)),
                    kind=ent.kind,
                )
            )
        return out


# -- scanning -----------------------------------------------------------------------------------
def _sequences(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of capitalised words, split at sentence ends, possessives and punctuation."""
    seqs: list[list[tuple[int, int, str]]] = []
    cur: list[tuple[int, int, str]] = []
    broken = True
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        w = m.group()
        brk = False
        last = w[-1]  # tokens are never empty; most end in a letter and skip the tests below
        if last == "." and w.lower() not in _ABBREVIATIONS and not (len(w) == 2 or "." in w[:-1]):
            w = w[:-1]
            e -= 1
            brk = True
            last = w[-1:]
        if last in ("s", "’", "'"):
            if w.endswith(("’s", "'s")):
                w = w[:-2]
                e -= 2
                brk = True
            elif last != "s":
                w = w[:-1]
                e -= 1
                brk = True
        if not w:
            broken = True
            continue
        if cur and not broken and s - cur[-1][1] == 1 and text[s - 1] == " ":
            cur.append((s, e, w))
        else:
            if cur:
                seqs.append(cur)
            cur = [(s, e, w)]
        broken = brk
    if cur:
        seqs.append(cur)
    return seqs


def _is_title_word(low: str) -> bool:
    return low in title_nouns() or low in title_modifiers() or low in demonyms()


def _split_title(tokens: list[tuple[int, int, str]]) -> tuple[int, bool]:
    """Index where the name starts after a leading title ("Defense Minister | Sergey Shoigu").

    The title may open with an organisation or place ("Charlotte Mayor Jennifer Roberts",
    "White House press secretary"): it ends at the last title noun followed by a name.
    """
    last_noun = -1
    for i, (_, _, w) in enumerate(tokens[:-1]):
        low = _norm_word(w)
        plural = low.endswith("s") and low[:-1] in title_nouns()  # "Singer-guitarists X"
        if low in title_nouns() or w.lower() in title_nouns() or plural:
            last_noun = i
    return last_noun + 1, last_noun >= 0


@lru_cache(maxsize=16384)  # a function of the word and the bundled lists only
def _name_like(word: str) -> bool:
    if len(word) == 2 and word[0].isupper() and word[1] == ".":
        return True  # a middle initial: "Sonya A. Zoghlin"
    low = _norm_word(word)
    if low in not_name_words() or low in organisation_words() or low in demonyms():
        return False
    if low in title_nouns() or word in country_names() or capital_country(word):
        return False
    # "of" joins titles, not names; an all-capitals word is an acronym (NATO, FBI)
    return not (word == "of" or (word.isupper() and len(word) > 1 and "." not in word))


def _trim_particles(tokens: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """No name starts or ends with "de" or "van": they only join ("Bill de Blasio")."""
    while tokens and tokens[0][2] in _PARTICLES:
        tokens = tokens[1:]
    while tokens and tokens[-1][2] in _PARTICLES:
        tokens = tokens[:-1]
    return tokens


def _apposition(text: str, end: int) -> str | None:
    """The title in "Name, the Iranian Defense Minister," right after a name.

    Also "Name — a young British filmmaker —", "Name, founding director of the Center...",
    and "Name is the CEO of DH": a noun phrase with a title noun near its start.
    """
    lead = _APPOSITION_LEAD.match(text, end)
    if not lead:
        return None
    stop = _APPOSITION_END.search(text, lead.end(), min(len(text), lead.end() + 240))
    if not stop:
        return None
    phrase = text[lead.end() : stop.start()].strip()
    words = phrase.split()
    clause = next((i for i, w in enumerate(words) if w in ("who", "which", "whose")), None)
    words = words[:clause]  # "..., an expert at X who did not work on the study, told"
    if not words or len(words) > 25:
        return None
    lows = [w.lower().strip("’'") for w in words]
    # a title noun heads the phrase ("head of the Tax Policy Center") or is unambiguous
    # ("the Iranian Defense Minister"); "almost all major publications" is no title
    heads = [
        i
        for i, w in enumerate(lows)
        if _norm_word(w) in title_nouns()
        and (
            i == 0
            or lead["det"]
            or w not in _AMBIGUOUS_NOUNS
            or (i <= 2 and i + 1 < len(lows) and lows[i + 1] in ("of", "at", "for"))
        )  # "ranking member of the House Science Committee"
    ]
    lower_before = [w for w in words[: heads[0]] if w[:1].islower()] if heads else []
    organisation_first = (
        bool(heads)
        and words[0][:1].isupper()
        and len([w for w in lower_before if w not in ("of", "and", "the", "for")]) <= 2
    )  # "Washington State Department of Health public information officer"
    if not heads or (heads[0] > 4 and not (organisation_first and heads[0] <= 8)):
        return None  # "Washington State Department of Health public information officer"
    if any(w in _APPOSITION_VERBS for w in lows[: heads[0] + 1]):
        return None  # an apposition is a noun phrase: no verb before its title noun
    if lead["copula"] and not lead["det"]:
        return None  # "Smith is head of..." without an article is too often a clause
    return _cut_clause(words, heads[0])


def _cut_clause(words: list[str], head: int) -> str:
    """The noun phrase without a clause tacked on after its title noun: "a filmmaker
    directing...", "investor who recently tangled with..." end before the clause."""
    for i in range(head + 1, len(words)):
        low = words[i].lower()
        verb_like = (
            words[i][:1].islower()
            and low.endswith("ing")
            and low.isalpha()
            and words[i - 1].lower() not in _PREPOSITION_WORDS  # "director of gaming"
            and not (i + 1 < len(words) and _norm_word(words[i + 1].lower()) in title_nouns())
        )  # "chief operating officer", "managing director" keep their participle
        if low in ("who", "which", "whose") or verb_like or low in _APPOSITION_VERBS:
            return " ".join(words[:i]).rstrip(",")
    return " ".join(words)


_PRE_LINKS = wordset("and to of for at")
_PRE_EXTRA = wordset("presidential campaign former veteran longtime top then acting interim")


def _adjective_before(low: str, picked: list[str]) -> bool:
    """A lowercase word just before a title noun that can be its adjective, not a verb."""
    nearest_noun = _norm_word(picked[-1].lower()) in title_nouns()
    return (
        nearest_noun
        and low.isalpha()
        and not low.endswith(("ed", "ly"))
        and low not in _PREPOSITION_WORDS
        and low not in _CLAUSE_WORDS
        and low not in _OBJECT_VERBS
        and low not in not_name_words()
    )


@lru_cache(maxsize=16384)  # a function of the word and the bundled lists only
def _may_close_title(w: str) -> bool:
    """Whether :func:`_pre_title`'s loop keeps ``w`` as the word right before the name
    (its first round, nothing picked yet): a title word, a capital, a link or one of
    ``_PRE_EXTRA``. Otherwise there is no title, and the loop is not run."""
    low = w.lower()
    if not w or "\n" in w or w[-1] in ',.;:”"(' or low in _DETERMINERS or low == "and":
        return False
    norm = _norm_word(low)
    capital = w[:1].isupper() and norm not in not_name_words()
    return _is_title_word(norm) or norm in _PRE_EXTRA or low in _PRE_LINKS or capital


def _pre_title(text: str, start: int) -> str | None:
    """A title just before a name: "campaign spokesman Jason Miller", "Commerzbank analyst
    Carsten Fritsch", "Salesforce founder and co-CEO Marc Benioff", "China’s ambassador to
    Britain Liu Xiaming"."""
    chunk = text[max(0, start - 120) : start]
    if not chunk.endswith(" "):
        return None
    # the word just before the name (the last of ``chunk[:-1].split(" ")``) decides alone
    # for nine names in ten: the loop below would break on it at once with nothing picked
    if not _may_close_title(chunk[chunk.rfind(" ", 0, len(chunk) - 1) + 1 : -1]):
        return None
    picked: list[str] = []
    capitals_near = 0  # capitalised words between the name and the title noun
    for w in reversed(chunk[:-1].split(" ")[-8:]):
        low = w.lower()
        if not w or "\n" in w or w[-1] in ',.;:”"(' or low in _DETERMINERS:
            break
        norm = _norm_word(low)
        capital = w[:1].isupper() and norm not in not_name_words()
        if low == "and" and not (picked and _norm_word(picked[-1].lower()) in title_nouns()):
            break  # "founder and co-CEO" joins titles; "Mara Olsen and Acme founder" does not
        if capital and not any(_norm_word(x.lower()) in title_nouns() for x in picked):
            capitals_near += 1
            if capitals_near > 1:
                return None  # "geologist Rosaly Lopes of NASA's": another name, no title
        if _is_title_word(norm) or norm in _PRE_EXTRA or low in _PRE_LINKS or capital:
            picked.append(w)
        elif picked and _adjective_before(low, picked):
            picked.append(w)  # "planetary geologist", "young British filmmaker"
        else:
            break
    while picked and picked[-1].lower() in _PRE_LINKS:
        picked.pop()  # the far end: no dangling "and" or "of"
    if not picked or not any(_norm_word(w.lower()) in title_nouns() for w in picked):
        return None
    near = _norm_word(picked[0].lower())
    if near in _PRE_LINKS:
        return None
    if near not in title_nouns() and not any(w.lower() in _PRE_LINKS for w in picked):
        return None  # the title noun must touch the name, or reach it through "to Britain"
    return " ".join(reversed(picked))


def _description_subject(index: PeopleIndex, text: str, eid: int, start: int) -> bool:
    """An apposition ("Arpaio, the Arizona sheriff") is a subject only if its name is."""
    if text[max(0, start - 2) : start] == ", ":
        for s, e in reversed(index.entities[eid].mentions):
            if e == start - 2:
                return _subject_position(text, s)
    return _subject_position(text, start)


_CLAUSE_WORDS = wordset(
    """and but or nor while when because as that after before if so then though although
    whereas where since until unless once who which says said adds added continued
    continues explained explains noted notes recalled recalls wrote writes replied
    responded insisted argued warned stressed concluded agreed admitted acknowledged"""
)
_VERB_AFTER = re.compile(
    r" (?:[a-z]+ed|is|was|has|had|will|would|could|can|did|does|says|said|tells|told|added"
    r"|went|made|took|gave|thinks|thought|wants|wanted|got|came|became|began|knew|wrote)\b"
)
_OBJECT_VERBS = wordset("told tell tells telling asked asks asking thanked thanks")


def _subject_position(text: str, start: int, end: int | None = None) -> bool:
    """Whether a name stands where a clause's subject stands: what "he" may point back to.

    Not after a preposition ("with his Russian counterpart X"), not as the object of a
    verb ("Cook told Benioff", "met Smith"), not as a possessive ("Epstein’s accusers");
    titles before the name ("former special envoy X") are looked through.
    """
    if end is not None and text[end : end + 2] in ("’s", "'s"):
        return False
    near = text[max(0, start - 16) : start]
    before = near[near.rfind("\n") + 1 :].split()
    if before and before[-1].lower() in _PREPOSITION_WORDS:
        return False  # "the Commission on Presidential Debates announced": not the subject
    if end is not None and _VERB_AFTER.match(text, end):
        return True  # "By the time Buckley learned": a verb follows, so a subject
    window = text[max(0, start - 80) : start]
    words = window[window.rfind("\n") + 1 :].split()[-6:]  # a paragraph starts a clause
    in_title = 0  # lowercase words passed since a title noun ("said planetary geologist X")
    for w in reversed(words):
        low = w.lower().strip('“”"(')
        if w[-1] in ',.;:!?"“”()—':
            return not (w[-1] == "," and low.rstrip(",") in _OBJECT_VERBS)
        if low in _PREPOSITION_WORDS or low in _OBJECT_VERBS:
            return False
        if low in _CLAUSE_WORDS:
            return True
        if low in _DETERMINERS:
            continue  # "attacking a former Miss Universe": what precedes the article decides
        if w[:1].isupper() or _is_title_word(_norm_word(low)) or low in ("former", "then"):
            in_title = 1 if _norm_word(low) in title_nouns() else in_title
            continue  # a title or organisation before the name
        if 0 < in_title <= 2:
            in_title += 1  # an adjective inside the title
            continue
        return False  # another word: the name is a verb's object ("met Smith")
    return True


def find_people(text: str, quoted: Sequence[tuple[int, int]] = ()) -> PeopleIndex:
    """Read the article once and return its people with every mention resolved.

    ``quoted`` holds the spans of the quotes, in text order: a name inside someone's quote
    is not the subject a later "he said" points back to, and a pronoun inside a quote is
    the speaker's own word, not a mention to resolve.
    """
    index = PeopleIndex(text)
    events: list[tuple[int, int, str, object]] = []
    for seq in _sequences(text):
        events.append((seq[0][0], seq[-1][1], "seq", seq))
    for m in _PRONOUN.finditer(text):
        if not _NAME_AFTER.match(text, m.end()):  # "He Jianxiong" is a name
            events.append((m.start(), m.end(), "pron", None))
    for m in _POSSESSIVE.finditer(text):
        events.append((m.start(), m.end(), "poss", None))
    for m in _descriptions(text):
        events.append((m.start(), m.end(), "desc", m))
    events.sort(key=lambda ev: ev[0])
    q = 0
    for start, end, kind, data in events:
        while q < len(quoted) and quoted[q][1] <= start:
            q += 1  # one pointer over the sorted quotes: linear
        inside = q < len(quoted) and quoted[q][0] <= start
        if kind == "seq":
            _read_sequence(index, text, data, inside)  # type: ignore[arg-type]
        elif kind == "pron" and not inside:
            _read_pronoun(index, text, start, end)
        elif kind == "poss" and not inside:
            eid = _same_sentence_subject(index, text, start)
            if eid is not None:  # "Rakeyia Scott ... that her husband": a woman
                index.entities[eid].gender = "m" if text[start + 1] == "i" else "f"
        elif kind == "desc" and not inside and isinstance(data, re.Match):
            words = data.group(0).split()[1:]
            eid = index.resolve_description(words, start)
            if eid is not None:
                index._add_mention(eid, start, end, _description_subject(index, text, eid, start))
    return index


def _read_pronoun(index: PeopleIndex, text: str, start: int, end: int) -> None:
    """he/she: the last person subject of that gender; it fixes an unknown gender."""
    gender = "f" if text[start] in "Ss" else "m"
    eid = index.last_subject(start, gender=gender)
    if eid is None:
        eid = _same_sentence_subject(index, text, start)
    if eid is not None:
        index._add_mention(eid, start, end, True)
        index.entities[eid].gender = gender  # "earlier pronouns" decide for later ones


# "his"/"her" before a noun ("her husband"), not the object "her" ("told her that")
# (the leading \b is written as a look-behind after the first letter, as in _PRONOUN)
_POSSESSIVE = re.compile(
    r"[Hh](?<!\w.)(?:is|er)"
    r"(?= (?!(?:that|to|the|a|an|and|in|on|at|for|with|of|as|if|about)\b)[a-z])"
)
_SENTENCE_BREAK = re.compile(r"[.!?][”\"’]?\s|\n|[“\"]")


def _same_sentence_subject(index: PeopleIndex, text: str, start: int) -> int | None:
    """'Rakeyia Scott can be heard yelling that she ...': a he/she in the sentence of the
    subject named just before it, with nothing named in between, is that person, even
    when the name shows no sign of one; places ("..., San Francisco, says he") never."""
    i = bisect_left(index._ends, start) - 1
    if i < 0:
        return None
    m = index._mentions[i]
    ent = index.entities[m.entity]
    if not (m.subject and ent.kind == "person" and ent.named and ent.gender is None):
        return None
    if start - m.end > 200 or _SENTENCE_BREAK.search(text, m.end, start):
        return None
    if input_key(ent.name) in gazetteer().places or "-" in ent.name:
        return None  # a city, or a thing ("Go-Kart Track")
    return m.entity


_DESCRIPTION: re.Pattern[str] | None = None


def _description_re() -> re.Pattern[str]:
    global _DESCRIPTION
    if _DESCRIPTION is None:
        nouns = sorted(
            (re.escape(n) for n in title_nouns() if "." not in n and "-" not in n),
            key=len,
            reverse=True,
        )
        _DESCRIPTION = re.compile(
            rf"\b[Tt]he (?:[\w’'\-]+ ){{0,3}}?(?i:{'|'.join(nouns)})\b(?![\w’'\-])"
        )
    return _DESCRIPTION


_THE = re.compile(r"[Tt](?<!\w.)he ")  # \b[Tt]he, opening with a character set (see _PRONOUN)
_NEXT_WORDS = re.compile(r"(?:[\w’'\-]+ ){0,3}[\w’'\-]+")


def _descriptions(text: str) -> list[re.Match[str]]:
    """The matches of :func:`_description_re` in ``text``, as ``finditer`` gives them.

    Tried at every "the", the regex tries its 200 title nouns at each of the next four
    words; most of those words are no title noun, which a set lookup tells first. The
    regex still decides where one of them is.
    """
    nouns = _description_nouns()
    out: list[re.Match[str]] = []
    done = 0
    for the in _THE.finditer(text):
        if the.start() < done:
            continue  # inside the last match, which finditer would not look at again
        following = _NEXT_WORDS.match(text, the.end())
        if following is None:
            continue
        ahead = following.group()
        # 'ı' and 'İ' match "i" under IGNORECASE but do not casefold to it. The words are
        # casefolded together (casefolding is letter by letter: a space stays a space)
        # and looked up in C.
        if nouns.isdisjoint(ahead.casefold().split(" ")) and not (
            "\u0131" in ahead or "\u0130" in ahead
        ):
            continue
        m = _description_re().match(text, the.start())
        if m is not None:
            out.append(m)
            done = m.end()
    return out


@lru_cache(maxsize=1)
def _description_nouns() -> frozenset[str]:
    return frozenset(n for n in title_nouns() if "." not in n and "-" not in n)


def _after_article(text: str, seq: list[tuple[int, int, str]], skipped: int) -> bool:
    """Whether the phrase follows "the" (a thing's name) and not a bare name."""
    if any(w.lower() == "the" for _, _, w in seq[:skipped]):
        return True
    return text[max(0, seq[0][0] - 4) : seq[0][0]].lower() == "the "


_HONORIFIC_WORDS = wordset("mr mrs ms miss dr prof sir dame")
_OPENERS = wordset(
    """rival former ex incumbent challenger candidate democrat republican nominee senior
    veteran longtime retired acting interim embattled outgoing incoming new then
    billionaire businessman businesswoman actor actress singer rapper star comedian"""
)
_ROYAL = wordset("prince princess king queen duke duchess pope emperor empress sheikh")
_CLAUSE_START = re.compile(r"(?:^|[.!?:;\n“”\"]\s*)$")


def _leading_words(text: str, seq: list[tuple[int, int, str]]) -> int:
    """How many leading words are not part of a name or title ("The", "In", "Hosting")."""
    i = 0
    while i < len(seq):
        w = seq[i][2]
        low = _norm_word(w)
        if i == 0 and _word_as_name(text, seq):
            break  # "He Jianxiong", "said Will Moy": a name, not the pronoun or the verb
        if low in not_name_words() and low not in title_nouns():
            i += 1
        elif (
            i == 0
            and low.endswith(("ing", "ed"))
            and len(low) > 5
            and _CLAUSE_START.search(text, max(0, seq[0][0] - 3), seq[0][0])
        ):
            i += 1  # a sentence opening with a participle: "Hosting Cook, Benioff said"
        else:
            break
    return i


_AFTER_SPEECH = re.compile(r"(?:\b(?:said|says|told|added)|,[”’\"']*)[ \u00a0]+$")


def _word_as_name(text: str, seq: list[tuple[int, int, str]]) -> bool:
    """Whether the run's first word, usually no name, is one here: "He Jianxiong" (a
    surname before a name), "said Will Moy" / "“Q,” Will Moy" (a given name right after a
    speech verb or a comma, where the verb "will" cannot stand)."""
    if len(seq) < 2 or not _name_like(seq[1][2]):
        return False
    first = seq[0][2]
    if first == "He":
        return True
    return first in ("Will", "May") and bool(
        _AFTER_SPEECH.search(text, max(0, seq[0][0] - 12), seq[0][0])
    )


def _name_span(
    text: str, seq: list[tuple[int, int, str]]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]], int] | None:
    """Split a capitalised run into (title tokens, name tokens, leading words skipped)."""
    if len(seq) == 1:
        return _one_word_name(text, seq[0])
    return _split_run(text, seq)


def _split_run(
    text: str, seq: list[tuple[int, int, str]]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]], int] | None:
    """:func:`_name_span` step by step, for a run of any length."""
    i = _leading_words(text, seq)
    tokens = seq[i:]
    while tokens and tokens[0][2] == "of":
        tokens = tokens[1:]
    while tokens and tokens[-1][2] == "of":
        tokens = tokens[:-1]
    if not tokens:
        return None
    k = next((j for j, t in enumerate(tokens) if t[2] == "of"), 0)
    if k and not _org_in(tokens[:k]) and _org_in(tokens[k + 1 :]):
        tokens = tokens[:k]  # "Mike Dunn of Acme Inc.": the person, then the organisation
    name_at, _ = _split_title(tokens)
    name_tokens = tokens[name_at:]
    if not name_tokens or any(_norm_word(w) in organisation_words() for _, _, w in name_tokens):
        return None
    if name_tokens[0][2] == "of":
        # "Secretary of State Mike Pompeo": the name starts at a given name; "Head of
        # Fundamental Research" has none: what a title is of, not a person
        at = next((i for i, t in enumerate(name_tokens) if is_given_name(t[2])), 0)
        if not at:
            return None
        name_at += at
        name_tokens = name_tokens[at:]
    surname_he = name_tokens[0] == seq[0] and _word_as_name(text, seq)  # "He Jianxiong"
    name_tokens = name_tokens[0 if surname_he else _name_start(name_tokens) :]
    cut = int(surname_he)  # the name ends at the first word that cannot be part of a name
    while cut < len(name_tokens) and _name_like(name_tokens[cut][2]):
        cut += 1
    if (
        cut == len(name_tokens) - 1
        and cut >= 1
        and is_given_name(name_tokens[0][2])
        and _norm_word(name_tokens[cut][2]) in title_nouns()
    ):
        cut += 1  # a surname that is also a title: "Charlie King", "Ken Doctor"
    name_tokens = _trim_particles(name_tokens[:cut])
    if not name_tokens or len(name_tokens) > 5:
        return None
    title_tokens = tokens[:name_at]
    if len(title_tokens) == 1 and title_tokens[0][2].lower() in _ROYAL:
        name_tokens, title_tokens = title_tokens + name_tokens, []  # "Prince Andrew" is a name
    return title_tokens, name_tokens, i


def _one_word_name(
    text: str, token: tuple[int, int, str]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]], int] | None:
    """:func:`_split_run` of a run of one word, as its steps come out for one: a word that
    is no name, an opening participle, "of", a particle, an organisation's word or a word
    unlike a name gives None; any other is a name without a title.

    Two runs in three are one word ("Trump", "Monday", "Reuters"), and the general steps
    (leading words, "of", titles, where the name starts and ends) cost a dozen calls
    each to find this.
    """
    start, _, word = token
    low = _norm_word(word)
    if low in not_name_words() and low not in title_nouns():
        return None  # a leading word, then nothing left
    if (
        low.endswith(("ing", "ed"))
        and len(low) > 5
        and _CLAUSE_START.search(text, max(0, start - 3), start)
    ):
        return None  # an opening participle, then nothing left
    if word == "of" or word in _PARTICLES or low in organisation_words() or not _name_like(word):
        return None
    return [], [token], 0


@lru_cache(maxsize=16384)  # a function of the word and the bundled lists only
def _one_word_kind(word: str) -> tuple[bool, bool, bool] | None:
    """What a run of the one word ``word`` can be, as (an opening participle if at a
    clause start, a name, an organisation's word): :func:`_one_word_name`'s and
    :func:`_read_organisation`'s tests that read the word alone. None for a word that is
    never a name nor opens one ("The", "Monday"): the run is nothing."""
    low = _norm_word(word)
    if low in not_name_words() and low not in title_nouns():
        return None
    participle = low.endswith(("ing", "ed")) and len(low) > 5
    organisation = low in organisation_words()
    name = not (word == "of" or word in _PARTICLES or organisation or not _name_like(word))
    return participle, name, organisation


def _org_in(tokens: list[tuple[int, int, str]]) -> bool:
    return any(_norm_word(w) in organisation_words() for _, _, w in tokens)


def _name_start(tokens: list[tuple[int, int, str]]) -> int:
    """Where a name starts inside a run: after places and organisations that lead it
    ("Ukraine Kurt Volker", "Public Prosecution Eva-Marie Persson"), at a known first name."""
    for i in range(2, len(tokens) - 1):  # "Owen John Dempsey" keeps its middle name
        if gender_of_name(tokens[i][2].split("-")[0]):
            return i
    if (
        len(tokens) >= 3
        and gender_of_name(tokens[1][2].split("-")[0])
        and not gender_of_name(tokens[0][2])
        and tokens[0][2].lower() in _OPENERS
    ):
        return 1  # "Rival Hillary Clinton": a word that opens the sentence
    i = 0
    while i < len(tokens) - 1 and not _name_like(tokens[i][2]):
        i += 1
    return i


def _entity_for_name(index: PeopleIndex, text: str, name_tokens: list, titled: bool) -> int | None:
    """The entity a name in the text stands for: an earlier one it shortens, or a new one."""
    words = [w for _, _, w in name_tokens]
    name = " ".join(words)
    if words[0].lower() in _ROYAL:
        eid = index.by_surname(words[-1])
        return eid if eid is not None else index.new_entity(name)
    if len(words) == 1:
        eid = index.by_surname(name)
        if eid is None:
            eid = index.by_first_name(name)
        if eid is None and (titled or _pre_title(text, name_tokens[0][0])):
            eid = index.new_entity(name)
        return eid
    eid = index.by_name_words(words)
    if eid is None and (sid := index.by_surname(words[-1])) is not None:
        known = index.entities[sid].name.split()
        if len(known) == 1:
            index.entities[sid].name = name  # "President Obama" first, "Barack Obama" later
            eid = sid
        elif known[0].lower().rstrip(".") == words[0].lower().rstrip("."):
            eid = sid  # "John M. Ford" and "John Ford"
    known = index.entities[eid].name.split() if eid is not None else []
    if (
        eid is not None
        and len(words) > len(known)
        and (len(known) == 1 or words[0].lower() == known[0].lower())
    ):
        index.entities[eid].name = name  # the fuller form wins ("Joel Eriksson Ek")
    return eid if eid is not None else index.new_entity(name)


def _read_organisation(index: PeopleIndex, text: str, seq: list[tuple[int, int, str]]) -> None:
    """An organisation as a subject ("Acme Corp cut its forecast") is what "it" may mean."""
    i = _leading_words(text, seq)
    words = [w for _, _, w in seq[i:]]
    if not words or not any(_norm_word(w) in organisation_words() for w in words):
        return
    if seq[0][2] == "of" or not _subject_position(text, seq[i][0], seq[-1][1]):
        return
    eid = index.organisation(" ".join(words))
    index.add_group_mention(eid, seq[i][0], seq[-1][1])


def _read_sequence(
    index: PeopleIndex, text: str, seq: list[tuple[int, int, str]], quoted: bool = False
) -> None:
    """One capitalised run: a person's name (with the title before it) or nothing."""
    if len(seq) == 1:
        # :func:`_one_word_name` and :func:`_read_organisation` for one word, their
        # per-word tests answered once a word (two runs in three are one word)
        kind = _one_word_kind(seq[0][2])
        if kind is None:
            return  # "The", "But", "Monday": what _name_span and _read_organisation skip
        participle, name, organisation = kind
        start = seq[0][0]
        if participle and _CLAUSE_START.search(text, max(0, start - 3), start):
            return  # an opening participle: no name, and no organisation left after it
        if not name:
            if organisation and not quoted:
                _read_organisation(index, text, seq)
            return
        title_tokens: list[tuple[int, int, str]] = []
        name_tokens, skipped = [seq[0]], 0
    else:
        found = _split_run(text, seq)
        if found is None:
            if not quoted:
                _read_organisation(index, text, seq)
            return
        title_tokens, name_tokens, skipped = found
    if not title_tokens and _after_article(text, seq, skipped):
        return  # "the Davis Cup", "The Walt Disney Co": things, not people
    honorific = any(w.lower().rstrip(".") in _HONORIFIC_WORDS for _, _, w in seq[:skipped])
    eid = _entity_for_name(index, text, name_tokens, bool(title_tokens) or honorific)
    if eid is None:
        return
    n_start, n_end = name_tokens[0][0], name_tokens[-1][1]
    # "chief executive of Ceres Robotics": a run opening with "of" is governed by it
    subject = not quoted and seq[0][2] != "of" and _subject_position(text, seq[0][0], n_end)
    index._add_mention(eid, n_start, n_end, subject)
    ent = index.entities[eid]
    if subject and _speech_subject(text, seq[0][0], n_end):
        ent.speaks = True
    title = " ".join(w for _, _, w in title_tokens) or None
    _record_titles(ent, text, title_tokens[0][0] if title_tokens else n_start, title, n_end)
    if ent.gender is None:
        lead = " ".join(w for _, _, w in seq[:skipped]) + " " + (title or "")
        ent.gender = gender_of_words(lead) or gender_of_words(ent.title or "")


_SPEECH = wordset(
    "said says told tells added adds noted notes wrote writes explained explains argued argues "
    "warned warns asked asks replied insisted recalled recalls stated"
)
_SPEECH_AFTER = re.compile(r"[ \u00a0]+(?:[a-z]+ly[ \u00a0]+)?([a-z]+)\b")


def _speech_subject(text: str, start: int, end: int) -> bool:
    """Whether a name is the subject of a speech verb: "X said", "noted NBC’s X"."""
    m = _SPEECH_AFTER.match(text, end)
    if m and m.group(1) in _SPEECH:
        return True
    before = text[max(0, start - 20) : start].split()
    return (bool(before) and before[-1] in _SPEECH) or (
        len(before) > 1 and before[-2] in _SPEECH and before[-1].endswith(("’s", "'s"))
    )


def _record_titles(ent: Entity, text: str, start: int, title: str | None, n_end: int) -> None:
    """Titles before the name ("campaign spokesman", "Defense Minister") and after it."""
    pre = _pre_title(text, start)
    if title:
        ent.add_title(
            f"{pre} {title}" if pre and pre.split()[-1].lower() not in title_nouns() else title
        )
        if pre and pre.split()[-1].lower() in title_nouns():
            ent.add_title(pre)
    elif pre:
        ent.add_title(pre)
    where = _of_organisation(text, n_end)
    if where and any(where.split()[-1] in t.split() for t in ent.titles):
        where = None  # "Wee of the Times" after "Sui-Lee Wee of the New York Times"
    if where:
        base = f"{pre} {title}" if pre and title else (title or pre)
        ent.add_title(f"{base} {where}" if base else where)
    appos = _apposition(text, n_end)
    if appos:
        ent.add_title(appos)


_OF_LEAD = re.compile(r"[ \u00a0]+(?:of|at)[ \u00a0]+")
_OF_LINKS = frozenset("of for and the in on".split())


def _of_organisation(text: str, n_end: int) -> str | None:
    """ "geologist Rosaly Lopes of NASA's Jet Propulsion Laboratory in California said": the
    organisation a name is given with belongs to the title; a place alone ("of Ohio") not."""
    lead = _OF_LEAD.match(text, n_end)
    if lead is None:
        return None
    words: list[str] = []
    for w in text[lead.end() : lead.end() + 160].split()[:12]:
        bare = w.rstrip(",.;:)")
        if not bare or not (bare[:1].isupper() or bare in _OF_LINKS):
            break
        words.append(bare)
        if bare != w and not (w.endswith(".") and len(bare) <= 3):
            break  # a comma or full stop ends the phrase (not "Inc." or "D.C.")
    while words and words[-1] in _OF_LINKS:
        words.pop()
    if not words or (len(words) == 1 and words[0] == "the"):
        return None
    core = [w for w in words if w != "the"]
    key = input_key(" ".join(core))
    if len(core) <= 3 and (key in gazetteer().places or key in gazetteer().dateline_regions):
        return None
    if " ".join(core) in country_names() or capital_country(" ".join(core)):
        return None
    return text[lead.start() : lead.end()].strip() + " " + " ".join(words)
