"""newsbrief's storage: SQLAlchemy 2 (async) on SQLite (default) or PostgreSQL, with Alembic.

The only package that imports SQLAlchemy. One facade, :class:`Store`, made of a query
class per aggregate (feeds, articles and stories, the brief read model, subscribers,
the outbox, messages sent). It is given its database URL and reads no settings.

Public API (``from bot.store import ...``)::

    store = await Store.open(database_url)    # engine + `alembic upgrade head`
    store = Store.from_url(url); await store.migrate()
    await store.close()                       # or: async with Store.from_url(url) as store

    # feeds (FeedSpec in: bot.settings.FeedConfig is one; detached Feed rows out)   feeds.py
    await store.sync_feeds(configs) -> SyncResult      # upsert from feeds.toml, keeps state
    await store.add_feeds(configs) -> [added urls]     # only unknown URLs (OPML import)
    await store.list_feeds(enabled_only=False) -> [Feed]
    await store.get_feed(id) -> Feed | None
    await store.set_feed_enabled(id, enabled)
    await store.due_feeds(now=None, limit=None) -> [Feed]   # enabled, not gone, due
    await store.record_feed_success(id, etag=, last_modified=, items_seen_delta=, next_poll_at=)
    await store.record_feed_redirect(id, target, at=None) -> moved
    await store.record_feed_failure(id, error, next_poll_at=, gone=False) -> consecutive failures
    await store.feed_health() -> [FeedHealth]

    # entries already handled (guid or link, per feed)                               feeds.py
    await store.filter_unseen(feed_id, keys) -> [unseen keys, in order]
    await store.mark_seen(feed_id, keys)
    await store.mark_entries(feed_id, [EntryMark(key, outcome, error)])

    # articles                                                                    articles.py
    await store.article_exists(canonical_url) -> bool
    await store.known_canonical_urls(urls) -> {stored ones}
    await store.find_article_by_content_hash(hash) -> id | None
    await store.add_article(NewArticle(url=, title=, text=, ...)) (or its fields as keywords)
        -> id, or None if the canonical URL is already stored
    await store.ingest_article(NewArticle(...), StoryPlan(story_id | headline, countries),
                               seen=EntryMark(key, "stored"), at=now)
        -> IngestResult(article_id, story_id, created) | None: one transaction for all three
    await store.place_article(article_id, StoryPlan(...)) -> IngestResult | None  # orphans
    await store.orphan_articles(since, limit) -> [Article]    # in no story
    await store.get_articles(ids) -> [Article]
    await store.recent_minhashes(since) -> [MinhashRow(article_id, story_id, signature bytes)]

    # placing several articles under one hold of the placement lock                placement.py
    async with store.placing(early=False) as placement:  # early: one transaction (lock: PG later)
        await placement.lock()                           # (nothing if already held)
        # written before the lock: store.prepare_article(fields) -> PreparedArticle
        await store.insert_articles([(prepared, seen)], at=, placement=) -> [id | None | exc]
        await store.insert_article(prepared, seen=, at=, placement=) -> id | None
        await store.place_inserted(article_id, StoryPlan, at=, placement=) -> IngestResult
        await store.reserve_story_ids(count, placement) -> [story id]   # new stories' ids
        await store.place_batch([Placed(...)], at=, placement=) -> [IngestResult]
        await store.withdraw_inserted(article_id, seen, feed_id, placement)  # taken back

    # stories                                                                      stories.py
    await store.recent_stories(since) -> [StoryCandidate(id, headline, countries, people, ...)]
    await store.create_story(headline, article_ids=(), brief=None, countries=(), at=None) -> id
    await store.attach_article(story_id, article_id) -> bool
    await store.update_story(story_id, brief=Brief.to_dict(), countries=[(code, score)],
                             headline=None, built_from=n_articles)  # clears needs_brief
    await store.update_stories([StoryUpdate(...)])   # many at once, one transaction
    await store.stories_needing_brief(since, limit) -> [(story id, updated_at)]
    await store.story_of_article(article_id) -> story id | None
    await store.refresh_ranks(only_missing=True) -> rows ranked

    # the read model of briefs (plain records)                                      briefs.py
    await store.stories_for_country(code, since, limit=5) -> [StorySummary]   # /brief
    await store.stories_since(codes, since, limit=None) -> [StorySummary]     # digests
    await store.get_story(id) -> StoryDetail (with its ArticleRecords, oldest first) | None
    await store.stories_articles(ids) -> {story id: [ArticleRecord], oldest first}  # briefs
    await store.sources(story_ids) -> {story id: [SourceLink(url, outlet, title, at)]}
    await store.story_brief(id) -> StoredBrief(id, headline, brief dict, updated_at) | None
    await store.unpolled_feed_count() -> int            # first reading still going on
    await store.recent_story_ids(since, limit=30) -> [story id]   # widest coverage first
    await store.countries_with_news(since, limit=8) -> [code]     # most stories first

    # housekeeping                                                            housekeeping.py
    await store.prune(older_than) -> PruneResult
    await store.stats() -> StoreStats

    # subscribers (SubscriberInfo out)                                         subscribers.py
    ensure_subscriber, get_subscriber, update_subscriber, deactivate, delete_user_data,
    subscribe, unsubscribe, counts, unusable_subscribers

    # a digest run: one transaction (DigestRun)                                subscribers.py
    async with store.digest_run() as run:     # committed at the end, rolled back on error
        await run.claim_due(now, limit) -> [SubscriberInfo]   # FOR UPDATE SKIP LOCKED on PG
        await run.lock_subscriber(chat_id) -> SubscriberInfo | None   # /digest, one at a time
        await run.delivered_story_ids(chats, stories) -> {(chat id, story id)}
        async with run.savepoint():           # one chat's writes, undone alone if they fail
            await run.record(messages, delivered, [(chat, next_at, last_at)])  # Reschedule

    # outbox (NewOutboxMessage in, OutboxRow out)                                   outbox.py
    enqueue, claim_outbox, renew_claims, release_claims, retry_later, hold, mark_sent,
    mark_failed, pending_count, oldest_pending_at

    # messages sent                                                               messages.py
    link_message, stories_of_message, latest_stories, remember_confirmation,
    take_confirmation, cleanup

    # other modules' own tables: subclass `Base`, add a migration, and use
    store.session()          # AsyncSession (commit yourself)
    store.transaction()      # async context manager: AsyncSession in one transaction
    store.engine, store.dialect ("sqlite" | "postgresql")

    # database errors, classified without importing SQLAlchemy                      errors.py
    is_database_error(exc), is_database_unavailable(exc)

``BotStore(engine)`` is the bot's part alone (subscribers, outbox, messages), kept for
callers written before the ``Store`` had them all.

Every datetime going in may be aware (any zone) or naive UTC; every datetime coming out
is aware UTC. MinHash signatures are stored as little-endian uint64 bytes
(:func:`pack_signature` / :func:`unpack_signature`, or ``numpy.frombuffer(b, '<u8')``).
Ranking for /brief and digests: :func:`importance`.
"""

from bot.store.engine import make_engine, normalise_database_url
from bot.store.errors import is_database_error, is_database_unavailable
from bot.store.models import Article, Base, Feed, SeenEntry, Story, StoryArticle, StoryCountry
from bot.store.records import (
    ArticleRecord,
    EntryMark,
    FeedHealth,
    FeedSpec,
    IngestResult,
    MinhashRow,
    NewArticle,
    NewOutboxMessage,
    OutboxRow,
    PruneResult,
    SourceLink,
    StoredBrief,
    StoreStats,
    StoryCandidate,
    StoryDetail,
    StoryPlan,
    StorySummary,
    SubscriberInfo,
    SyncResult,
    pack_signature,
    unpack_signature,
    url_hash,
)
from bot.store.store import BotStore, Store, feed_status, importance
from bot.store.subscribers import DigestRun, DigestRunQueries, Reschedule
from bot.store.types import UTCDateTime, as_utc, storable, utcnow

__all__ = [
    "Article",
    "ArticleRecord",
    "Base",
    "BotStore",
    "DigestRun",
    "DigestRunQueries",
    "EntryMark",
    "Feed",
    "FeedHealth",
    "FeedSpec",
    "IngestResult",
    "MinhashRow",
    "NewArticle",
    "NewOutboxMessage",
    "OutboxRow",
    "PruneResult",
    "Reschedule",
    "SeenEntry",
    "SourceLink",
    "Store",
    "StoreStats",
    "StoredBrief",
    "Story",
    "StoryArticle",
    "StoryCandidate",
    "StoryCountry",
    "StoryDetail",
    "StoryPlan",
    "StorySummary",
    "SubscriberInfo",
    "SyncResult",
    "UTCDateTime",
    "as_utc",
    "feed_status",
    "importance",
    "is_database_error",
    "is_database_unavailable",
    "make_engine",
    "normalise_database_url",
    "pack_signature",
    "storable",
    "unpack_signature",
    "url_hash",
    "utcnow",
]
