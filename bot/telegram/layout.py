"""Messages of story cards: composed for sending, and read back when More or Less is pressed.

A message is a list of :class:`Part`: heads (a bold first line, italic lines under it:
"Iran · last 24 hours", a digest's country section) and stories (a card, or the full
brief when expanded). Each story has its button under the message, ``more:ID`` while
folded and ``less:ID`` while expanded, in the order of the cards.

When a button is pressed the bot reads the message back from what Telegram sends with
the press (its text and keyboard): heads from the text's blocks, stories from the
buttons, each story's current form from its button. Nothing about the layout is kept
in the store, so More and Less work on any message, after a restart too, and rebuild
it from the store's current briefs. Only one story is expanded at a time, so a message
packed under :data:`PACK_LIMIT` always has room for it.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.telegram.cards import (
    CARD_CHARS,
    FULL_CHARS,
    card,
    full,
    meta_line,
    more_quotes_left,
    visible_len,
)
from bot.telegram.keyboards import button
from bot.telegram.render import LIMIT, StoryBrief, esc

#: Messages are packed under this, so that one card grown to its full brief still fits.
PACK_LIMIT = LIMIT - (FULL_CHARS - CARD_CHARS) - 96
BUTTONS_PER_ROW = 4


class _StoryTexts:
    """Cards and full briefs already drawn, per story object, with their visible length.

    A digest run draws the same few dozen stories for thousands of subscribers, /brief
    the same top stories of a country for every reader who asks, and packing a message
    measures each card several times: drawing is pure, so each (story, number, form,
    meta line) is drawn and measured once. A drawing depends on the moment only through
    its meta line ("4 outlets · 3 h ago", :func:`~bot.telegram.cards.meta_line`), so that
    line, not the moment, is in the key: the same story asked about a minute later is not
    drawn again. Keyed by the story object's identity (the briefing service hands out the
    same object while the story is unchanged), which the entry keeps alive so that the
    identity is not reused; only calls with an explicit ``now`` are kept (without it,
    "3 h ago" depends on the clock). Bounded: the least recently used stories go first.
    """

    def __init__(self, stories: int = 512) -> None:
        self._limit = stories
        self._drawn: OrderedDict[int, tuple[StoryBrief, dict[tuple, tuple[str, int]]]] = (
            OrderedDict()
        )

    def drawn(
        self, story: StoryBrief, index: int | None, expanded: bool, now: datetime
    ) -> tuple[str, int]:
        """The story's text and its visible length."""
        entry = self._drawn.get(id(story))
        if entry is None or entry[0] is not story:
            entry = (story, {})
            self._drawn[id(story)] = entry
            if len(self._drawn) > self._limit:
                self._drawn.popitem(last=False)
        else:
            self._drawn.move_to_end(id(story))
        key = (index, expanded, meta_line(story, now))
        found = entry[1].get(key)
        if found is None:
            shape = full if expanded else card
            text = shape(story, index=index, now=now)
            found = entry[1][key] = (text, visible_len(text))
        return found


_drawn = _StoryTexts()


@dataclass(frozen=True, slots=True)
class Part:
    """A head (``text``) or a story (``story_id``, its number, expanded or not)."""

    text: str = ""
    story_id: int | None = None
    index: int | None = None
    expanded: bool = False


def head(first: str, *rest: str) -> Part:
    return Part(text="\n".join([first, *[r for r in rest if r]]))


def render_head(text: str) -> str:
    """A head block: its first line bold, the lines under it in italics."""
    first, *rest = text.split("\n")
    lines = [f"<b>{esc(first)}</b>"] + [f"<i>{esc(line)}</i>" for line in rest if line.strip()]
    return "\n".join(lines)


def render(
    parts: Sequence[Part], stories: dict[int, StoryBrief], now: datetime | None = None
) -> str:
    return "\n\n".join(b[0] for b in _blocks(parts, stories, now) if b is not None)


def visible_size(
    parts: Sequence[Part], stories: Mapping[int, StoryBrief], now: datetime | None = None
) -> int:
    """The visible length of :func:`render`'s text, from the blocks' measured lengths (each
    block is drawn and measured once per story version, see :class:`_StoryTexts`): the
    sum of the blocks' plus two for each blank line between them."""
    sizes = [b[1] for b in _blocks(parts, stories, now) if b is not None]
    return sum(sizes) + 2 * max(len(sizes) - 1, 0)


def _blocks(
    parts: Sequence[Part], stories: Mapping[int, StoryBrief], now: datetime | None
) -> list[tuple[str, int] | None]:
    """Each part's block and its visible length; None for a story that is not there."""
    out: list[tuple[str, int] | None] = []
    for part in parts:
        if part.story_id is None:
            text = render_head(part.text)
            out.append((text, visible_len(text)))
            continue
        story = stories.get(part.story_id)
        if story is None:
            out.append(None)
        elif now is not None:
            out.append(_drawn.drawn(story, part.index, part.expanded, now))
        else:
            shape = full if part.expanded else card
            text = shape(story, index=part.index, now=now)
            out.append((text, visible_len(text)))
    return out


#: A button as :func:`keyboard_spec` gives it: (label, action, story id).
ButtonSpec = tuple[str, str, int]


def keyboard(
    parts: Sequence[Part], stories: dict[int, StoryBrief] | None = None
) -> InlineKeyboardMarkup | None:
    """More/Less per story (numbered when there are several), then Ask."""
    rows = keyboard_spec(parts, stories)
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[button(label, action, story_id) for label, action, story_id in row] for row in rows]
    )


def keyboard_spec(
    parts: Sequence[Part], stories: Mapping[int, StoryBrief] | None = None
) -> list[list[ButtonSpec]]:
    """:func:`keyboard`'s buttons row by row, as plain values (none: no keyboard): a digest
    run writes thousands of keyboards as dicts, and PTB's button objects, built and turned
    into dicts, cost more than the rest of drawing the digest."""
    items = [(p, p.story_id) for p in parts if p.story_id is not None]
    if not items:
        return []
    rows: list[list[ButtonSpec]] = []
    single = len(items) == 1
    toggles: list[ButtonSpec] = []
    for p, story_id in items:
        word = "Less" if p.expanded else "More"
        label = word if single or p.index is None else f"{word} {p.index}"
        toggles.append((label, "less" if p.expanded else "more", story_id))
    for i in range(0, len(toggles), BUTTONS_PER_ROW):
        rows.append(toggles[i : i + BUTTONS_PER_ROW])
    last: list[ButtonSpec] = []
    head_part, first_id = items[0]
    first = stories.get(first_id) if stories and first_id else None
    if single and head_part.expanded and first is not None and more_quotes_left(first):
        last.append(("More quotes", "mq", first_id))
    last.append(("Ask about this" if single else "Ask about these", "ask", first_id))
    rows.append(last)
    return rows


def pages(
    parts: Sequence[Part],
    stories: dict[int, StoryBrief],
    *,
    limit: int = PACK_LIMIT,
    now: datetime | None = None,
) -> list[list[Part]]:
    """The parts in messages of at most ``limit`` visible characters, split only between
    parts; a head stays with the story after it.

    Each block is drawn and measured once: the visible length of blocks joined by blank
    lines is the sum of theirs plus two per blank line (a block is whole HTML, no tag or
    entity runs from one into the next).
    """
    blocks = _blocks(parts, stories, now)
    messages: list[list[Part]] = []
    current: list[Part] = []
    sizes: list[int] = []  # the visible lengths of the current message's blocks
    for i, part in enumerate(parts):
        glued = part.story_id is None and i + 1 < len(parts) and parts[i + 1].story_id
        probe = [b[1] for b in blocks[i : i + 2 if glued else i + 1] if b is not None]
        wanted = [*sizes, *probe]
        if current and sum(wanted) + 2 * (len(wanted) - 1) > limit:
            messages.append(current)
            current, sizes = [part], []
        else:
            current.append(part)
        if blocks[i] is not None:
            sizes.append(blocks[i][1])  # type: ignore[index]
    if current:
        messages.append(current)
    return messages


_NUMBER_RE = re.compile(r"^(\d+)\. ")


def toggles_of(markup: InlineKeyboardMarkup | None) -> list[tuple[int, bool, int | None]]:
    """(story id, expanded, number) for each story button of a message, in order."""
    out = []
    for row in markup.inline_keyboard if markup else ():
        for b in row:
            data = b.callback_data if isinstance(b.callback_data, str) else ""
            action, _, arg = data.partition(":")
            if action in ("more", "less") and arg.isdigit():
                m = re.search(r"(\d+)$", b.text)
                out.append((int(arg), action == "less", int(m.group(1)) if m else None))
    return out


def restore(text: str, markup: InlineKeyboardMarkup | None) -> list[Part] | None:
    """The parts of a message the bot drew, from its plain text and its keyboard.

    Numbered cards are found by their number; a single unnumbered card is the last
    block. ``None`` when the message does not read as one of ours.
    """
    items = toggles_of(markup)
    if not items:
        return None
    blocks = (text or "").split("\n\n")
    by_number = {n: (sid, ex) for sid, ex, n in items if n is not None}
    parts: list[Part] = []
    if len(items) == 1 and items[0][2] is None:
        story_id, expanded, _n = items[0]
        parts = [Part(text=b) for b in blocks[:-1] if b.strip()]
        return [*parts, Part(story_id=story_id, expanded=expanded)]
    placed: set[int] = set()
    for block in blocks:
        m = _NUMBER_RE.match(block)
        number = int(m.group(1)) if m else -1
        hit = by_number.get(number)
        if hit is not None and hit[0] not in placed:
            placed.add(hit[0])
            parts.append(Part(story_id=hit[0], index=number, expanded=hit[1]))
        elif block.strip():
            parts.append(Part(text=block))
    if len(placed) != len(by_number):
        return None
    return parts


def toggle(parts: Sequence[Part], story_id: int, expand: bool) -> list[Part]:
    """The parts with ``story_id`` expanded (every other folded) or folded."""
    out = []
    for p in parts:
        if p.story_id is None:
            out.append(p)
        elif p.story_id == story_id:
            out.append(Part(story_id=p.story_id, index=p.index, expanded=expand))
        else:
            out.append(Part(story_id=p.story_id, index=p.index, expanded=False))
    return out
