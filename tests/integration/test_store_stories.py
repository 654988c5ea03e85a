"""Articles, stories and the country queries behind /brief and the digests; pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import FeedConfig
from bot.store import (
    EntryMark,
    SeenEntry,
    Store,
    Story,
    StoryPlan,
    importance,
    unpack_signature,
)

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
ANALYSIS = {
    "language": "en",
    "countries": [{"code": "IR", "name": "Iran", "score": 0.8}],
    "people": [{"name": "Abbas Araghchi", "title": "Iranian Foreign Minister", "mentions": []}],
    "quotes": [],
    "key_points": [{"text": "Talks resumed.", "start": 0, "end": 14}],
}


async def _article(store: Store, n: int, outlet: str = "BBC", **kwargs: object) -> int:
    article_id = await store.add_article(
        url=f"https://{outlet.lower()}.example/{n}",
        title=f"Article {n}",
        text=f"Text of article {n}.",
        outlet=outlet,
        fetched_at=kwargs.pop("fetched_at", NOW),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    assert article_id is not None
    return article_id


async def test_articles_round_trip_and_dedupe_on_canonical_url(store: Store) -> None:
    await store.sync_feeds([FeedConfig(url="https://bbc.example/rss", name="BBC")])
    [feed] = await store.list_feeds()
    signature = [2**64 - 1, 0, 12345678901234567890]
    first = await store.add_article(
        url="https://bbc.example/news/1?utm_source=rss",
        canonical_url="https://bbc.example/news/1",
        guid="urn:bbc:1",
        feed_id=feed.id,
        outlet="BBC",
        title="Iran talks",
        text="Talks resumed in Vienna.",
        text_source="feed",
        language="en",
        published_at=NOW - timedelta(hours=1),
        analysis=ANALYSIS,
        minhash=signature,
        content_hash="c" * 64,
    )
    assert first is not None
    again = await store.add_article(
        url="https://bbc.example/news/1?utm_source=twitter",
        canonical_url="https://bbc.example/news/1",
        title="Iran talks",
        text="Talks resumed in Vienna.",
    )
    assert again is None
    assert await store.article_exists("https://bbc.example/news/1")
    assert not await store.article_exists("https://bbc.example/news/2")
    assert await store.find_article_by_content_hash("c" * 64) == first

    [article] = await store.get_articles([first, 999_999])
    assert (article.feed_id, article.guid, article.text_source) == (feed.id, "urn:bbc:1", "feed")
    assert article.analysis == ANALYSIS
    assert unpack_signature(article.minhash or b"") == tuple(signature)

    with pytest.raises(ValueError, match="text_source"):
        await store.add_article(url="https://x.example/", title=None, text="", text_source="rss")


async def test_get_articles_keeps_the_order_asked(store: Store) -> None:
    ids = [await _article(store, n) for n in range(5)]
    wanted = [ids[3], ids[0], ids[4]]
    assert [a.id for a in await store.get_articles(wanted)] == wanted


async def test_recent_minhashes_with_their_story(store: Store) -> None:
    old = await _article(store, 1, minhash=[1, 2], fetched_at=NOW - timedelta(days=3))
    clustered = await _article(store, 2, minhash=[3, 4])
    loose = await _article(store, 3, minhash=[5, 6])
    await _article(store, 4)  # no signature: nothing to compare
    story = await store.create_story("Story", article_ids=[clustered], at=NOW)

    rows = await store.recent_minhashes(NOW - timedelta(days=1))
    assert [(r.article_id, r.story_id, unpack_signature(r.signature)) for r in rows] == [
        (clustered, story, (3, 4)),
        (loose, None, (5, 6)),
    ]
    assert old not in {r.article_id for r in rows}
    assert await store.story_of_article(clustered) == story
    assert await store.story_of_article(loose) is None


async def test_stories_count_articles_and_distinct_sources(store: Store) -> None:
    a1 = await _article(store, 1, outlet="BBC")
    a2 = await _article(store, 2, outlet="BBC")
    a3 = await _article(store, 3, outlet="Al Jazeera")
    story = await store.create_story("Talks", article_ids=[a1], countries=[("ir", 0.9)], at=NOW)
    assert await store.attach_article(story, a2, at=NOW + timedelta(minutes=5))
    assert await store.attach_article(story, a3, at=NOW + timedelta(minutes=10))
    assert not await store.attach_article(story, a3)  # already there
    other = await store.create_story("Other", at=NOW)
    assert not await store.attach_article(other, a1)  # an article belongs to one story

    detail = await store.get_story(story)
    assert detail is not None
    assert (detail.article_count, detail.source_count) == (3, 2)
    assert [a.id for a in detail.articles] == [a1, a2, a3]
    assert detail.countries == {"IR": 0.9}
    assert detail.updated_at == NOW + timedelta(minutes=10)
    assert await store.get_story(123_456) is None


async def test_update_story_replaces_brief_countries_and_headline(store: Store) -> None:
    a1 = await _article(store, 1)
    story = await store.create_story("First", article_ids=[a1], countries=[("IR", 0.5)], at=NOW)
    brief = {
        "headline": "Iran and US resume talks",
        "key_points": ["Talks resumed."],
        "quotes": [],
        "countries": [],
        "people": [{"name": "Abbas Araghchi", "title": "Foreign Minister"}],
    }
    later = NOW + timedelta(hours=1)
    await store.update_story(
        story,
        brief=brief,
        countries=[("IR", 0.7), ("US", 0.6), ("us", 0.2)],
        headline="Iran and US resume talks",
        at=later,
    )
    detail = await store.get_story(story)
    assert detail is not None
    assert (detail.headline, detail.brief, detail.countries) == (
        "Iran and US resume talks",
        brief,
        {"IR": 0.7, "US": 0.6},
    )
    [candidate] = await store.recent_stories(NOW)
    assert candidate.people == ["Abbas Araghchi"]
    assert candidate.countries == {"IR": 0.7, "US": 0.6}
    assert candidate.updated_at == later
    assert await store.recent_stories(later + timedelta(seconds=1)) == []


async def test_stories_for_country_window_and_ranking(store: Store) -> None:
    numbers = iter(range(1000))

    async def story(headline: str, hours_ago: float, code: str, score: float, sources: int) -> int:
        at = NOW - timedelta(hours=hours_ago)
        ids = [
            await _article(store, next(numbers), outlet=f"Outlet{i}", fetched_at=at)
            for i in range(sources)
        ]
        return await store.create_story(headline, article_ids=ids, countries=[(code, score)], at=at)

    wide = await story("Covered by five outlets", 3, "IR", 0.8, 5)
    fresh = await story("Fresh, one outlet", 0.5, "IR", 0.8, 1)
    passing = await story("Iran mentioned in passing", 1, "IR", 0.1, 2)
    await story("Two days old", 48, "IR", 0.9, 6)
    await story("About France", 1, "FR", 0.9, 3)

    found = await store.stories_for_country("ir", NOW - timedelta(hours=24), now=NOW)
    assert [s.id for s in found] == [wide, fresh, passing]
    assert [s.source_count for s in found] == [5, 1, 2]
    assert found[0].importance > found[1].importance > found[2].importance
    assert found[0].codes == ("IR",) and found[0].salience == pytest.approx(0.8)
    limited = await store.stories_for_country("IR", NOW - timedelta(hours=24), limit=1, now=NOW)
    assert [s.id for s in limited] == [wide]
    assert await store.stories_for_country("DE", NOW - timedelta(days=30), now=NOW) == []


async def test_stories_since_for_digests_lists_each_story_once(store: Store) -> None:
    a1, a2, a3 = [await _article(store, n) for n in (1, 2, 3)]
    both = await store.create_story(
        "Iran and Israel", article_ids=[a1], countries=[("IR", 0.6), ("IL", 0.9)], at=NOW
    )
    iran = await store.create_story("Iran only", article_ids=[a2], countries=[("IR", 0.7)], at=NOW)
    await store.create_story("Chile", article_ids=[a3], countries=[("CL", 1.0)], at=NOW)

    found = await store.stories_since(["IR", "IL"], NOW - timedelta(hours=6), now=NOW)
    assert [s.id for s in found] == [both, iran]
    assert found[0].codes == ("IL", "IR")
    assert found[0].salience == pytest.approx(0.9)
    assert await store.stories_since([], NOW - timedelta(hours=6)) == []
    assert await store.stories_since(["IR"], NOW + timedelta(minutes=1), now=NOW) == []
    high = await store.stories_since(["IR"], NOW - timedelta(hours=6), min_salience=0.65, now=NOW)
    assert [s.id for s in high] == [iran]


def test_importance_prefers_salience_breadth_and_recency() -> None:
    base = importance(0.8, 3, NOW, NOW)
    assert importance(0.4, 3, NOW, NOW) == pytest.approx(base / 2)
    assert importance(0.8, 7, NOW, NOW) > base
    assert importance(0.8, 3, NOW - timedelta(hours=12), NOW) == pytest.approx(base / 2)
    assert importance(0.8, 3, NOW + timedelta(hours=1), NOW) == pytest.approx(base)


async def test_prune_forgets_old_articles_entries_and_empty_stories(store: Store) -> None:
    await store.sync_feeds([FeedConfig(url="https://bbc.example/rss", name="BBC")])
    [feed] = await store.list_feeds()
    old_time = NOW - timedelta(days=40)
    await store.mark_seen(feed.id, ["old-entry"], seen_at=old_time)
    await store.mark_seen(feed.id, ["new-entry"], seen_at=NOW)
    old_a = await _article(store, 1, outlet="BBC", fetched_at=old_time)
    old_b = await _article(store, 2, outlet="DW", fetched_at=old_time)
    new_c = await _article(store, 3, outlet="DW")
    gone_story = await store.create_story(
        "Old story", article_ids=[old_a], countries=[("IR", 0.5)], at=old_time
    )
    mixed_story = await store.create_story("Mixed", article_ids=[old_b, new_c], at=NOW)

    result = await store.prune(NOW - timedelta(days=30))
    assert (result.articles, result.seen_entries, result.stories) == (2, 1, 1)
    assert await store.get_story(gone_story) is None
    mixed = await store.get_story(mixed_story)
    assert mixed is not None
    assert ([a.id for a in mixed.articles], mixed.article_count) == ([new_c], 1)
    assert await store.filter_unseen(feed.id, ["old-entry", "new-entry"]) == ["old-entry"]
    assert await store.stories_for_country("IR", old_time - timedelta(days=1), now=NOW) == []
    again = await store.prune(NOW - timedelta(days=30))
    assert (again.articles, again.seen_entries, again.stories) == (0, 0, 0)


async def test_stats_count_what_is_stored(store: Store) -> None:
    await store.sync_feeds(
        [FeedConfig(url=f"https://example.org/{n}.xml", name=n) for n in ("a", "b", "c")]
    )
    ids = {f.name: f.id for f in await store.list_feeds()}
    await store.record_feed_failure(ids["a"], "HTTP 500", next_poll_at=NOW)
    await store.record_feed_failure(ids["b"], "HTTP 410", next_poll_at=None, gone=True)
    recent = await _article(store, 1)
    await _article(store, 2, fetched_at=NOW - timedelta(days=2))
    await store.create_story("Story", article_ids=[recent], at=NOW)

    stats = await store.stats(now=NOW + timedelta(hours=1))
    assert (stats.feeds, stats.feeds_enabled, stats.feeds_failing, stats.feeds_gone) == (3, 3, 1, 1)
    assert (stats.articles, stats.articles_24h, stats.stories, stats.stories_24h) == (2, 1, 1, 1)
    assert stats.last_article_at == NOW


async def test_known_canonical_urls_in_batches(store: Store) -> None:
    stored = [f"https://example.org/news/{i}" for i in range(3)]
    for url in stored:
        assert await store.add_article(
            url=url + "?utm_source=x", canonical_url=url, title="t", text="x"
        )
    asked = [f"https://example.org/news/{i}" for i in range(1200)]  # more than one IN (...)
    asked += [stored[0], "https://example.org/news/0?utm_source=x"]
    assert await store.known_canonical_urls(asked) == set(stored)
    assert await store.known_canonical_urls([]) == set()
    assert await store.known_canonical_urls(u + "/other" for u in stored) == set()


def _new(n: int, feed_id: int, **extra: object) -> dict[str, object]:
    return {
        "url": f"https://wire.example/{n}",
        "title": f"Wire {n}",
        "text": f"Text of wire story {n}.",
        "feed_id": feed_id,
        "outlet": "Wire",
        "fetched_at": NOW,
        "analysis": ANALYSIS,
        **extra,
    }


async def test_ingest_article_writes_article_story_and_seen_mark_together(store: Store) -> None:
    from sqlalchemy import select

    await store.sync_feeds([FeedConfig(url="https://wire.example/rss", name="Wire")])
    [feed] = await store.list_feeds()
    plan = StoryPlan(headline="Talks resume", countries=(("IR", 0.8),))
    first = await store.ingest_article(
        _new(1, feed.id), plan, seen=EntryMark("k1", "stored"), at=NOW
    )
    assert first is not None and first.created
    joined = await store.ingest_article(
        _new(2, feed.id), StoryPlan(story_id=first.story_id), seen=EntryMark("k2", "stored")
    )
    assert joined is not None and joined.story_id == first.story_id and not joined.created
    # the same canonical URL again: no article, but its entry is marked, as a duplicate
    again = await store.ingest_article(_new(1, feed.id), plan, seen=EntryMark("k3", "stored"))
    assert again is None
    assert await store.filter_unseen(feed.id, ["k1", "k2", "k3", "k4"]) == ["k4"]
    async with store.session() as session:
        outcomes = dict(
            (await session.execute(select(SeenEntry.key_hash, SeenEntry.outcome))).all()
        )
        story = await session.get(Story, first.story_id)
    assert sorted(outcomes.values()) == ["duplicate", "stored", "stored"]
    assert story is not None and story.article_count == 2 and story.needs_brief
    assert await store.story_awaits_brief()  # what a reader told "still collecting" waits on
    # a brief built from 1 of the 2 articles leaves the story waiting; from both, done
    await store.update_story(first.story_id, brief={"headline": "x"}, built_from=1)
    assert [s for s, _ in await store.stories_needing_brief(NOW - timedelta(hours=1))] == [
        first.story_id
    ]
    assert await store.story_awaits_brief()
    await store.update_story(first.story_id, brief={"headline": "x"}, built_from=2)
    assert await store.stories_needing_brief(NOW - timedelta(hours=1)) == []
    assert not await store.story_awaits_brief()


async def test_ingest_article_into_a_story_pruned_meanwhile_starts_a_new_one(store: Store) -> None:
    gone = await store.create_story("Pruned soon", at=NOW - timedelta(days=60))
    await store.prune(NOW - timedelta(days=30))  # an empty old story goes
    result = await store.ingest_article(
        _new(5, None), StoryPlan(story_id=gone, headline="Fresh"), at=NOW
    )
    assert result is not None and result.created  # (SQLite may reuse the id of the gone one)
    detail = await store.get_story(result.story_id)
    assert detail is not None and detail.headline == "Fresh"
    assert [a.id for a in detail.articles] == [result.article_id]


async def test_nul_and_surrogates_are_stripped_before_a_column_sees_them(store: Store) -> None:
    dirty = _new(7, None, title="Quake\x00 in \ud800Peru", text="Line \x00one \udc80two.")
    dirty["analysis"] = {"quotes": [{"text": "said\x00 so"}], "key\x00": "v\ud83d\ude00"}
    result = await store.ingest_article(dirty, StoryPlan(headline="Head\x00line"), at=NOW)
    assert result is not None
    [article] = await store.get_articles([result.article_id])
    assert article.title == "Quake in Peru" and article.text == "Line one two."
    assert article.analysis == {"quotes": [{"text": "said so"}], "key": "v\U0001f600"}
    detail = await store.get_story(result.story_id)
    assert detail is not None and detail.headline == "Headline"


async def test_articles_placed_under_one_hold_are_each_all_or_nothing(store: Store) -> None:
    """Articles written under one hold of the placement lock: one that fails leaves none
    of its rows and takes none of the others' with it; on PostgreSQL they are committed
    with the hold (another connection sees them only once the lock is let go)."""
    from sqlalchemy import func, select

    from bot.store.models import Article

    await store.sync_feeds([FeedConfig(url="https://wire.example/rss", name="Wire")])
    [feed] = await store.list_feeds()
    other = Store.from_url(store.engine.url.render_as_string(hide_password=False))
    try:
        async with store.placing() as placement:
            first = await store.ingest_article(
                _new(1, feed.id), StoryPlan(headline="One", countries=(("IR", 0.8),)),
                seen=EntryMark("k1", "stored"), at=NOW, placement=placement,
            )  # fmt: skip
            with pytest.raises(Exception):  # noqa: B017 - the database's own error
                await store.ingest_article(  # a feed that is not there: a foreign key fails
                    _new(2, 10**6), StoryPlan(headline="Two", countries=(("IR", 0.8),)),
                    seen=EntryMark("k2", "stored"), at=NOW, placement=placement,
                )  # fmt: skip
            third = await store.ingest_article(
                _new(3, feed.id), StoryPlan(story_id=first.story_id if first else None),
                seen=EntryMark("k3", "stored"), at=NOW, placement=placement,
            )  # fmt: skip
            if store.is_postgres:  # not committed yet: the hold's transaction
                assert await other.get_articles([first.article_id if first else 0]) == []
    finally:
        await other.close()
    assert first is not None and third is not None and third.story_id == first.story_id
    async with store.session() as session:
        urls = sorted((await session.scalars(select(Article.url))).all())
        stories = await session.scalar(select(func.count()).select_from(Story))
    assert urls == ["https://wire.example/1", "https://wire.example/3"]
    assert stories == 1
    assert await store.filter_unseen(feed.id, ["k1", "k2", "k3"]) == ["k2"]


async def test_update_stories_writes_what_update_story_writes_one_by_one(store: Store) -> None:
    """The cycle's batch of briefs: the same rows as one update_story per story (brief,
    headline kept when None, needs_brief from built_from, countries replaced and ranked,
    or kept and dated again when None); a story gone meanwhile is skipped."""
    from sqlalchemy import select

    from bot.store.models import StoryCountry
    from bot.store.stories import StoryUpdate

    later = NOW + timedelta(minutes=20)
    cases = [  # (countries, headline, built_from): each story gets 3 articles from 2 outlets
        ([("IR", 0.9), ("us", 0.4), ("US", 0.6)], "New headline", 3),
        (None, None, 2),  # a fourth article joined meanwhile: the brief still misses it
        ([], "Emptied", None),
        (None, "Kept and dated again", 3),  # two such stories: their rows in one batch
    ]
    pairs = []
    for k, (countries, headline, built_from) in enumerate(cases):
        ids = []
        for h, half in enumerate(("a", "b")):
            articles = [await _article(store, 100 * k + 10 * i + h, o)
                        for i, o in enumerate(("BBC", "CNN", "BBC"))]  # fmt: skip
            ids.append(
                await store.create_story(
                    f"Story {k}{half}", article_ids=articles, countries=[("FR", 0.5)], at=NOW
                )
            )
        pairs.append(ids)
        update = {"brief": {"headline": f"brief {k}"}, "countries": countries,
                  "headline": headline, "at": later, "built_from": built_from}  # fmt: skip
        await store.update_story(ids[0], **update)  # type: ignore[arg-type]
        pairs[-1].append(StoryUpdate(story_id=ids[1], **update))  # type: ignore[arg-type]
    await store.update_stories([p[2] for p in pairs] + [StoryUpdate(99999, {}, None, None, later)])

    async def state(story_id: int) -> tuple:
        async with store.session() as session:
            story = await session.get(Story, story_id)
            rows = (
                await session.execute(
                    select(StoryCountry.code, StoryCountry.score, StoryCountry.rank,
                           StoryCountry.updated_at)
                    .where(StoryCountry.story_id == story_id)
                    .order_by(StoryCountry.code)
                )
            ).all()  # fmt: skip
            assert story is not None
            head = story.headline.removesuffix("a").removesuffix("b")
            return (
                story.brief,
                head,
                story.needs_brief,
                story.updated_at,
                [tuple(r) for r in rows],
            )

    for one, batched, _ in pairs:
        assert await state(batched) == await state(one)
    assert [(await state(p[0]))[2] for p in pairs] == [False, True, False, False]
    assert len((await state(pairs[0][0]))[4]) == 2 and (await state(pairs[2][0]))[4] == []


async def test_stories_articles_are_the_articles_get_story_gives(store: Store) -> None:
    """A cycle's briefs read a batch of stories' articles at once: each story's are
    get_story's, in its order (published, else fetched, then id); a story gone or
    without articles has none."""
    ids = []
    for k in range(3):
        articles = [
            await _article(store, 500 + 10 * k + i, outlet, published_at=NOW - timedelta(hours=i))
            for i, outlet in enumerate(("BBC", "CNN", "AP")[: k + 1])
        ]
        ids.append(await store.create_story(f"Story {k}", article_ids=articles, at=NOW))
    empty = await store.create_story("No articles", at=NOW)
    found = await store.stories_articles([*ids, empty, 99_999])
    for story_id in ids:
        detail = await store.get_story(story_id)
        assert detail is not None and detail.articles
        assert found[story_id] == detail.articles
    assert found[empty] == [] and found[99_999] == []
