"""Main text from a fetched page, and the feed's own text when the page will not do."""

from __future__ import annotations

from datetime import UTC, datetime

import trafilatura

from bot.ingest.extract import (
    MIN_PAGE_WORDS,
    TRAFILATURA_OPTIONS,
    Extracted,
    choose_text,
    decode_html,
    extract_page,
    html_to_text,
    is_html,
)

BODY = [
    "The national statistics office said on Tuesday that consumer prices rose by 2.1 percent "
    "in February from a year earlier, slightly below the forecasts of economists polled.",
    "Food and energy prices fell for a second month, while the cost of services, from rents "
    "to restaurant meals, kept climbing at the fastest pace since the autumn of 2023.",
    "The central bank meets next week and is expected to keep its policy rate unchanged, "
    "analysts said, though two members of its board have argued for a cut before summer.",
]


def page(body=BODY, title="Inflation eases to 2.1 percent", extra_head="", charset="utf-8"):
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return (
        f"<html><head><meta charset='{charset}'><title>{title} | The Daily</title>"
        f"<meta name='author' content='Jane Doe'>"
        f"<meta property='article:published_time' content='2026-03-03T09:15:00Z'>{extra_head}"
        "</head><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/biz'>Business</a>"
        f"</li></ul></nav><article><h1>{title}</h1>{paragraphs}</article>"
        "<aside><h3>Most read</h3><ul><li><a href='/x'>Celebrity chef opens bakery</a></li>"
        "</ul></aside><footer>Copyright 2026 The Daily. All rights reserved.</footer>"
        "</body></html>"
    )


def test_extract_main_text_and_metadata():
    got = extract_page(
        page(
            extra_head="<link rel='canonical' href='https://daily.example/biz/inflation'>"
        ).encode(),
        "https://daily.example/biz/inflation?utm_source=rss",
    )
    assert "consumer prices rose by 2.1 percent" in got.text
    assert "restaurant meals" in got.text and "central bank meets" in got.text
    assert "Celebrity chef" not in got.text and "All rights reserved" not in got.text
    assert got.title and got.title.startswith("Inflation eases")
    assert got.author == "Jane Doe"
    assert got.published == datetime(2026, 3, 3, tzinfo=UTC)
    assert got.canonical_href == "https://daily.example/biz/inflation"
    assert got.words > 60


def test_declared_charset_is_used_and_garbage_is_survived():
    latin = page(body=[p.replace("percent", "prozent für März") for p in BODY], charset="latin-1")
    got = extract_page(latin.encode("latin-1"), "https://x.example/a", charset="iso-8859-1")
    assert "für März" in got.text
    assert decode_html(b"\xff\xfe", "no-such-charset") == b"\xff\xfe"
    assert extract_page(b"\x00\x01\x02 not html at all", "https://x.example/").words < 10
    assert extract_page(b"", None).text == ""


def test_html_to_text_keeps_paragraphs_and_drops_markup():
    html = (
        "<p>First <b>bold</b> line.</p><script>evil()</script><p>Second&nbsp;line<br>"
        "broken</p><ul><li>one</li><li>two</li></ul>tail"
    )
    assert html_to_text(html) == "First bold line.\nSecond line\nbroken\none\ntwo\ntail"
    assert html_to_text("plain   text") == "plain text"
    assert html_to_text("") == ""
    assert html_to_text("<p>unclosed <i>tags") == "unclosed tags"


def test_choose_text_prefers_the_page_unless_it_is_thin():
    long_page = Extracted(text=" ".join(BODY))
    assert choose_text(long_page, "<p>summary</p>") == (long_page.text, "page")
    thin = Extracted(text="Subscribe to read")
    feed_html = "<p>" + "</p><p>".join(BODY) + "</p>"
    text, source = choose_text(thin, feed_html)
    assert source == "feed" and text.count("\n") == 2
    assert choose_text(None, feed_html)[1] == "feed"
    assert choose_text(thin, "")[1] == "page"  # a little text beats none
    assert choose_text(None, "") == ("", "feed")


def test_is_html():
    assert is_html("text/html; charset=utf-8") and is_html("application/xhtml+xml")
    assert is_html("")  # no type: try it
    assert not is_html("application/pdf") and not is_html("image/jpeg")


def _trafilatura_text(html: str, *, fast: bool) -> str:
    doc = trafilatura.bare_extraction(html, fast=fast, **TRAFILATURA_OPTIONS)
    return (doc.text or "").strip() if doc is not None else ""


def test_a_page_the_fast_pass_reads_is_not_read_twice():
    """An ordinary article: trafilatura without its fallback gives it all, and that is
    the text (the full comparison would give the same here)."""
    html = page(body=BODY * 2)
    fast = _trafilatura_text(html, fast=True)
    assert len(fast.split()) >= MIN_PAGE_WORDS
    got = extract_page(html.encode(), "https://daily.example/biz/inflation", metadata=False)
    assert got.text == fast == _trafilatura_text(html, fast=False)
    assert got.title is None and got.published is None  # no metadata asked for


def test_a_page_the_fast_pass_finds_thin_gets_the_full_extraction():
    """Text in line breaks, not paragraphs: trafilatura's own extractor finds nothing
    there, its fallback (readability, justext) finds the article."""
    sentence = (
        "The harbour authority of Valparaiso reopened the port on Thursday after a storm "
        "that closed it for three days, officials said, and the first ships were unloaded."
    )
    html = (
        "<html><head><title>Port reopens</title></head><body><div id='nav'><a href='/'>Home"
        f"</a></div><div id='c'>{'<br>'.join([sentence] * 6)}</div></body></html>"
    )
    assert len(_trafilatura_text(html, fast=True).split()) < MIN_PAGE_WORDS
    full = _trafilatura_text(html, fast=False)
    got = extract_page(html.encode(), "https://port.example/a", metadata=True)
    assert got.text == full and "Valparaiso reopened the port" in got.text
    assert got.words > MIN_PAGE_WORDS
    assert got.title == "Port reopens"  # the metadata of the pass that is kept
