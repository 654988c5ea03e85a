"""The only way a message leaves the bot: paced, retried where that helps, recorded.

Telegram allows about 30 messages a second overall (``AIORateLimiter`` on the
``Application`` enforces that) and about one a second to one chat, which
:class:`Delivery` paces itself. Errors are handled where they mean something:

- ``RetryAfter``: wait what Telegram asks, then retry (bounded);
- network errors and timeouts: retry with exponential backoff (bounded);
- ``Forbidden`` (blocked, account deleted): deactivate the subscriber, never retry;
- ``BadRequest``: a bug or a vanished chat: log it with the chat id, never retry.

Digests (scheduled, and ``/digest``) go through the outbox (:meth:`Delivery.flush_outbox`,
:meth:`Delivery.flush_chat`): each message is in the store before it is sent and is
marked once Telegram accepted it, so after a crash the next run sends exactly what was
not yet accepted. Marks are written as a group commit (each write takes every mark that
arrived during the previous one), so a crash can repeat only the messages whose
acceptance was not yet written: those in flight. A mark is never dropped: when one cannot
be written (the database is away), sending stops, the marks are retried with backoff and
journalled to a local file, and no row is claimed again before they are written
(:mod:`bot.outbox_marks`); a journal left by a dead process is replayed first.

Claims on outbox rows are short leases that a running flush renews (a heartbeat every
third of the lease): a live sender keeps its rows however long it takes, and the rows
of a dead one (kill -9, lost machine) are free for another process, or for the same one
restarted, within one lease rather than minutes later.

An outbox message whose send failed for a passing reason (network errors or rate limits
beyond the bounded retries) stays in the outbox and is tried again by a later flush,
``retry_delay`` later, at most ``max_attempts`` times; the chat's later messages wait
with it, so a digest never arrives out of order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.ops.metrics import observe_send, record_flush, record_rate_limited
from bot.outbox_marks import Mark, MarkJournal, MarkWriter
from bot.send_slots import Slots
from bot.store.subscribers import BotStore, OutboxRow
from bot.store.types import utcnow

log = logging.getLogger("newsbrief.delivery")

#: Outbox messages are sent through ``Bot.do_api_request`` on purpose (see
#: :meth:`Delivery._send_outbox`): PTB's advice to call ``send_message`` instead is not news.
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning
)
_NO_PREVIEW = {"is_disabled": True}
#: Seconds of sending a flush keeps claimed ahead (at its rate so far): a chat claimed
#: last with a digest of up to LOOKAHEAD + 1 messages still has others to go with
#: while it waits out its pace, instead of ending the run alone.
LOOKAHEAD = 4.0
#: How often a flush whose digests are still being queued looks at an empty outbox again.
POLL_QUEUED = 0.05


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, whatever type this PTB version returns it as."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


@dataclass
class DeliveryReport:
    """What one :meth:`Delivery.flush_outbox` run did."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    seconds: float = 0.0
    chats: set[int] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


class SendFailed(Exception):
    """A message was not delivered now (reason in ``args[0]``); ``transient`` if it may
    be tried again later (outbox messages are)."""

    def __init__(self, reason: str, *, blocked: bool = False, transient: bool = False) -> None:
        super().__init__(reason)
        self.blocked = blocked
        #: the failure may pass (network, rate limit): an outbox row is tried again later
        self.transient = transient


@dataclass(frozen=True)
class DeliveryOptions:
    """How :class:`Delivery` paces, retries and records; the defaults suit Telegram."""

    per_chat_interval: float = 1.0
    max_retry_after: int = 5
    network_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    #: chats sent to at once; None: the application decides (by its rate limiter)
    concurrency: int | None = None
    batch_size: int = 500
    lease: timedelta = timedelta(seconds=30)
    retry_delay: timedelta = timedelta(seconds=60)
    max_attempts: int = 5
    #: marks not yet written survive the process here (replayed before any claim)
    journal: Path | None = None
    #: the only process sending from this store (SQLite, lock held): at start it may
    #: take back every claim, since whoever left them is dead
    sole_sender: bool = False
    #: how long one flush keeps retrying marks before it ends (they are kept)
    mark_retry_for: timedelta = timedelta(minutes=2)


class Delivery:
    """Sends messages for the handlers and the jobs; nothing else calls ``send_message``."""

    def __init__(self, bot: Bot, store: BotStore, options: DeliveryOptions | None = None) -> None:
        options = options or DeliveryOptions()
        self.bot = bot
        self.store = store
        self.options = options
        self.per_chat_interval = options.per_chat_interval
        self.max_retry_after = options.max_retry_after
        self.network_retries = options.network_retries
        self.backoff = options.backoff
        self.max_backoff = options.max_backoff
        self.concurrency = options.concurrency or 100
        self.batch_size = options.batch_size
        self.lease = options.lease
        self.retry_delay = options.retry_delay
        self.max_attempts = options.max_attempts
        self.journal = MarkJournal(Path(options.journal)) if options.journal else None
        self.sole_sender = options.sole_sender
        self.mark_retry_for = options.mark_retry_for
        self._unwritten: list[Mark] = []
        self._claims_reset = False
        self._recover_lock = asyncio.Lock()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_last: dict[int, float] = {}
        self._flush_lock = asyncio.Lock()

    # -- one message -------------------------------------------------------------------

    async def _pace(self, chat_id: int) -> None:
        last = self._chat_last.get(chat_id)
        if last is not None:
            wait = last + self.per_chat_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def _lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            if len(self._chat_locks) > 50_000:
                self._forget_idle()
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        return lock

    def _forget_idle(self) -> None:
        cutoff = time.monotonic() - max(self.per_chat_interval, 1.0) * 2
        for chat_id in [c for c, t in self._chat_last.items() if t < cutoff]:
            lock = self._chat_locks.get(chat_id)
            if lock is None or not lock.locked():
                self._chat_locks.pop(chat_id, None)
                self._chat_last.pop(chat_id, None)

    async def send(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | ForceReply | dict | None = None,
        reply_to: int | None = None,
        story_ids: Sequence[int] = (),
        kind: str = "reply",
    ) -> Message | None:
        """Send one HTML message now; ``None`` if it could not be delivered (logged)."""
        try:
            message = await self._send(chat_id, text, reply_markup, reply_to)
        except SendFailed:
            return None
        if story_ids:
            await self.store.link_message(chat_id, message.message_id, story_ids, kind)
        return message

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> bool:
        """Edit a message the bot sent (confirmations); errors logged, never raised."""
        try:
            await self._with_retries(
                chat_id,
                lambda: self.bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=reply_markup,
                    disable_web_page_preview=True,
                ),
            )
        except SendFailed:
            return False
        return True

    async def _send(
        self,
        chat_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | ForceReply | dict | None,
        reply_to: int | None,
    ) -> Message:
        if isinstance(reply_markup, dict):
            reply_markup = InlineKeyboardMarkup.de_json(reply_markup, self.bot)
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to
            else None
        )
        return await self._with_retries(
            chat_id,
            lambda: self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=reply_markup,
                reply_parameters=reply,
                disable_web_page_preview=True,
            ),
        )

    async def _send_outbox(self, chat_id: int, text: str, markup: dict | None) -> int:
        """Send one outbox message; the id Telegram gave it.

        The lean way: the keyboard goes as the dict it is stored as (encoded once, with the
        rest of the JSON body: :mod:`bot.telegram.request`), and the answer is not built
        into a ``Message`` (with a keyboard of objects) only to read its id. Both cost
        several times the rest of a send in python-telegram-bot, and a digest fan-out is
        made of nothing else.
        """
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": _NO_PREVIEW,
        }
        if markup:
            params["reply_markup"] = markup
        result = await self._with_retries(
            chat_id, lambda: self.bot.do_api_request("sendMessage", api_kwargs=dict(params))
        )
        return int(result["message_id"])

    async def _with_retries(self, chat_id: int, call: Any) -> Any:
        """Run one API call for ``chat_id`` paced, with the retry policy of this module."""
        rate_limited = 0
        network_failures = 0
        async with self._lock(chat_id):
            while True:
                await self._pace(chat_id)
                try:
                    result = await observe_send(call)
                    self._chat_last[chat_id] = time.monotonic()
                    return result
                except RetryAfter as exc:
                    rate_limited += 1
                    record_rate_limited()
                    wait = retry_after_seconds(exc)
                    if rate_limited > self.max_retry_after:
                        log.error("event=send_gave_up reason=retry_after chat_id=%s", chat_id)
                        raise SendFailed("rate limited too many times", transient=True) from exc
                    log.warning(
                        "event=retry_after chat_id=%s wait=%.1f attempt=%d",
                        chat_id,
                        wait,
                        rate_limited,
                    )
                    await asyncio.sleep(wait)
                except Forbidden as exc:
                    log.info("event=chat_forbidden chat_id=%s reason=%r", chat_id, exc.message)
                    await self.store.deactivate(chat_id, exc.message)
                    raise SendFailed(exc.message, blocked=True) from exc
                except BadRequest as exc:
                    log.error("event=bad_request chat_id=%s error=%r", chat_id, exc.message)
                    raise SendFailed(exc.message) from exc
                except (TimedOut, NetworkError) as exc:
                    network_failures += 1
                    if network_failures > self.network_retries:
                        log.error(
                            "event=send_gave_up reason=network chat_id=%s error=%r",
                            chat_id,
                            str(exc),
                        )
                        raise SendFailed(f"network: {exc}", transient=True) from exc
                    delay = min(self.max_backoff, self.backoff * 2 ** (network_failures - 1))
                    delay *= 0.5 + random.random() / 2
                    log.warning(
                        "event=network_retry chat_id=%s delay=%.2f attempt=%d error=%r",
                        chat_id,
                        delay,
                        network_failures,
                        str(exc),
                    )
                    await asyncio.sleep(delay)
                except TelegramError as exc:
                    log.error("event=send_failed chat_id=%s error=%r", chat_id, str(exc))
                    raise SendFailed(str(exc)) from exc

    # -- the outbox --------------------------------------------------------------------

    async def flush_outbox(
        self, *, max_messages: int | None = None, until: asyncio.Event | None = None
    ) -> DeliveryReport:
        """Send every pending outbox message (digests), chats in parallel, each chat in order.

        Only one flush runs at a time in a process; several processes share the work
        through the store's leases. ``until``: digests are still being queued while it is
        not set, so a flush that finds the outbox empty looks again (every
        :data:`POLL_QUEUED` s) instead of ending; it ends once the outbox is empty after
        ``until`` was set.
        """
        async with self._flush_lock:
            return await self._flush(max_messages, None, until)

    async def flush_chat(self, chat_id: int) -> DeliveryReport:
        """Send one chat's pending outbox messages now (``/digest``), in order.

        It does not wait for a running :meth:`flush_outbox`: the two claim different rows,
        and the per-chat lock keeps the chat paced.
        """
        return await self._flush(None, chat_id)

    async def _flush(
        self, max_messages: int | None, chat_id: int | None, until: asyncio.Event | None = None
    ) -> DeliveryReport:
        await self.recover()
        return await _Flush(self, max_messages, chat_id, until).run()

    async def recover(self) -> None:
        """Before claiming anything: write the marks a failed flush kept and those of the
        journal (a previous process's too); then, as the store's only sender (SQLite,
        lock held), take back the claims a dead predecessor left. Raises while the store
        is away, so nothing is claimed before every accepted message is marked."""
        async with self._recover_lock:  # a flush claims only after the others' recovery
            carried, self._unwritten = self._unwritten, []
            try:
                await self.store.mark_sent(carried)
            except Exception:
                self._unwritten[:0] = carried
                raise
            if self.journal is not None:
                await self.journal.replay(self.store.mark_sent)
            if self.sole_sender and not self._claims_reset:
                released = await self.store.release_claims(everyone=True)
                self._claims_reset = True
                if released:
                    log.info("event=outbox_claims_released count=%d", released)

    def keep_unwritten(self, marks: Sequence[Mark]) -> None:
        """Marks a flush could not write: the next flush writes them before claiming."""
        self._unwritten.extend(marks)


class _Flush:
    """One pass over the outbox as a pipeline: claim whole chats a batch at a time, send
    each chat's rows in order (a task per chat), mark what Telegram accepted; the next
    batch is claimed while the current one sends, as soon as too few chats are ready to
    use the sending slots, so the slots (and the rate limiter behind them) never wait for
    the slowest chat of a batch, nor for a chat waiting out its pace.

    At most ``concurrency`` sends are in flight (the slots, :class:`~bot.send_slots.Slots`:
    a free one goes to the chat with the most rows left, so long digests do not end the
    run alone, paced); rows in hand are bounded (``max_in_hand``), and cover the next
    :data:`LOOKAHEAD` seconds of sending at the rate so far, so the chats claimed last
    still have others to go with while they wait out their pace. A chat's rows are
    claimed together and only while no other sender holds any of them
    (:meth:`BotStore.claim_outbox`), so its order holds across batches and senders.

    When a mark cannot be written (the database is away) sending stops at once: the
    messages already in flight finish, every mark is kept (retried, journalled), and only
    once they are written are the unsent rows given back and claimed again. So a database
    outage repeats nothing; only a crash can, and only the messages in flight.
    """

    def __init__(
        self,
        delivery: Delivery,
        max_messages: int | None,
        chat_id: int | None,
        until: asyncio.Event | None = None,
    ):
        self.d = delivery
        self.until = until
        self.store = delivery.store
        self.max_messages = max_messages
        self.chat_id = chat_id
        self.report = DeliveryReport()
        self.marks = MarkWriter(
            self.store.mark_sent,
            delivery.journal,
            give_up_after=delivery.mark_retry_for.total_seconds(),
        )
        self.done = asyncio.Event()
        self.waiting: set[int] = set()  # chats with a message put off to a later flush
        self.unsent: list[int] = []  # claimed rows left unsent when sending stopped
        self.store_error: Exception | None = None
        self.slots = Slots(delivery.concurrency)
        #: each chat's claimed rows not yet taken by its task, in order
        self.queues: dict[int, deque[OutboxRow]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.ready = 0  # chats with a row to send now (not waiting out their pace)
        self.in_hand = 0  # rows claimed and not yet done with (sent, failed, held, unsent)
        #: claim again when fewer chats than this are ready to use the slots
        self.low_water = 2 * delivery.concurrency
        self.max_in_hand = max(20 * delivery.batch_size, 4 * delivery.concurrency)
        self.changed = asyncio.Event()
        self.started = time.monotonic()

    @property
    def stopped(self) -> bool:
        return self.marks.stopped or self.store_error is not None

    async def run(self) -> DeliveryReport:
        self.started = started = time.monotonic()
        mark_task = asyncio.create_task(self.marks.run(self.done))
        beat_task = asyncio.create_task(self._heartbeat())
        try:
            await self._claim_and_send()
        finally:
            self.done.set()
            self.marks.wake()
            await beat_task
            try:
                await mark_task
            except asyncio.CancelledError:
                mark_task.cancel()  # shutting down: the journal holds what is unwritten
                raise
            finally:
                self.d.keep_unwritten(self.marks.queue)
        self.report.seconds = time.monotonic() - started
        self._log()
        record_flush(self.report)
        return self.report

    async def _claim_and_send(self) -> None:
        """Claim batches while the chats' tasks send; every task has ended when it returns
        (or raises), so no mark arrives after the flush."""
        try:
            await self._feed()
        except asyncio.CancelledError:  # shutting down: what is unmarked lapses with its lease
            for task in self.tasks:
                task.cancel()
            await self._drain()
            raise
        finally:  # a claim that failed (the store is away): the sends in flight finish, marked
            await self._drain()
        await self._resume()

    async def _feed(self) -> None:
        total = 0
        while self.max_messages is None or total < self.max_messages:
            await self._until_wanted()
            if self.stopped:
                await self._drain()  # every unsent row is known before they are given back
                if not await self._resume():
                    return
                continue
            # a claim waits its turn on a busy event loop (~0.1-0.3 s while hundreds of
            # sends run): one claim brings what the lookahead lacks, not just a batch
            lacking = int(self._lookahead_rows()) - self.in_hand
            size = max(self.d.batch_size, min(lacking, self.max_in_hand - self.in_hand))
            if self.max_messages is not None:
                size = min(size, self.max_messages - total)
            # a claim begun once queueing is over sees every row queued
            last_look = self.until is None or self.until.is_set()
            rows = await self.store.claim_outbox(size, self.d.lease, chat_id=self.chat_id)
            if not rows:
                if last_look:
                    return
                assert self.until is not None
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.until.wait(), POLL_QUEUED)
                continue
            total += len(rows)
            self._dispatch(rows)

    async def _until_wanted(self) -> None:
        """Wait until another batch is wanted, with room in hand: too few chats ready for
        the slots, or too few rows for the next :data:`LOOKAHEAD` seconds; or sending
        stopped."""
        while (
            self.tasks
            and not self.stopped
            and (
                self.in_hand >= self.max_in_hand
                or (self.ready >= self.low_water and self.in_hand >= self._lookahead_rows())
            )
        ):
            self.changed.clear()
            await self.changed.wait()

    def _lookahead_rows(self) -> float:
        """Rows this flush sends in :data:`LOOKAHEAD` seconds, at its rate so far."""
        elapsed = time.monotonic() - self.started
        return self.report.sent * LOOKAHEAD / elapsed if elapsed > 0 else 0.0

    async def _drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    def _dispatch(self, rows: Sequence[OutboxRow]) -> None:
        """Hand claimed rows to their chats' tasks (a new task for a chat without one)."""
        for row in rows:
            queue = self.queues.get(row.chat_id)
            if queue is None:
                queue = self.queues[row.chat_id] = deque()
                self.ready += 1
                task = asyncio.create_task(self._send_chat(row.chat_id, queue))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            queue.append(row)
            self.in_hand += 1

    def _notify(self) -> None:
        self.changed.set()

    async def _resume(self) -> bool:
        """After sending stopped: wait until the marks are written, give the unsent rows
        back, and say whether to go on (False: marks unwritten, or another store error)."""
        if not self.stopped:
            return True
        written = await self.marks.settled()
        if written and self.unsent:
            await self.store.hold(self.unsent, utcnow())
            log.info("event=outbox_resumed released=%d", len(self.unsent))
            self.unsent.clear()
        if self.store_error is not None:
            raise self.store_error
        return written

    async def _send_chat(self, chat_id: int, queue: deque[OutboxRow]) -> None:
        """One chat's rows in order, as they come. A slot (``slots``) is held only while a
        message is sent: a digest of several messages waits out its chat's pace without a
        slot (and without counting as ready), so other chats go meanwhile."""
        first = True
        try:
            while queue:
                if not first:
                    self.ready -= 1
                    self._notify()
                    try:
                        await self.d._pace(chat_id)
                    finally:
                        self.ready += 1
                first = False
                if not await self._send_next(chat_id, queue):
                    return
        finally:
            self.ready -= 1
            self.in_hand -= len(queue)
            queue.clear()
            self.queues.pop(chat_id, None)
            self._notify()

    async def _send_next(self, chat_id: int, queue: deque[OutboxRow]) -> bool:
        """Send the chat's next row; False when its task ends (the rows left are handled:
        held or failed with it, or listed as unsent)."""
        row = queue[0]
        rest: list[OutboxRow] = []
        taken = False
        try:
            async with self.slots.slot(len(queue)):
                if self.stopped:  # looked at in the slot: at most ``slots`` sends in flight
                    self.unsent.extend(r.id for r in queue)
                    return False
                queue.popleft()
                rest, taken = list(queue), True
                queue.clear()  # rows that come meanwhile queue up behind ``rest``
                self.in_hand -= 1 + len(rest)
                sent_on = await self._send_row(row, rest)
            if sent_on:
                queue.extendleft(reversed(rest))
                self.in_hand += len(rest)
            return sent_on
        except Exception as exc:  # the store failed (not Telegram): stop sending
            if self.store_error is None:
                self.store_error = exc
                log.error("event=outbox_store_error chat_id=%s error=%r", chat_id, exc)
            if taken:
                self.unsent.extend([row.id] + [r.id for r in rest])
            self.unsent.extend(r.id for r in queue)
            return False

    async def _send_row(self, row: OutboxRow, rest: list[OutboxRow]) -> bool:
        """Send one row; False when the chat's later rows must not go now."""
        if row.chat_id in self.waiting:
            # An earlier message of this chat waits for a later flush: so do these.
            await self.store.hold([row.id] + [r.id for r in rest], utcnow() + self.d.retry_delay)
            return False
        try:
            message_id = await self.d._send_outbox(row.chat_id, row.text, row.reply_markup)
        except SendFailed as exc:
            if exc.transient:
                await self._put_off(row, rest, str(exc))
                return False
            await self.store.mark_failed(row.id, str(exc))
            if exc.blocked:
                self.report.blocked += 1
                return False  # the rest of this chat's rows were failed by deactivate()
            self.report.failed += 1
            return True
        self.marks.add((row.id, row.chat_id, message_id, row.story_ids))
        self.report.sent += 1
        self.report.chats.add(row.chat_id)
        return True

    async def _put_off(self, row: OutboxRow, rest: list[OutboxRow], error: str) -> None:
        self.waiting.add(row.chat_id)
        until = utcnow() + self.d.retry_delay
        retry = await self.store.retry_later(
            row.id, error, until, held=[r.id for r in rest], max_attempts=self.d.max_attempts
        )
        if retry:
            self.report.retried += 1
            log.warning(
                "event=outbox_retry_later chat_id=%s outbox_id=%s until=%s error=%r",
                row.chat_id,
                row.id,
                until.isoformat(),
                error,
            )
        else:
            self.report.failed += 1
            log.error(
                "event=outbox_gave_up chat_id=%s outbox_id=%s error=%r", row.chat_id, row.id, error
            )

    async def _heartbeat(self) -> None:
        """Keep this process's claims alive while it sends; a dead process stops renewing."""
        interval = max(self.d.lease.total_seconds() / 3, 0.05)
        while not self.done.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.done.wait(), interval)
            if not self.done.is_set():
                try:
                    await self.store.renew_claims(self.d.lease)
                except Exception as exc:  # the next beat tries again
                    log.warning("event=lease_renewal_failed error=%r", str(exc))

    def _log(self) -> None:
        r = self.report
        if r.sent or r.failed or r.blocked or r.retried:
            log.info(
                "event=outbox_flushed sent=%d failed=%d blocked=%d retried=%d seconds=%.2f "
                "rate=%.1f",
                r.sent,
                r.failed,
                r.blocked,
                r.retried,
                r.seconds,
                r.rate,
            )
