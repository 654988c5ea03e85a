"""A digest by country: one section per subscribed country, in the subscriber's order.

A five-country digest used to be the eight most important stories of all five together:
three messages of full briefs, and not one about Iran or Russia when the US, China and
the UK had bigger news. Now each country that has news gets at least its top story
(:func:`allocate`), a story about two subscribed countries appears once, under the
first of them in the subscriber's order, and a country with nothing new gets one line.
Stories are cards with their More buttons (:mod:`bot.telegram.layout`); messages are
split between sections when a section fits a message of its own, never inside a story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.telegram import layout
from bot.telegram.cards import visible_len
from bot.telegram.layout import Part
from bot.telegram.render import StoryBrief
from summarizer.gazetteer import country_name

#: Stories in a digest: at least one per country with news, up to this many in all
#: (a one-country digest has them all; five countries take turns).
DIGEST_STORIES = 8
PER_COUNTRY = DIGEST_STORIES
NOTHING_NEW = "Nothing new since your last digest."
ASK_HINT = "Reply to a message to ask about its stories."

Page = tuple[str, list[int], dict[str, Any] | None]


def flag(code: str) -> str:
    """The flag emoji of an ISO code (🇮🇷 for IR)."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper() if "A" <= c <= "Z")


def allocate(
    codes: Sequence[str],
    candidates: Mapping[str, Sequence[StoryBrief]],
    seen: set[int],
    *,
    total: int = DIGEST_STORIES,
    per_country: int = PER_COUNTRY,
) -> dict[str, list[StoryBrief]]:
    """Each country's stories: its own first, then by turns, each story once.

    ``candidates`` are each country's stories, most important first; ``seen`` the ids
    already sent to this subscriber. A story belongs to the first country (in ``codes``
    order) that lists it. Every country with a fresh story gets its top one, even past
    ``total``: when all of a country's stories belong to earlier countries, it takes its
    top one that no earlier country shows. The rest are filled a round at a time.
    """
    owner: dict[int, str] = {}
    own: dict[str, list[StoryBrief]] = {c: [] for c in codes}
    for code in codes:
        for story in candidates.get(code, ()):
            if story.story_id in seen or story.story_id in owner:
                continue
            owner[story.story_id] = code
            own[code].append(story)
    chosen: dict[str, list[StoryBrief]] = {c: [] for c in codes}
    taken: set[int] = set()
    for code in codes:  # the first round: every country with news, its top story
        top = own[code][0] if own[code] else _unshown(candidates.get(code, ()), seen, taken)
        if top is None:
            continue
        if owner.get(top.story_id) not in (None, code):  # an earlier country's, not shown
            own[owner[top.story_id]].remove(top)
        chosen[code].append(top)
        taken.add(top.story_id)
    count = len(taken)
    for _round in range(1, per_country):
        for code in codes:
            if count >= total:
                return chosen
            rest = [s for s in own[code] if s.story_id not in taken]
            if rest:
                chosen[code].append(rest[0])
                taken.add(rest[0].story_id)
                count += 1
    return chosen


def _unshown(stories: Sequence[StoryBrief], seen: set[int], taken: set[int]) -> StoryBrief | None:
    """The first of ``stories`` neither sent before nor already in this digest."""
    return next((s for s in stories if s.story_id not in seen and s.story_id not in taken), None)


def sections(codes: Sequence[str], chosen: Mapping[str, Sequence[StoryBrief]]) -> list[list[Part]]:
    """One list of parts per country: its head, then its numbered stories."""
    out: list[list[Part]] = []
    number = 0
    for code in codes:
        title = f"{flag(code)} {country_name(code)}"
        stories = chosen.get(code, ())
        if not stories:
            out.append([layout.head(title, NOTHING_NEW)])
            continue
        group = [layout.head(title)]
        for story in stories:
            number += 1
            group.append(Part(story_id=story.story_id, index=number))
        out.append(group)
    return out


def compose(
    heading: str,
    codes: Sequence[str],
    chosen: Mapping[str, Sequence[StoryBrief]],
    now: datetime | None = None,
    *,
    limit: int = layout.PACK_LIMIT,
) -> list[Page]:
    """The digest's messages: (HTML, story ids, keyboard as a dict)."""
    stories = {s.story_id: s for group in chosen.values() for s in group}
    messages: list[list[Part]] = []
    current: list[Part] = [layout.head(heading, ASK_HINT)]
    for group in sections(codes, chosen):
        if fits([*current, *group], stories, now, limit):
            current += group
            continue
        if fits(group, stories, now, limit):
            messages.append(current)
            current = list(group)
            continue
        # A section longer than a message: split between its stories.
        pieces = layout.pages([*current, *group], stories, limit=limit, now=now)
        messages.extend(pieces[:-1])
        current = pieces[-1]
    messages.append(current)
    pages: list[Page] = []
    for parts in messages:
        markup = layout.keyboard(parts, stories)
        ids = [p.story_id for p in parts if p.story_id is not None]
        text = layout.render(parts, stories, now)
        pages.append((text, ids, markup.to_dict() if markup else None))
    return pages


def fits(
    parts: Sequence[Part], stories: Mapping[int, StoryBrief], now: datetime | None, limit: int
) -> bool:
    return visible_len(layout.render(parts, dict(stories), now)) <= limit
