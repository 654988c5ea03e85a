"""One story as a card that fits a phone screen, and as the full brief behind **More**.

A story in ``/brief`` was 1,200-1,700 characters; a phone shows about 700. The card
keeps what a reader scans: the headline as a link to the best source, one line of how
many outlets carry it and how old it is, at most two key points and the single best
quote of an official, under :data:`CARD_CHARS` visible characters. **More** shows the
full brief (every key point, up to three quotes, the outlets as links) in the same
message; **Less** folds it back (:mod:`bot.telegram.layout`).

Key points lose the datelines and outlet prefixes wires put before a story's first
sentence ("NEW YORK (Reuters) -", "PanARMENIAN.Net -"): :func:`strip_lead`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.telegram.render import (
    QUOTE_CHARS,
    Source,
    StoryBrief,
    clip,
    esc,
    link,
    outlet_name,
    render_quote,
    render_sources,
)
from summarizer import Quote

CARD_CHARS = 700
FULL_CHARS = 2000
CARD_POINTS = 2
FULL_POINTS = 6
FULL_QUOTES = 3
MIN_QUOTE_WORDS = 4  # a quote of three words or fewer is a fragment ("a lot"), never shown
ROLE_RANK = {"official": 0, "expert": 1, None: 2, "other": 3}

_PLACE = r"[A-Z][A-Z'’./\-]{2,}(?:\s+[A-Z][A-Z'’./\-]+){0,3}"
_DATELINE_RE = re.compile(
    rf"^{_PLACE}(?:,\s*[^\-—–()\n]{{1,25}}?)?\s*(?:\([^()\n]{{1,30}}\))?\s*[-—–]{{1,2}}\s+"
)
_AGENCY_RE = re.compile(r"^\([A-Z][\w .&/]{1,25}\)\s*[-—–:]{1,2}\s+")
_DOMAIN_RE = re.compile(
    r"^[\w&'’\-]+(?:\.[\w\-]+)*\.(?:net|com|org|info|news|tv|ru|am|ir|ua|az|ge|uk|io|co)"
    r"\s*[-—–:|]{1,2}\s+",
    re.IGNORECASE,
)


def strip_lead(text: str, outlets: Sequence[str] = ()) -> str:
    """``text`` without a leading dateline, agency or outlet prefix.

    A general rule, not a list of wires: an upper-case place ("NEW YORK", "TEHRAN, Iran")
    with an optional agency in brackets and a dash; a bracketed agency and a dash; a
    name shaped like a web address ("PanARMENIAN.Net -"); or the name of one of the
    story's own outlets followed by a dash.
    """
    text = " ".join((text or "").split())
    for _ in range(2):  # "PanARMENIAN.Net - YEREVAN -" has two
        before = text
        for pattern in (_DATELINE_RE, _AGENCY_RE, _DOMAIN_RE):
            text = pattern.sub("", text, count=1)
        for outlet in outlets:
            if outlet and len(outlet) > 2:
                text = re.sub(rf"^{re.escape(outlet)}\s*[-—–:|]{{1,2}}\s+", "", text, flags=re.I)
        if text == before:
            break
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    return text


def visible_len(fragment: str) -> int:
    """How many characters Telegram counts: the text without tags, entities decoded."""
    return len(html.unescape(re.sub(r"<[^>]*>", "", fragment)))


def age_label(at: datetime | None, now: datetime | None = None) -> str:
    """``just now``, ``25 min ago``, ``3 h ago``, ``2 days ago``."""
    if at is None:
        return ""
    now = now or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    minutes = max(0, int((now - at).total_seconds() // 60))
    if minutes < 2:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


def outlets(story: StoryBrief) -> list[Source]:
    """One source per outlet, in the order the story lists them."""
    seen: set[str] = set()
    out = []
    for s in story.sources:
        name = outlet_name(s.url, s.outlet)
        if name not in seen:
            seen.add(name)
            out.append(s)
    return out


def meta_line(story: StoryBrief, now: datetime | None = None) -> str:
    """``4 outlets · 3 h ago``."""
    n = max(len(outlets(story)), 1 if story.sources else 0)
    parts = [f"{n} outlet{'s' if n != 1 else ''}"] if n else []
    latest = max((s.at for s in story.sources if s.at), default=story.updated_at)
    age = age_label(latest, now)
    if age:
        parts.append(age)
    return " · ".join(parts)


def best_source(story: StoryBrief) -> Source | None:
    """The article the headline links to: the one whose title is the headline, else the
    newest with a web address."""
    web = [s for s in story.sources if s.url.startswith(("http://", "https://"))]
    headline = story.brief.headline.strip().casefold()
    for s in web:
        if s.title and s.title.strip().casefold() == headline:
            return s
    return web[0] if web else None


def quote_words(quote: Quote) -> int:
    return len(re.findall(r"\w+", quote.display_text))


def ranked_quotes(story: StoryBrief, points: Sequence[str] = ()) -> list[Quote]:
    """Attributed quotes worth showing, officials first, then experts, then the rest:
    no fragment of three words or fewer, none a shown key point already carries."""
    read = [_words(p) for p in points]
    fresh = [
        q
        for q in story.brief.official_quotes
        if quote_words(q) >= MIN_QUOTE_WORDS and not any(_words(q.display_text) in r for r in read)
    ]
    order = sorted(range(len(fresh)), key=lambda i: (ROLE_RANK.get(fresh[i].speaker_role, 2), i))
    return [fresh[i] for i in order]


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def key_points(story: StoryBrief) -> list[str]:
    """The brief's key points, leads stripped, empty and repeated ones dropped."""
    names = [s.outlet for s in story.sources if s.outlet]
    out: list[str] = []
    for point in story.brief.key_points:
        text = strip_lead(point, names)
        if len(re.findall(r"\w+", text)) >= 3 and text not in out:
            out.append(text)
    return out


def title_line(story: StoryBrief, index: int | None, limit: int = 150) -> str:
    number = f"{index}. " if index is not None else ""
    source = best_source(story)
    headline = clip(story.brief.headline, limit)
    shown = link(source.url, headline) if source else esc(headline)
    return f"<b>{number}{shown}</b>"


def card(story: StoryBrief, *, index: int | None = None, now: datetime | None = None) -> str:
    """The story in at most :data:`CARD_CHARS` visible characters."""
    points = key_points(story)[:CARD_POINTS]
    quotes = [q for q in ranked_quotes(story, points) if q.speaker_role != "other"][:1]
    head = [title_line(story, index), esc(meta_line(story, now))]
    # From the most generous to the leanest, the first that fits.
    for point_chars, quote_chars, n_points, n_quotes in (
        (260, QUOTE_CHARS, 2, 1),
        (180, 160, 2, 1),
        (140, 120, 2, 1),
        (180, 0, 2, 0),
        (200, 120, 1, 1),
        (140, 0, 1, 0),
    ):
        lines = head + [f"• {esc(clip(p, point_chars))}" for p in points[:n_points]]
        lines += [render_quote(q, quote_chars) for q in quotes[:n_quotes]]
        text = "\n".join(lines)
        if visible_len(text) <= CARD_CHARS:
            return text
    return "\n".join([title_line(story, index, 120), esc(meta_line(story, now))])


def full(story: StoryBrief, *, index: int | None = None, now: datetime | None = None) -> str:
    """The whole brief: every key point, up to three quotes, the outlets as links."""
    points = key_points(story)[:FULL_POINTS]
    quotes = varied([q for q in ranked_quotes(story, points) if q.speaker_role != "other"])
    for point_chars, quote_chars in ((400, 400), (260, QUOTE_CHARS), (160, 140)):
        lines = [title_line(story, index, 200), esc(meta_line(story, now))]
        lines += [f"• {esc(clip(p, point_chars))}" for p in points]
        lines += [render_quote(q, quote_chars) for q in quotes[:FULL_QUOTES]]
        if story.sources:
            lines.append(f"Sources: {render_sources(story.sources, limit=8)}")
        text = "\n".join(lines)
        if visible_len(text) <= FULL_CHARS:
            return text
    return card(story, index=index, now=now)


def varied(quotes: Sequence[Quote], limit: int = FULL_QUOTES) -> list[Quote]:
    """Up to ``limit`` quotes, one per speaker first (more voices), in rank order."""
    first: list[Quote] = []
    speakers: set[str | None] = set()
    for q in quotes:
        if q.speaker not in speakers and len(first) < limit:
            first.append(q)
            speakers.add(q.speaker)
    rest = [q for q in quotes if all(q is not f for f in first)]
    chosen = first + rest[: limit - len(first)]
    return sorted(chosen, key=lambda q: next(i for i, x in enumerate(quotes) if x is q))


def more_quotes_left(story: StoryBrief) -> bool:
    """Whether "More quotes" has anything the full brief does not show."""
    points = key_points(story)[:FULL_POINTS]
    every = ranked_quotes(story, points)
    shown = varied([q for q in every if q.speaker_role != "other"])
    return len(every) > len(shown)
