"""``newsbrief run --role ingest`` / ``--role digest``: the jobs of a process without the bot.

Such a process receives no Telegram updates. With the ``ingest`` role it polls the
feeds on the scheduler's period (claiming each with a lease, so any number of ingest
processes share them); with ``digest`` it sends the due digests, through a bot that is
initialised (token checked, delivery set up) but never polls for updates. An
ingest-only process needs no TELEGRAM_BOT_TOKEN, and takes no sender lock on SQLite:
``newsbrief run --role bot,digest`` and ``newsbrief run --role ingest`` can share one
SQLite file. ``/healthz`` and ``/metrics`` are served on METRICS_PORT when it is set.
It runs until SIGTERM or SIGINT, then lets the job in progress end (a poll releases its
feeds' leases) and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.roles import DIGEST, INGEST, describe

if TYPE_CHECKING:
    from bot.ops.health import HealthSources
    from bot.settings import Settings
    from bot.store import Store

log = logging.getLogger("newsbrief.run")
SYNC_ATTEMPTS = 3  # workers starting together may race to add the same new feed


def serve(args: argparse.Namespace, settings: Settings, roles: frozenset[str]) -> int:
    """Run the jobs of ``roles`` (no ``bot`` among them) until told to stop."""
    from bot.commands.sending import delivery_options, take_sender_lock
    from bot.store.lock import StoreBusy

    lock = None
    if DIGEST in roles:
        try:
            lock = take_sender_lock(settings.database_url)  # held until this process ends
        except StoreBusy as exc:
            print(f"newsbrief run: {exc}", file=sys.stderr)
            return 2
    try:
        delivery = delivery_options(settings.database_url, lock) if DIGEST in roles else None
        return asyncio.run(_main(args, settings, roles, delivery))
    finally:
        if lock is not None:
            lock.release()


async def _main(
    args: argparse.Namespace, settings: Settings, roles: frozenset[str], delivery: object
) -> int:
    from bot.store import Store

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    store = await Store.open(settings.database_url)
    try:
        if INGEST in roles:
            await _sync_feeds(store, settings)
        log.info("event=worker_started roles=%s owner=%s", describe(roles), store.owner)
        if DIGEST in roles:
            await _run_with_sender(args, settings, store, roles, delivery, stop)
        else:
            await _run_ingest(settings, store, stop)
    finally:
        await store.close()
    log.info("event=worker_stopped roles=%s", describe(roles))
    return 0


async def _sync_feeds(store: Store, settings: Settings) -> None:
    """FEEDS_FILE into the store, as the bot's start-up does; a race lost to another
    worker adding the same feed at the same moment is tried again."""
    from bot.settings import load_feeds
    from bot.store.errors import is_database_error

    feeds = load_feeds(settings.feeds_file)
    for attempt in range(1, SYNC_ATTEMPTS + 1):
        try:
            await store.sync_feeds(feeds)
            return
        except Exception as exc:
            if attempt == SYNC_ATTEMPTS or not is_database_error(exc):
                raise
            log.warning("event=feed_sync_retry attempt=%d error=%r", attempt, str(exc)[:200])
            await asyncio.sleep(0.2 * attempt)


async def _run_ingest(settings: Settings, store: Store, stop: asyncio.Event) -> None:
    """The poll job alone, on the scheduler's period."""
    from bot.jobs import build_scheduler, poll_period
    from bot.ops.health import HealthSources
    from bot.store.migrate import current_revision
    from bot.store.subscribers import BotStore

    scheduler = build_scheduler(
        store, BotStore(store.engine), None, None, settings, poll=True, dispatch=False, clean=False
    )
    scheduler.start()
    sources = HealthSources(
        ping_database=lambda: current_revision(store.engine),
        scheduler_running=lambda: bool(scheduler.running),
        poll_period=float(poll_period(settings)),
    )
    try:
        async with _ops_server(settings, sources):
            await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await _job_in_progress()


async def _run_with_sender(
    args: argparse.Namespace,
    settings: Settings,
    store: Store,
    roles: frozenset[str],
    delivery: object,
    stop: asyncio.Event,
) -> None:
    """The digest role (and ingest, if asked): a bot that sends but takes no updates."""
    from bot.commands.run import scheduled_jobs
    from bot.delivery import DeliveryOptions
    from bot.ops.health import sources_for
    from bot.telegram.app import build_application, setup, teardown

    assert isinstance(delivery, DeliveryOptions)
    app = build_application(
        settings,
        store,
        base_url=getattr(args, "api_base_url", None),
        jobs=scheduled_jobs(poll=INGEST in roles, dispatch=True),
        delivery_options=delivery,
    )
    await app.initialize()
    try:
        await setup(app)  # delivery, then the scheduler
        async with _ops_server(settings, sources_for(app)):
            await stop.wait()
        await teardown(app)  # shuts the scheduler down
        await _job_in_progress()
    finally:
        await app.shutdown()


async def _job_in_progress() -> None:
    """Wait for the jobs the scheduler's shutdown cancelled to finish their clean-up (a
    cycle cut short releases its feeds' leases, so other workers take them at once)."""
    jobs = [
        task
        for task in asyncio.all_tasks()
        if not task.done() and getattr(task.get_coro(), "__name__", "") == "run_coroutine_job"
    ]
    if jobs:
        await asyncio.wait(jobs, timeout=30)


@contextlib.asynccontextmanager
async def _ops_server(settings: Settings, sources: HealthSources) -> AsyncIterator[None]:
    """``/healthz`` and ``/metrics`` on METRICS_PORT while the block runs (if it is set)."""
    if not settings.metrics_port:
        yield
        return
    from bot.ops.health import OpsServer

    server = OpsServer(sources, settings.metrics_host, settings.metrics_port)
    await server.start()
    try:
        yield
    finally:
        await server.stop()
