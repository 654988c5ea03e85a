"""``newsbrief brief Iran [--hours 24]``: a brief in the terminal, no Telegram needed.

It reads the store; when the store has no stories yet it polls the configured feeds
once first, so a fresh checkout shows real news with one command.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "brief",
        help="print a brief for a country (no Telegram needed)",
        description="Print the top stories about a country, as the bot would send them.",
    )
    parser.add_argument("country", nargs="+", help="a country: Iran, IR, Iranian, 'South Korea'")
    parser.add_argument("--hours", type=float, default=24.0, help="window (default 24)")
    parser.add_argument("--limit", type=int, default=3, help="stories (default 3)")
    parser.add_argument("--html", action="store_true", help="print the Telegram HTML as is")
    parser.add_argument(
        "--no-poll", action="store_true", help="never poll the feeds, even when the store is empty"
    )
    parser.set_defaults(handler=run)


def to_terminal(text: str) -> str:
    """Telegram HTML as plain text: links as ``label (url)``, tags dropped."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def run(args: argparse.Namespace) -> int:
    from bot.logging_setup import configure_logging
    from bot.settings import get_settings

    settings = get_settings()
    configure_logging(args.log_level or "WARNING")
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.briefing import Briefs
    from bot.ingest import run_cycle
    from bot.settings import load_feeds
    from bot.store import Store, utcnow
    from bot.telegram.render import render_story
    from summarizer import country_name, lookup_country, suggest_countries

    query = " ".join(args.country)
    code = lookup_country(query)
    if code is None:
        hints = ", ".join(name for _c, name, _s in suggest_countries(query, 3))
        print(
            f"newsbrief brief: unknown country {query!r}"
            + (f"; did you mean {hints}?" if hints else ""),
            file=sys.stderr,
        )
        return 2
    store = await Store.open(settings.database_url)
    try:
        if not args.no_poll and (await store.stats()).stories == 0:
            print("The store is empty: polling the feeds once…", file=sys.stderr)
            await store.sync_feeds(load_feeds(settings.feeds_file))
            report = await run_cycle(store, settings)
            print(f"Polled: {report.summary()}", file=sys.stderr)
        since = utcnow() - timedelta(hours=args.hours)
        stories = await Briefs(store).for_countries([code], since, limit=args.limit)
    finally:
        await store.close()
    if not stories:
        print(f"No stories about {country_name(code)} in the last {args.hours:g} hours.")
        return 0
    print(f"{country_name(code)} · last {args.hours:g} hours\n")
    for story in stories:
        text = render_story(story)
        print(text if args.html else to_terminal(text))
        print()
    return 0
