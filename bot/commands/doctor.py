"""``newsbrief doctor``: what an operator runs first when something looks wrong.

It checks, once each and without changing anything: the settings (already validated
before any command starts), the token with ``getMe``, the database and its migrations,
and every configured feed (reachable, parses, how many items). It prints a table with a
verdict per line and exits 1 when any line failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.ingest.fetch import Fetcher
    from bot.settings import FeedConfig, Settings

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report."""

    name: str
    verdict: str
    detail: str


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check the token, the database and every feed; a verdict per line",
        description="Check the settings, the Telegram token (getMe), the database and its "
        "migrations, and each feed once. Exit status 1 when something failed.",
    )
    parser.add_argument(
        "--api-base-url",
        default=None,
        help="the Bot API server to ask (default: TELEGRAM_API_BASE_URL, else Telegram's)",
    )
    parser.add_argument("--no-feeds", action="store_true", help="skip fetching the feeds")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.logging_setup import configure_logging
    from bot.settings import get_settings

    settings = get_settings()
    configure_logging(args.log_level or "ERROR")
    checks = asyncio.run(diagnose(settings, args.api_base_url, feeds=not args.no_feeds))
    print_table(checks, sys.stdout)
    return 1 if any(check.verdict == FAIL for check in checks) else 0


async def diagnose(settings: Settings, base_url: str | None, *, feeds: bool = True) -> list[Check]:
    """Every check, in the order the table shows them."""
    from bot.settings import mask_url_password

    checks = [Check("settings", OK, f"valid; database {mask_url_password(settings.database_url)}")]
    checks.append(await check_token(settings, base_url))
    checks.append(await check_database(settings))
    checks += await check_feeds(settings) if feeds else [Check("feeds", SKIP, "--no-feeds")]
    return checks


async def check_token(settings: Settings, base_url: str | None) -> Check:
    from bot.commands.preflight import check_telegram
    from bot.ops.errors import StartupError

    if not settings.bot_token:
        return Check("telegram", WARN, "TELEGRAM_BOT_TOKEN is not set: `run` needs it")
    try:
        username = await check_telegram(settings, base_url, budget=0)
    except StartupError as exc:
        return Check("telegram", FAIL, str(exc))
    return Check("telegram", OK, f"getMe: @{username}")


async def check_database(settings: Settings) -> Check:
    from bot.commands.preflight import check_database as probe
    from bot.ops.errors import StartupError

    try:
        current, head = await probe(settings, budget=0)
    except StartupError as exc:
        return Check("database", FAIL, str(exc))
    if current is None:
        return Check("database", WARN, f"reachable, empty: `run` creates the schema ({head})")
    if current != head:
        return Check("database", WARN, f"schema {current}, `run` migrates it to {head}")
    return Check("database", OK, f"reachable, schema at {head} (latest)")


async def check_feeds(settings: Settings) -> list[Check]:
    from bot.ingest.fetch import Fetcher, FetchLimits
    from bot.settings import load_feeds

    try:
        feeds = [feed for feed in load_feeds(settings.feeds_file) if feed.enabled]
    except (OSError, ValueError) as exc:
        return [Check("feeds", FAIL, f"{settings.feeds_file}: {exc}")]
    if not feeds:
        return [Check("feeds", WARN, f"no enabled feed in {settings.feeds_file}")]
    async with Fetcher(FetchLimits.from_settings(settings)) as fetcher:
        return list(await asyncio.gather(*(check_feed(fetcher, feed) for feed in feeds)))


async def check_feed(fetcher: Fetcher, feed: FeedConfig) -> Check:
    """Fetch and parse one feed: its item count, or why it failed."""
    from bot.ingest.feeds import FeedParseError, parse_feed
    from bot.ingest.fetch import FEED_ACCEPT
    from bot.ingest.fetch_errors import FetchError

    name = f"feed {feed.name}"
    started = time.monotonic()
    try:
        result = await fetcher.fetch(feed.url, accept=FEED_ACCEPT)
        parsed = parse_feed(result.body, result.url, result.content_type)
    except FetchError as exc:
        return Check(name, FAIL, f"{exc} ({feed.url})")
    except FeedParseError as exc:
        return Check(name, FAIL, f"does not parse: {exc} ({feed.url})")
    except Exception as exc:  # one feed's surprise never hides the others' verdicts
        return Check(name, FAIL, f"{type(exc).__name__}: {exc} ({feed.url})")
    seconds = time.monotonic() - started
    count = len(parsed.entries)
    verdict = OK if count else WARN
    moved = f", moved to {result.permanent_url}" if result.permanent_url else ""
    return Check(name, verdict, f"{count} items in {seconds:.1f} s{moved}")


def print_table(checks: list[Check], out: TextIO) -> None:
    """``CHECK  VERDICT  DETAIL`` aligned, then a summary line."""
    width = min(max(len(check.name) for check in checks), 40)
    out.write(f"{'CHECK':<{width}}  VERDICT  DETAIL\n")
    for check in checks:
        out.write(f"{check.name[:width]:<{width}}  {check.verdict:<7}  {check.detail}\n")
    failed = sum(check.verdict == FAIL for check in checks)
    warned = sum(check.verdict == WARN for check in checks)
    if failed:
        out.write(f"\n{failed} problem(s), {warned} warning(s): see the FAIL lines above.\n")
    else:
        out.write(f"\nAll good ({warned} warning(s)).\n")
