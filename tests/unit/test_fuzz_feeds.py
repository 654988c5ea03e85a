"""Fuzzing the feed parser: whatever bytes a feed server sends, entries or a clear error.

Property: :func:`parse_feed` returns a :class:`ParsedFeed` whose entries are
well-formed (a key, an http(s) link or none, text without NUL or lone surrogates) or
raises :class:`FeedParseError`; never any other exception. Inputs are arbitrary bytes
and real feeds mutated (bytes flipped, cut, spliced with hostile fragments): the
inline samples here and, when the evaluation data is present, its real feeds (read in
place, never copied).
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest.feeds import FeedParseError, ParsedFeed, parse_feed

URL = "https://feeds.example/feed.xml"
EVAL_FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "feeds"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Wire</title><link>https://news.example.com/</link><ttl>30</ttl>
<item><title>Talks resume in Geneva</title><link>https://news.example.com/a?utm_source=x</link>
<guid isPermaLink="false">urn:a</guid><pubDate>Tue, 03 Mar 2026 08:30:00 +0100</pubDate>
<description>&lt;p&gt;The minister said talks would resume.&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Full text.</p><p>More.</p>]]></content:encoded></item>
<item><title>Second</title><guid>https://news.example.com/b</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom wire</title>
<link href="https://atom.example/"/><updated>2026-03-03T08:00:00Z</updated>
<entry><title type="html">Port &amp;amp; harbour</title><id>tag:atom.example,2026:1</id>
<link rel="alternate" href="/news/1"/><updated>2026-03-03T08:00:00Z</updated>
<author><name>Ann</name></author><summary>Short</summary>
<content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"""

RDF = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://rdf.example/">
<title>RDF</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/1"><title>One</title><link>https://rdf.example/1</link>
</item></rdf:RDF>"""

HOSTILE = [
    b"&#xD800;",
    b"&#55296;",
    b"&#0;",
    b"&#x0;",
    b"&#x110000;",
    b"&#99999999999999999999;",
    b"<link>http://[::1</link>",
    b"<link>javascript:alert(1)</link>",
    b"<guid>\xed\xa0\x80</guid>",  # a surrogate, UTF-8 encoded (invalid UTF-8)
    b"\x00",
    b"]]>",
    b"<![CDATA[",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    b"&a;&a;&a;",
    b"<item>",
    b"</channel>",
    b"<title>" + b"<" * 200,
    b"\xff\xfe",
    b'<?xml version="1.0" encoding="utf-16"?>',
    b"<pubDate>Mon, 99 Foo 99999 99:99:99 +9999</pubDate>",
    b"<ttl>-1</ttl>",
]


def _samples() -> list[bytes]:
    samples = [RSS, ATOM, RDF]
    if EVAL_FEEDS.is_dir():
        samples += [p.read_bytes()[:60_000] for p in sorted(EVAL_FEEDS.iterdir()) if p.is_file()]
    return samples


SAMPLES = _samples()
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def _check(body: bytes) -> None:
    try:
        feed = parse_feed(body, URL, "application/rss+xml")
    except FeedParseError as exc:
        assert exc.kind and str(exc)
        return
    assert isinstance(feed, ParsedFeed)
    keys = [e.key for e in feed.entries]
    assert len(keys) == len(set(keys)) and all(keys)
    for entry in feed.entries:
        assert entry.link is None or entry.link.startswith(("http://", "https://"))
        for text in (entry.title, entry.summary_html, entry.content_html, entry.author or ""):
            assert not _FORBIDDEN.search(text)
    assert all(reason.startswith("item ") for reason in feed.skipped)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real feed with a few edits: bytes replaced, a hostile fragment spliced in, a cut."""
    body = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, max(len(body) - 1, 0)))
        edit = draw(st.sampled_from(["splice", "flip", "delete"]))
        if edit == "splice":
            body[at:at] = draw(st.sampled_from(HOSTILE))
        elif edit == "flip" and body:
            body[at] = draw(st.integers(0, 255))
        else:
            del body[at : at + draw(st.integers(1, 64))]
    if draw(st.booleans()):
        body = body[: draw(st.integers(0, len(body)))]
    return bytes(body)


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_entries_or_a_parse_error(body: bytes) -> None:
    _check(body)


@FUZZ
@given(mutated())
def test_mutated_real_feeds_give_entries_or_a_parse_error(body: bytes) -> None:
    _check(body)


@FUZZ
@given(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=6))
def test_hostile_fragments_inside_an_item(fragments: list[bytes]) -> None:
    inside = b"".join(fragments)
    body = RSS.replace(b"<title>Second</title>", b"<title>Second" + inside + b"</title>")
    _check(body)
    _check(RSS.replace(b"</item>", inside + b"</item>", 1))


def test_the_issue_items_parse_with_the_rest_of_the_feed() -> None:
    """The two items of issue 7 (#7) next to a good one: the good one is always there."""
    for bad in (b"<title>&#xD800;</title>", b"<link>http://[::1</link>"):
        body = RSS.replace(b"<title>Second</title>", bad)
        feed = parse_feed(body, URL)
        assert "urn:a" in {e.guid for e in feed.entries}
