"""Every table of newsbrief, on one :class:`Base`.

Ingestion: feeds, what they have shown us, articles and stories. The bot: subscribers
and their countries, the outbox, which stories each message showed, and which stories
each chat already got. The schema is created by the migrations, never by
``create_all``, so a change here needs a revision in ``migrations/versions``.

Core statements use the tables under readable names (:data:`SUBSCRIBERS`,
:data:`OUTBOX`, ...): the bot's queries are written on Core tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import JSONType, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every newsbrief table (constraint names are deterministic)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSONType,
    }


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for Core statements: the declarative base types ``__table__``
    as any FromClause, which ``insert``/``update``/``delete`` do not accept."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


class Feed(Base):
    """A feed we poll, with its polling state (conditional GET validators, health)."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    html_url: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    # conditional GET
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(String(64))
    # schedule and health
    last_polled_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    gone: Mapped[bool] = mapped_column(Boolean, default=False)  # HTTP 410
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a permanent redirect (301/308) seen on two polls in a row moves the feed: it is
    # polled at effective_url from then on, while url stays its identity (feeds.toml)
    effective_url: Mapped[str | None] = mapped_column(Text)
    moved_candidate: Mapped[str | None] = mapped_column(Text)  # seen once, to confirm
    moved_at: Mapped[datetime | None]
    # the worker polling it now (bot.store.leases): the claim lapses at lease_until, so
    # a dead worker's feeds are polled by another one
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]

    @property
    def poll_url(self) -> str:
        """Where the feed is fetched: its new address once it moved, else its own."""
        return self.effective_url or self.url

    def __repr__(self) -> str:
        return f"Feed(id={self.id!r}, url={self.url!r})"


class SeenEntry(Base):
    """A feed entry already handled, keyed by guid or link (hashed: keys can be long)."""

    __tablename__ = "seen_entries"
    __table_args__ = (UniqueConstraint("feed_id", "key_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(40))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # what became of it: stored | duplicate | stale | no_text | failed (None: before 0004)
    outcome: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, or what went wrong


class Article(Base):
    """One article: its text, where it came from, and the summarizer's analysis of it."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    # sha1 of canonical_url: the unique key (a btree on long URLs can overflow on PostgreSQL)
    canonical_hash: Mapped[str] = mapped_column(String(40), unique=True)
    guid: Mapped[str | None] = mapped_column(Text)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="SET NULL"), index=True
    )
    outlet: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    text_source: Mapped[str] = mapped_column(String(8), default="page")  # 'page' | 'feed'
    language: Mapped[str | None] = mapped_column(String(16))
    analysis: Mapped[dict[str, Any] | None]
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # little-endian uint64s
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    def __repr__(self) -> str:
        return f"Article(id={self.id!r}, url={self.canonical_url!r})"


class Story(Base):
    """Articles about the same event, across outlets, and the brief made of them."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    headline: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    brief: Mapped[dict[str, Any] | None]
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    source_count: Mapped[int] = mapped_column(Integer, default=0)
    # set with every article that joins, cleared when a brief is built from them all:
    # a brief lost to a crash between the two is rebuilt by the next cycle
    needs_brief: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class StoryArticle(Base):
    """Membership of an article in a story; an article belongs to one story at most."""

    __tablename__ = "story_articles"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, unique=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the order articles were placed in, numbered by the database on insert (a sequence
    # on PostgreSQL, a trigger on SQLite: migration 0007): the story window's watermark
    placed_seq: Mapped[int | None] = mapped_column(
        BigInteger, server_default=FetchedValue(), unique=True, index=True
    )


class StoryCountry(Base):
    """A country a story is about, with its salience; feeds /brief and the digests."""

    __tablename__ = "story_countries"
    __table_args__ = (
        Index("ix_story_countries_code_updated", "code", "updated_at"),
        # /brief and digests: ORDER BY rank DESC LIMIT n reads only the top of one code
        Index("ix_story_countries_code_rank", "code", "rank", "story_id"),
    )

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the story's importance for this country on a log scale that does not depend on the
    # time of the question (see ``store.rank_key``): kept up to date whenever the score,
    # the story's source count or its updated_at change; None for rows written around
    # the Store (those are still found, as candidates of their own)
    rank: Mapped[float | None] = mapped_column(Float)


class Subscriber(Base):
    """A private chat with the bot and its digest schedule."""

    __tablename__ = "subscribers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str | None] = mapped_column(String(200))
    language_code: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_notice: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    next_digest_at: Mapped[datetime | None] = mapped_column(index=True)
    last_digest_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]
    deactivated_reason: Mapped[str | None] = mapped_column(String(200))


class Subscription(Base):
    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("subscribers.chat_id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to send, recorded before sending; ``status`` says where it is."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("digest_key", "seq"),
        Index("ix_outbox_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16), default="digest")
    digest_key: Mapped[str | None] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None]
    story_ids: Mapped[dict[str, Any] | None]  # {"ids": [...]}
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)


class SentMessage(Base):
    """Which stories a message the bot sent is about (buttons and follow-ups use it)."""

    __tablename__ = "sent_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    story_ids: Mapped[dict[str, Any]]  # {"ids": [...]}
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DeliveredStory(Base):
    """A story a chat received in a digest: later digests leave it out."""

    __tablename__ = "delivered_stories"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    story_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


#: ``sent_messages.kind`` of a question waiting for its answer (no stories behind it).
CONFIRM_KIND = "confirm"

SUBSCRIBERS = table_of(Subscriber)
SUBSCRIPTIONS = table_of(Subscription)
#: A subscriber's countries in the order they were subscribed (digest sections follow it).
SUBSCRIPTION_ORDER = (SUBSCRIPTIONS.c.created_at, SUBSCRIPTIONS.c.code)
OUTBOX = table_of(OutboxMessage)
SENT_MESSAGES = table_of(SentMessage)
DELIVERED_STORIES = table_of(DeliveredStory)
