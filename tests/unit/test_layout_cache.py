"""Packing and the draw cache of the card layout: the same messages as drawing every probe
afresh, and a card reused only while what it shows is the same.

/brief and the digests draw the same stories for many readers; the layout keeps each
story's drawings by its meta line (the only part that depends on the moment) and packs
messages from the blocks' measured lengths instead of measuring every probe again.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.telegram import layout
from bot.telegram.cards import card, full, visible_len
from bot.telegram.render import Source, StoryBrief
from summarizer import analyse, summarize_story
from tests.fakes.bot_harness import GERMANY_ARTICLE, SEED_ARTICLE, TRICKY_ARTICLE, TRICKY_TITLE

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _stories() -> dict[int, StoryBrief]:
    texts = [
        (SEED_ARTICLE.read_text(encoding="utf-8"), "Iran and Russia hail defense ties"),
        (GERMANY_ARTICLE, "German parliament approves budget"),
        (TRICKY_ARTICLE, TRICKY_TITLE),
    ]
    out = {}
    for story_id in range(1, 10):
        text, title = texts[story_id % len(texts)]
        brief = summarize_story([analyse(text, title=f"{title} {story_id}")])
        at = NOW - timedelta(hours=story_id)
        sources = [
            Source(f"https://o{i}.example/{story_id}", f"Outlet & {i}", title, at)
            for i in range(1 + story_id % 4)
        ]
        out[story_id] = StoryBrief(story_id, brief, sources, at)
    return out


def _pages_by_probing(
    parts: Sequence[layout.Part], stories: dict[int, StoryBrief], limit: int
) -> list[list[layout.Part]]:
    """The packing as it was: every probe rendered whole and measured."""
    messages: list[list[layout.Part]] = []
    current: list[layout.Part] = []
    for i, part in enumerate(parts):
        candidate = [*current, part]
        glued = part.story_id is None and i + 1 < len(parts) and parts[i + 1].story_id
        probe = [*candidate, parts[i + 1]] if glued else candidate
        if current and visible_len(layout.render(probe, stories, None)) > limit:
            messages.append(current)
            current = [part]
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def test_messages_packed_from_measured_blocks_are_those_of_rendering_every_probe() -> None:
    stories = _stories()
    rng = random.Random(4)
    compared = split = 0
    for _ in range(200):
        parts: list[layout.Part] = []
        for _k in range(rng.randint(1, 9)):
            if rng.random() < 0.3:
                parts.append(layout.head(f"Head <{rng.randint(1, 99)}> & co", "a note"))
            else:  # story 99 is missing: skipped in the text, kept in the parts
                story_id = rng.choice([*stories, 99])
                parts.append(
                    layout.Part(story_id=story_id, index=len(parts), expanded=rng.random() < 0.2)
                )
        limit = rng.choice([300, 800, 1500, layout.PACK_LIMIT])
        packed = layout.pages(parts, stories, limit=limit, now=NOW)
        assert packed == _pages_by_probing(parts, stories, limit)
        compared += 1
        split += len(packed) > 1
    assert compared == 200 and split > 50


def test_a_drawn_card_is_reused_while_its_meta_line_is_the_same() -> None:
    stories = _stories()
    story = stories[3]  # updated 3 h before NOW
    parts = [layout.Part(story_id=3, index=1)]
    first = layout.render(parts, stories, NOW)
    assert first == card(story, index=1, now=NOW)
    # ten minutes later the card reads the same ("3 h ago"): the drawing is reused
    later = NOW + timedelta(minutes=10)
    assert layout.render(parts, stories, later) == card(story, index=1, now=later) == first
    # two hours later it says "5 h ago": drawn again, not the old text
    much_later = NOW + timedelta(hours=2)
    redrawn = layout.render(parts, stories, much_later)
    assert redrawn == card(story, index=1, now=much_later) != first
    assert "5 h ago" in redrawn and "3 h ago" in first
    # the full brief and another number are drawings of their own
    expanded = [layout.Part(story_id=3, index=2, expanded=True)]
    assert layout.render(expanded, stories, NOW) == full(story, index=2, now=NOW)
    # an equal story that is another object is drawn from its own content
    other = StoryBrief(3, story.brief, story.sources[:1], story.updated_at)
    assert layout.render(parts, {3: other}, NOW) == card(other, index=1, now=NOW)


def test_the_measured_size_is_the_drawn_texts_visible_length():
    """Digests ask whether sections fit from measured sizes, never drawing them again."""
    stories = _stories()
    rng = random.Random(11)
    for _ in range(200):
        parts: list[layout.Part] = [layout.head("Your digest · Iran", "Reply to ask")]
        for number in range(1, rng.randint(1, 9)):
            if rng.random() < 0.3:
                parts.append(layout.head(f"Country {number}", rng.choice(["", "Nothing new."])))
            story_id = rng.choice([*stories, 99])  # 99: a story that is not there
            parts.append(layout.Part(story_id=story_id, index=number, expanded=rng.random() < 0.2))
        for now in (None, NOW):
            drawn = visible_len(layout.render(parts, stories, now))
            assert layout.visible_size(parts, stories, now) == drawn
