"""Feeds and their polling state, and the entries already seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.settings import FeedConfig
from bot.store import Store

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BBC = FeedConfig(
    url="https://feeds.bbci.co.uk/news/world/rss.xml", name="BBC", language="en", country="GB"
)
DW = FeedConfig(url="https://rss.dw.com/rdf/rss-en-world", name="DW", language="en", country="DE")


async def test_feed_state_round_trip(store: Store) -> None:
    result = await store.sync_feeds([BBC, DW])
    assert sorted(result.added) == sorted([BBC.url, DW.url])
    feeds = {f.url: f for f in await store.list_feeds()}
    bbc = feeds[BBC.url]
    assert (bbc.name, bbc.country, bbc.language, bbc.enabled) == ("BBC", "GB", "en", True)
    assert (bbc.etag, bbc.consecutive_failures, bbc.items_seen, bbc.gone) == (None, 0, 0, False)

    await store.record_feed_success(
        bbc.id,
        etag='W/"abc"',
        last_modified="Fri, 01 May 2026 11:58:00 GMT",
        items_seen_delta=7,
        next_poll_at=T0 + timedelta(minutes=15),
        polled_at=T0,
    )
    await store.record_feed_success(
        bbc.id,
        etag='W/"def"',
        last_modified=None,
        items_seen_delta=3,
        next_poll_at=T0 + timedelta(minutes=30),
        polled_at=T0 + timedelta(minutes=15),
    )
    bbc = await store.get_feed(bbc.id)
    assert bbc is not None
    assert (bbc.etag, bbc.last_modified, bbc.items_seen) == ('W/"def"', None, 10)
    assert bbc.last_success_at == T0 + timedelta(minutes=15)
    assert bbc.next_poll_at == T0 + timedelta(minutes=30)

    failures = [
        await store.record_feed_failure(
            bbc.id,
            f"HTTP 503 attempt {i}",
            next_poll_at=T0 + timedelta(hours=i),
            polled_at=T0 + timedelta(hours=i - 1),
        )
        for i in (1, 2)
    ]
    assert failures == [1, 2]
    bbc = await store.get_feed(bbc.id)
    assert bbc is not None
    assert (bbc.consecutive_failures, bbc.last_error) == (2, "HTTP 503 attempt 2")
    assert bbc.last_success_at == T0 + timedelta(minutes=15)  # failures keep the last success
    assert bbc.etag == 'W/"def"'  # and the validators

    # re-reading feeds.toml with a new name keeps every bit of polling state
    renamed = FeedConfig(url=BBC.url, name="BBC World", language="en", country="GB")
    again = await store.sync_feeds([renamed, DW])
    assert (again.added, again.updated, again.unchanged) == ([], [BBC.url], [DW.url])
    bbc = await store.get_feed(bbc.id)
    assert bbc is not None
    assert (bbc.name, bbc.consecutive_failures, bbc.items_seen) == ("BBC World", 2, 10)


async def test_due_feeds_skip_disabled_gone_and_not_yet_due(store: Store) -> None:
    configs = [
        FeedConfig(url=f"https://example.org/{n}.xml", name=n)
        for n in ("never", "due", "later", "off", "gone")
    ]
    await store.sync_feeds(configs)
    ids = {f.name: f.id for f in await store.list_feeds()}
    await store.record_feed_success(
        ids["due"], etag=None, last_modified=None, next_poll_at=T0 - timedelta(minutes=1)
    )
    await store.record_feed_success(
        ids["later"], etag=None, last_modified=None, next_poll_at=T0 + timedelta(minutes=1)
    )
    await store.set_feed_enabled(ids["off"], False)
    await store.record_feed_failure(ids["gone"], "HTTP 410 Gone", next_poll_at=None, gone=True)

    due = await store.due_feeds(T0)
    assert [f.name for f in due] == ["never", "due"]  # never polled first, then most overdue
    assert [f.name for f in await store.due_feeds(T0, limit=1)] == ["never"]
    assert [f.name for f in await store.list_feeds(enabled_only=True)] == [
        "due",
        "gone",
        "later",
        "never",
    ]


async def test_feed_health_says_how_each_feed_is_doing(store: Store) -> None:
    configs = [FeedConfig(url=f"https://example.org/{n}.xml", name=n) for n in "abcde"]
    await store.sync_feeds(configs)
    ids = {f.name: f.id for f in await store.list_feeds()}
    await store.record_feed_success(
        ids["a"], etag=None, last_modified=None, items_seen_delta=4, next_poll_at=T0
    )
    await store.record_feed_success(ids["b"], etag=None, last_modified=None, next_poll_at=T0)
    await store.record_feed_failure(ids["b"], "timeout " + "x" * 2000, next_poll_at=T0)
    await store.record_feed_failure(ids["c"], "HTTP 410", next_poll_at=None, gone=True)
    await store.set_feed_enabled(ids["d"], False)
    for i in range(3):
        await store.add_article(
            url=f"https://example.org/a/{i}", title="t", text="x", feed_id=ids["a"]
        )

    health = {h.name: h for h in await store.feed_health()}
    assert {n: h.status for n, h in health.items()} == {
        "a": "ok",
        "b": "failing",
        "c": "gone",
        "d": "disabled",
        "e": "never polled",
    }
    assert (health["a"].articles, health["a"].items_seen) == (3, 4)
    assert health["b"].last_error is not None and len(health["b"].last_error) == 500
    assert health["b"].last_success_at is not None
    assert health["e"].last_success_at is None and health["e"].articles == 0


async def test_add_feeds_only_adds_unknown_urls(store: Store) -> None:
    await store.sync_feeds([BBC])
    [bbc] = await store.list_feeds()
    await store.record_feed_success(
        bbc.id, etag="x", last_modified=None, items_seen_delta=2, next_poll_at=T0
    )
    renamed_bbc = FeedConfig(url=BBC.url, name="Renamed by OPML")
    added = await store.add_feeds([renamed_bbc, DW, DW])
    assert added == [DW.url]
    feeds = {f.url: f for f in await store.list_feeds()}
    assert feeds[BBC.url].name == "BBC" and feeds[BBC.url].items_seen == 2
    assert feeds[DW.url].country == "DE"


async def test_filter_unseen_remembers_per_feed(store: Store) -> None:
    await store.sync_feeds([BBC, DW])
    bbc, dw = sorted(await store.list_feeds(), key=lambda f: f.name)
    long_url = "https://example.org/" + "segment/" * 600  # beyond a btree entry on PostgreSQL
    keys = ["guid-1", "guid-2", "https://example.org/story?id=3", long_url]

    assert await store.filter_unseen(bbc.id, [*keys, "guid-1", ""]) == keys  # order, once
    await store.mark_seen(bbc.id, ["guid-1", long_url])
    await store.mark_seen(bbc.id, ["guid-1"])  # twice is fine
    assert await store.filter_unseen(bbc.id, keys) == ["guid-2", "https://example.org/story?id=3"]
    assert await store.filter_unseen(dw.id, keys) == keys  # another feed has not seen them
    assert await store.filter_unseen(bbc.id, []) == []


async def test_filter_unseen_handles_more_keys_than_one_query_holds(store: Store) -> None:
    await store.sync_feeds([BBC])
    [bbc] = await store.list_feeds()
    keys = [f"https://example.org/item/{i}" for i in range(1200)]
    await store.mark_seen(bbc.id, keys[::2])
    unseen = await store.filter_unseen(bbc.id, keys)
    assert unseen == keys[1::2]


NEW_BBC = "https://feeds.bbc.com/news/world/rss.xml"


async def test_a_permanent_redirect_moves_the_feed_once_confirmed(store: Store) -> None:
    await store.sync_feeds([BBC, DW])
    feeds = {f.url: f for f in await store.list_feeds()}
    bbc = feeds[BBC.url]
    assert await store.record_feed_redirect(bbc.id, NEW_BBC, at=T0) is False  # seen once
    feed = await store.get_feed(bbc.id)
    assert (feed.poll_url, feed.moved_candidate) == (BBC.url, NEW_BBC)
    # another target, then no redirect at all: the pending move is forgotten each time
    assert await store.record_feed_redirect(bbc.id, NEW_BBC + "?v=2", at=T0) is False
    assert await store.record_feed_redirect(bbc.id, None, at=T0) is False
    assert (await store.get_feed(bbc.id)).moved_candidate is None
    # two polls in a row: moved; the configured URL stays the feed's identity
    assert await store.record_feed_redirect(bbc.id, NEW_BBC, at=T0) is False
    assert await store.record_feed_redirect(bbc.id, NEW_BBC, at=T0 + timedelta(minutes=15))
    feed = await store.get_feed(bbc.id)
    assert (feed.url, feed.poll_url, feed.moved_candidate) == (BBC.url, NEW_BBC, None)
    assert feed.moved_at == T0 + timedelta(minutes=15)
    health = {h.url: h for h in await store.feed_health()}
    assert health[BBC.url].moved and health[BBC.url].effective_url == NEW_BBC
    assert not health[DW.url].moved
    # the feed list still naming the old URL does not bring it back as a new feed
    result = await store.sync_feeds([BBC, DW])
    assert result.added == [] and sorted(result.unchanged) == sorted([BBC.url, DW.url])
    assert len(await store.list_feeds()) == 2
    assert (await store.get_feed(bbc.id)).poll_url == NEW_BBC
    # nor does importing the new URL (OPML) add a second feed for it
    assert await store.add_feeds([FeedConfig(url=NEW_BBC, name="BBC again")]) == []
    # moving back to the configured URL clears the move
    await store.record_feed_redirect(bbc.id, BBC.url)
    assert await store.record_feed_redirect(bbc.id, BBC.url)
    feed = await store.get_feed(bbc.id)
    assert (feed.effective_url, feed.poll_url) == (None, BBC.url)


async def test_the_feed_list_updated_to_the_new_url_keeps_the_feed(store: Store) -> None:
    await store.sync_feeds([BBC])
    (bbc,) = await store.list_feeds()
    await store.mark_seen(bbc.id, ["guid-1"])
    for minutes in (0, 15):
        await store.record_feed_redirect(bbc.id, NEW_BBC, at=T0 + timedelta(minutes=minutes))
    # the operator replaced the old URL by the new one in feeds.toml
    result = await store.sync_feeds([FeedConfig(url=NEW_BBC, name="BBC World", country="GB")])
    assert (result.added, result.updated) == ([], [NEW_BBC])
    (feed,) = await store.list_feeds()
    assert (feed.id, feed.url, feed.effective_url, feed.name) == (
        bbc.id,
        NEW_BBC,
        None,
        "BBC World",
    )
    assert await store.filter_unseen(feed.id, ["guid-1", "guid-2"]) == ["guid-2"]
    # with both URLs configured, the old one keeps its row and the new one is a feed too
    await store.record_feed_redirect(bbc.id, "https://bbc.example/rss")
    await store.record_feed_redirect(bbc.id, "https://bbc.example/rss")
    both = [
        FeedConfig(url=NEW_BBC, name="BBC"),
        FeedConfig(url="https://bbc.example/rss", name="B"),
    ]
    assert (await store.sync_feeds(both)).added == ["https://bbc.example/rss"]
