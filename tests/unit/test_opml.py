"""OPML: what feed readers export comes in; what we export goes back out; no XML tricks."""

from __future__ import annotations

import pytest

from bot.ingest.opml import OPMLError, parse_opml, to_opml
from bot.settings import BUNDLED_FEEDS_FILE, FeedConfig, load_feeds

READER_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="World" title="World">
      <outline type="rss" text="BBC World" title="BBC News - World"
               xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"
               htmlUrl="https://www.bbc.co.uk/news/world" language="en-GB"/>
      <outline type="rss" text="Al Jazeera" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
      <outline text="Asia">
        <outline type="atom" text="Nested feed" xmlUrl="https://example.org/atom.xml"
                 country="jp"/>
      </outline>
    </outline>
    <outline type="rss" text="BBC again" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
    <outline type="rss" text="Not http" xmlUrl="file:///etc/passwd"/>
    <outline type="link" text="A link, not a feed" xmlUrl="https://example.org/page"/>
    <outline type="rss" text="" xmlUrl="https://example.org/untitled.xml"/>
    <outline text="Just a note"/>
  </body>
</opml>
"""


def test_reader_exports_are_read_with_folders_flattened() -> None:
    feeds = parse_opml(READER_EXPORT)
    assert [f.url for f in feeds] == [
        "https://feeds.bbci.co.uk/news/world/rss.xml",
        "https://www.aljazeera.com/xml/rss/all.xml",
        "https://example.org/atom.xml",
        "https://example.org/untitled.xml",
    ]
    bbc, aje, nested, untitled = feeds
    assert (bbc.name, bbc.html_url, bbc.language) == (
        "BBC News - World",  # title wins over text
        "https://www.bbc.co.uk/news/world",
        "en",
    )
    assert (aje.name, aje.language, aje.country) == ("Al Jazeera", None, None)
    assert nested.country == "JP"
    assert untitled.name == "https://example.org/untitled.xml"


def test_export_then_import_gives_the_same_feeds() -> None:
    feeds = load_feeds(BUNDLED_FEEDS_FILE)
    document = to_opml(feeds, title="round trip")
    assert document.startswith("<?xml")
    assert "<title>round trip</title>" in document
    again = parse_opml(document.encode("utf-8"))
    assert [(f.url, f.name, f.language, f.country, f.html_url) for f in again] == [
        (f.url, f.name, f.language, f.country, f.html_url) for f in feeds
    ]


def test_names_with_markup_characters_survive() -> None:
    feed = FeedConfig(url="https://example.org/rss?a=1&b=2", name='Q&A <"World">')
    [back] = parse_opml(to_opml([feed]))
    assert (back.url, back.name) == (feed.url, feed.name)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<opml version="2.0"><body><outline type="rss" text="&lol3;" xmlUrl="https://x.example/"/></body></opml>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline type="rss" text="&secret;" xmlUrl="https://x.example/"/></body></opml>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_dtds_and_entities_are_refused(document: str) -> None:
    with pytest.raises(OPMLError, match="refused"):
        parse_opml(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<rss version='2.0'><channel/></rss>", "not OPML"),
        ("<opml><body><outline", "not well-formed"),
        ("", "not well-formed"),
    ],
)
def test_other_documents_are_refused(document: str, message: str) -> None:
    with pytest.raises(OPMLError, match=message):
        parse_opml(document)


def test_an_empty_opml_has_no_feeds() -> None:
    assert parse_opml('<opml version="2.0"><head/><body/></opml>') == []


def test_a_feed_that_moved_is_exported_at_its_new_url() -> None:
    from bot.store.models import Feed

    moved = Feed(
        url="http://old.example/rss", name="Moved", effective_url="https://new.example/rss"
    )
    stayed = Feed(url="https://here.example/rss", name="Stayed")
    urls = [f.url for f in parse_opml(to_opml([moved, stayed]).encode())]
    assert urls == ["https://new.example/rss", "https://here.example/rss"]
