"""Rendering to Telegram HTML: escaped, attributed, always under 4096 characters."""

from __future__ import annotations

import pytest

from bot.telegram import keyboards as kb
from bot.telegram.render import (
    LIMIT,
    Source,
    StoryBrief,
    link,
    pack,
    render_digest,
    render_more_quotes,
    render_quote,
    render_source_list,
    render_story,
)
from summarizer.brief import Brief, Quote
from tests.fakes.telegram_api import EntityParseError, parse_telegram_html

ASHTIANI = Quote(
    "Over the past decade, our defense and security relations have undergone "
    "unprecedented development.",
    0,
    0,
    "Mohammad-Reza Ashtiani",
    "the Iranian Defense Minister",
    "said",
)


def story(i: int = 1, *, points: int = 3, point_len: int = 120, quotes: int = 2) -> StoryBrief:
    brief = Brief(
        headline=f'Story {i}: <Iran> & Russia sign "defense" memo',
        key_points=[f"Point {j} of story {i} " + "x" * point_len for j in range(points)],
        quotes=[ASHTIANI] * quotes + [Quote("unattributed words", 0, 0, None)],
    )
    return StoryBrief(i, brief, [Source(f'https://news.example/a?id={i}&x="1"', "Example")])


def test_story_is_valid_telegram_html_with_everything_escaped() -> None:
    text = render_story(story())
    plain = parse_telegram_html(text)  # raises like Telegram would on bad HTML
    assert '<Iran> & Russia sign "defense" memo' in plain
    assert "&lt;Iran&gt; &amp; Russia" in text
    assert text.startswith("<b>")
    assert '<a href="https://news.example/a?id=1&amp;x=&quot;1&quot;">Example</a>' in text


def test_quotes_are_attributed_and_unattributed_ones_are_not_shown() -> None:
    text = render_story(story(quotes=3))
    plain = parse_telegram_html(text)
    assert "“Over the past decade" in plain
    assert "” — Mohammad-Reza Ashtiani, Iranian Defense Minister" in plain
    assert "unattributed words" not in plain
    assert plain.count("Mohammad-Reza Ashtiani") == 3  # at most MAX_QUOTES


def test_key_points_are_capped_at_four() -> None:
    plain = parse_telegram_html(render_story(story(points=7)))
    assert plain.count("• ") == 4


def test_render_quote_escapes_speaker_and_text() -> None:
    q = Quote("a < b & c", 0, 0, "O'Brien <script>", "Minister & Co")
    text = render_quote(q)
    assert parse_telegram_html(text) == "“a < b & c” — O'Brien <script>, Minister & Co"


def test_link_refuses_non_http_schemes() -> None:
    assert link("javascript:alert(1)", "x") == "x"
    assert link("https://a.example/?q=<b>", "<b>") == (
        '<a href="https://a.example/?q=&lt;b&gt;">&lt;b&gt;</a>'
    )


def test_digest_pages_stay_under_the_limit_and_split_on_story_boundaries() -> None:
    stories = [story(i, points=3, point_len=280) for i in range(1, 31)]
    pages = render_digest(stories, heading="Your digest · Iran & Russia", footer="Reply <here>")
    assert len(pages) > 3
    seen: list[int] = []
    for text, ids in pages:
        assert len(text) <= LIMIT
        plain = parse_telegram_html(text)
        assert plain  # valid HTML, no tag cut in half
        for i in ids:
            assert f"Story {i}:" in plain
        seen += ids
    assert seen == list(range(1, 31))  # each story once, in order
    assert "Reply <here>" in parse_telegram_html(pages[-1][0])
    assert parse_telegram_html(pages[0][0]).startswith("Your digest · Iran & Russia")


def test_a_story_longer_than_a_message_is_split_between_blocks_and_still_valid() -> None:
    huge = story(1, points=4, point_len=3000)
    pages = pack([["<b>head</b>", *[f"• {'y' * 1500}" for _ in range(6)]]])
    assert all(len(p) <= LIMIT for p in pages) and len(pages) >= 2
    for p in pages:
        parse_telegram_html(p)
    text = render_story(huge)
    assert len(text) <= LIMIT
    parse_telegram_html(text)


def test_a_single_oversized_block_is_shortened_without_breaking_markup() -> None:
    block = "<i>" + "&amp;" * 3000 + "</i>"
    pages = pack([[block]])
    assert all(len(p) <= LIMIT for p in pages)
    for p in pages:
        parse_telegram_html(p)


def test_more_quotes_and_sources() -> None:
    s = story(quotes=5)
    s.sources.append(Source("https://other.example/x", None, "A <title>"))
    quotes = parse_telegram_html(render_more_quotes(s))
    assert "Mohammad-Reza Ashtiani" in quotes
    sources = render_source_list(s)
    assert "other.example" in parse_telegram_html(sources)
    assert "A &lt;title&gt;" in sources


def test_fake_api_parser_rejects_what_telegram_rejects() -> None:
    for bad in ["<b>open", "a < b", "<div>x</div>", "<b><i>x</b></i>", "AT&T"]:
        with pytest.raises(EntityParseError):
            parse_telegram_html(bad)


def test_callback_data_is_under_64_bytes() -> None:
    markup = kb.story_keyboard(2**31 - 1)  # the largest story id
    for row in markup.inline_keyboard:
        for b in row:
            assert len(b.callback_data.encode()) <= 64
    with pytest.raises(ValueError):
        kb.data("x" * 70)


def test_a_quote_a_key_point_already_carries_is_not_repeated() -> None:
    shoigu = Quote(
        "The pressure of sanctions on Russia and Iran is proving to be futile,",
        0,
        0,
        "Sergey Shoigu",
        "Russian Defense Minister",
        "said",
    )
    brief = Brief(
        headline="Russia and Iran deepen defence ties",
        key_points=[
            "Shoigu said “the pressure of sanctions on Russia and Iran is proving to be "
            "futile” as the two signed a memorandum.",
        ],
        quotes=[shoigu, ASHTIANI],
    )
    story_brief = StoryBrief(7, brief, [])
    plain = parse_telegram_html(render_story(story_brief))
    assert plain.count("proving to be futile") == 1  # in the key point, not again as a quote
    assert "” — Mohammad-Reza Ashtiani" in plain
    more = parse_telegram_html(render_more_quotes(story_brief))
    assert "proving to be futile" in more  # still there for "More quotes"


def test_a_long_quote_is_cut_after_a_whole_sentence() -> None:
    quote = Quote(
        "We are determined to implement the entire set of our planned activities despite "
        "opposition from the US and its Western allies. The pressure of sanctions on Russia "
        "and Iran is proving to be futile, while Russia-Iran cooperation is reaching new highs,",
        0,
        0,
        "Sergey Shoigu",
        "Russian Defense Minister",
        "said",
    )
    plain = parse_telegram_html(render_quote(quote))
    assert plain.startswith("“We are determined")
    assert "Western allies. …”" in plain and "futile" not in plain
    whole = parse_telegram_html(render_quote(quote, 600))
    assert "reaching new highs”" in whole
