"""Feeds into entries: RSS 2.0, RSS 1.0, Atom, and the ways real feeds go wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.feeds import FeedParseError, parse_feed

EVAL_FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "feeds"
URL = "https://news.example.com/rss.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Example News</title><link>https://news.example.com/</link><ttl>30</ttl>
<item><title>First &amp; foremost</title><link>/world/1?utm_source=rss</link>
  <guid isPermaLink="false">urn:ex:1</guid><pubDate>Tue, 03 Mar 2026 08:30:00 +0100</pubDate>
  <dc:creator>Ann Reporter</dc:creator>
  <description>&lt;p&gt;Short summary&lt;/p&gt;</description>
  <content:encoded><![CDATA[<p>Full text, first paragraph.</p><p>Second.</p>]]></content:encoded>
</item>
<item><title>Permalink guid</title><guid>https://news.example.com/world/2</guid></item>
<item><title>Bare guid, no link</title><guid>item-3</guid>
  <description>Only text</description></item>
<item><title>No guid</title><link>https://news.example.com/world/4</link></item>
<item><title>Repeated guid</title><guid isPermaLink="false">urn:ex:1</guid></item>
<item><title>Nothing to identify</title></item>
<item><description>No title, no link, no guid, but text</description></item>
<item></item>
</channel></rss>"""


def test_rss_entries_are_normalised():
    feed = parse_feed(RSS, URL, "application/rss+xml")
    assert feed.title == "Example News" and feed.ttl_minutes == 30 and feed.bozo is None
    first = feed.entries[0]
    assert first.key == "guid:urn:ex:1" and first.title == "First & foremost"
    assert first.link == "https://news.example.com/world/1?utm_source=rss"
    assert first.canonical_url == "https://news.example.com/world/1"
    assert first.published == datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    assert first.author == "Ann Reporter"
    assert "first paragraph" in first.feed_html  # content:encoded beats the summary
    by_title = {e.title: e for e in feed.entries}
    assert by_title["Permalink guid"].link == "https://news.example.com/world/2"
    bare = by_title["Bare guid, no link"]
    assert bare.link is None and bare.key == "guid:item-3" and bare.published is None
    assert by_title["No guid"].key == "url:https://news.example.com/world/4"
    assert "Repeated guid" not in by_title  # the first item with a GUID wins
    assert by_title["Nothing to identify"].key.startswith("hash:")
    assert any(e.title == "" and e.key.startswith("hash:") for e in feed.entries)
    assert len(feed.entries) == 6  # the empty <item/> is dropped


def test_atom_feed():
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
<entry><title>Atom item</title><id>tag:ex,2026:1</id>
<link rel="alternate" href="https://ex.org/a/1"/><updated>2026-03-01T10:00:00Z</updated>
<summary>Sum</summary><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry>
</feed>"""
    feed = parse_feed(atom, "https://ex.org/atom", "application/atom+xml")
    (entry,) = feed.entries
    assert entry.key == "guid:tag:ex,2026:1" and entry.link == "https://ex.org/a/1"
    assert entry.published == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert "Body" in entry.feed_html


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty"),
        (b"<!doctype html><html><body><p>Welcome to our site</p></body></html>", "not_a_feed"),
        (b'{"items": []}', "not_a_feed"),
        (
            b"<?xml version='1.0'?><rss version='2.0'><channel><title>A & B</title></chan",
            "malformed",
        ),
    ],
)
def test_what_is_not_a_feed(body, kind):
    with pytest.raises(FeedParseError) as info:
        parse_feed(body, URL, "text/html")
    assert info.value.kind == kind


def test_undeclared_and_wrong_encodings():
    text = "Mãe de utente é a nova presidente"
    doc = (
        "<rss version='2.0'><channel><title>t</title>"
        f"<item><title>{text}</title><guid>g</guid></item></channel></rss>"
    )
    # declared UTF-8 but Latin-1 bytes: feedparser falls back, bozo says so
    wrong = parse_feed(("<?xml version='1.0' encoding='utf-8'?>" + doc).encode("latin-1"), URL)
    assert wrong.entries[0].title == text and wrong.bozo
    # no declaration anywhere, cp1252 bytes
    bare = parse_feed(doc.encode("cp1252"), URL, "application/xml")
    assert bare.entries[0].title == text
    # the HTTP charset is honoured over the (absent) XML declaration
    declared = parse_feed(doc.encode("iso-8859-1"), URL, "text/xml; charset=iso-8859-1")
    assert declared.entries[0].title == text


def test_never_fetches_anything():
    """A feed pointing at external entities or stylesheets is parsed from bytes only."""
    evil = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>
<rss version="2.0"><channel><title>t &x;</title><item><title>i</title><guid>1</guid>
<description>d</description></item></channel></rss>"""
    feed = parse_feed(evil, URL)
    assert [e.key for e in feed.entries] == ["guid:1"]


@pytest.mark.skipif(
    not EVAL_FEEDS.is_dir(),
    reason="needs ../shared/eval/feeds beside the clone (evaluation data, never copied into "
    "the repo): runs in CI, where .ci/run insists it is there",
)
@pytest.mark.parametrize(
    ("name", "at_least"),
    [
        ("guardian.rss", 55),
        ("feedburner.atom", 1),
        ("heise.atom", 1),
        ("reddit.rss", 1),
        ("content-encoded.rss", 1),
        ("heraldsun.rss", 1),
        ("rss-1.rss", 1),
        ("encoding.rss", 40),
        ("uolNoticias.rss", 15),
        ("incomplete-fields.atom", 0),
        ("missing-fields.atom", 1),
    ],
)
def test_real_feeds(name, at_least):
    feed = parse_feed((EVAL_FEEDS / name).read_bytes(), f"https://feeds.example/{name}")
    assert len(feed.entries) >= at_least
    keys = [e.key for e in feed.entries]
    assert len(keys) == len(set(keys))
    for entry in feed.entries:
        assert entry.link is None or entry.link.startswith(("http://", "https://"))


def _rss_with(*items: str) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://news.example.com/</link>{body}</channel></rss>"
    ).encode()


GOOD = "<title>Good item</title><link>https://news.example.com/good</link><guid>g</guid>"


def test_a_surrogate_character_reference_does_not_take_the_feed_down():
    """``&#xD800;`` made feedparser raise UnicodeEncodeError for the whole feed (issue 7)."""
    body = _rss_with("<title>&#xD800;Split&#55296;</title><guid>s</guid>", GOOD)
    feed = parse_feed(body, URL)
    assert [e.title for e in feed.entries] == ["Split", "Good item"]


def test_nul_and_other_forbidden_references_are_dropped():
    body = _rss_with(
        "<title>Quake&#0; in &#x0;Peru&#x1;</title><guid>n</guid>"
        "<description>Text&#0; here &#xFFFE;&#x110000;and &#233;t&#xE9;</description>",
    )
    (entry,) = parse_feed(body, URL).entries
    assert entry.title == "Quake in Peru"
    assert "\x00" not in entry.summary_html and "été" in entry.summary_html


def test_a_malformed_item_is_skipped_with_its_reason_and_the_rest_kept():
    """``<link>http://[::1</link>`` raised ValueError for the whole feed (issue 7, #7)."""
    body = _rss_with("<title>Bad link</title><link>http://[::1</link><guid>b</guid>", GOOD)
    feed = parse_feed(body, URL)
    assert [e.title for e in feed.entries] == ["Good item"]
    assert len(feed.skipped) == 1
    assert feed.skipped[0].startswith("item 1: ValueError")


def test_a_feed_whose_own_link_is_malformed_still_parses():
    body = _rss_with(GOOD).replace(b"https://news.example.com/</link>", b"http://[::1</link>")
    feed = parse_feed(body, URL)
    assert feed.link is None and [e.title for e in feed.entries] == ["Good item"]
