"""``newsbrief digest``: see a digest in the terminal, or send the due digests once.

``newsbrief digest Iran Russia`` prints what a subscriber to those countries would get
now (no Telegram). ``newsbrief digest --send-due`` runs one pass of the scheduler's
dispatcher (claim due subscribers, queue, send) and exits: for cron-style hosting or to
catch up by hand; it needs TELEGRAM_BOT_TOKEN. On SQLite it takes the store's sender lock
(:mod:`bot.store.lock`): while ``newsbrief run`` or another ``--send-due`` sends from the
same file it stops with one line (exit 2) rather than send anything twice.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store.lock import SenderLock


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "digest",
        help="print a digest for countries, or send the due digests once",
        description="Print a digest for countries (no Telegram), or --send-due.",
    )
    parser.add_argument("countries", nargs="*", help="countries: Iran 'South Korea' RU")
    parser.add_argument("--hours", type=float, default=24.0, help="window (default 24)")
    parser.add_argument(
        "--send-due",
        action="store_true",
        help="send the digests that are due now through Telegram, then exit",
    )
    parser.add_argument(
        "--api-base-url",
        default=None,
        help="a self-hosted Bot API server (default: TELEGRAM_API_BASE_URL, else Telegram's)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.logging_setup import configure_logging
    from bot.settings import get_settings

    settings = get_settings()
    configure_logging(args.log_level or ("INFO" if args.send_due else "WARNING"))
    if args.send_due:
        if not settings.bot_token:
            print("newsbrief digest: TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
            return 2
        from bot.commands.sending import take_sender_lock
        from bot.store.lock import StoreBusy

        try:
            lock = take_sender_lock(settings.database_url)  # held while this pass sends
        except StoreBusy as exc:
            print(f"newsbrief digest: {exc}", file=sys.stderr)
            return 2
        try:
            return asyncio.run(_send_due(settings, args.api_base_url, lock))
        finally:
            if lock is not None:
                lock.release()
    if not args.countries:
        print(
            "newsbrief digest: name countries (newsbrief digest Iran Russia) or --send-due",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(_print(settings, args))


async def _send_due(settings: Settings, base_url: str | None, lock: SenderLock | None) -> int:
    from bot.commands.sending import delivery_options
    from bot.store import Store
    from bot.telegram.app import build_application, setup

    store = await Store.open(settings.database_url)
    app = build_application(
        settings,
        store,
        base_url=base_url,
        delivery_options=delivery_options(settings.database_url, lock),
    )
    await app.initialize()
    try:
        await setup(app)
        nb = app.bot_data.services
        report = await nb.digests.dispatch_due(nb.out)
    finally:
        await app.shutdown()
        await store.close()
    sent = report.delivery.sent if report.delivery else 0
    print(
        f"{report.subscribers} due, {report.messages} messages queued, {sent} sent, "
        f"{report.skipped_stale} skipped as stale"
    )
    return 0


async def _print(settings: Settings, args: argparse.Namespace) -> int:
    from bot.briefing import Briefs, names
    from bot.commands.brief import to_terminal
    from bot.store import Store, utcnow
    from bot.telegram.render import render_digest
    from summarizer import parse_country_list

    codes, unknown = parse_country_list(", ".join(args.countries))
    if unknown or not codes:
        print(f"newsbrief digest: unknown countries: {', '.join(unknown)}", file=sys.stderr)
        return 2
    store = await Store.open(settings.database_url)
    try:
        stories = await Briefs(store).for_countries(
            codes, utcnow() - timedelta(hours=args.hours), limit=8
        )
    finally:
        await store.close()
    if not stories:
        print(f"Nothing new on {names(codes)} in the last {args.hours:g} hours.")
        return 0
    for text, _ids in render_digest(stories, heading=f"Digest · {names(codes)}"):
        print(to_terminal(text))
        print()
    return 0
