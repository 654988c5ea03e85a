"""OPML 2.0 in and out: how feed lists travel between feed readers.

Reading uses expat directly and refuses any DOCTYPE or entity declaration, which is
what makes XML from strangers dangerous (billion laughs, external entities); an OPML
file never needs one. Outlines with an ``xmlUrl`` become feeds; outlines without one
are folders, and are walked through.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.parsers import expat

from bot.settings import FeedConfig

MAX_OPML_BYTES = 5_000_000


class OPMLError(ValueError):
    """The file is not OPML we accept (malformed, not OPML, or declares a DTD/entities)."""


def parse_opml(data: bytes | str) -> list[FeedConfig]:
    """The feeds of an OPML document, in document order, each URL once."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_OPML_BYTES:
        raise OPMLError(f"OPML file larger than {MAX_OPML_BYTES} bytes")
    collector = _Collector()
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse("a DOCTYPE")
    parser.EntityDeclHandler = _refuse("an entity declaration")
    parser.UnparsedEntityDeclHandler = _refuse("an entity declaration")
    parser.ExternalEntityRefHandler = _refuse("an external entity")
    parser.StartElementHandler = collector.start
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise OPMLError(f"not well-formed XML: {exc}") from None
    if collector.root != "opml":
        raise OPMLError(f"not OPML: the root element is <{collector.root}>")
    return collector.feeds


def _refuse(what: str) -> Any:
    def handler(*_args: object) -> None:
        raise OPMLError(f"OPML with {what} is refused")

    return handler


class _Collector:
    def __init__(self) -> None:
        self.root: str | None = None
        self.feeds: list[FeedConfig] = []
        self._urls: set[str] = set()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = name
        if name != "outline":
            return
        url = (attrs.get("xmlUrl") or attrs.get("xmlurl") or "").strip()
        if not url:
            return  # a folder
        kind = attrs.get("type", "rss").lower()
        if kind not in ("rss", "atom", "feed") or not url.startswith(("http://", "https://")):
            return
        if url in self._urls:
            return
        self._urls.add(url)
        name_ = (attrs.get("title") or attrs.get("text") or "").strip() or url
        language = (attrs.get("language") or "").strip().lower() or None
        country = (attrs.get("country") or "").strip().upper() or None
        self.feeds.append(
            FeedConfig(
                url=url,
                name=name_[:200],
                language=language.split("-")[0] if language else None,
                country=country if country and len(country) == 2 else None,
                html_url=(attrs.get("htmlUrl") or "").strip() or None,
            )
        )


def to_opml(feeds: Iterable[Any], title: str = "newsbrief feeds") -> str:
    """An OPML 2.0 document of ``feeds`` (anything with url, name, and optionally
    html_url, language, country: FeedConfig or the store's Feed rows). A feed that moved
    is exported at its new address, the one that works."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    for feed in feeds:
        url = getattr(feed, "effective_url", None) or feed.url
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": url}
        for attr, key in (
            ("htmlUrl", "html_url"),
            ("language", "language"),
            ("country", "country"),
        ):
            value = getattr(feed, key, None)
            if value:
                attrs[attr] = value
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
