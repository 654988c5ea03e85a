"""The scheduler's few jobs: poll feeds, send the digests that are due, clean up.

Not one job per user: each subscriber row holds ``next_digest_at`` (UTC) and the
dispatcher, run every minute, claims the due rows, writes their digests to the outbox
and moves their schedule to the next day in one transaction, then flushes the outbox.
A crash before that commit leaves the subscriber due (the next run builds the digest);
a crash after it leaves the messages in the outbox (the next run sends those not yet
marked). A digest that fell due longer ago than ``DIGEST_STALENESS_HOURS`` (the bot was
down) is skipped to the next day rather than sent late.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery import Delivery, DeliveryReport
from bot.digest import describe_local, is_stale, next_digest_at
from bot.ops.metrics import record_cycle
from bot.settings import Settings
from bot.store import Store, utcnow
from bot.store.subscribers import BotStore, NewOutboxMessage, SubscriberInfo
from bot.telegram.briefs import Briefs
from bot.telegram.digests import PER_COUNTRY, allocate, compose
from bot.telegram.render import StoryBrief, esc
from summarizer.gazetteer import country_name

log = logging.getLogger("newsbrief.jobs")

FIRST_DIGEST_WINDOW = timedelta(hours=24)
MAX_DIGEST_WINDOW = timedelta(hours=48)
CLAIM_BATCH = 500


def parse_hhmm(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


def names(codes: Sequence[str]) -> str:
    """``Iran``, ``Iran and Russia``, ``Iran, Russia and Israel``."""
    parts = [country_name(c) for c in codes]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def by_name(codes: Iterable[str]) -> list[str]:
    """Country codes in the order of their names, as a reader scans a list."""
    return sorted(codes, key=country_name)


@dataclass
class DigestPlan:
    """What one dispatch run decided: messages to queue, stories to remember, schedules."""

    messages: list[NewOutboxMessage] = field(default_factory=list)
    delivered: list[tuple[int, int]] = field(default_factory=list)
    # (chat id, next due time, time of this digest); None keeps the stored value
    schedule: list[tuple[int, datetime | None, datetime | None]] = field(default_factory=list)
    skipped_stale: int = 0
    quiet: int = 0
    failed: list[int] = field(default_factory=list)  # chat ids whose digest failed

    def part(self, chat_id: int) -> DigestPlan:
        """This plan's rows for one chat (to record them on their own)."""
        return DigestPlan(
            messages=[m for m in self.messages if m.chat_id == chat_id],
            delivered=[d for d in self.delivered if d[0] == chat_id],
            schedule=[s for s in self.schedule if s[0] == chat_id],
        )


def safe_next_due(sub: SubscriberInfo, now: datetime) -> datetime:
    """The next due time; a day from now if the row cannot say (never today again)."""
    try:
        return next_digest_at(parse_hhmm(sub.digest_time), sub.timezone, now)
    except Exception:  # a value the checks on read did not foresee: logged by the caller
        return now + timedelta(days=1)


class DigestBuilder:
    """Builds digests; stories are read once per (countries, window) in a run.

    Each subscriber is planned on its own: a failure (a row or a story the code cannot
    handle) is logged with the chat id, that digest is put off to its next day, and the
    others go on. One bad row must never hold up everyone's digest.
    """

    def __init__(self, briefs: Briefs, bot_store: BotStore, settings: Settings) -> None:
        self.briefs = briefs
        self.bot_store = bot_store
        self.settings = settings

    def window_start(self, sub: SubscriberInfo, now: datetime) -> datetime:
        if sub.last_digest_at is None:
            return now - FIRST_DIGEST_WINDOW
        return max(sub.last_digest_at, now - MAX_DIGEST_WINDOW)

    async def stories(
        self,
        codes: Sequence[str],
        since: datetime,
        cache: dict[tuple[str, datetime], list[StoryBrief]],
    ) -> dict[str, list[StoryBrief]]:
        """Each country's top stories since ``since``, read once per country in a run."""
        out = {}
        for code in codes:
            key = (code, since.replace(second=0, microsecond=0))
            if key not in cache:
                cache[key] = await self.briefs.for_countries([code], key[1], limit=PER_COUNTRY * 2)
            out[code] = cache[key]
        return out

    def pages(
        self, sub: SubscriberInfo, chosen: dict[str, list[StoryBrief]], now: datetime
    ) -> list[tuple[str, list[int], dict[str, Any] | None]]:
        """The digest's messages, a section per country (bot.telegram.digests)."""
        when = describe_local(now, sub.timezone).split(" (")[0].rsplit(" ", 1)[0]
        if not any(chosen.values()):
            if not sub.quiet_notice:
                return []
            return [(f"Nothing new on {esc(names(sub.codes))} since your last digest.", [], None)]
        heading = f"Your digest · {names(sub.codes)} · {when}"
        return compose(heading, list(sub.codes), chosen, now)

    @staticmethod
    def fail(
        plan: DigestPlan, sub: SubscriberInfo, now: datetime, stage: str, scheduled: bool
    ) -> None:
        """Log this chat's failure (with the traceback); a scheduled digest is put off to
        its next day (an on-demand one leaves the schedule alone)."""
        log.exception("event=digest_failed chat_id=%s stage=%s", sub.chat_id, stage)
        plan.failed.append(sub.chat_id)
        if scheduled:
            plan.schedule.append((sub.chat_id, safe_next_due(sub, now), None))

    async def plan(
        self, conn: Any, subs: Sequence[SubscriberInfo], now: datetime, *, scheduled: bool = True
    ) -> DigestPlan:
        """Digests for ``subs`` (claimed in ``conn``), and each one's next due time."""
        plan = DigestPlan()
        cache: dict[tuple[str, datetime], list[StoryBrief]] = {}
        wanted: dict[int, dict[str, list[StoryBrief]]] = {}
        todo: list[SubscriberInfo] = []
        for sub in subs:
            try:
                if scheduled and self._skip_stale(plan, sub, now):
                    continue
                if sub.codes:
                    since = self.window_start(sub, now)
                    wanted[sub.chat_id] = await self.stories(sub.codes, since, cache)
                todo.append(sub)
            except Exception:
                self.fail(plan, sub, now, "stories", scheduled)
        all_story_ids = sorted(
            {s.story_id for v in wanted.values() for group in v.values() for s in group}
        )
        seen = await self.bot_store.delivered_story_ids(conn, list(wanted), all_story_ids)
        for sub in todo:
            try:
                self._plan_one(plan, sub, wanted.get(sub.chat_id), seen, now, scheduled)
            except Exception:
                self.fail(plan, sub, now, "render", scheduled)
        return plan

    def _skip_stale(self, plan: DigestPlan, sub: SubscriberInfo, now: datetime) -> bool:
        """A digest due too long ago (the bot was down): moved to the next day, not sent."""
        due = sub.next_digest_at
        if due is None or not is_stale(due, now, self.settings.digest_staleness_hours):
            return False
        nxt = next_digest_at(parse_hhmm(sub.digest_time), sub.timezone, now)
        plan.skipped_stale += 1
        plan.schedule.append((sub.chat_id, nxt, None))
        log.info(
            "event=digest_skipped_stale chat_id=%s due=%s next=%s",
            sub.chat_id,
            due.isoformat(),
            nxt.isoformat(),
        )
        return True

    def _plan_one(
        self,
        plan: DigestPlan,
        sub: SubscriberInfo,
        stories: dict[str, list[StoryBrief]] | None,
        seen: set[tuple[int, int]],
        now: datetime,
        scheduled: bool,
    ) -> None:
        """One subscriber's messages, stories and next due time, added to ``plan`` at once
        (nothing is added if any step fails)."""
        if stories is None:  # no countries (or none usable): nothing to send, move on
            plan.schedule.append((sub.chat_id, safe_next_due(sub, now), None))
            return
        mine = {story_id for chat_id, story_id in seen if chat_id == sub.chat_id}
        chosen = allocate(list(sub.codes), stories, mine)
        fresh = [s for group in chosen.values() for s in group]
        pages = self.pages(sub, chosen, now)
        due = sub.next_digest_at or now
        key = f"{sub.chat_id}:{due:%Y%m%dT%H%M}" if scheduled else None
        nxt = next_digest_at(parse_hhmm(sub.digest_time), sub.timezone, max(now, due))
        plan.messages.extend(
            NewOutboxMessage(
                sub.chat_id, text, seq=seq, digest_key=key, story_ids=ids, reply_markup=markup
            )
            for seq, (text, ids, markup) in enumerate(pages)
        )
        plan.delivered.extend((sub.chat_id, s.story_id) for s in fresh)
        plan.schedule.append((sub.chat_id, nxt if scheduled else None, now))  # on demand: kept
        if not fresh:
            plan.quiet += 1


async def record_plan(
    bot_store: BotStore, conn: Any, plan: DigestPlan, subs: Sequence[SubscriberInfo]
) -> None:
    """Write the plan in one statement per table; if that fails, each chat on its own.

    A row the database refuses (a clash with an old outbox row, a value it rejects)
    then costs only its own chat's digest, which is put off a day and logged.
    """
    try:
        async with conn.begin_nested():
            await bot_store.record_digest(conn, plan.messages, plan.delivered, plan.schedule)
        return
    except Exception:
        log.exception("event=digest_batch_record_failed subscribers=%d", len(subs))
    now = utcnow()
    for sub in subs:
        part = plan.part(sub.chat_id)
        try:
            async with conn.begin_nested():
                await bot_store.record_digest(conn, part.messages, part.delivered, part.schedule)
        except Exception:
            log.exception("event=digest_failed chat_id=%s stage=record", sub.chat_id)
            plan.failed.append(sub.chat_id)
            plan.messages = [m for m in plan.messages if m.chat_id != sub.chat_id]
            async with conn.begin_nested():
                await bot_store.record_digest(
                    conn, (), (), [(sub.chat_id, safe_next_due(sub, now), None)]
                )


@dataclass
class DispatchReport:
    subscribers: int = 0
    messages: int = 0
    skipped_stale: int = 0
    quiet: int = 0
    failed: int = 0
    delivery: DeliveryReport | None = None


async def dispatch_digests(
    bot_store: BotStore,
    builder: DigestBuilder,
    delivery: Delivery | None,
    *,
    now: datetime | None = None,
    batch: int = CLAIM_BATCH,
) -> DispatchReport:
    """Queue the digests that are due (one transaction per batch), then send the outbox."""
    now = now or utcnow()
    report = DispatchReport()
    done: set[int] = set()
    while True:
        async with bot_store.engine.begin() as conn:
            subs = await bot_store.claim_due(conn, now, batch)
            if not subs or done.issuperset(s.chat_id for s in subs):
                break  # nothing due, or only rows this run already handled: never spin
            done.update(s.chat_id for s in subs)
            plan = await builder.plan(conn, subs, now)
            await record_plan(bot_store, conn, plan, subs)
        report.subscribers += len(subs)
        report.messages += len(plan.messages)
        report.skipped_stale += plan.skipped_stale
        report.quiet += plan.quiet
        report.failed += len(plan.failed)
    if report.subscribers:
        log.info(
            "event=digests_queued subscribers=%d messages=%d skipped_stale=%d quiet=%d failed=%d",
            report.subscribers,
            report.messages,
            report.skipped_stale,
            report.quiet,
            report.failed,
        )
    if delivery is not None:
        report.delivery = await delivery.flush_outbox()
    return report


async def poll_feeds(store: Store, settings: Settings) -> Any:
    """One ingestion cycle over the due feeds (bot.ingest.run_cycle)."""
    from bot.ingest import run_cycle

    return record_cycle(await run_cycle(store, settings))  # counted for /metrics


async def cleanup(store: Store, bot_store: BotStore, settings: Settings) -> dict[str, int]:
    """Forget old outbox rows and message links; prune old articles."""
    older = utcnow() - timedelta(days=settings.retention_days)
    result = await bot_store.cleanup(older)
    pruned = await store.prune(older)
    result["articles"] = pruned.articles
    log.info("event=cleanup %s", " ".join(f"{k}={v}" for k, v in result.items()))
    return result


def build_scheduler(
    store: Store,
    bot_store: BotStore,
    builder: DigestBuilder,
    delivery: Delivery,
    settings: Settings,
    *,
    poll: bool = True,
) -> AsyncIOScheduler:
    """The three jobs; each runs alone (``max_instances=1``) and coalesces missed runs."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    if poll:
        scheduler.add_job(
            poll_feeds,
            "interval",
            seconds=max(60, min(settings.poll_interval, 900)),
            args=[store, settings],
            id="poll_feeds",
            next_run_time=utcnow(),
            **defaults,
        )
    scheduler.add_job(
        dispatch_digests,
        "interval",
        seconds=60,
        args=[bot_store, builder, delivery],
        id="dispatch_digests",
        next_run_time=utcnow() + timedelta(seconds=5),
        **defaults,
    )
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
