"""The fake Bot API's HTML check refuses what Telegram refuses, with its error texts.

The benchmarks lean on it being cheap (one regex scan, tags checked once per process),
so these pin down that cheap does not mean lenient, a tag seen before included.
"""

from __future__ import annotations

import pytest

from tests.fakes.telegram_api import EntityParseError, parse_telegram_html

GOOD = (
    '<b>Iran</b> &amp; <i>more</i>\n• <a href="https://x.example/a?b=1&amp;c=2">Story</a> '
    "&lt;3 &#128512; &#x1F600; <tg-spoiler>s</tg-spoiler> <blockquote>q</blockquote>"
)


def test_accepted_html_gives_the_visible_text() -> None:
    assert parse_telegram_html(GOOD) == ("Iran & more\n• Story <3 \U0001f600 \U0001f600 s q")
    assert parse_telegram_html("plain, no markup") == "plain, no markup"
    assert parse_telegram_html("&amp;lt;") == "&lt;"  # decoded once


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a < b", "Unsupported start tag at byte offset 2"),
        ("a <b c", "Unsupported start tag at byte offset 2"),
        ("<script>x</script>", 'Unsupported start tag "script"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>"'),
        ("x</b>", 'expected "</>"'),
        ("<b><i>x</b></i>", 'expected "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a & b", "Unsupported entity at byte offset 2"),
        ("&ampx", "Unsupported entity at byte offset 0"),
        ("&nbsp;", "Unsupported entity"),
        ("&#12345678;", "Unsupported entity"),
        ("a > b", "Unescaped '>' at byte offset 2"),
        ("<a>x</a>", "Bad href"),
        ('<a href="">x</a>', "Bad href"),
        ('<a href="&lt;x">x</a>', "Bad href"),
    ],
)
def test_refused_html_is_refused_as_telegram_does(text: str, error: str) -> None:
    with pytest.raises(EntityParseError, match=error.replace("(", r"\(")):
        parse_telegram_html(text)


def test_a_tag_seen_before_is_still_checked_against_the_open_tags() -> None:
    assert parse_telegram_html("<b>x</b>") == "x"  # "<b>" and "</b>" now known
    with pytest.raises(EntityParseError, match="Unmatched end tag"):
        parse_telegram_html("<i></b></i>")
    with pytest.raises(EntityParseError, match="Can't find end tag"):
        parse_telegram_html("<b>x")
