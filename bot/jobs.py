"""The scheduler's few jobs: poll feeds, send the digests that are due, clean up.

Scheduling only: what each job does lives in the briefing service (digests,
:meth:`bot.briefing.Digests.dispatch_due`), in ``bot.ingest`` (polling) and in the
store (clean-up). Not one job per user: each subscriber row holds ``next_digest_at``
(UTC) and the dispatcher, run every minute, sends what is due.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.briefing import Digests, Outbox
from bot.ops.metrics import record_cycle
from bot.settings import Settings
from bot.store import Store, utcnow
from bot.store.subscribers import BotStore

if TYPE_CHECKING:
    from bot.ingest import CycleReport, StoryWindow

log = logging.getLogger("newsbrief.jobs")


async def poll_feeds(
    store: Store, settings: Settings, kept: dict[str, StoryWindow] | None = None
) -> CycleReport:
    """One ingestion cycle over the due feeds (bot.ingest.run_cycle); ``kept`` holds the
    story window from one cycle to the next (built once, then only brought up to date)."""
    from bot.ingest import StoryWindow, run_cycle  # the extraction stack loads only here
    from bot.ingest.workers import start_shared_pool

    if kept is not None and "window" not in kept:
        kept["window"] = StoryWindow(timedelta(hours=settings.story_window_hours), settle=True)
        try:  # once, at start-up (the job's first run), like the window: workers' imports
            await start_shared_pool(settings.ingest_workers, settings.ingest_page_budget)
        except Exception:  # the cycle starts them itself, as it would have
            log.exception("event=ingest_workers_start_failed")
    window = kept["window"] if kept is not None else None
    return record_cycle(await run_cycle(store, settings, window=window))  # for /metrics


async def cleanup(store: Store, bot_store: BotStore, settings: Settings) -> dict[str, int]:
    """Forget old outbox rows and message links; prune old articles."""
    older = utcnow() - timedelta(days=settings.retention_days)
    result = await bot_store.cleanup(older)
    pruned = await store.prune(older)
    result["articles"] = pruned.articles
    log.info("event=cleanup %s", " ".join(f"{k}={v}" for k, v in result.items()))
    return result


def poll_period(settings: Settings) -> int:
    """Seconds between polls of the feeds: the setting, kept between 1 and 15 minutes."""
    return max(60, min(settings.poll_interval, 900))


def build_scheduler(
    store: Store,
    bot_store: BotStore,
    digests: Digests | None,
    outbox: Outbox | None,
    settings: Settings,
    *,
    poll: bool = True,
    dispatch: bool = True,
    clean: bool = True,
) -> AsyncIOScheduler:
    """The jobs of this process's roles (:mod:`bot.roles`): ``poll`` (ingest), ``dispatch``
    (digest: needs ``digests`` and ``outbox``), ``clean``; each runs alone
    (``max_instances=1``) and coalesces missed runs."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    if poll:
        scheduler.add_job(
            poll_feeds,
            "interval",
            seconds=poll_period(settings),
            args=[store, settings, {}],
            id="poll_feeds",
            next_run_time=utcnow(),
            **defaults,
        )
    if dispatch:
        if digests is None or outbox is None:
            raise ValueError("dispatching digests needs the digests service and an outbox")
        scheduler.add_job(
            digests.dispatch_due,
            "interval",
            seconds=60,
            args=[outbox],
            id="dispatch_digests",
            next_run_time=utcnow() + timedelta(seconds=5),
            **defaults,
        )
    if not clean:
        return scheduler
    scheduler.add_job(
        cleanup,
        "interval",
        hours=24,
        args=[store, bot_store, settings],
        id="cleanup",
        next_run_time=utcnow() + timedelta(minutes=10),
        **defaults,
    )
    return scheduler
