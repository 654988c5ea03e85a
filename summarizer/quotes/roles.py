"""Stage 4: the speaker's kind and role, from the title the article gives.

Roles follow the annotation guideline of the evaluation set: *official* speaks in a public
or institutional capacity (public office, a government body or agency, a party, an
international organisation, or a named spokesperson or executive speaking for an
organisation; a government or organisation as speaker is official); *expert* comments from
outside (analyst, academic, researcher, doctor); everyone else is *other* (players,
coaches, witnesses, residents, relatives, celebrities, anonymous sources).
"""

from __future__ import annotations

import re

from summarizer.people import Entity
from summarizer.titles import wordset

_OFFICIAL = wordset(
    """minister ministers president vice-president secretary secretary-general senator sen
    governor gov mayor ambassador diplomat envoy official officials spokesman spokeswoman
    spokesperson spokespeople representative rep congressman congresswoman councilman
    councilwoman councillor councilor lawmaker legislator judge justice prosecutor
    attorney-general solicitor-general chancellor premier president-elect general generals
    admiral colonel col commander officer sheriff police chairman chairwoman chair ceo
    executive executives director director-general founder co-founder commissioner
    administrator superintendent mp mep deputy aide adviser advisor counsel head chief
    speaker whip treasurer comptroller auditor inspector envoy consul attaché marshal
    brigadier lieutenant lt sergeant sgt major maj cmdr commandant trooper
    detective staffer ranger regulator governor-general ombudsman president's
    cfo coo cto vp owner manager organizer organiser coordinator leader chairperson"""
)
_EXPERT = wordset(
    """analyst analysts economist economists strategist strategists professor prof
    researcher researchers scientist scientists expert experts fellow scholar historian
    academic lecturer physician doctor dr pollster specialist epidemiologist
    consultant investor research analysis portfolio"""
)
# Public bodies whose scientists speak for them ("a NASA planetary scientist" is official).
_PUBLIC_BODIES = wordset(
    """nasa jpl esa cdc nih noaa fda epa usgs who un imf nhs fbi cia nsc pentagon ministry
    department agency government federal state county city police army navy council
    commission congress senate parliament"""
)
_ACADEMIA = wordset("university universities college institute think-tank academy")
_PUBLIC_LAWYERS = wordset("u.s district general state's state county city")
_OTHER_HEADS = wordset(
    """coach player players actor actress singer filmmaker writer novelist author
    resident witness father mother son daughter wife husband student teacher fan"""
)
_WORD = re.compile(r"[\w’'\-]+")
_SCIENCE_SUFFIX = ("ologist", "ician", "ographer", "onomist")


def speaker_kind(entity: Entity) -> str | None:
    """person | organisation | government, as the entity was recognised."""
    return entity.kind if entity.kind in ("person", "organisation", "government") else None


def speaker_role(entity: Entity) -> str:
    """official | expert | other for a resolved speaker (never None once resolved)."""
    if entity.kind in ("organisation", "government"):
        return "official"
    return role_of_title(entity.title or ("" if entity.named else entity.name))


def role_of_title(title: str) -> str:
    """The role a title states: "Commerzbank analyst" → expert, "Defense Minister" → official."""
    words = [w.lower().strip(".’'") for w in _WORD.findall(title)]
    if not words:
        return "other"
    if "attorney" in words and (set(words) & _PUBLIC_LAWYERS or "u.s." in title.lower()):
        return "official"  # "U.S. Attorney for the Southern District": a prosecutor
    if set(words) & _ACADEMIA and not _office_heads(words):
        return "expert"  # "director of the Center for ... at the University of Washington"
    if set(words) & _PUBLIC_BODIES:
        return "official"
    expert = any(w in _EXPERT or w.endswith(_SCIENCE_SUFFIX) for w in words)
    official = any(w in _OFFICIAL for w in words)
    if expert and not _office_heads(words):
        return "expert"
    if official and not (set(words) & _OTHER_HEADS and not _office_heads(words)):
        return "official"
    return "expert" if expert else "other"


_STRONG_OFFICE = wordset(
    """minister secretary senator sen governor gov mayor ambassador spokesman spokeswoman
    spokesperson official representative rep congressman congresswoman lawmaker ceo
    chairman chairwoman president commissioner administrator general admiral commander"""
)


def _office_heads(words: list[str]) -> bool:
    """A public office or an organisation's voice, which outweighs "professor" or "coach"."""
    return any(w in _STRONG_OFFICE for w in words)
