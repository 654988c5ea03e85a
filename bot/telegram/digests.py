"""A digest drawn for Telegram: one section per subscribed country, in the subscriber's order.

Which stories go where is planned by :mod:`bot.briefing` (:func:`bot.briefing.allocate`);
this module is its renderer (:class:`TelegramDigests`). A country with nothing new gets
one line. Stories are cards with their More buttons (:mod:`bot.telegram.layout`);
messages are split between sections when a section fits a message of its own, never
inside a story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.briefing import Page, StoryBrief, names
from bot.digest import describe_local
from bot.store.subscribers import SubscriberInfo
from bot.telegram import layout
from bot.telegram.layout import Part
from bot.telegram.render import esc
from summarizer import country_name

NOTHING_NEW = "Nothing new since your last digest."
ASK_HINT = "Reply to a message to ask about its stories."


class TelegramDigests:
    """The digest renderer the briefing service is given (:class:`bot.briefing.Digests`)."""

    def digest(
        self, sub: SubscriberInfo, chosen: Mapping[str, Sequence[StoryBrief]], now: datetime
    ) -> list[Page]:
        """The digest's messages under a heading with the countries and the local day."""
        when = describe_local(now, sub.timezone).split(" (")[0].rsplit(" ", 1)[0]
        heading = f"Your digest · {names(sub.codes)} · {when}"
        return compose(heading, list(sub.codes), chosen, now)

    def nothing_new(self, sub: SubscriberInfo) -> str:
        return f"Nothing new on {esc(names(sub.codes))} since your last digest."


def flag(code: str) -> str:
    """The flag emoji of an ISO code (🇮🇷 for IR)."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper() if "A" <= c <= "Z")


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
    """Whether the parts make one message: measured, not drawn again (a digest of many
    sections asks this once per section of a growing message)."""
    return layout.visible_size(parts, stories, now) <= limit
