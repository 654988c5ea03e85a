"""``newsbrief feeds``: the feeds and how each is doing; OPML import and export.

Every form first merges the configured feed list (FEEDS_FILE, by default the bundled
config/feeds.toml) into the store, so on a fresh machine the table shows the bundled
feeds as "never polled" rather than nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.ingest.opml import OPMLError, parse_opml, to_opml
from bot.settings import Settings, get_settings, load_feeds
from bot.store import FeedHealth, Store, utcnow


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "feeds",
        help="list the feeds and their health; import or export OPML",
        description=(
            "Without an action: a table of the feeds, whether polling them works, when "
            "they last worked and what failed. 'import' adds the feeds of an OPML file; "
            "'export' writes the current feeds as OPML."
        ),
    )
    actions = parser.add_subparsers(dest="feeds_action", metavar="ACTION")
    importer = actions.add_parser("import", help="add the feeds of an OPML file")
    importer.add_argument("file", metavar="FILE.opml", type=Path)
    exporter = actions.add_parser("export", help="write the feeds as OPML")
    exporter.add_argument(
        "file", metavar="FILE", nargs="?", type=Path, help="default: standard output"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    action = getattr(args, "feeds_action", None)
    try:
        if action == "import":
            return asyncio.run(import_opml(settings, args.file))
        if action == "export":
            return asyncio.run(export_opml(settings, args.file))
        return asyncio.run(show(settings))
    except BrokenPipeError:
        raise
    except OSError as exc:
        return _fail(str(exc))


async def _open(settings: Settings) -> Store:
    store = await Store.open(settings.database_url)
    try:
        await store.sync_feeds(load_feeds(settings.feeds_file))
    except BaseException:
        await store.close()
        raise
    return store


async def show(settings: Settings) -> int:
    async with await _open(settings) as store:
        rows = await store.feed_health()
    print(render_table(rows, now=utcnow()))
    return 0


async def import_opml(settings: Settings, path: Path) -> int:
    try:
        feeds = parse_opml(path.read_bytes())
    except OPMLError as exc:
        return _fail(f"{path}: {exc}")
    async with await _open(settings) as store:
        added = set(await store.add_feeds(feeds))
    for feed in feeds:
        if feed.url in added:
            print(f"added  {feed.name}  {feed.url}")
    print(f"{len(added)} feed(s) added, {len(feeds) - len(added)} already known, from {path}")
    return 0


async def export_opml(settings: Settings, path: Path | None) -> int:
    async with await _open(settings) as store:
        feeds = await store.list_feeds()
    document = to_opml(feeds)
    if path is None:
        sys.stdout.write(document)
    else:
        path.write_text(document, encoding="utf-8")
        print(f"{len(feeds)} feed(s) written to {path}", file=sys.stderr)
    return 0


def render_table(rows: list[FeedHealth], now: datetime) -> str:
    """The feeds as an aligned text table, with a summary line."""
    header = ("FEED", "CC", "STATUS", "LAST SUCCESS", "ITEMS", "ARTICLES", "NEXT POLL", "ERROR")
    lines = [header]
    for row in rows:
        error = _short(row.last_error, 50) if row.status in ("failing", "gone") else ""
        if error and row.consecutive_failures > 1:
            error = f"({row.consecutive_failures}x) {error}"
        lines.append(
            (
                _short(row.name, 34) + (" (moved)" if row.moved else ""),
                row.country or "-",
                row.status,
                _ago(row.last_success_at, now) if row.last_success_at else "never",
                str(row.items_seen),
                str(row.articles),
                _next(row, now),
                error,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines
    ]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    text.append("")
    text.append(f"{len(rows)} feeds: {summary}" if rows else "no feeds")
    moved = [row for row in rows if row.moved]
    if moved:
        text.append("")
        text.append(
            f"{len(moved)} moved permanently, polled at the new URL (update the feeds file):"
        )
        for row in moved:
            since = f" ({_ago(row.moved_at, now)})" if row.moved_at else ""
            text.append(f"  {row.name}: {row.url} -> {row.effective_url}{since}")
    return "\n".join(text)


def _next(row: FeedHealth, now: datetime) -> str:
    if row.status in ("gone", "disabled"):
        return "-"
    if row.next_poll_at is None or row.next_poll_at <= now:
        return "due"
    return "in " + _span(row.next_poll_at - now)


def _ago(when: datetime, now: datetime) -> str:
    return _span(now - when) + " ago" if when <= now else "just now"


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600}h"


def _short(text: str | None, width: int) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _fail(message: str) -> int:
    print(f"newsbrief: {message}", file=sys.stderr)
    return 1
