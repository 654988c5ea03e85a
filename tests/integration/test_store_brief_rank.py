"""/brief and digests read only the top of a stored rank: same answer, bounded work.

``stories_since(limit=None)`` ranks every matching row in Python (what /brief did
before); with a limit, the database returns the few candidates by the stored rank and
only those are ranked. Both must give the same stories in the same order.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import bindparam, insert, select, text

from bot.settings import FeedConfig
from bot.store import Store, Story, StoryCountry
from bot.store.briefs import _Window
from bot.store.migrate import upgrade
from bot.store.ranking import RANK_MARGIN, rank_key

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
CODES = ("IR", "IL", "RU", "DE")


async def _fill(store: Store, stories: int, seed: int = 3) -> list[int]:
    """Stories over ten days with random countries, saliences and outlets; some grow."""
    rng = random.Random(seed)
    ids = []
    for n in range(stories):
        at = NOW - timedelta(hours=rng.uniform(0, 240))
        articles = []
        for k in range(rng.randint(1, 4)):
            article = await store.add_article(
                url=f"https://o{rng.randint(0, 5)}.example/{n}/{k}",
                title=f"Story {n}",
                text=f"Text {n} {k}.",
                outlet=f"Outlet {rng.randint(0, 5)}",
                fetched_at=at,
            )
            assert article is not None
            articles.append(article)
        countries = [(c, round(rng.choice([0.0, 0.1, 0.3, 0.5, 0.9]), 2)) for c in CODES]
        ids.append(
            await store.create_story(
                f"Story {n}",
                article_ids=articles[:1],
                countries=rng.sample(countries, rng.randint(1, 3)),
                at=at,
            )
        )
        for article in articles[1:]:  # joins later: more sources, more recent
            await store.attach_article(ids[-1], article, at=min(NOW, at + timedelta(hours=1)))
    return ids


def _answer(found: list) -> list[tuple[int, float, tuple[str, ...]]]:
    return [(s.id, s.importance, s.codes) for s in found]


async def test_limited_answer_is_the_top_of_the_full_ranking(store: Store) -> None:
    await _fill(store, 60)
    cases = 0
    for codes in (["IR"], ["IL", "RU"], list(CODES)):
        for hours in (24, 72, 168):
            for min_salience in (0.0, 0.3):
                since = NOW - timedelta(hours=hours)
                full = await store.stories_since(codes, since, min_salience=min_salience, now=NOW)
                for limit in (1, 3, 5, 15):
                    top = await store.stories_since(
                        codes, since, limit=limit, min_salience=min_salience, now=NOW
                    )
                    assert _answer(top) == _answer(full[:limit]), (codes, hours, limit)
                    cases += 1
    assert cases == 72
    later = await store.stories_since(["IR"], NOW - timedelta(days=3), limit=4, now=NOW)
    assert len(later) == 4 and later[0].importance >= later[-1].importance


async def test_candidates_follow_the_answer_not_the_history(store: Store) -> None:
    await _fill(store, 80, seed=5)
    async with store.session() as session:
        rows = await session.scalar(select(text("count(*)")).select_from(StoryCountry))
        assert rows > 150
        for codes, limit in ((["IR"], 3), (list(CODES), 5)):
            top = store._top_candidates([bindparam(f"code_{k}") for k in range(len(codes))])
            window = _Window(sorted(codes), NOW - timedelta(days=10), NOW, 0.0)
            found = (await session.scalars(top, window.params(limit))).all()
            assert len(found) <= (limit + RANK_MARGIN) * len(codes) < rows


async def test_top_stories_are_the_first_kept_of_the_ranked_candidates(store: Store) -> None:
    """What /brief reads in one go is what it read in three: the first ``limit`` stories
    ``keep`` accepts among the top ``candidates``, their sources, the unpolled feeds."""
    ids = await _fill(store, 40, seed=11)
    for n, story_id in enumerate(ids[::3]):  # some with a brief, some without
        brief = {"headline": f"Brief {n}", "key_points": [f"Point {n}."], "quotes": []}
        await store.update_story(story_id, brief=brief, at=NOW - timedelta(hours=n))
    with_brief = set(ids[::3])
    cases = 0
    for codes in (["IR"], ["IL", "RU"], list(CODES)):
        for hours in (24, 168):
            since = NOW - timedelta(hours=hours)
            ranked = await store.stories_since(codes, since, limit=9, now=NOW)
            for keep in (lambda s: True, lambda s: s.id in with_brief):
                top = await store.top_stories(
                    codes, since, limit=3, candidates=9, keep=keep, now=NOW
                )
                expected = [s for s in ranked if keep(s)][:3]
                assert top.stories == expected, (codes, hours)
                assert top.sources == await store.sources([s.id for s in expected])
                assert top.unpolled_feeds == 0
                cases += bool(expected)
    assert cases >= 8
    assert any(s.brief and s.brief["key_points"] for s in top.stories)  # decoded JSON
    await store.sync_feeds([FeedConfig(url="https://feeds.example/rss", name="Wire")])
    found = await store.top_stories(["IR"], NOW - timedelta(days=30), limit=3, candidates=9)
    assert found.unpolled_feeds == 1 and found.stories
    empty = await store.top_stories(["ZZ"], NOW - timedelta(days=30), limit=3, candidates=9)
    assert (empty.stories, empty.sources, empty.unpolled_feeds) == ([], {}, 1)


async def test_rank_kept_up_to_date_and_rows_written_around_the_store(store: Store) -> None:
    await _fill(store, 1, seed=9)
    async with store.session() as session:
        source_count, updated_at = (
            await session.execute(select(Story.source_count, Story.updated_at))
        ).one()
        rows = (await session.execute(select(StoryCountry.score, StoryCountry.rank))).all()
    assert rows and all(rank == rank_key(s, source_count, updated_at) for s, rank in rows)
    # a story written with bulk SQL, no rank: still found, and ranked on request
    async with store.transaction() as session:
        bulk = (
            await session.execute(
                insert(Story)
                .values(headline="Bulk", created_at=NOW, updated_at=NOW, source_count=9)
                .returning(Story.id)
            )
        ).scalar_one()
        await session.execute(
            insert(StoryCountry).values(story_id=bulk, code="IR", score=1.0, updated_at=NOW)
        )
    found = await store.stories_since(["IR"], NOW - timedelta(days=30), limit=1, now=NOW)
    assert [s.id for s in found] == [bulk]
    assert await store.refresh_ranks() == 1
    assert await store.refresh_ranks() == 0
    found = await store.stories_since(["IR"], NOW - timedelta(days=30), limit=1, now=NOW)
    assert [s.id for s in found] == [bulk]


async def test_migration_0005_fills_the_rank_of_existing_rows(tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(store.engine, "0004")
        async with store.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO stories (id, headline, created_at, updated_at, article_count,"
                    " source_count, needs_brief) VALUES (1, 'Old', :at, :at, 3, 3, 0)"
                ),
                {"at": NOW.replace(tzinfo=None)},
            )
            await conn.execute(
                text(
                    "INSERT INTO story_countries (story_id, code, score, updated_at)"
                    " VALUES (1, 'IR', 0.5, :at), (1, 'IL', 0.0, :at)"
                ),
                {"at": NOW.replace(tzinfo=None)},
            )
        await upgrade(store.engine)
        async with store.session() as session:
            ranks = dict(
                (await session.execute(select(StoryCountry.code, StoryCountry.rank))).all()
            )
        assert ranks == {"IR": pytest.approx(rank_key(0.5, 3, NOW)), "IL": rank_key(0.0, 3, NOW)}
        found = await store.stories_since(["IR", "IL"], NOW - timedelta(days=1), limit=2, now=NOW)
        assert [(s.id, s.codes) for s in found] == [(1, ("IL", "IR"))]
    finally:
        await store.close()
