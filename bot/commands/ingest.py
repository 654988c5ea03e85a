"""``newsbrief ingest``: poll the feeds of FEEDS_FILE into the store, once or on a loop.

``--once`` runs one cycle and prints what it did: feeds polled, not modified, new
articles, duplicates, and each failure with its reason (a feed's, an item's, a page's).
It never stops at a bad feed; it exits 1, saying so in one line, when feeds were due
and not one could be polled (offline, or every feed failing). Without ``--once`` it
keeps polling, each feed when it is due, until interrupted; the service's scheduler
does the same job.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

from bot.ingest.cycle import run_cycle
from bot.ingest.fetch import Fetcher, FetchLimits
from bot.ingest.report import CycleReport, FeedReport

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="poll the feeds into the store (once, or until interrupted)",
        description=(
            "Poll the feeds of FEEDS_FILE (synced into the store first), fetch and extract "
            "new articles, group them into stories. Prints a report of each cycle."
        ),
    )
    parser.add_argument("--once", action="store_true", help="run one cycle and exit")
    parser.add_argument(
        "--feeds-file", help="a feeds.toml to use instead of FEEDS_FILE for this run"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print only the summary line, not each feed"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.logging_setup import configure_logging
    from bot.settings import get_settings

    settings = get_settings()
    configure_logging(getattr(args, "log_level", None) or settings.log_level)
    try:
        return asyncio.run(_main(args, settings))
    except OSError as exc:
        print(f"newsbrief ingest: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a malformed feeds file
        print(f"newsbrief ingest: {exc}", file=sys.stderr)
        return 1


async def _main(args: argparse.Namespace, settings: Settings) -> int:
    from bot.settings import load_feeds
    from bot.store import Store

    feeds = load_feeds(args.feeds_file or settings.feeds_file)
    store = await Store.open(settings.database_url)
    try:
        await store.sync_feeds(feeds)
        async with Fetcher(FetchLimits.from_settings(settings)) as fetcher:
            while True:
                report = await run_cycle(store, settings, fetcher=fetcher)
                print_report(report, sys.stdout, verbose=not args.quiet)
                if args.once:
                    return _exit_code(report)
                await asyncio.sleep(await _seconds_to_next_poll(store, settings))
    finally:
        await store.close()


def _exit_code(report: CycleReport) -> int:
    """1 when feeds were due and none could be polled: cron and CI should hear of it."""
    if report.feeds_polled and not report.feeds_answered:
        print(
            f"newsbrief ingest: no feed could be polled ({report.feeds_failed} of "
            f"{report.feeds_polled} failed; see the table above)",
            file=sys.stderr,
        )
        return 1
    return 0


async def _seconds_to_next_poll(store: Store, settings: Settings) -> float:
    from bot.store.types import utcnow

    feeds = await store.list_feeds(enabled_only=True)
    times = [f.next_poll_at for f in feeds if not f.gone and f.next_poll_at is not None]
    if not times:
        return float(settings.poll_interval)
    wait = (min(times) - utcnow()) / timedelta(seconds=1)
    return min(max(wait, 1.0), float(settings.poll_interval))


def _note(feed: FeedReport) -> str:
    notes = [feed.error or ""]
    if feed.skipped:
        notes.append(f"{len(feed.skipped)} bad items skipped ({feed.skipped[0]})")
    if feed.entry_failures:
        notes.append(f"{len(feed.entry_failures)} entries failed ({feed.entry_failures[0]})")
    if feed.moved:
        notes.append(f"moved permanently to {feed.moved_to}: polled there from now on")
    elif feed.moved_to:
        notes.append(f"redirects permanently to {feed.moved_to} (moves if it does again)")
    return "; ".join(n for n in notes if n)


def print_report(report: CycleReport, out: TextIO, *, verbose: bool = True) -> None:
    """The cycle as a table of feeds (when verbose) and one summary line."""
    if verbose and report.feeds:
        width = min(max(len(f.name) for f in report.feeds), 40)
        header = f"{'feed':<{width}}  {'status':<12} {'http':>4} {'items':>5} {'new':>4} "
        print(header + f"{'dup':>4}  error", file=out)
        for f in sorted(report.feeds, key=lambda r: (r.status != "ok", r.name)):
            http = str(f.http_status) if f.http_status else "-"
            print(
                f"{f.name[:width]:<{width}}  {f.status:<12} {http:>4} {f.entries:>5} "
                f"{f.new_articles:>4} {f.duplicates + f.near_duplicates:>4}  {_note(f)}",
                file=out,
            )
    print(
        f"feeds polled: {report.feeds_polled}, not modified: {report.feeds_not_modified}, "
        f"failed: {report.feeds_failed}, new articles: {report.new_articles}, "
        f"duplicates: {report.duplicates} (+{report.near_duplicates} near-duplicates joined "
        f"to stories), stories: {report.stories_created} new, {report.stories_updated} "
        f"updated, {report.seconds:.2f} s",
        file=out,
    )
