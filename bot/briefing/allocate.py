"""A digest by country: which of each country's stories go into one subscriber's digest.

A five-country digest used to be the eight most important stories of all five together:
three messages of full briefs, and not one about Iran or Russia when the US, China and
the UK had bigger news. Now each country that has news gets at least its top story, a
story about two subscribed countries appears once, under the first of them in the
subscriber's order, and the rest are filled by turns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.briefing.model import StoryBrief

#: Stories in a digest: at least one per country with news, up to this many in all
#: (a one-country digest has them all; five countries take turns).
DIGEST_STORIES = 8
PER_COUNTRY = DIGEST_STORIES


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
    _fill_by_turns(codes, own, chosen, taken, total, per_country)
    return chosen


def _fill_by_turns(
    codes: Sequence[str],
    own: Mapping[str, list[StoryBrief]],
    chosen: dict[str, list[StoryBrief]],
    taken: set[int],
    total: int,
    per_country: int,
) -> None:
    """After the first round: one more story per country a round, up to ``total``."""
    count = len(taken)
    for _round in range(1, per_country):
        for code in codes:
            if count >= total:
                return
            rest = [s for s in own[code] if s.story_id not in taken]
            if rest:
                chosen[code].append(rest[0])
                taken.add(rest[0].story_id)
                count += 1


def _unshown(stories: Sequence[StoryBrief], seen: set[int], taken: set[int]) -> StoryBrief | None:
    """The first of ``stories`` neither sent before nor already in this digest."""
    return next((s for s in stories if s.story_id not in seen and s.story_id not in taken), None)
