"""Briefs, digests and answers as Telegram HTML, in messages that Telegram accepts.

Every piece of text that came from an article, a feed or a user goes through
:func:`esc`; links through :func:`link`. A message is built from *blocks* (each a
complete, closed HTML fragment) and :func:`pack` puts blocks into messages under
:data:`LIMIT` characters, so a split never falls inside a tag, and a split between
stories is preferred to one inside a story.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from bot.briefing.model import Source, StoryBrief
from summarizer import Quote

#: Telegram's limit is 4096 characters after entity parsing; we keep the raw HTML under
#: it, which is stricter and leaves room for nothing to go wrong.
LIMIT = 4096
MAX_KEY_POINTS = 4
MAX_QUOTES = 3
QUOTE_CHARS = 220  # a brief shows a quote's opening; "More quotes" shows it whole
POINT_CHARS = 300


def esc(text: str | None) -> str:
    """Text for Telegram HTML: ``<``, ``>`` and ``&`` escaped (quotes only in attributes)."""
    return html.escape(text or "", quote=False)


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def link(url: str, label: str) -> str:
    """An ``<a>`` with the URL and the label escaped; plain label when the URL is not http(s)."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return esc(label)
    return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>'


def outlet_name(url: str, name: str | None = None) -> str:
    """The outlet as a reader knows it: its configured name, else the host without www."""
    if name:
        return name
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def speaker_line(quote: Quote) -> str:
    """``Mohammad-Reza Ashtiani, Iranian Defense Minister`` (escaped)."""
    who = esc(quote.speaker)
    if quote.speaker_title:
        title = quote.speaker_title.strip()
        if title.lower().startswith("the "):
            title = title[4:]
        who += f", {esc(title)}"
    return who


def clip_sentences(text: str, limit: int) -> str:
    """``text`` cut after its last whole sentence within ``limit``, else at a word."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", text[:limit])]
    if ends and ends[-1] > limit // 3:
        return text[: ends[-1]] + " …"
    return clip(text, limit)


def render_quote(quote: Quote, limit: int = QUOTE_CHARS) -> str:
    """``“…” — Name, Title``: quote in italics, speaker after an em dash."""
    text = clip_sentences(quote.text.strip().strip("“”\"'‘’ ").rstrip(",;: "), limit)
    return f"<i>“{esc(text)}”</i> — {speaker_line(quote)}"


def render_sources(sources: Sequence[Source], limit: int = 5) -> str:
    """Links to the outlets, deduplicated by outlet."""
    seen: set[str] = set()
    parts: list[str] = []
    for s in sources:
        name = outlet_name(s.url, s.outlet)
        if name in seen:
            continue
        seen.add(name)
        parts.append(link(s.url, name))
        if len(parts) >= limit:
            break
    more = len({outlet_name(s.url, s.outlet) for s in sources}) - len(parts)
    text = ", ".join(parts)
    if more > 0:
        text += f" +{more}"
    return text


def pick_quotes(quotes: Sequence[Quote], limit: int) -> list[Quote]:
    """Up to ``limit`` quotes, one per speaker first (more voices), in the brief's order."""
    picked: list[int] = []
    speakers: set[str | None] = set()
    for i, q in enumerate(quotes):
        if q.speaker not in speakers and len(picked) < limit:
            picked.append(i)
            speakers.add(q.speaker)
    for i in range(len(quotes)):
        if len(picked) >= limit:
            break
        if i not in picked:
            picked.append(i)
    return [quotes[i] for i in sorted(picked)]


def shown_points(story: StoryBrief, limit: int) -> list[str]:
    """The key points a brief shows: datelines and outlet prefixes stripped (one rule for
    cards, the command line and digests: bot.telegram.cards.strip_lead)."""
    from bot.telegram.cards import key_points

    return key_points(story)[:limit]


def shown_quotes(story: StoryBrief, points: Sequence[str], limit: int) -> list[Quote]:
    """The quotes a brief shows: officials', then experts' (others only under "More
    quotes"), never a fragment of three words or fewer, none a shown key point carries."""
    read = [_words(p) for p in points]
    fresh = [
        q
        for q in story.brief.official_quotes
        if q.speaker_role != "other"  # None: stored before roles existed
        and len(_words(q.display_text).split()) > 3
        and not any(_words(q.display_text) in r for r in read)
    ]
    fresh.sort(key=lambda q: {"official": 0, "expert": 1}.get(q.speaker_role or "", 2))
    return pick_quotes(fresh, limit)


def _words(text: str) -> str:
    """Text reduced to its words (space-framed), to find a quote in a sentence, marks aside."""
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def story_blocks(
    story: StoryBrief,
    *,
    max_points: int = MAX_KEY_POINTS,
    max_quotes: int = MAX_QUOTES,
    index: int | None = None,
) -> list[str]:
    """One story as blocks: headline, key points, quotes, sources."""
    brief = story.brief
    number = f"{index}. " if index is not None else ""
    blocks = [f"<b>{number}{esc(clip(brief.headline, 200))}</b>"]
    points = shown_points(story, max_points)
    if points:
        blocks.append("\n".join(f"• {esc(clip(p, POINT_CHARS))}" for p in points))
    for q in shown_quotes(story, points, max_quotes):
        blocks.append(render_quote(q))
    if story.sources:
        blocks.append(f"Sources: {render_sources(story.sources)}")
    return blocks


def render_story(story: StoryBrief, **kwargs: int) -> str:
    """One story as a single message (always under the limit)."""
    return pack([story_blocks(story, **kwargs)])[0]


ROLE_LABELS = (("official", "Officials"), ("expert", "Experts"), (None, "Others"))


def render_more_quotes(story: StoryBrief, skip: int = MAX_QUOTES) -> str:
    """The quotes the full brief leaves out, under their speakers' roles.

    Officials first, then experts, then everyone else; fragments of three words or
    fewer are never shown (they are the bits a quote finder catches, "a lot").
    """
    from bot.telegram.cards import FULL_POINTS, key_points, ranked_quotes, varied

    every = ranked_quotes(story)  # those a key point carries too: here they are whole
    in_full = ranked_quotes(story, key_points(story)[:FULL_POINTS])
    shown = {id(q) for q in varied([q for q in in_full if q.speaker_role != "other"], skip)}
    rest = [q for q in every if id(q) not in shown] or every
    title = esc(clip(story.brief.headline, 200))
    if not rest:
        return f"No quotes from officials in <b>{title}</b>."
    blocks = [f"<b>Quotes: {title}</b>"]
    for role, heading in ROLE_LABELS:
        group = (
            [q for q in rest if (q.speaker_role or None) == role]
            if role
            else [q for q in rest if q.speaker_role not in ("official", "expert")]
        )
        if group:
            blocks.append(f"<i>{heading}</i>")
            blocks += [render_quote(q, 600) for q in group[:8]]
    return pack([blocks])[0]


def render_source_list(story: StoryBrief) -> str:
    blocks = [f"<b>Sources: {esc(clip(story.brief.headline, 200))}</b>"]
    for s in story.sources[:20]:
        label = outlet_name(s.url, s.outlet)
        title = f" — {esc(clip(s.title, 150))}" if s.title else ""
        blocks.append(f"• {link(s.url, label)}{title}")
    if not story.sources:
        blocks.append("No sources recorded.")
    return pack([blocks])[0]


def _fit_block(block: str, room: int) -> str:
    """A single block too long for any message: keep its visible text, drop its markup."""
    plain = html.unescape(_strip_tags(block))
    size = room - 10
    while size > 20:
        fitted = esc(clip(plain, size))
        if len(fitted) <= room - 10:
            return fitted
        size = size * 3 // 4
    return "…"


def _strip_tags(fragment: str) -> str:
    out, depth = [], 0
    for ch in fragment:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def pack(groups: Iterable[Sequence[str]], *, header: str = "", limit: int = LIMIT) -> list[str]:
    """Messages under ``limit`` from groups of blocks (a group is one story).

    Groups are kept whole in a message when they fit; a group larger than a message is
    split between its blocks; a block larger than a message is shortened. The header
    goes at the top of the first message only.
    """
    sep_group, sep_block = "\n\n", "\n"
    messages: list[str] = []
    current = header
    for group in groups:
        text = sep_block.join(group)
        joiner = sep_group if current else ""
        if len(current) + len(joiner) + len(text) <= limit:
            current += joiner + text
            continue
        if current and len(text) <= limit:
            messages.append(current)
            current = text
            continue
        # The group alone is too big: split between its blocks.
        for block in group:
            if len(block) > limit - 10:
                block = _fit_block(block, limit)
            joiner = sep_block if current else ""
            if len(current) + len(joiner) + len(block) > limit:
                messages.append(current)
                current = block
            else:
                current += joiner + block
    if current:
        messages.append(current)
    return messages or [header or "…"]


def render_digest(
    stories: Sequence[StoryBrief],
    *,
    heading: str,
    footer: str = "",
    max_points: int = 3,
    max_quotes: int = 2,
    limit: int = LIMIT,
) -> list[tuple[str, list[int]]]:
    """A digest as messages, each with the ids of the stories it shows.

    Stories are numbered under a bold heading; a message ends on a story boundary
    unless one story alone is longer than a message.
    """
    pages: list[tuple[str, list[int]]] = []
    current = f"<b>{esc(heading)}</b>"
    ids: list[int] = []
    for i, story in enumerate(stories, 1):
        text = "\n".join(story_blocks(story, max_points=max_points, max_quotes=max_quotes, index=i))
        if len(current) + 2 + len(text) <= limit:
            current, ids = f"{current}\n\n{text}", [*ids, story.story_id]
            continue
        pages.append((current, ids))
        if len(text) <= limit:
            current, ids = text, [story.story_id]
            continue
        pieces = pack(
            [story_blocks(story, max_points=max_points, max_quotes=max_quotes, index=i)],
            limit=limit,
        )
        pages.extend((piece, [story.story_id]) for piece in pieces[:-1])
        current, ids = pieces[-1], [story.story_id]
    if footer:
        tail = f"<i>{esc(footer)}</i>"
        if len(current) + 2 + len(tail) <= limit:
            current += "\n\n" + tail
    pages.append((current, ids))
    return pages
