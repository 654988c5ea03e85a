"""A digest composed from blocks drawn once: the very messages the layout draws.

A digest run composes thousands of digests from the same few dozen stories at one moment,
so :func:`bot.telegram.digests.compose` draws each block once (:class:`DrawnBlocks`),
packs sections by the blocks' measured lengths and writes keyboards as dicts. Here every
message is compared with the way it was made before: each probe measured on the
layout's render, the text drawn by ``layout.render``, the keyboard built as PTB objects
(``layout.keyboard(...).to_dict()``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.briefing import Page, allocate
from bot.telegram import layout
from bot.telegram.cards import visible_len
from bot.telegram.digests import ASK_HINT, DrawnBlocks, compose, sections
from bot.telegram.render import Source, StoryBrief
from summarizer import analyse, summarize_story
from tests.fakes.bot_harness import GERMANY_ARTICLE, SEED_ARTICLE, TRICKY_ARTICLE, TRICKY_TITLE

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CODES = ("IR", "RU", "DE", "FR", "US", "UA", "IL", "CN")


def _stories() -> list[StoryBrief]:
    texts = [
        (SEED_ARTICLE.read_text(encoding="utf-8"), "Iran and Russia hail defense ties"),
        (GERMANY_ARTICLE, "German parliament approves budget"),
        (TRICKY_ARTICLE, TRICKY_TITLE),
    ]
    briefs = [summarize_story([analyse(text, title=title)]) for text, title in texts]
    out = []
    for story_id in range(1, 25):
        at = NOW - timedelta(hours=story_id)
        sources = [
            Source(f"https://o{i}.example/{story_id}", f"Outlet & {i}", None, at)
            for i in range(1 + story_id % 4)
        ]
        out.append(StoryBrief(story_id, briefs[story_id % len(briefs)], sources, at))
    return out


def _drawn_by_the_layout(
    heading: str,
    codes: Sequence[str],
    chosen: Mapping[str, Sequence[StoryBrief]],
    now: datetime,
    limit: int,
) -> tuple[list[Page], int]:
    """The digest as composed before: every probe rendered whole and measured, the text
    drawn by the layout, the keyboard built as PTB objects and turned into a dict; and
    how many sections were too long for a message of their own."""
    stories = {s.story_id: s for group in chosen.values() for s in group}

    def fits(parts: list[layout.Part]) -> bool:
        return visible_len(layout.render(parts, stories, now)) <= limit

    messages: list[list[layout.Part]] = []
    split = 0
    current = [layout.head(heading, ASK_HINT)]
    for group in sections(codes, chosen):
        if fits([*current, *group]):
            current += group
        elif fits(group):
            messages.append(current)
            current = list(group)
        else:
            split += 1
            pieces = layout.pages([*current, *group], stories, limit=limit, now=now)
            messages.extend(pieces[:-1])
            current = pieces[-1]
    messages.append(current)
    out: list[Page] = []
    for parts in messages:
        markup = layout.keyboard(parts, stories)
        ids = [p.story_id for p in parts if p.story_id is not None]
        out.append((layout.render(parts, stories, now), ids, markup.to_dict() if markup else None))
    return out, split


def test_composed_digests_are_the_messages_the_layout_draws() -> None:
    stories = _stories()
    rng = random.Random(5)
    blocks = DrawnBlocks()  # shared by every digest, as in a run
    split = several = 0
    for n in range(300):
        codes = rng.sample(CODES, rng.randint(1, 5))
        candidates = {c: rng.sample(stories, rng.randint(0, 6)) for c in codes}
        seen = {s.story_id for s in rng.sample(stories, rng.randint(0, 5))}
        chosen = allocate(codes, candidates, seen)
        limit = rng.choice([700, 1500, 2500, layout.PACK_LIMIT])
        now = NOW + timedelta(hours=n // 100)  # a new moment now and then: blocks drawn anew
        heading = f"Your digest · {' & '.join(codes)} <{n}>"
        got = compose(heading, codes, chosen, now, limit=limit, blocks=blocks)
        expected, sections_split = _drawn_by_the_layout(heading, codes, chosen, now, limit)
        assert got == expected
        several += len(got) > 1
        split += sections_split > 0
    assert several > 100 and split > 20


def test_a_new_story_object_is_drawn_anew_at_the_same_moment() -> None:
    stories = _stories()
    blocks = DrawnBlocks()
    first = compose("Digest", ["IR"], {"IR": [stories[0]]}, NOW, blocks=blocks)
    fresh = StoryBrief(stories[0].story_id, stories[1].brief, [], NOW)
    again = compose("Digest", ["IR"], {"IR": [fresh]}, NOW, blocks=blocks)
    assert again != first
    limit = layout.PACK_LIMIT
    expected, _split = _drawn_by_the_layout("Digest", ["IR"], {"IR": [fresh]}, NOW, limit)
    assert again == expected
