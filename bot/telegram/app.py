"""The python-telegram-bot ``Application``: handlers, rate limiter, delivery, scheduler.

:func:`build_application` wires everything; :func:`running` starts it for long polling
in tests and benchmarks (``initialize`` + our setup + ``start`` + polling), the same
setup :meth:`Application.run_polling` / ``run_webhook`` get through ``post_init``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.briefing import Briefs, Digests
from bot.delivery import Delivery, DeliveryOptions
from bot.settings import Settings
from bot.store import Store
from bot.store.subscribers import BotStore
from bot.telegram import (
    admin,
    brief,
    buttons,
    callbacks,
    conversation,
    digest_now,
    preferences,
    stop,
    subscriptions,
    welcome,
)
from bot.telegram.context import (
    CONTEXT_TYPES,
    Jobs,
    NewsbriefApp,
    NewsbriefContext,
    RunOptions,
    Services,
)
from bot.telegram.digests import TelegramDigests
from bot.telegram.request import AiohttpRequest

log = logging.getLogger("newsbrief.app")


def build_application(
    settings: Settings,
    store: Store,
    *,
    token: str | None = None,
    base_url: str | None = None,
    base_file_url: str | None = None,
    rate_limit: float | None = 30.0,
    per_chat_interval: float = 1.0,
    delivery_options: DeliveryOptions | None = None,
    jobs: Jobs | None = None,
    pool_size: int = 256,
    migrate: bool = False,
    request: BaseRequest | None = None,
) -> NewsbriefApp:
    """The bot, ready for ``run_polling``/``run_webhook`` or :func:`running`.

    ``rate_limit`` is the overall messages/second (Telegram allows about 30); ``None``
    turns the limiter off (benchmarks of the bot's own throughput). ``request`` replaces
    the aiohttp transport (benchmarks compare it with PTB's own httpx transport).
    ``per_chat_interval`` overrides the one in ``delivery_options``.
    ``jobs``: the periodic jobs to start with the bot (``bot.commands.run`` passes the
    scheduler's); none by default (tests and one-off commands run jobs themselves).
    """
    token = token or settings.bot_token
    base_url = base_url or settings.telegram_api_base_url  # a self-hosted Bot API server
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # Any: the builder's bot type changes with the rate limiter (ExtBot[None] -> ExtBot[int])
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        .job_queue(None)
        .concurrent_updates(256)
        .request(request or AiohttpRequest(connection_pool_size=pool_size))
        .get_updates_request(AiohttpRequest(connection_pool_size=2, read_timeout=15.0))
    )
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url or base_url)
    if settings.telegram_local_mode:  # that server runs with --local
        builder = builder.local_mode(True)
    if rate_limit:
        builder = builder.rate_limiter(rate_limiter(rate_limit))
    app: NewsbriefApp = builder.post_init(setup).post_shutdown(teardown).build()
    app.bot_data.services = services(settings, store)
    given = delivery_options or DeliveryOptions()
    app.bot_data.options = RunOptions(
        delivery=dataclasses.replace(
            given,
            per_chat_interval=per_chat_interval,
            # With the limiter on, a few digest sends in flight keep up with 30/s, and a
            # reader's /brief waits behind at most those few; without it, many more.
            concurrency=given.concurrency or (16 if rate_limit else 100),
        ),
        jobs=jobs,
        migrate=migrate,
    )
    add_handlers(app)
    return app


def rate_limiter(rate: float) -> AIORateLimiter:
    """``rate`` messages a second on average, in bursts of at most a tenth of a second's
    worth (3 at 30/s).

    Telegram asks bots to stay at about 30 messages a second overall and answers bursts
    with 429. One message per 1/rate s with no slack loses every late wake-up of the
    event loop for good (27.9/s of 30 on a loaded machine); a leaky bucket holding a
    tenth of a second's worth gives them back (30.5/s there) while any sliding window of
    W seconds still carries at most ``burst + rate * W`` messages: 33 in a second at 30/s,
    never ``rate`` at once.
    """
    burst = max(1, round(rate / 10))
    return AIORateLimiter(
        overall_max_rate=burst,
        overall_time_period=burst / rate,
        group_max_rate=20,
        group_time_period=60,
        max_retries=0,  # RetryAfter is handled (and bounded) by bot.delivery
    )


def services(settings: Settings, store: Store) -> Services:
    """The services of one application: the store, the briefing service, digests drawn
    for Telegram (delivery comes in :func:`setup`, once the bot is up)."""
    bot_store = BotStore(store.engine)
    briefs = Briefs(store)
    return Services(
        settings=settings,
        store=store,
        bot_store=bot_store,
        briefs=briefs,
        digests=Digests(briefs, bot_store, settings, TelegramDigests()),
    )


def add_handlers(app: NewsbriefApp) -> None:
    """Replays dropped first; commands; one handler per button action; questions."""
    app.add_handler(TypeHandler(Update, drop_replayed), group=-1)
    commands = {
        "start": welcome.start,
        "help": welcome.help_command,
        "subscribe": subscriptions.subscribe,
        "unsubscribe": subscriptions.unsubscribe,
        "subscriptions": subscriptions.subscriptions,
        "brief": brief.brief,
        "settings": preferences.settings_command,
        "digest": digest_now.digest_now,
        "stop": stop.stop,
        "stats": admin.stats,
        "feeds": admin.feeds,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback))
    for action, on_press in buttons.HANDLERS.items():
        app.add_handler(CallbackQueryHandler(on_press, pattern=callbacks.matcher(action)))
    app.add_handler(CallbackQueryHandler(buttons.invalid))  # whatever no pattern accepted
    private = filters.ChatType.PRIVATE
    # After every CommandHandler: a command none of them took gets "Did you mean …?"
    app.add_handler(MessageHandler(filters.COMMAND & private, conversation.unknown_command))
    app.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & private, conversation.plain_text)
    )
    app.add_error_handler(on_error)


async def drop_replayed(update: Update, context: NewsbriefContext) -> None:
    """Stop an update already handled (a webhook retry, a replay): each is acted on once."""
    if context.bot_data.seen_updates.check_and_add(update.update_id):
        log.warning("event=update_replayed update_id=%s", update.update_id)
        raise ApplicationHandlerStop


async def on_error(update: object, context: NewsbriefContext) -> None:
    """Log a handler's failure once, with the chat; tell the user, without details."""
    chat = getattr(getattr(update, "effective_chat", None), "id", None)
    log.error(
        "event=handler_error chat_id=%s error=%r", chat, str(context.error), exc_info=context.error
    )
    nb = context.services
    if chat is not None and nb.delivery is not None:
        await nb.delivery.send(chat, "Sorry, something went wrong there. Please try again.")


async def setup(app: NewsbriefApp) -> None:
    """After ``initialize``: delivery, the command menu, outbox claims, the scheduler."""
    nb = app.bot_data.services
    options = app.bot_data.options
    if options.migrate:
        from bot.settings import load_feeds

        await nb.store.migrate()
        await nb.store.sync_feeds(load_feeds(nb.settings.feeds_file))
    nb.delivery = Delivery(app.bot, nb.bot_store, options.delivery)
    # A young-object collection per 10,000 allocations, not 700: a digest fan-out makes
    # many short-lived objects per message while its plans and claimed rows live on, and
    # with the default thresholds 20,000 messages ran ~3,200 young and ~24 full
    # collections of the whole heap (185,000 objects at start): a fifth of the process's
    # CPU (bot CPU for 20,815 messages 11.7 -> 8.6-9.5 s; now ~90 young, 1 full).
    gc.set_threshold(10_000, 10, 10)
    # Claims a killed predecessor left are taken back by the first flush, and only by the
    # store's sole sender (its SQLite lock held: Delivery(sole_sender=True)).
    try:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in welcome.COMMANDS])
    except Exception as exc:  # the menu is a nicety; never fail start-up on it
        log.warning("event=set_commands_failed error=%r", str(exc))
    if options.jobs is not None:
        scheduler = options.jobs.build(nb)
        scheduler.start()
        app.bot_data.scheduler = scheduler
    log.info("event=bot_ready username=%s", app.bot.username)


async def teardown(app: NewsbriefApp) -> None:
    nb = app.bot_data.services
    await nb.waiters.cancel()
    scheduler, app.bot_data.scheduler = app.bot_data.scheduler, None
    if scheduler is not None:
        scheduler.shutdown(wait=False)


@contextlib.asynccontextmanager
async def running(app: NewsbriefApp, *, poll_interval: float = 0.0) -> AsyncIterator[NewsbriefApp]:
    """Run ``app`` with long polling inside an ``async with`` (tests, benchmarks)."""
    await app.initialize()
    try:
        await setup(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=poll_interval,
            timeout=timedelta(seconds=1),
            drop_pending_updates=False,
            allowed_updates=Update.ALL_TYPES,
        )
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await teardown(app)
    finally:
        await app.shutdown()
