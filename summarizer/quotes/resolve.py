"""Stage 3: resolving a speaker mention to an entity of :mod:`summarizer.people`.

A mention is what the text says next to the cue: a full name, a surname, "he", "it",
"the Iranian minister", "Tehran", "a company spokesperson". The entity is who that is.
Precision first: a pronoun needs an antecedent of the same gender (he/she) or kind
(it/they: organisations and governments), a definite description needs exactly one person
that fits it, and anything unresolved stays None rather than becoming a guess.
"""

from __future__ import annotations

import re

from summarizer.people import PeopleIndex
from summarizer.quotes.cues import _BARE_SPEAKERS, _NP_DET, _head_ok
from summarizer.titles import (
    capital_country,
    country_names,
    demonyms,
    not_name_words,
    organisation_words,
    title_modifiers,
    title_nouns,
    wordset,
)

_ACRONYM = re.compile(r"[A-Z]{2,6}")
_GROUP_NOUNS = wordset(
    """agency company group ministry department organisation organization
    firm party government administration office authority commission council union
    board committee council campaign network team club league military"""
)
_NOT_PEOPLE = wordset(
    """report reports survey study studies statement letter memo document documents release
    filing poll website site article editorial complaint lawsuit book memoir biography post
    tweet message note email emails headline ad ads advertisement"""
)
_ALL_PRONOUNS = wordset("he she it they we i you who")
_STATEMENTS = wordset("statement")
_AUTHOR_AFTER = re.compile(
    r"[ \u00a0]+(?:from|by)[ \u00a0]+((?:[Tt]he[ \u00a0]+)?[A-Z][\w’'&\-]*"
    r"(?:[ \u00a0]+(?:of[ \u00a0]+|for[ \u00a0]+)?[A-Z][\w’'&\-]*){0,6})"
)
_DOCUMENTS = wordset("book memoir ruling article memo report lawsuit complaint filing")
_SAID_IN_STATEMENT = re.compile(
    r"(?P<np>(?:[Tt]he[ \u00a0]+)?(?:[A-Z][\w.’'\-]*[ \u00a0]+){0,4}[A-Za-z][\w’'\-]*)"
    r"(?:[ \u00a0]+(?:[a-z]+ly|[a-z]+-[a-z]+))?[ \u00a0]+(?:"
    r"(?:said|says|denied|announced|responded|confirmed|added|wrote)"
    r"(?:[ \u00a0]+[a-z][\w\-]*){0,4}?[ \u00a0]+in"
    r"|issued|released|published)"
    r"[ \u00a0]+an?[ \u00a0]+(?:[a-z]+[ \u00a0]+)?statement\b"
)
_HONORIFICS = wordset("mr mr. mrs mrs. ms ms. miss dr dr. prof prof. sir dame")
_INDEFINITE = wordset("a an one another some several two three many sources")
_GROUP_PRONOUNS = wordset("it they")
# Words before a place name that make it part of an address, not a speaker:
# "the University of California, San Francisco", "in Munich, Germany".
_ADDRESS_BEFORE = re.compile(r"(?:(?P<place>[A-Z][\w.’'\-]*),|\b(?:in|of|at|from|near))\s*$")


class Resolver:
    """Turns speaker mentions (spans of the text) into entity ids, or None."""

    def __init__(self, text: str, people: PeopleIndex) -> None:
        self.text = text
        self.people = people
        self._made: dict[str, int] = {}

    def entity_for(self, start: int, end: int) -> int | None:
        """The entity a speaker noun phrase text[start:end] names, or None when unclear."""
        np = self.text[start:end].strip()
        if not np:
            return None
        words = np.split()
        low0 = words[0].lower()
        acronym = len(np) > 1 and np.rstrip(".,").isupper()  # "WHO", "IT": organisations
        if len(words) == 1 and not acronym and low0 in _ALL_PRONOUNS:
            return self._pronoun(low0, start, end)
        eid = self.people.mention_in(start, end)
        if eid is not None:
            self.people.entities[eid].quoted = True
            return eid
        capitalised = any(w[:1].isupper() for w in words[1:])
        if low0 == "the" and capitalised:
            head = words[-1].lower().strip(".,’'")
            if words[-1][:1].isupper():
                return self._proper(np, words, start, end)  # "the Swedish Prosecution Authority"
            if head in _GROUP_NOUNS or head in organisation_words():
                return self._make(np[4:], None, "organisation", start, end)  # "the French
                # foreign ministry"
            return self._description(np, words, start, end)  # "the Vermont senator"
        if np[:1].islower() or low0 in _NP_DET or low0 in _BARE_SPEAKERS:
            return self._description(np, words, start, end)
        return self._proper(np, words, start, end)

    def _pronoun(self, low: str, start: int, end: int) -> int | None:
        """he/she: the last person subject of that gender; it/they: an organisation."""
        if low in ("he", "she"):
            eid = self.people.last_subject(start, gender="m" if low == "he" else "f")
        elif low in _GROUP_PRONOUNS:
            eid = self.people.last_group(start)
        else:
            return None  # "I", "we", "you", "who": the quote's own words, no antecedent here
        if eid is not None:
            self.people.add_speaker_mention(eid, start, end)
        return eid

    def _description(self, np: str, words: list[str], start: int, end: int) -> int | None:
        """ "the Iranian minister" (one person fits), "a WeWork spokesperson" (kept as is)."""
        low0 = words[0].lower()
        head = words[-1].lower().strip(".,’'")
        if (len(words) > 1 and head in title_nouns()) or head in ("actress", "actor", "singer"):
            eid = self.people.resolve_description(words[1:], start)
            if eid is not None:
                self.people.add_speaker_mention(eid, start, end)
                return eid
        if low0 == "the" and len(words) == 2 and head in _STATEMENTS:
            return self._statement_author(start)  # "the statement said": whose statement
        if low0 == "the" and 2 <= len(words) <= 4 and head in _GROUP_NOUNS:
            eid = self.people.last_group(start)  # "the agency said": the one just quoted
            if eid is not None:
                self.people.add_speaker_mention(eid, start, end)
                ent = self.people.entities[eid]
                if len(words) > 2 and not ent.titles:
                    ent.add_title(" ".join(words[1:]))  # "the production company": what it is
            return eid
        if head in _NOT_PEOPLE and low0 == "the" and len(words) == 2 and head in _DOCUMENTS:
            # "the book said": kept as the lower-case description it is, never a person
            return self._make(np.lower(), None, "organisation", start, end, named=False)
        if head in _NOT_PEOPLE:
            # "said a report from Kotak Securities": the author named right after it
            by = _AUTHOR_AFTER.match(self.text, end)
            return self.entity_for(by.start(1), by.end(1)) if by else None
        if not (low0 in _INDEFINITE or (len(words) == 1 and low0 in _BARE_SPEAKERS)):
            return None  # "the doctors", "his aunt": someone named, not found
        if any(w[:1].isupper() for w in words[1:]) and not _describes(words):
            return None
        np = words[0].lower() + np[len(words[0]) :] if words[0][:1].isupper() else np
        return self._make(np, None, "person", start, end, named=False)

    def _statement_author(self, start: int) -> int | None:
        """ "the US military said in a statement ... “Q,” the statement said": the one who
        last spoke "in a statement" shortly before; nobody when no such sentence is near."""
        found = None
        for m in _SAID_IN_STATEMENT.finditer(self.text, max(0, start - 1500), start):
            found = m
        if found is None or found["np"].lower().split()[-1] in _STATEMENTS:
            return None
        return self.entity_for(found.start("np"), found.end("np"))

    def _proper(self, np: str, words: list[str], start: int, end: int) -> int | None:
        """A capitalised phrase: a known person, a capital or country, an organisation."""
        low0 = words[0].lower()
        bare = np[4:] if low0 == "the" else np
        bare = bare.rstrip(",.")
        names = [w for w in bare.split() if w.lower() not in _HONORIFICS]
        if not names:
            return None
        eid = self.people.by_name_words(names)
        if eid is None and len(names) == 1:
            eid = self.people.by_first_name(names[0])
        if eid is not None:
            self.people.add_speaker_mention(eid, start, end)
            self.people.entities[eid].quoted = True
            return eid
        country = capital_country(bare) or country_names().get(bare)
        if country:
            if self._in_address(start):
                return None
            return self._make(bare, f"Government of {country}", "government", start, end)
        upper = bare.isupper() and len(bare) > 1  # "WHO": an acronym, not the word "who"
        if not upper and all(w.lower().strip(".,’'") in not_name_words() for w in words):
            return None  # "Sunday", "The", "Monday’s": not a speaker
        if self._in_address(start):
            return None  # "..., San Francisco, said": the end of an address
        lows = {w.lower().strip(".,’'") for w in bare.split()}
        acronym = _ACRONYM.fullmatch(bare) and bare.lower() not in title_nouns()  # not "CEO"
        org = lows & (organisation_words() | _GROUP_NOUNS) or acronym
        kind = "organisation" if org else "person"
        if kind == "person" and not _plausible_name(names, bare):
            return None  # "Senior", "China’s", "London-based": not a name
        return self._make(" ".join(names) if kind == "person" else bare, None, kind, start, end)

    def _in_address(self, start: int) -> bool:
        """ "in Munich, Germany": a place after a preposition or after another place."""
        m = _ADDRESS_BEFORE.search(self.text, max(0, start - 30), start)
        return m is not None and (m["place"] or "").lower() not in not_name_words()

    def _make(
        self, name: str, title: str | None, kind: str, start: int, end: int, named: bool = True
    ) -> int:
        key = f"{kind}:{name.lower()}"
        eid = self._made.get(key)
        if eid is None:
            eid = self.people.new_entity(name, kind=kind, named=named)
            self.people.entities[eid].quoted = True
            if title:
                self.people.entities[eid].add_title(title)
            self._made[key] = eid
        if kind == "person":
            self.people.add_speaker_mention(eid, start, end)
        else:
            self.people.add_group_mention(eid, start, end)
        return eid


def _plausible_name(names: list[str], bare: str) -> bool:
    """Whether capitalised words not seen as a name elsewhere can still be one ("Vogel")."""
    if bare.endswith(("’s", "'s")) or any(re.search(r"-[a-z]", w) for w in names):
        return False
    lows = [w.lower().strip(".,") for w in names]
    if len(lows) == 1 and lows[0].endswith("s") and lows[0][:-1] in title_nouns():
        return False  # "Teachers chanted": a group, not a name
    return not any(
        w in title_nouns() or w in title_modifiers() or w in demonyms() or w in not_name_words()
        for w in lows
    )


def _describes(words: list[str]) -> bool:
    """ "a WeWork spokesperson": a capitalised organisation inside a description is fine."""
    return words[-1][:1].islower()


# Heads of descriptions that name no one but say who spoke, beyond the speaker heads of
# the cue stage: "the announcer", "one questioner", "the ruling", "the clip".
_DESCRIPTION_HEADS = wordset(
    """announcer questioner moderator commentator caller listener viewer reader insiders
    insider ruling decision order verdict opinion clip video piece spot commission union
    council association"""
)
_DESCRIPTION_LEAD = wordset("the a an one another some several his her their its our my")


def is_description(np: str) -> bool:
    """Whether a speaker phrase is a description ("the Indiana governor", "a narrator in the
    ad", "the ruling", "Obama's former campaign strategist"): what a reader learns of the
    speaker when the article does not name them there. Pronouns and names are not."""
    words = np.split()
    if not 2 <= len(words) <= 8 or any(ch in np for ch in '"“”«»'):
        return False
    first = words[0]
    if first.lower() not in _DESCRIPTION_LEAD and not first.endswith(("’s", "'s")):
        return False
    head = words[-1].lower().strip(".,;:’'")
    return _head_ok(head) or head in _DESCRIPTION_HEADS
