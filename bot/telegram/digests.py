"""A digest drawn for Telegram: one section per subscribed country, in the subscriber's order.

Which stories go where is planned by :mod:`bot.briefing` (:func:`bot.briefing.allocate`);
this module is its renderer (:class:`TelegramDigests`). A country with nothing new gets
one line. Stories are cards with their More buttons (:mod:`bot.telegram.layout`);
messages are split between sections when a section fits a message of its own, never
inside a story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache

from bot.briefing import Page, StoryBrief, names
from bot.digest import describe_local
from bot.store.subscribers import SubscriberInfo
from bot.telegram import layout
from bot.telegram.cards import visible_len
from bot.telegram.keyboards import data
from bot.telegram.layout import Part
from bot.telegram.render import esc
from summarizer import country_name

NOTHING_NEW = "Nothing new since your last digest."
ASK_HINT = "Reply to a message to ask about its stories."


class TelegramDigests:
    """The digest renderer the briefing service is given (:class:`bot.briefing.Digests`).

    It keeps the blocks it drew for the moment of the digests it is drawing
    (:class:`DrawnBlocks`): a run draws thousands of digests from the same few dozen
    stories, at one moment.
    """

    def __init__(self) -> None:
        self.blocks = DrawnBlocks()

    def digest(
        self, sub: SubscriberInfo, chosen: Mapping[str, Sequence[StoryBrief]], now: datetime
    ) -> list[Page]:
        """The digest's messages under a heading with the countries and the local day."""
        when = describe_local(now, sub.timezone).split(" (")[0].rsplit(" ", 1)[0]
        heading = f"Your digest · {names(sub.codes)} · {when}"
        return compose(heading, list(sub.codes), chosen, now, blocks=self.blocks)

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


#: A drawn block: its HTML and its visible length (None: a story that is not there).
Block = tuple[str, int] | None


class DrawnBlocks:
    """Each block (a head, a numbered card) drawn once for one moment, with its visible
    length: what :func:`compose` packs messages from and joins them of.

    The layout keeps cards per story and meta line, which takes a meta line worked out
    for every look-up; a digest run looks up the same few hundred (story, number) pairs
    tens of thousands of times at one moment, so here they are kept by the story
    object's identity (the entry keeps the object alive, so the identity is not reused),
    its number and the moment. Only the latest moment's blocks are kept, at most
    ``size`` of them.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self.now: datetime | None = None
        self._heads: dict[str, tuple[str, int]] = {}
        self._cards: dict[tuple[int, int | None], tuple[StoryBrief, str, int]] = {}

    def _at(self, now: datetime) -> None:
        if now != self.now or len(self._heads) + len(self._cards) > self.size:
            self.now = now
            self._heads.clear()
            self._cards.clear()

    def block(self, part: Part, stories: Mapping[int, StoryBrief], now: datetime) -> Block:
        """The part drawn as the layout draws it at ``now``."""
        self._at(now)
        if part.story_id is None:
            found = self._heads.get(part.text)
            if found is None:
                text = layout.render_head(part.text)
                found = self._heads[part.text] = (text, visible_len(text))
            return found
        story = stories.get(part.story_id)
        if story is None:
            return None
        if part.expanded:  # digests draw cards; a full brief is drawn by the layout
            return _drawn(part, story, now)
        key = (id(story), part.index)
        kept = self._cards.get(key)
        if kept is None or kept[0] is not story:
            text, size = _drawn(part, story, now)
            kept = self._cards[key] = (story, text, size)
        return kept[1], kept[2]


def _drawn(part: Part, story: StoryBrief, now: datetime) -> tuple[str, int]:
    parts, by_id = [part], {part.story_id or 0: story}
    return layout.render(parts, by_id, now), layout.visible_size(parts, by_id, now)


@lru_cache(maxsize=8192)
def _callback(action: str, story_id: int) -> str:
    """A button's callback data, checked once per (action, story)."""
    return data(action, story_id)


def keyboard_dict(parts: Sequence[Part], stories: Mapping[int, StoryBrief]) -> dict | None:
    """The layout's keyboard for the parts as the Bot API's JSON object (what
    ``layout.keyboard(...).to_dict()`` gives, without building PTB's objects)."""
    rows = layout.keyboard_spec(parts, stories)
    if not rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": _callback(action, sid)} for label, action, sid in row]
            for row in rows
        ]
    }


def _size(blocks: Sequence[Block]) -> int:
    """The visible length of the blocks joined by blank lines (see ``layout.visible_size``)."""
    sizes = [b[1] for b in blocks if b is not None]
    return sum(sizes) + 2 * max(len(sizes) - 1, 0)


def compose(
    heading: str,
    codes: Sequence[str],
    chosen: Mapping[str, Sequence[StoryBrief]],
    now: datetime | None = None,
    *,
    limit: int = layout.PACK_LIMIT,
    blocks: DrawnBlocks | None = None,
) -> list[Page]:
    """The digest's messages: (HTML, story ids, keyboard as a dict).

    Each block is drawn (or found in ``blocks``) once; whether a section fits is worked
    out from the blocks' visible lengths, and each message is their texts joined by
    blank lines: the text and the packing of ``layout.render`` and ``layout.pages``.
    """
    now = now or datetime.now(UTC)  # one moment for every card of the digest
    blocks = blocks or DrawnBlocks()
    stories = {s.story_id: s for group in chosen.values() for s in group}
    messages: list[tuple[list[Part], list[Block]]] = []
    head = layout.head(heading, ASK_HINT)
    current: list[Part] = [head]
    drawn: list[Block] = [blocks.block(head, stories, now)]
    size = _size(drawn)
    for group in sections(codes, chosen):
        mine = [blocks.block(p, stories, now) for p in group]
        own = _size(mine)
        if size + 2 + own <= limit:
            current += group
            drawn += mine
            size = _size(drawn)
            continue
        if own <= limit:
            messages.append((current, drawn))
            current, drawn, size = list(group), mine, own
            continue
        # A section longer than a message: split between its stories.
        pieces = layout.pages([*current, *group], stories, limit=limit, now=now)
        for piece in pieces[:-1]:
            messages.append((piece, [blocks.block(p, stories, now) for p in piece]))
        current = pieces[-1]
        drawn = [blocks.block(p, stories, now) for p in current]
        size = _size(drawn)
    messages.append((current, drawn))
    pages: list[Page] = []
    for parts, texts in messages:
        ids = [p.story_id for p in parts if p.story_id is not None]
        text = "\n\n".join(b[0] for b in texts if b is not None)
        pages.append((text, ids, keyboard_dict(parts, stories)))
    return pages
