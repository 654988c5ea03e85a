"""What /brief reads in one go (``Briefs.page``): the stories ``for_countries`` gives, the
first-reading flag, and the same story object while nothing it is made of changed (so
its drawn card is reused), a new one as soon as anything did.
"""

from __future__ import annotations

from datetime import timedelta

from bot.briefing import Briefs
from bot.settings import FeedConfig
from bot.store import Store, utcnow


def _brief(n: int, point: str = "") -> dict:
    return {"headline": f"Story {n}", "key_points": [point or f"Point {n}."], "quotes": []}


async def _story(store: Store, n: int, code: str = "IR", hours: float = 1.0) -> int:
    at = utcnow() - timedelta(hours=hours)
    article = await store.add_article(
        url=f"https://o{n}.example/{n}",
        title=f"Story {n}",
        text=f"Text {n}.",
        outlet=f"Outlet {n}",
        fetched_at=at,
    )
    assert article is not None
    return await store.create_story(
        f"Story {n}", article_ids=[article], brief=_brief(n), countries=[(code, 0.9)], at=at
    )


async def test_page_hands_out_the_same_story_until_it_changes(store: Store) -> None:
    ids = [await _story(store, n, hours=n) for n in range(1, 6)]
    waiting = await store.create_story("No brief yet", countries=[("IR", 1.0)])
    blank = await store.create_story(
        "Blank points", brief=_brief(0, " "), countries=[("IR", 1.0)], at=utcnow()
    )
    briefs = Briefs(store)
    since = utcnow() - timedelta(days=1)
    first = await briefs.page(["IR"], since, limit=3)
    assert not first.collecting
    assert [s.story_id for s in first.stories] == ids[:3]  # the newest; none without points
    assert not {waiting, blank} & {s.story_id for s in first.stories}
    assert [s.brief.key_points for s in first.stories] == [["Point 1."], ["Point 2."], ["Point 3."]]
    assert [len(s.sources) for s in first.stories] == [1, 1, 1]
    again = await briefs.page(["IR"], since, limit=3)
    assert all(a is b for a, b in zip(again.stories, first.stories, strict=True))
    listed = await briefs.for_countries(["IR"], since, limit=3)
    assert [s.story_id for s in listed] == ids[:3]

    # a new brief: a new object with the new text; the others stay the same objects
    await store.update_story(ids[1], brief=_brief(2, "A new point."), at=utcnow())
    changed = await briefs.page(["IR"], since, limit=3)
    assert changed.stories[0].story_id == ids[1]
    assert changed.stories[0].brief.key_points == ["A new point."]
    assert changed.stories[0] is not first.stories[1]
    assert changed.stories[1] is first.stories[0]
    # a new source: a new object with it
    article = await store.add_article(
        url="https://late.example/1", title="Story 1", text="More.", outlet="Late"
    )
    assert article is not None
    await store.attach_article(ids[0], article)
    grown = await briefs.page(["IR"], since, limit=3)
    story = next(s for s in grown.stories if s.story_id == ids[0])
    assert story is not first.stories[0] and len(story.sources) == 2

    # the first reading of a new feed: said so, with or without stories
    await store.sync_feeds([FeedConfig(url="https://feeds.example/rss", name="Wire")])
    assert (await briefs.page(["IR"], since, limit=3)).collecting
    nothing = await briefs.page(["FR"], since, limit=3)
    assert nothing.stories == [] and nothing.collecting
