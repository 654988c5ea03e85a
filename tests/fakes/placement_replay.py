"""Every stored article's story decided again, serially, in placement order: were the
decisions of concurrent ingest workers those of one worker placing in that order?

Story matching is greedy: which story an article joins depends on the articles placed
before it, so two runs that place in different orders may group a few articles
differently, and both be right. What concurrency must never do is decide against an
out-of-date window (two workers each missing the other's article and starting two
stories for one event). This replays the store's own placement order (membership
numbers, ``story_articles.placed_seq``) through a fresh :class:`StoryWindow`, deciding
each article as the cycle does (a near-duplicate's story, else the best matching story,
else a new one) against the articles placed before it: every decision must agree.
Used by tests and by ``benchmarks/workers.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Replay:
    agree: int = 0
    placed: int = 0
    disagreements: list[str] = field(default_factory=list)

    @property
    def serial(self) -> bool:
        return self.agree == self.placed


async def replay_placements(url: str, start: datetime, span: timedelta) -> Replay:
    """The replay of every article placed in a story (see the module's docstring);
    ``start``: the window's start when the first of them was placed."""
    from sqlalchemy import select

    from bot.ingest import dedupe
    from bot.ingest.articles import profile_of_row
    from bot.ingest.window import StoryWindow
    from bot.store import Store
    from bot.store.models import StoryArticle

    store = Store.from_url(url)
    try:
        async with store.session() as session:
            # placement numbers (migration 0007); before them, ids were the placement order
            order = getattr(StoryArticle, "placed_seq", StoryArticle.article_id)
            rows = (
                await session.execute(
                    select(StoryArticle.article_id, StoryArticle.story_id).order_by(order)
                )
            ).all()
        articles = {a.id: a for a in await store.get_articles([a for a, _ in rows])}
    finally:
        await store.close()
    window = StoryWindow(span)
    window.start = start
    seen: set[int] = set()
    replay = Replay()
    for article_id, story_id in rows:
        row = articles[article_id]
        profile = profile_of_row(row)
        signature = dedupe.from_bytes(row.minhash) if row.minhash else None
        near = window.duplicates.best_match(signature) if signature is not None else None
        decided = window.story_of(int(near[0])) if near is not None else None
        if decided is None:
            match = await window.best_story(profile)
            decided = match.story_id if match is not None else None
        agree = decided == story_id if decided is not None else story_id not in seen
        replay.placed += 1
        replay.agree += agree
        if not agree:
            replay.disagreements.append(
                f"article {article_id} ({row.url}) in story {story_id}; serially: "
                + (f"story {decided}" if decided is not None else "a new story")
            )
        seen.add(story_id)
        window.add(article_id, story_id, profile, signature, row.fetched_at)
    return replay
