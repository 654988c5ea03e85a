"""``newsbrief run [--webhook] [--role ROLE]``: the bot and its scheduler, in one process.

Long polling by default (``worker: newsbrief run``); with ``--webhook`` Telegram posts
updates to ``WEBHOOK_URL`` and every request must carry ``WEBHOOK_SECRET`` in the
``X-Telegram-Bot-Api-Secret-Token`` header (``web: newsbrief run --webhook``).

``--role`` (:mod:`bot.roles`) splits the work: ``bot`` answers updates, ``ingest`` polls
the feeds, ``digest`` sends due digests; a process without the ``bot`` role runs its
jobs headless (:mod:`bot.commands.headless`), and one with only ``ingest`` needs no token.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram import Update

from bot.roles import BOT, DIGEST, INGEST, add_role_option, describe, needs_telegram, roles_of

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.delivery import DeliveryOptions
    from bot.settings import Settings
    from bot.telegram.context import Jobs


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the Telegram bot and its scheduler",
        description="Run the bot (long polling, or --webhook) with the feed poller and "
        "the digest dispatcher, or only some of them (--role). Needs TELEGRAM_BOT_TOKEN, "
        "except with --role ingest alone.",
    )
    add_role_option(parser)
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on WEBHOOK_URL instead of long polling",
    )
    parser.add_argument("--listen", default="0.0.0.0", help="webhook: address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 8443),
        help="webhook: port to listen on (default: $PORT, else 8443)",
    )
    parser.add_argument(
        "--no-poll",
        action="store_true",
        help="do not poll feeds (another process ingests): the same as --role bot,digest",
    )
    # Tests and self-hosted Bot API servers: where the Bot API lives (default: Telegram's).
    parser.add_argument(
        "--api-base-url",
        default=None,
        help="a self-hosted Bot API server, as http://localhost:8081/bot "
        "(default: TELEGRAM_API_BASE_URL, else Telegram's)",
    )
    parser.set_defaults(handler=run)


def _fail(message: str) -> int:
    print(f"newsbrief run: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.logging_setup import configure_logging
    from bot.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        return _fail(f"bad setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    roles = roles_of(args)
    if not roles:
        return _fail("--no-poll leaves no role to run: drop it, or name --role bot or digest")
    if needs_telegram(roles) and not settings.bot_token:
        return _fail(
            f"TELEGRAM_BOT_TOKEN is not set (the {describe(roles & {BOT, DIGEST})} role needs "
            "it; get one from @BotFather; put it in the environment or in .env)"
        )
    if args.webhook and BOT not in roles:
        return _fail("--webhook receives updates: it needs the bot role")
    if args.webhook and not settings.webhook_url:
        return _fail("--webhook needs WEBHOOK_URL (the public https URL Telegram posts to)")
    configure_logging(args.log_level or settings.log_level)
    if args.webhook and not (
        settings.webhook_secret and settings.webhook_secret.get_secret_value()
    ):
        return _fail("--webhook needs WEBHOOK_SECRET (checked on every request)")

    from bot.commands.sending import delivery_options, take_sender_lock
    from bot.store.lock import StoreBusy

    if BOT not in roles:
        from bot.commands.headless import serve

        return serve(args, settings, roles)
    try:
        lock = take_sender_lock(settings.database_url)  # held until this process ends
    except StoreBusy as exc:
        return _fail(str(exc))
    try:
        return _serve(args, settings, delivery_options(settings.database_url, lock), roles)
    finally:
        if lock is not None:
            lock.release()


def scheduled_jobs(*, poll: bool, dispatch: bool = True) -> Jobs:
    """The periodic jobs of ``bot.jobs``, started with the bot: wired here, so that
    ``bot.telegram`` never imports ``bot.jobs`` (nor the other way round). ``poll``: the
    ingest role; ``dispatch``: the digest role."""
    from bot.jobs import build_scheduler
    from bot.telegram.context import Jobs, Services

    def build(nb: Services) -> AsyncIOScheduler:
        return build_scheduler(
            nb.store, nb.bot_store, nb.digests, nb.out, nb.settings, poll=poll, dispatch=dispatch
        )

    return Jobs(build=build, polls_feeds=poll)


def _serve(
    args: argparse.Namespace,
    settings: Settings,
    delivery: DeliveryOptions,
    roles: frozenset[str],
) -> int:
    from bot.store import Store
    from bot.telegram.app import build_application

    store = Store.from_url(settings.database_url)
    app = build_application(
        settings,
        store,
        base_url=args.api_base_url,
        jobs=scheduled_jobs(poll=INGEST in roles, dispatch=DIGEST in roles),
        migrate=True,
        delivery_options=delivery,
    )
    from bot.ops.health import attach  # /healthz and /metrics on METRICS_PORT

    attach(app, settings)
    if args.webhook:
        assert settings.webhook_secret is not None and settings.webhook_url is not None
        secret = settings.webhook_secret.get_secret_value()
        path = urlsplit(settings.webhook_url).path.lstrip("/")
        from bot.telegram.webhook import run_webhook  # 400 for malformed bodies, not 500

        run_webhook(
            app,
            listen=args.listen,
            port=args.port,
            url_path=path,
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
