"""Feed documents (RSS 0.9x/1.0/2.0, Atom) into plain entries, via feedparser.

feedparser is only ever given bytes we fetched ourselves (with our limits and our SSRF
guard), never a URL. Real feeds are messy: no link, no date, one GUID for every item,
a wrong or missing charset, an HTML page instead of XML. Each entry still gets a stable
``key`` (GUID, else link, else a hash of its text) so "have we seen it?" always has an
answer, and a page that is not a feed at all raises :class:`FeedParseError`.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import xml.sax.expatreader  # noqa: F401 - feedparser imports it at its first feed: here, once
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.ingest.canonical import canonicalize_url
from bot.store.types import storable


class FeedParseError(Exception):
    """The body is not a feed we can read; ``str()`` is ``"<kind>: <message>"``, what is
    recorded as the feed's error."""

    kind: ClassVar[str] = "malformed"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.kind}: {message}")
        self.message = message


class EmptyFeed(FeedParseError):
    kind = "empty"


class MalformedFeed(FeedParseError):
    """A feed the parser gave up on, or one so broken that it has no entries to take."""

    kind = "malformed"


class NotAFeed(FeedParseError):
    """A document that is no RSS or Atom at all (an HTML page, say)."""

    kind = "not_a_feed"


@dataclass(slots=True)
class FeedEntry:
    """One item of a feed, normalised; ``key`` identifies it within the feed forever."""

    key: str
    guid: str | None
    link: str | None  # absolute http(s) URL, or None when the item has none
    canonical_url: str | None
    title: str
    published: datetime | None
    author: str | None = None
    summary_html: str = ""
    content_html: str = ""

    @property
    def feed_html(self) -> str:
        """The richest body the feed itself carries (content:encoded beats summary)."""
        return (
            self.content_html
            if len(self.content_html) >= len(self.summary_html)
            else (self.summary_html)
        )


@dataclass(slots=True)
class ParsedFeed:
    title: str
    link: str | None
    ttl_minutes: int | None
    entries: list[FeedEntry] = field(default_factory=list)
    bozo: str | None = None  # feedparser's complaint, when it parsed anyway
    encoding: str | None = None
    skipped: list[str] = field(default_factory=list)  # "item N: why", one per bad item


_FEED_MARKERS = re.compile(rb"<(rss|feed|rdf:RDF|channel)\b", re.IGNORECASE)
# a character reference to what XML forbids: NUL and other C0 controls, surrogates,
# U+FFFE/U+FFFF, past U+10FFFF. feedparser's fallback parser dies on a surrogate
# (UnicodeEncodeError); PostgreSQL refuses NUL. They are dropped before parsing.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")


def _xml_char(code: int) -> bool:
    if code in (0x9, 0xA, 0xD):
        return True
    return 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _drop_bad_charref(match: re.Match[bytes]) -> bytes:
    hexa, decimal = match.group(1), match.group(2)
    code = int(hexa, 16) if hexa is not None else int(decimal)
    return match.group(0) if _xml_char(code) else b""


def strip_bad_charrefs(body: bytes) -> bytes:
    """``body`` without character references to characters XML forbids."""
    if b"&#" not in body:
        return body
    return _CHARREF.sub(_drop_bad_charref, body)


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a fetched feed body; raise :class:`FeedParseError` when it is not a feed."""
    if not body.strip():
        raise EmptyFeed("empty body")
    # No Content-Location: feedparser would resolve a bare GUID ("item-17") against it
    # and make it look like a link. Relative links are resolved here, knowingly.
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(
            strip_bad_charrefs(body), response_headers=headers, sanitize_html=True
        )
    except Exception as exc:  # feedparser's fallback parser on hostile input
        raise MalformedFeed(f"parser failed: {type(exc).__name__}: {exc}") from None
    bozo = _text(parsed.get("bozo_exception") or "") or None if parsed.get("bozo") else None
    if not parsed.get("version") and not parsed.entries:
        if not _FEED_MARKERS.search(body[:4096]):
            raise NotAFeed(f"no RSS or Atom document ({content_type})")
        raise MalformedFeed(bozo or "unreadable feed")
    if bozo and not parsed.entries:
        raise MalformedFeed(bozo)
    info = parsed.feed
    entries: list[FeedEntry] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(parsed.entries, start=1):
        try:
            entry = _entry(raw, url)
        except Exception as exc:  # one bad item must not take the feed down with it
            skipped.append(f"item {number}: {type(exc).__name__}: {_text(exc)}"[:300])
            continue
        if entry is None or entry.key in seen:
            continue  # a feed repeating one GUID: the first item wins
        seen.add(entry.key)
        entries.append(entry)
    return ParsedFeed(
        title=_clean(_text(info.get("title") or "")),
        link=_safe_http_url(info.get("link"), url),
        ttl_minutes=_int(info.get("ttl")),
        entries=entries,
        bozo=bozo,
        encoding=parsed.get("encoding"),
        skipped=skipped,
    )


def _entry(raw: Any, feed_url: str) -> FeedEntry | None:
    link = None
    links = raw.get("links") or []
    if links:  # a real <link>: may be relative to the feed
        link = _http_url(raw.get("link"), feed_url)
        for alt in links:
            if link is None and alt.get("rel", "alternate") == "alternate":
                link = _http_url(alt.get("href"), feed_url)
    guid = _text(raw.get("id") or "").strip() or None
    if link is None and guid and raw.get("guidislink", False):
        link = _http_url(guid, None)  # a GUID is a link only if it is an absolute URL
    title = _clean(_text(raw.get("title") or ""))
    summary = _text(raw.get("summary") or "")
    content = ""
    for part in raw.get("content") or []:
        value = _text(part.get("value") or "")
        if len(value) > len(content):
            content = value
    canonical = canonicalize_url(link) if link else None
    if guid:
        key = f"guid:{guid}"
    elif canonical:
        key = f"url:{canonical}"
    elif title or summary or content:
        digest = hashlib.sha1((title + "\0" + (content or summary)).encode()).hexdigest()
        key = f"hash:{digest}"
    else:
        return None  # nothing to show and nothing to identify it by
    author = _clean(_text(raw.get("author") or "")) or None
    return FeedEntry(
        key=key,
        guid=guid,
        link=link,
        canonical_url=canonical,
        title=title,
        published=_date(raw),
        author=author,
        summary_html=summary,
        content_html=content,
    )


def _date(raw: Any) -> datetime | None:
    for key in ("published", "updated", "created"):
        # test the raw key first: asking feedparser for a missing published_parsed
        # silently maps to updated_parsed, with a DeprecationWarning
        value = raw.get(f"{key}_parsed") if dict.__contains__(raw, f"{key}_parsed") else None
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _safe_http_url(value: Any, base: str | None) -> str | None:
    try:
        return _http_url(value, base)
    except ValueError:  # the feed's own link is only informative
        return None


def _http_url(value: Any, base: str | None) -> str | None:
    """An absolute http(s) URL, or None; raises ValueError on one that cannot be parsed."""
    if not value:
        return None
    url = _text(value).strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _text(value: Any) -> str:
    """A feed's string without NUL and lone surrogates (raw bytes can carry them too)."""
    return storable(str(value))
