"""The article inside a page: trafilatura for the main text, the feed as a fallback.

Options were chosen by measurement on the ScrapingHub article benchmark (181 real news
pages, F1 over 4-word shingles): ``favor_precision=True, include_comments=False`` scored
0.961 against 0.947 for trafilatura's defaults (comments are not the article). When the
page yields too little (paywall, JavaScript shell, error page) the feed's own
content:encoded or summary, HTML stripped, is used instead and marked ``feed``.

trafilatura's fallback comparison (readability and justext run beside its own
extractor, and the "better" result kept) is run only for a page its own extractor finds
thin (fewer than ``MIN_PAGE_WORDS`` words with ``fast=True``): 8 of the 181 pages.
Measured with ``benchmarks/extraction.py`` (first pass, load average 7.5 on 2 cores),
CPU against ``trafilatura.extract`` at its defaults in the same run (9.09 s):

=============================  =====  =====  =====  ======  ==============  ===========
option set                     F1     P      R      CPU     pages differing  P falls
=============================  =====  =====  =====  ======  ==============  ===========
extract, defaults              0.947  0.933  0.979  1.00x   72              25
full (these options)           0.961  0.958  0.972  0.94x   -               -
full, with metadata            0.961  0.958  0.972  1.26x   0               0
fast (no fallback)             0.941  0.943  0.947  0.60x   6               4
no precision, full             0.958  0.947  0.979  0.97x   57              16
no precision, fast             0.958  0.948  0.980  0.67x   57              16
**fast, full when thin**       0.965  0.963  0.972  0.64x   1               0
the same, with metadata        0.965  0.963  0.972  0.99x   1               0
=============================  =====  =====  =====  ======  ==============  ===========

(differing: pages whose text is not the full extraction's; P falls: pages whose
precision drops by more than 0.05 against it, boilerplate a reader sees.) The fallback
earns its cost only where trafilatura's extractor under-delivers. Dropping it everywhere
costs 0.02 of F1 (0.941, below the 0.95 floor): four pages lose their article (two
Korean ones keep 22 of 590 words, one keeps 54 words that are not the article) and one
half of it, all of them pages where the fast pass yields fewer than 60 words. Dropping
``favor_precision`` instead is as cheap but puts boilerplate back on 16 pages. Of the
173 pages the fast pass reads alone, 172 get the full extraction's text exactly; the
other is better for it (readability's pick there was mostly other articles' teasers:
683 words for an article of 139, precision 0.20 -> 0.98). Metadata (title, author,
date) adds 0.35x, more than half the fast pass: it is asked for only when the feed
lacks a title or a date. Sharing one parse between the two passes
(``trafilatura.load_html``, then the tree to each) was measured too: no gain (0.63x;
trafilatura copies a tree it is given, 1.5 ms a page, where only 4% of pages need a
second parse), so the page goes in as text.
``find_canonical_link`` is a regex over the head's bytes (8 ms for all 181 pages, ten
times cheaper than an XPath on a parsed tree): nothing is parsed twice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.metadata import Document

from bot.ingest.canonical import find_canonical_link

log = logging.getLogger(__name__)

# keyword options shared by trafilatura's extract() and bare_extraction(): the full
# extraction, which benchmarks/ingest.py times as "trafilatura alone"; the pipeline runs
# them with fast=True first (extract_page)
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "favor_precision": True,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
}
# htmldate's options when metadata is asked for: no extensive search of the page's text
DATE_OPTIONS: dict[str, Any] = {"extensive_search": False, "original_date": True}
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})
MIN_PAGE_WORDS = 60  # fewer than this from the page, and the feed's text may be better


@dataclass(slots=True)
class Extracted:
    """The main text of a page with what metadata the page gives."""

    text: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    canonical_href: str | None = None
    language: str | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())


def is_html(content_type: str) -> bool:
    """Only HTML pages are worth extracting (PDFs, images, JSON... are skipped)."""
    return content_type.split(";")[0].strip().lower() in HTML_TYPES


def decode_html(body: bytes, charset: str | None = None) -> str | bytes:
    """Decode with the declared charset when it works; else let trafilatura detect it."""
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return body


def extract_page(
    body: bytes,
    url: str | None = None,
    charset: str | None = None,
    *,
    metadata: bool = True,
) -> Extracted:
    """Extract the article of one HTML page; an empty text when there is none.

    trafilatura's own extractor runs first without its fallback comparison
    (``fast=True``); only a page that yields fewer than ``MIN_PAGE_WORDS`` words that
    way goes through the full extraction, readability and justext included (see the
    module's docstring for the figures). ``metadata=False`` skips title, author and date
    (a third of the cost): the cycle asks for them only when the feed entry lacks a
    title or a date.
    """
    canonical = find_canonical_link(body)  # a regex over the head's bytes, not a parse
    html = decode_html(body, charset)
    try:
        doc = _bare_extraction(html, url, metadata, fast=True)
        if doc is None or len((doc.text or "").split()) < MIN_PAGE_WORDS:
            doc = _bare_extraction(html, url, metadata, fast=False)
    except Exception as exc:  # trafilatura/lxml on hostile markup: no text, not a crash
        log.warning("event=extract_failed url=%s error=%r", url, exc)
        doc = None
    if doc is None:
        return Extracted(text="", canonical_href=canonical)
    return Extracted(
        text=(doc.text or "").strip(),
        title=(doc.title or None),
        author=(doc.author or None),
        published=_parse_date(doc.date),
        canonical_href=canonical,
        language=doc.language,
    )


def _bare_extraction(
    html: str | bytes, url: str | None, metadata: bool, *, fast: bool
) -> Document | None:
    """One pass of trafilatura with our options; None when it finds nothing."""
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        fast=fast,
        with_metadata=metadata,
        date_extraction_params=DATE_OPTIONS,
        **TRAFILATURA_OPTIONS,
    )
    return doc if isinstance(doc, Document) else None  # a dict only with as_dict=True


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value[: len("2000-01-01T00:00:00")], fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


_BLOCK_TAGS = (
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr section article header "
    "footer figure figcaption dd dt"
)
_BLOCKS = frozenset(_BLOCK_TAGS.split())
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (a feed's summary), one paragraph per block."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return _SPACES.sub(" ", html).strip()
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _SPACES.sub(" ", re.sub(r"<[^>]+>", " ", html)).strip()
    for bad in root.xpath(".//script|.//style|.//noscript"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCKS:
            parts.append("\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if tag in _BLOCKS:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    text = "".join(parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n", "\n".join(line for line in lines if line)).strip()


def choose_text(page: Extracted | None, feed_html: str) -> tuple[str, str]:
    """(text, source): the page's text unless it is too thin and the feed says more."""
    page_text = page.text if page else ""
    if page_text and len(page_text.split()) >= MIN_PAGE_WORDS:
        return page_text, "page"
    feed_text = html_to_text(feed_html)
    if len(feed_text.split()) > len(page_text.split()):
        return feed_text, "feed"
    return page_text, "page" if page_text else "feed"
