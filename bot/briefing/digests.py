"""Daily digests: which stories each subscriber gets, and the one way they are queued.

Each subscriber row holds ``next_digest_at`` (UTC). :meth:`Digests.dispatch_due` claims
the due rows, plans their digests, writes them to the outbox and moves each schedule to
the next day in one transaction (a run of the store's, :class:`~bot.store.DigestRun`:
this module never sees a connection), then has the outbox flushed. A crash before that commit
leaves the subscriber due (the next run builds the digest); a crash after it leaves the
messages in the outbox (the next run sends those not yet marked). A digest that fell due
longer ago than ``DIGEST_STALENESS_HOURS`` (the bot was down) is put off to the next day
rather than sent late. :meth:`Digests.send_digest_now` (``/digest``) goes the same way,
for one chat, without touching its schedule.

Planning knows no Telegram: the messages' text comes from a :class:`DigestRenderer`
given to the service (the Telegram package draws them as HTML: ``TelegramDigests``).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.briefing.allocate import DIGEST_STORIES, allocate
from bot.briefing.model import StoryBrief
from bot.briefing.stories import Briefs
from bot.digest import is_stale, next_digest_at, parse_hhmm
from bot.settings import Settings
from bot.store import (
    DigestRun,
    DigestRunQueries,
    NewOutboxMessage,
    Reschedule,
    SubscriberInfo,
    utcnow,
)

log = logging.getLogger("newsbrief.digests")

FIRST_DIGEST_WINDOW = timedelta(hours=24)
MAX_DIGEST_WINDOW = timedelta(hours=48)
#: Subscribers planned in one transaction: each batch waits on the event loop a dozen
#: times (its statements, its pauses), which the flush alongside makes slow to come
#: round (PostgreSQL, 10,000 subscribers: 1,315-1,634 msg/s with 500, 1,415-1,965 with
#: 1,000).
CLAIM_BATCH = 1000
#: The first batch when the flush runs alongside planning: it starts once this is queued.
FIRST_BATCH = 50
#: Planning lets the event loop run other work after drawing this many digests (a batch
#: is otherwise ~0.1-0.3 s of CPU without a pause: the 30/s limiter lost its slots).
YIELD_EVERY = 50

#: One message of a digest: its text, the ids of its stories, its keyboard (a dict).
Page = tuple[str, list[int], dict[str, Any] | None]
#: Stories chosen for one digest, per country in the subscriber's order.
Chosen = Mapping[str, Sequence[StoryBrief]]
#: How a run picks its subscribers, inside its transaction (claim due rows, or lock one).
Claim = Callable[[DigestRun], Awaitable[Sequence[SubscriberInfo]]]


class DigestRenderer(Protocol):
    """Turns a planned digest into messages (``TelegramDigests`` in the Telegram package)."""

    def digest(self, sub: SubscriberInfo, chosen: Chosen, now: datetime) -> list[Page]:
        """The digest's messages, a section per country.

        They may depend on the subscriber's countries and time zone only (besides the
        stories and ``now``): a run draws each distinct digest once (:class:`RunCache`).
        """
        ...

    def nothing_new(self, sub: SubscriberInfo) -> str:
        """The one message of a day without news (for subscribers who want it)."""
        ...


class FlushReport(Protocol):
    """What a flush of the outbox reports (``bot.delivery.DeliveryReport``)."""

    @property
    def sent(self) -> int: ...


class Outbox(Protocol):
    """What sends the queued messages (``bot.delivery.Delivery``)."""

    async def flush_outbox(self, *, until: asyncio.Event | None = None) -> FlushReport:
        """Send what is queued; while ``until`` is not set, more is being queued: an empty
        outbox is looked at again rather than the flush ended."""
        ...

    async def flush_chat(self, chat_id: int) -> FlushReport: ...


@dataclass
class DigestPlan:
    """What one dispatch run decided: messages to queue, stories to remember, schedules."""

    messages: list[NewOutboxMessage] = field(default_factory=list)
    delivered: list[tuple[int, int]] = field(default_factory=list)
    # (chat id, next due time, time of this digest); None keeps the stored value
    schedule: list[Reschedule] = field(default_factory=list)
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


@dataclass
class RunCache:
    """What one dispatch run reads and draws once for all its subscribers: each country's
    stories per window, and each distinct digest (the same countries, zone and stories
    make the same messages: many subscribers follow the same few countries)."""

    stories: dict[tuple[str, datetime], list[StoryBrief]] = field(default_factory=dict)
    pages: dict[tuple[Any, ...], list[Page]] = field(default_factory=dict)


@dataclass
class DispatchReport:
    """What one :meth:`Digests.dispatch_due` run did."""

    subscribers: int = 0
    messages: int = 0
    skipped_stale: int = 0
    quiet: int = 0
    failed: int = 0
    delivery: FlushReport | None = None
    #: from the start of the run until the last digest was queued
    planning_seconds: float = 0.0

    def add(self, subs: Sequence[SubscriberInfo], plan: DigestPlan) -> None:
        """Count one recorded batch."""
        self.subscribers += len(subs)
        self.messages += len(plan.messages)
        self.skipped_stale += plan.skipped_stale
        self.quiet += plan.quiet
        self.failed += len(plan.failed)


def _log_queued(report: DispatchReport) -> None:
    if report.subscribers:
        log.info(
            "event=digests_queued subscribers=%d messages=%d skipped_stale=%d quiet=%d "
            "failed=%d seconds=%.2f",
            report.subscribers,
            report.messages,
            report.skipped_stale,
            report.quiet,
            report.failed,
            report.planning_seconds,
        )


class DigestNow(enum.Enum):
    """How an on-demand digest (``/digest``) went."""

    SENT = "sent"  # its messages were queued and flushed
    NOTHING_NEW = "nothing_new"  # no new story, and no message queued
    FAILED = "failed"  # logged with the chat id by the planner
    NO_COUNTRIES = "no_countries"


def safe_next_due(sub: SubscriberInfo, now: datetime) -> datetime:
    """The next due time; a day from now if the row cannot say (never today again)."""
    try:
        return next_digest_at(parse_hhmm(sub.digest_time), sub.timezone, now)
    except Exception:  # a value the checks on read did not foresee: logged by the caller
        return now + timedelta(days=1)


def window_start(sub: SubscriberInfo, now: datetime) -> datetime:
    """Where a digest's stories start: the last digest, at most two days back."""
    if sub.last_digest_at is None:
        return now - FIRST_DIGEST_WINDOW
    return max(sub.last_digest_at, now - MAX_DIGEST_WINDOW)


class Digests:
    """Plans, records and sends digests; stories are read once per (country, window) a run.

    Each subscriber is planned on its own: a failure (a row or a story the code cannot
    handle) is logged with the chat id, that digest is put off to its next day, and the
    others go on. One bad row must never hold up everyone's digest.
    """

    def __init__(
        self,
        briefs: Briefs,
        subscribers: DigestRunQueries,
        settings: Settings,
        renderer: DigestRenderer,
    ) -> None:
        self.briefs = briefs
        self.subscribers = subscribers
        self.settings = settings
        self.renderer = renderer

    # -- the two ways in -----------------------------------------------------------------

    async def dispatch_due(
        self, outbox: Outbox | None, *, now: datetime | None = None, batch: int = CLAIM_BATCH
    ) -> DispatchReport:
        """Queue the digests that are due (one transaction per batch) and flush the outbox.

        Where the store's writers run together (PostgreSQL), the flush starts as soon as a
        small first batch is committed and goes on while the next ones are planned (it is
        told when the last one is: ``until``): the first digests leave while the last are
        drawn, and the database server's share of planning overlaps the sending. SQLite
        has one writer at a time: its marks and claims would queue behind the planning
        transactions (10,000 subscribers planned in 29 s instead of 3), so there the
        flush follows planning.
        """
        now = now or utcnow()
        started = time.monotonic()
        report = DispatchReport()
        done: set[int] = set()
        cache = RunCache()
        planned = asyncio.Event()
        flush: asyncio.Task[FlushReport] | None = None

        # with the flush alongside (a store whose writers run together), a small first
        # batch starts it early
        overlap = outbox is not None and self.subscribers.writers_run_together
        sizes = iter([min(batch, FIRST_BATCH)] if overlap else [])

        async def claim(run: DigestRun) -> Sequence[SubscriberInfo]:
            subs = await run.claim_due(now, next(sizes, batch))
            if done.issuperset(s.chat_id for s in subs):
                return []  # nothing due, or only rows this run already handled: never spin
            done.update(s.chat_id for s in subs)
            return subs

        try:
            while True:
                subs, plan = await self._claim_plan_record(claim, now, cache, scheduled=True)
                if not subs:
                    break
                report.add(subs, plan)
                if overlap and outbox is not None and flush is None and plan.messages:
                    flush = asyncio.create_task(outbox.flush_outbox(until=planned))
        except asyncio.CancelledError:
            if flush is not None:  # shutting down: the flush stops too (its own way)
                flush.cancel()
            raise
        finally:
            planned.set()
            report.planning_seconds = time.monotonic() - started
            if flush is not None:  # what was queued goes out, whatever planning did
                report.delivery = await flush
        _log_queued(report)
        if outbox is not None and flush is None:
            report.delivery = await outbox.flush_outbox()
        return report

    async def send_digest_now(
        self, sub: SubscriberInfo, outbox: Outbox
    ) -> tuple[DigestNow, SubscriberInfo]:
        """``/digest``: the chat's digest now, its schedule untouched.

        Like a scheduled digest, the messages go into the outbox in the transaction that
        records their stories as delivered, then out through it, marked as Telegram
        accepts each one. A failure or a crash half-way leaves the rest in the outbox for
        the dispatcher to send (once), instead of stories recorded but never shown. The
        chat's row is locked first, so a double tap runs one digest after the other.
        """
        if not sub.codes:
            return DigestNow.NO_COUNTRIES, sub

        async def claim(run: DigestRun) -> Sequence[SubscriberInfo]:
            return [await run.lock_subscriber(sub.chat_id) or sub]

        subs, plan = await self._claim_plan_record(claim, utcnow(), RunCache(), scheduled=False)
        sub = subs[0]
        if plan.failed:
            return DigestNow.FAILED, sub
        if not plan.messages:
            return DigestNow.NOTHING_NEW, sub
        await outbox.flush_chat(sub.chat_id)
        return DigestNow.SENT, sub

    async def _claim_plan_record(
        self, claim: Claim, now: datetime, cache: RunCache, *, scheduled: bool
    ) -> tuple[Sequence[SubscriberInfo], DigestPlan]:
        """Claim rows, plan their digests and record them, in one transaction (one run)."""
        async with self.subscribers.digest_run() as run:
            subs = await claim(run)
            if not subs:
                return subs, DigestPlan()
            plan = await self.plan(run, subs, now, scheduled=scheduled, cache=cache)
            await self.record(run, plan, subs, scheduled=scheduled)
        return subs, plan

    # -- planning ------------------------------------------------------------------------

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
                cache[key] = await self.briefs.for_countries(
                    [code], key[1], limit=DIGEST_STORIES * 2
                )
            out[code] = cache[key]
        return out

    def pages(
        self, sub: SubscriberInfo, chosen: Chosen, now: datetime, cache: RunCache | None = None
    ) -> list[Page]:
        """The digest's messages; none on a quiet day unless the subscriber wants a note.
        A digest drawn before in this run (``cache``) is not drawn again."""
        if any(chosen.values()):
            if cache is None:
                return self.renderer.digest(sub, chosen, now)
            key = (
                sub.codes,
                sub.timezone,
                tuple((code, tuple(s.story_id for s in group)) for code, group in chosen.items()),
            )
            drawn = cache.pages.get(key)
            if drawn is None:
                drawn = cache.pages[key] = self.renderer.digest(sub, chosen, now)
            return drawn
        if not sub.quiet_notice:
            return []
        return [(self.renderer.nothing_new(sub), [], None)]

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
        self,
        run: DigestRun,
        subs: Sequence[SubscriberInfo],
        now: datetime,
        *,
        scheduled: bool = True,
        cache: RunCache | None = None,
    ) -> DigestPlan:
        """Digests for ``subs`` (claimed in ``run``), and each one's next due time."""
        plan = DigestPlan()
        cache = cache or RunCache()
        wanted: dict[int, dict[str, list[StoryBrief]]] = {}
        todo: list[SubscriberInfo] = []
        for sub in subs:
            try:
                if scheduled and self._skip_stale(plan, sub, now):
                    continue
                if sub.codes:
                    since = window_start(sub, now)
                    wanted[sub.chat_id] = await self.stories(sub.codes, since, cache.stories)
                todo.append(sub)
            except Exception:
                self.fail(plan, sub, now, "stories", scheduled)
        all_story_ids = sorted(
            {s.story_id for v in wanted.values() for group in v.values() for s in group}
        )
        seen: dict[int, set[int]] = {}
        for chat_id, story_id in await run.delivered_story_ids(list(wanted), all_story_ids):
            seen.setdefault(chat_id, set()).add(story_id)
        for number, sub in enumerate(todo, 1):
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # sends and the rate limiter keep their pace
            try:
                mine = seen.get(sub.chat_id, set())
                self._plan_one(plan, sub, wanted.get(sub.chat_id), mine, now, scheduled, cache)
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
        mine: set[int],
        now: datetime,
        scheduled: bool,
        cache: RunCache | None = None,
    ) -> None:
        """One subscriber's messages, stories and next due time, added to ``plan`` at once
        (nothing is added if any step fails); ``mine``: the stories it was already sent."""
        if stories is None:  # no countries (or none usable): nothing to send, move on
            plan.schedule.append((sub.chat_id, safe_next_due(sub, now), None))
            return
        chosen = allocate(list(sub.codes), stories, mine)
        fresh = [s for group in chosen.values() for s in group]
        pages = self.pages(sub, chosen, now, cache)
        due = sub.next_digest_at or now
        key = f"{sub.chat_id}:{due:%Y%m%dT%H%M}" if scheduled else None
        nxt = next_digest_at(parse_hhmm(sub.digest_time), sub.timezone, max(now, due))
        plan.messages.extend(
            NewOutboxMessage(
                sub.chat_id, text, seq=seq, digest_key=key, story_ids=list(ids), reply_markup=markup
            )
            for seq, (text, ids, markup) in enumerate(pages)
        )
        plan.delivered.extend((sub.chat_id, s.story_id) for s in fresh)
        plan.schedule.append((sub.chat_id, nxt if scheduled else None, now))  # on demand: kept
        if not fresh:
            plan.quiet += 1

    # -- recording -----------------------------------------------------------------------

    async def record(
        self,
        run: DigestRun,
        plan: DigestPlan,
        subs: Sequence[SubscriberInfo],
        *,
        scheduled: bool = True,
    ) -> None:
        """Write the plan in one statement per table; if that fails, each chat on its own.

        A row the database refuses (a clash with an old outbox row, a value it rejects)
        then costs only its own chat's digest, which is logged and, when scheduled, put
        off a day (an on-demand digest leaves the schedule alone).
        """
        try:
            async with run.savepoint():
                await run.record(plan.messages, plan.delivered, plan.schedule)
            return
        except Exception:
            log.exception("event=digest_batch_record_failed subscribers=%d", len(subs))
        now = utcnow()
        for sub in subs:
            part = plan.part(sub.chat_id)
            try:
                async with run.savepoint():
                    await run.record(part.messages, part.delivered, part.schedule)
            except Exception:
                log.exception("event=digest_failed chat_id=%s stage=record", sub.chat_id)
                plan.failed.append(sub.chat_id)
                plan.messages = [m for m in plan.messages if m.chat_id != sub.chat_id]
                if not scheduled:
                    continue
                async with run.savepoint():
                    await run.record((), (), [(sub.chat_id, safe_next_due(sub, now), None)])
