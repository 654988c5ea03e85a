"""Story cards that fit a phone screen, the full brief behind More, windows, digest sections.

Cards are built from real analyses: the seed article, and every English article of the
evaluation set's AEB pages (../shared/eval, present in CI; skipped here when absent).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import InlineKeyboardMarkup

from bot.briefing import allocate
from bot.telegram import layout
from bot.telegram.cards import (
    CARD_CHARS,
    FULL_CHARS,
    age_label,
    card,
    full,
    key_points,
    strip_lead,
    visible_len,
)
from bot.telegram.digests import compose, flag
from bot.telegram.render import LIMIT, Source, StoryBrief, render_more_quotes
from bot.telegram.windows import MAX_HOURS, parse_window
from summarizer import analyse, summarize_story
from summarizer.brief import Brief, Quote
from tests.fakes.bot_harness import SEED_ARTICLE, SEED_TITLE
from tests.fakes.telegram_api import parse_telegram_html

AEB = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "attribution" / "aeb.jsonl"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def story_of(story_id: int, text: str, title: str | None, outlets: int = 4) -> StoryBrief:
    brief = summarize_story([analyse(text, title=title)])
    sources = [
        Source(
            f"https://outlet{i}.example/{story_id}", f"Outlet {i}", title, NOW - timedelta(hours=3)
        )
        for i in range(outlets)
    ]
    return StoryBrief(story_id, brief, sources, NOW - timedelta(hours=3))


def check_card_and_full(s: StoryBrief) -> None:
    for index in (None, 12):
        small = card(s, index=index, now=NOW)
        plain = parse_telegram_html(small)  # valid Telegram HTML
        assert len(plain) <= CARD_CHARS, (len(plain), plain)
        assert plain.count("• ") <= 2
        assert plain.split("\n")[1] == "4 outlets · 3 h ago"
        big = full(s, index=index, now=NOW)
        assert len(parse_telegram_html(big)) <= FULL_CHARS
        assert len(parse_telegram_html(render_more_quotes(s))) <= LIMIT


def test_seed_article_card_fits_a_phone_screen_and_more_shows_everything() -> None:
    s = story_of(1, SEED_ARTICLE.read_text(encoding="utf-8"), SEED_TITLE)
    check_card_and_full(s)
    plain = parse_telegram_html(card(s, now=NOW))
    lines = plain.split("\n")
    assert lines[0] == SEED_TITLE
    assert lines[1] == "4 outlets · 3 h ago"
    assert lines[2].startswith("• Mohammad-Reza Ashtiani, the Iranian Defense Minister")
    assert plain.count("” — ") == 1  # the single best official quote
    assert lines[-1].endswith("— Mohammad-Reza Ashtiani, Iranian Defense Minister")
    assert '<b><a href="https://outlet0.example/1">' in card(s, now=NOW)
    grown = parse_telegram_html(full(s, now=NOW))
    assert grown.count("• ") == 4
    assert "— Sergey Shoigu, Russian Defense Minister" in grown
    assert grown.count("” — ") == 3
    assert grown.endswith("Sources: Outlet 0, Outlet 1, Outlet 2, Outlet 3")


@pytest.mark.skipif(
    not AEB.exists(),
    reason="needs ../shared/eval/attribution/aeb.jsonl beside the clone (evaluation data, "
    "never copied into the repository; present in CI)",
)
def test_every_aeb_article_gives_a_card_under_700_characters() -> None:
    rows = [json.loads(line) for line in AEB.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 100
    checked = 0
    for i, row in enumerate(rows, 1):
        s = story_of(i, row["text"], None)
        if not key_points(s):
            continue
        check_card_and_full(s)
        checked += 1
    assert checked >= 100


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("NEW YORK (Reuters) - The dollar fell on Monday.", "The dollar fell on Monday."),
        ("PanARMENIAN.Net - Armenia's leader said so.", "Armenia's leader said so."),
        ("TEHRAN, Iran (AP) — Iran's president said so.", "Iran's president said so."),
        ("WASHINGTON, Feb 26 - The U.S. Senate voted.", "The U.S. Senate voted."),
        ("(Reuters) - Oil prices rose on Tuesday.", "Oil prices rose on Tuesday."),
        ("MOSCOW -- Russia said it would respond.", "Russia said it would respond."),
        ("Test Wire - the ministry said it agreed.", "The ministry said it agreed."),
        ("US - China talks resumed on Monday.", "US - China talks resumed on Monday."),
        ("Iran said on Monday - after talks - that it agreed.", None),
        ("The NATO summit ended without a deal.", None),
    ],
)
def test_datelines_and_outlet_prefixes_are_stripped(raw: str, clean: str | None) -> None:
    assert strip_lead(raw, ["Test Wire"]) == (clean or raw)


def test_age_and_fragments() -> None:
    assert age_label(NOW - timedelta(seconds=30), NOW) == "just now"
    assert age_label(NOW - timedelta(minutes=25), NOW) == "25 min ago"
    assert age_label(NOW - timedelta(hours=3, minutes=50), NOW) == "3 h ago"
    assert age_label(NOW - timedelta(days=3), NOW) == "3 days ago"
    brief = Brief(
        headline="Musk and Shotwell on Starship",
        key_points=["SpaceX launched its Starship rocket from Texas on Thursday morning."],
        quotes=[
            Quote("a lot", 0, 0, "Gwynne Shotwell", "SpaceX President", speaker_role="other"),
            Quote("nice stepping stone", 0, 0, "Gwynne Shotwell", None, speaker_role="other"),
            Quote(
                "We learned a great deal from this flight today",
                0,
                0,
                "Bill Nelson",
                "NASA Administrator",
                speaker_role="official",
            ),
            Quote(
                "This is the most powerful rocket ever flown by anyone",
                0,
                0,
                "Jane Doe",
                "analyst",
                speaker_role="expert",
            ),
        ],
    )
    s = StoryBrief(3, brief, [Source("https://a.example/x", "A")], NOW)
    plain = parse_telegram_html(card(s, now=NOW))
    assert "a lot" not in plain and "stepping stone" not in plain
    assert "— Bill Nelson, NASA Administrator" in plain  # the official, over the expert
    assert "1 outlet · just now" in plain
    more = parse_telegram_html(render_more_quotes(s))
    assert "a lot" not in more and "stepping stone" not in more


def test_windows_people_type() -> None:
    assert parse_window("Iran 2 days")[1].hours == 48
    assert parse_window("Iran 48h")[1].hours == 48
    assert parse_window("Iran 1 week")[1].hours == 168
    assert parse_window("Iran last week") == (
        "Iran",
        parse_window("Iran 1 week")[1].__class__(168.0, "last week"),
    )
    query, window = parse_window("Iran 99999d")
    assert query == "Iran" and window.hours == MAX_HOURS and window.capped
    assert window.note() == "“99999d” is longer than the 30 days I keep: showing those."
    assert parse_window("Chad") == ("Chad", None)
    assert parse_window("Iran d") == ("Iran d", None)


def test_more_and_less_read_the_message_back_from_its_text_and_buttons() -> None:
    stories = {
        i: story_of(i, SEED_ARTICLE.read_text(encoding="utf-8"), f"{SEED_TITLE} {i}")
        for i in (5, 9)
    }
    parts = [layout.head("Iran · last 24 hours")]
    parts += [layout.Part(story_id=5, index=1), layout.Part(story_id=9, index=2)]
    text = layout.render(parts, stories, NOW)
    markup = layout.keyboard(parts, stories)
    assert isinstance(markup, InlineKeyboardMarkup)
    assert [b.text for row in markup.inline_keyboard for b in row] == [
        "More 1",
        "More 2",
        "Ask about these",
    ]
    read = layout.restore(parse_telegram_html(text), markup)
    assert read == parts
    grown = layout.toggle(read, 9, True)
    big = layout.render(grown, stories, NOW)
    assert visible_len(big) <= LIMIT
    back = layout.restore(parse_telegram_html(big), layout.keyboard(grown, stories))
    assert back == grown
    assert layout.render(layout.toggle(back, 9, False), stories, NOW) == text


def test_digest_sections_each_country_once_in_the_users_order() -> None:
    seed = SEED_ARTICLE.read_text(encoding="utf-8")
    s = {i: story_of(i, seed, f"Story {i}") for i in range(1, 12)}
    candidates = {
        "US": [s[1], s[2], s[3], s[4]],
        "CN": [s[5], s[6]],
        "GB": [s[7]],
        "RU": [s[8], s[1]],  # 1 is about the US and Russia: shown once, under the US
        "IR": [s[9], s[8], s[10]],  # 8 is Russia's
        "JP": [],
    }
    codes = ["US", "CN", "GB", "RU", "IR", "JP"]
    chosen = allocate(codes, candidates, seen={2}, total=8)
    ids = {c: [x.story_id for x in v] for c, v in chosen.items()}
    assert ids == {"US": [1, 3], "CN": [5, 6], "GB": [7], "RU": [8], "IR": [9, 10], "JP": []}
    assert all(ids[c] for c in ("US", "CN", "GB", "RU", "IR"))  # each with news: its top
    pages = compose("Your digest · Mon 30 Nov", codes, chosen, NOW)
    assert len(pages) > 1
    shown: list[int] = []
    for text, story_ids, markup in pages:
        plain = parse_telegram_html(text)
        assert len(plain) <= LIMIT
        datas = [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
        assert [d for d in datas if d.startswith("more:")] == [f"more:{i}" for i in story_ids]
        shown += story_ids
    assert shown == [1, 3, 5, 6, 7, 8, 9, 10]  # 8 in all: a second round while room lasts
    whole = "\n\n".join(parse_telegram_html(t) for t, _i, _m in pages)
    heads = [line for line in whole.split("\n") if line[:1] in {flag(c)[0] for c in codes}]
    assert heads == [
        f"{flag(c)} {n}"
        for c, n in zip(
            codes,
            ("United States", "China", "United Kingdom", "Russia", "Iran", "Japan"),
            strict=True,
        )
    ]
    assert f"{flag('JP')} Japan\nNothing new since your last digest." in whole


def test_a_country_whose_stories_all_concern_an_earlier_one_still_gets_its_top() -> None:
    seed = SEED_ARTICLE.read_text(encoding="utf-8")
    s = {i: story_of(i, seed, f"Story {i}") for i in range(1, 5)}
    # every Russian story is also an American one; the US shows only its first two
    candidates = {"US": [s[1], s[2], s[3], s[4]], "RU": [s[3], s[4]]}
    chosen = allocate(["US", "RU"], candidates, seen=set(), total=3)
    ids = {c: [x.story_id for x in v] for c, v in chosen.items()}
    assert ids == {"US": [1, 2], "RU": [3]}
    # when the US shows it anyway, it stays under the US, once
    chosen = allocate(["US", "RU"], {"US": [s[3]], "RU": [s[3]]}, seen=set())
    assert {c: [x.story_id for x in v] for c, v in chosen.items()} == {"US": [3], "RU": []}


def test_a_story_drawn_again_at_the_same_moment_reads_the_same_and_a_new_brief_is_redrawn() -> None:
    now = NOW
    story = story_of(7, SEED_ARTICLE.read_text(encoding="utf-8"), SEED_TITLE)
    parts = [layout.Part(story_id=7, index=1)]
    first = layout.render(parts, {7: story}, now)
    assert layout.render(parts, {7: story}, now) == first == card(story, index=1, now=now)
    # a later moment ("3 h ago" moves on) and a fresh brief of the same story are drawn anew
    later = now + timedelta(hours=5)
    assert layout.render(parts, {7: story}, later) == card(story, index=1, now=later)
    fresh = story_of(7, "Iran's president said on Monday that talks would resume.", "Talks")
    assert layout.render(parts, {7: fresh}, now) == card(fresh, index=1, now=now) != first
    expanded = [layout.Part(story_id=7, index=1, expanded=True)]
    assert layout.render(expanded, {7: story}, now) == full(story, index=1, now=now)
