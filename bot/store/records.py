"""What goes into the store's methods and what comes out of them, as plain values.

Frozen dataclasses: they outlive the session that read them and carry no lazy
loading, so handlers and jobs can pass them around freely.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


def url_hash(value: str) -> str:
    """The fixed-size key under which long strings (URLs, guids) are made unique."""
    return hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()


def pack_signature(values: bytes | Iterable[int]) -> bytes:
    """A MinHash signature (datasketch ``hashvalues``: uint64s) as little-endian bytes."""
    if isinstance(values, bytes | bytearray | memoryview):
        return bytes(values)
    numbers = [int(v) for v in values]
    return struct.pack(f"<{len(numbers)}Q", *numbers)


def unpack_signature(data: bytes) -> tuple[int, ...]:
    """Inverse of :func:`pack_signature` (or ``numpy.frombuffer(data, dtype='<u8')``)."""
    return struct.unpack(f"<{len(data) // 8}Q", data)


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One line of ``newsbrief feeds``: how a feed is doing."""

    id: int
    name: str
    url: str
    country: str | None
    enabled: bool
    status: str  # "ok" | "failing" | "gone" | "never polled" | "disabled"
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    items_seen: int
    next_poll_at: datetime | None
    articles: int
    effective_url: str | None = None  # polled here since it moved permanently
    moved_at: datetime | None = None

    @property
    def moved(self) -> bool:
        return self.effective_url is not None


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What :meth:`Store.sync_feeds` changed, by URL."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MinhashRow:
    """A recent article's MinHash signature, and the story it belongs to (if any yet)."""

    article_id: int
    story_id: int | None
    signature: bytes


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A recent story, with what clustering compares a new article against."""

    id: int
    headline: str
    created_at: datetime
    updated_at: datetime
    article_count: int
    source_count: int
    countries: dict[str, float]  # code -> salience
    people: list[str]  # names from the brief


@dataclass(frozen=True, slots=True)
class StorySummary:
    """A story as listed by /brief and the digests: its brief, ranked by importance."""

    id: int
    headline: str
    brief: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    article_count: int
    source_count: int
    salience: float  # of the country asked about (the highest of them, for digests)
    importance: float
    codes: tuple[str, ...] = ()  # which of the asked-for countries it matched


@dataclass(frozen=True, slots=True)
class StoryDetail:
    """One story with the articles behind it (for follow-up questions and links)."""

    id: int
    headline: str
    brief: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    article_count: int
    source_count: int
    countries: dict[str, float]
    articles: list[ArticleRecord]  # oldest first


@dataclass(frozen=True, slots=True)
class PruneResult:
    articles: int
    seen_entries: int
    stories: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts for /stats and the logs."""

    feeds: int
    feeds_enabled: int
    feeds_failing: int
    feeds_gone: int
    articles: int
    articles_24h: int
    stories: int
    stories_24h: int
    last_article_at: datetime | None


@dataclass(frozen=True, slots=True)
class EntryMark:
    """A feed entry handled, and what became of it (stored, duplicate, failed...)."""

    key: str
    outcome: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StoryPlan:
    """Where an article goes: into story ``story_id``, or a new story with this headline."""

    story_id: int | None = None
    headline: str = ""
    countries: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class IngestResult:
    """An article stored with its story: which story, and whether it was started for it."""

    article_id: int
    story_id: int
    created: bool


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """A stored article as read back: its text, origin and analysis (``Analysis.to_dict()``)."""

    id: int
    url: str
    canonical_url: str
    title: str | None
    text: str
    outlet: str | None
    feed_id: int | None
    guid: str | None
    published_at: datetime | None
    fetched_at: datetime
    text_source: str
    language: str | None
    analysis: dict[str, Any] | None
    content_hash: str | None


@dataclass(frozen=True, slots=True)
class SourceLink:
    """One article behind a story, as a link: the outlet is the feed's name when the
    article names none; ``at`` is when it was published (else fetched)."""

    url: str
    outlet: str | None
    title: str | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredBrief:
    """A story's headline and stored brief (``Brief.to_dict()``, None until built)."""

    id: int
    headline: str
    brief: dict[str, Any] | None
    updated_at: datetime


class FeedSpec(Protocol):
    """A feed as configured (``bot.settings.FeedConfig`` is one): what the store keeps of it."""

    @property
    def url(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def html_url(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def interval_seconds(self) -> int | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class NewArticle:
    """An article to store. ``analysis`` is ``Analysis.to_dict()``; ``minhash`` the
    signature's uint64s (or bytes from :func:`pack_signature`); ``canonical_url``
    defaults to ``url``; ``text_source`` is ``"page"`` or ``"feed"``."""

    url: str
    title: str | None
    text: str
    canonical_url: str | None = None
    feed_id: int | None = None
    outlet: str | None = None
    guid: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    text_source: str = "page"
    language: str | None = None
    analysis: dict[str, Any] | None = None
    minhash: bytes | Iterable[int] | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """An article's row values made ready to insert (:meth:`Store.prepare_article`):
    cleaned, hashed and its analysis checked before the placement lock is taken, so
    none of that work is done while every worker waits for the lock."""

    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SubscriberInfo:
    """A subscriber as the bot may use it: stored values it cannot use are left out."""

    chat_id: int
    active: bool
    paused: bool
    quiet_notice: bool
    digest_time: str
    timezone: str
    next_digest_at: datetime | None
    last_digest_at: datetime | None
    codes: tuple[str, ...]
    #: Stored values the bot cannot use, left out of the fields above (``country='ZZ'``).
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A message claimed from the outbox, to send."""

    id: int
    chat_id: int
    seq: int
    text: str
    reply_markup: dict | None
    story_ids: list[int]
    attempts: int
    kind: str


@dataclass(frozen=True, slots=True)
class NewOutboxMessage:
    """A message to queue in the outbox (``digest_key`` + ``seq`` make it unique)."""

    chat_id: int
    text: str
    seq: int = 0
    digest_key: str | None = None
    reply_markup: dict | None = None
    story_ids: Sequence[int] = ()
    kind: str = "digest"
