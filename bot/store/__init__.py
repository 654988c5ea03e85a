"""newsbrief's storage: SQLAlchemy 2 (async) on SQLite (default) or PostgreSQL, with Alembic.

Public API (``from bot.store import ...``)::

    store = await Store.open(settings)        # engine + `alembic upgrade head`
    store = Store.from_url(url); await store.migrate()
    await store.close()                       # or: async with Store.from_url(url) as store

    # feeds (bot.settings.FeedConfig in, detached Feed rows out)
    await store.sync_feeds(configs) -> SyncResult      # upsert from feeds.toml, keeps state
    await store.add_feeds(configs) -> [added urls]     # only unknown URLs (OPML import)
    await store.list_feeds(enabled_only=False) -> [Feed]
    await store.get_feed(id) -> Feed | None
    await store.set_feed_enabled(id, enabled)
    await store.due_feeds(now=None, limit=None) -> [Feed]   # enabled, not gone, due
    await store.record_feed_success(id, etag=, last_modified=, items_seen_delta=, next_poll_at=)
    await store.record_feed_failure(id, error, next_poll_at=, gone=False) -> consecutive failures
    await store.feed_health() -> [FeedHealth]

    # entries already handled (guid or link, per feed)
    await store.filter_unseen(feed_id, keys) -> [unseen keys, in order]
    await store.mark_seen(feed_id, keys)
    await store.mark_entries(feed_id, [EntryMark(key, outcome, error)])

    # articles
    await store.article_exists(canonical_url) -> bool
    await store.find_article_by_content_hash(hash) -> id | None
    await store.add_article(url=, canonical_url=, title=, text=, feed_id=, outlet=, guid=,
                            published_at=, fetched_at=, text_source='page'|'feed', language=,
                            analysis=Analysis.to_dict(), minhash=uint64s, content_hash=)
        -> id, or None if the canonical URL is already stored
    await store.ingest_article(article_kwargs, StoryPlan(story_id | headline, countries),
                               seen=EntryMark(key, "stored"), at=now)
        -> IngestResult(article_id, story_id, created) | None: one transaction for all three
    await store.place_article(article_id, StoryPlan(...)) -> IngestResult | None  # orphans
    await store.orphan_articles(since, limit) -> [Article]    # in no story
    await store.stories_needing_brief(since, limit) -> [(story id, updated_at)]
    await store.set_article_analysis(id, analysis, language=None, minhash=None)
    await store.get_articles(ids) -> [Article]
    await store.recent_minhashes(since) -> [MinhashRow(article_id, story_id, signature bytes)]
    await store.story_of_article(article_id) -> story id | None

    # stories
    await store.recent_stories(since) -> [StoryCandidate(id, headline, countries, people, ...)]
    await store.create_story(headline, article_ids=(), brief=None, countries=(), at=None) -> id
    await store.attach_article(story_id, article_id) -> bool
    await store.update_story(story_id, brief=Brief.to_dict(), countries=[(code, score)],
                             headline=None, built_from=n_articles)  # clears needs_brief
    await store.stories_for_country(code, since, limit=5) -> [StorySummary]   # /brief
    await store.stories_since(codes, since, limit=None) -> [StorySummary]     # digests
    await store.get_story(id) -> StoryDetail (with its ArticleRecords, oldest first) | None

    # the read model of briefs (plain records; bot.store.briefs)
    await store.sources(story_ids) -> {story id: [SourceLink(url, outlet, title, at)]}
    await store.story_brief(id) -> StoredBrief(id, headline, brief dict, updated_at) | None
    await store.unpolled_feed_count() -> int            # first reading still going on
    await store.recent_story_ids(since, limit=30) -> [story id]   # widest coverage first
    await store.countries_with_news(since, limit=8) -> [code]     # most stories first

    # housekeeping
    await store.prune(older_than) -> PruneResult
    await store.stats() -> StoreStats

    # other modules' own tables: subclass `Base`, add a migration chained on "0001", and use
    store.session()          # AsyncSession (commit yourself)
    store.transaction()      # async context manager: AsyncSession in one transaction
    store.engine, store.dialect ("sqlite" | "postgresql")

Every datetime going in may be aware (any zone) or naive UTC; every datetime coming out
is aware UTC. MinHash signatures are stored as little-endian uint64 bytes
(:func:`pack_signature` / :func:`unpack_signature`, or ``numpy.frombuffer(b, '<u8')``).
Ranking for /brief and digests: :func:`importance`.
"""

from bot.store.engine import make_engine, normalise_database_url
from bot.store.models import Article, Base, Feed, SeenEntry, Story, StoryArticle, StoryCountry
from bot.store.records import (
    ArticleRecord,
    EntryMark,
    FeedHealth,
    IngestResult,
    MinhashRow,
    PruneResult,
    SourceLink,
    StoredBrief,
    StoreStats,
    StoryCandidate,
    StoryDetail,
    StoryPlan,
    StorySummary,
    SyncResult,
    pack_signature,
    unpack_signature,
    url_hash,
)
from bot.store.store import Store, feed_status, importance
from bot.store.types import UTCDateTime, as_utc, storable, utcnow

__all__ = [
    "Article",
    "ArticleRecord",
    "Base",
    "EntryMark",
    "Feed",
    "FeedHealth",
    "IngestResult",
    "MinhashRow",
    "PruneResult",
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
    "SyncResult",
    "UTCDateTime",
    "as_utc",
    "feed_status",
    "importance",
    "make_engine",
    "normalise_database_url",
    "pack_signature",
    "storable",
    "unpack_signature",
    "url_hash",
    "utcnow",
]
