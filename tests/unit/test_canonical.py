"""Canonical URLs: one key per document, whatever trackers and servers add."""

from __future__ import annotations

import pytest

from bot.ingest.canonical import (
    canonicalize_url,
    find_canonical_link,
    resolve_canonical,
    same_site,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "https://WWW.Example.COM/News/Story?utm_source=rss&utm_medium=feed&id=7#comments",
            "https://www.example.com/News/Story?id=7",
        ),
        ("http://example.com", "http://example.com/"),
        ("https://example.com:443/a?fbclid=abc", "https://example.com/a"),
        ("http://example.com:80/a?gclid=1&b=2&a=1", "http://example.com/a?a=1&b=2"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/%7Euser/a%20b", "https://example.com/~user/a%20b"),
        ("https://example.com/a?q=caf%C3%A9&mc_cid=x&_ga=1", "https://example.com/a?q=caf%C3%A9"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://example.com/a?ref=home", "https://example.com/a?ref=home"),  # not a tracker
    ],
)
def test_canonicalize(raw, expected):
    assert canonicalize_url(raw) == expected


def test_variants_of_one_article_share_a_key():
    variants = [
        "https://www.bbc.co.uk/news/world-123?at_medium=RSS&at_campaign=KARANGA",
        "https://www.BBC.co.uk/news/world-123#main",
        "https://www.bbc.co.uk:443/news/world-123?utm_campaign=x",
    ]
    assert len({canonicalize_url(v) for v in variants}) == 1


def test_non_http_left_alone():
    assert canonicalize_url("mailto:desk@example.com") == "mailto:desk@example.com"


def test_find_canonical_link_variants():
    assert find_canonical_link(b'<head><link rel="canonical" href="/a/b"></head>') == "/a/b"
    html = "<head><link href='https://x.com/a?x=1&amp;y=2' rel='canonical' /></head>"
    assert find_canonical_link(html) == "https://x.com/a?x=1&y=2"
    assert find_canonical_link(b"<link rel=canonical href=https://x.com/c>") == "https://x.com/c"
    assert find_canonical_link(b'<link rel="alternate" href="/feed">') is None
    assert find_canonical_link(b"<p>no head</p>") is None


def test_resolve_canonical_follows_same_site_only():
    page = "https://www.example.com/news/123?utm_source=rss"
    assert resolve_canonical(page, "/news/123-slug") == "https://www.example.com/news/123-slug"
    assert resolve_canonical(page, "https://example.com/n/123") == "https://example.com/n/123"
    assert resolve_canonical(page, "https://m.example.com/n/1") == "https://m.example.com/n/1"
    # another outlet's URL would let a page hide a different article: ignored
    assert resolve_canonical(page, "https://other.org/news/123") == (
        "https://www.example.com/news/123"
    )
    assert resolve_canonical(page, "javascript:alert(1)") == "https://www.example.com/news/123"
    assert resolve_canonical(page, None) == "https://www.example.com/news/123"


def test_same_site():
    assert same_site("https://www.reuters.com/a", "https://reuters.com/b")
    assert same_site("https://edition.cnn.com/a", "https://cnn.com/b")
    assert not same_site("https://cnn.com/a", "https://notcnn.com/b")
    assert not same_site("https://example.com/a", "https://example.org/a")
