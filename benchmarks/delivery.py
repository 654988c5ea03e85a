"""Digest fan-out through the fake Bot API: achieved rate with planning counted, lost, duplicated.

    python benchmarks/delivery.py [--subscribers 10000] [--limited 1000] [--httpx-subscribers 2000]
                                  [--backends sqlite postgresql] [--postgres URL]

Subscribers follow 1 to 5 of 50 countries (a seeded random draw per chat: how many, which,
in which order; the distinct lists are printed), and the store holds a few real stories
for each country. Three runs per backend on the same code path as the service
(``Digests.dispatch_due``: claim due subscribers, build their digests into the outbox a
batch at a time, and flush the outbox through Delivery and PTB; on PostgreSQL the flush
begins once a first small batch is committed and overlaps the rest of planning, on
SQLite, one writer at a time, it follows planning). The rate counts **planning and
sending**: messages sent / seconds from the start of planning to the end of the flush
(its last mark written), the time a subscriber waits from the due minute. Beside it: how
long planning took, when the flush began, how long it ran, and the flush's own rate.

1. limiter at Telegram's 30 messages/s (target >= 29/s). To keep the run short, this
   run sends the first ``--limited`` messages (default 1,000, about 35 s) of the
   queued digests; the planning before the flush began is counted in the share of those
   messages (planning during the flush slows it, and is counted in full);
2. limiter off: all ``--subscribers`` digests (target >= 1,000/s, the bot's own
   throughput, so that Telegram stays the bottleneck);
3. the same on python-telegram-bot's own httpx transport, for ``--httpx-subscribers``
   (default 2,000): the baseline that made the bot send through aiohttp
   (``bot/telegram/request.py``).

The fake Bot API runs in a child process (its own core), counting accepted messages per
chat: lost = queued - accepted, duplicated = messages a chat got twice (same text). Beside
the rates, the CPU each message costs the bot's process (planning included; not for the
limited run, which plans 20 times what it sends) and the fake Bot API: with one core
each, 1,000 msg/s needs both under 1 ms.
SQLite runs on a temporary file; PostgreSQL on a database of its own next to ``--postgres``
(default TEST_DATABASE_URL), dropped at the end, skipped (saying so) when no server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select, update  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.delivery import Delivery, DeliveryReport  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.store.models import OUTBOX, SUBSCRIBERS, SUBSCRIPTIONS  # noqa: E402
from tests.fakes.scratch_db import admin_url, postgres_answers, scratch_database  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI, serve_forever  # noqa: E402

TOKEN = FakeBotAPI.token
# 50 countries a subscriber may follow; each has a few stories in the store
COUNTRIES = tuple(
    "IR RU DE FR US UA IL CN GB TR IN PK JP KR KP BR MX AR CA AU EG SA SY IQ AF "
    "NG ZA KE ET SD PL IT ES NL BE SE NO FI DK CH AT GR HU RO RS BY KZ ID PH VN".split()
)


def followed(chat_index: int) -> list[str]:
    """The 1 to 5 countries subscriber number ``chat_index`` follows: a seeded random draw
    of how many and which, in a random order, so that nearly every subscriber of a run
    has a list of its own as in real use (a formula made 50 lists for 10,000 subscribers,
    who then shared 50 digests drawn once)."""
    rng = random.Random(chat_index)
    return rng.sample(COUNTRIES, rng.randint(1, 5))


def distinct_lists(subscribers: int) -> int:
    """How many different country lists (in order) ``subscribers`` subscribers have."""
    return len({tuple(followed(i)) for i in range(subscribers)})


def start_fake() -> tuple[mp.Process, int]:
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    proc = ctx.Process(target=serve_forever, args=(0, TOKEN, ready, False), daemon=True)
    proc.start()
    return proc, ready.get(timeout=30)


def cpu_seconds(pid: int | None = None) -> float | None:
    """CPU time (user + system) of this process, or of process ``pid`` (Linux /proc)."""
    if pid is None:
        return time.process_time()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fake_stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_fake/stats", timeout=10) as r:
        return json.loads(r.read())


async def add_subscribers(store: Store, n: int, first_chat: int) -> None:
    due = datetime.now(UTC) - timedelta(minutes=1)
    rows = [
        {
            "chat_id": first_chat + i,
            "active": True,
            "paused": False,
            "quiet_notice": True,
            "digest_time": "08:00",
            "timezone": "UTC",
            "next_digest_at": due,
            "created_at": due,
        }
        for i in range(n)
    ]
    subs = [
        {"chat_id": r["chat_id"], "code": code, "created_at": due}
        for i, r in enumerate(rows)
        for code in followed(i)
    ]
    async with store.engine.begin() as conn:
        for start in range(0, n, 2000):
            await conn.execute(insert(SUBSCRIBERS), rows[start : start + 2000])
        for start in range(0, len(subs), 2000):
            await conn.execute(insert(SUBSCRIPTIONS), subs[start : start + 2000])


async def subscription_count(store: Store, first_chat: int) -> int:
    async with store.engine.connect() as conn:
        query = select(func.count()).where(SUBSCRIPTIONS.c.chat_id >= first_chat)
        return int((await conn.execute(query)).scalar_one())


async def outbox_counts(store: Store) -> dict[str, int]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status))
        return dict(rows.all())


class FirstMessages:
    """The outbox as ``Digests.dispatch_due`` flushes it (``Delivery``), sending at most
    ``max_messages`` (the limited run), and noting when the flush began."""

    def __init__(self, delivery: Delivery, max_messages: int | None) -> None:
        self.delivery = delivery
        self.max_messages = max_messages
        self.started_at: float | None = None

    async def flush_outbox(self, *, until: asyncio.Event | None = None) -> DeliveryReport:
        self.started_at = time.perf_counter()
        return await self.delivery.flush_outbox(max_messages=self.max_messages, until=until)

    async def flush_chat(self, chat_id: int) -> DeliveryReport:
        return await self.delivery.flush_chat(chat_id)


async def run_once(
    store: Store,
    port: int,
    fake_pid: int | None = None,
    *,
    subscribers: int,
    first_chat: int,
    rate_limit: float | None,
    max_messages: int | None,
    transport: str = "aiohttp",
) -> dict:
    from bot.telegram.app import build_application, setup
    from tests.fakes.bot_harness import bot_settings

    await add_subscribers(store, subscribers, first_chat)
    subscriptions = await subscription_count(store, first_chat)
    base = fake_stats(port)
    sent_before = (await outbox_counts(store)).get("sent", 0)
    app = build_application(
        bot_settings(),
        store,
        token=TOKEN,
        base_url=f"http://127.0.0.1:{port}/bot",
        rate_limit=rate_limit,
        per_chat_interval=1.0,
        request=HTTPXRequest(connection_pool_size=256) if transport == "httpx" else None,
    )
    await app.initialize()
    try:
        await setup(app)
        nb = app.bot_data.services
        outbox = FirstMessages(nb.delivery, max_messages)
        cpu0, fake0 = cpu_seconds(), cpu_seconds(fake_pid)
        t0 = time.perf_counter()
        plan = await nb.digests.dispatch_due(outbox)
        elapsed = time.perf_counter() - t0
        cpu1, fake1 = cpu_seconds(), cpu_seconds(fake_pid)
        report = plan.delivery
        assert isinstance(report, DeliveryReport)
    finally:
        await app.shutdown()
    after = fake_stats(port)
    accepted = after["accepted"] - base["accepted"]
    counts = await outbox_counts(store)
    server_span = (after["last_accept_at"] or 0) - (after["first_accept_at"] or 0)
    if base["accepted"]:
        server_span = None  # first/last are for the whole server life: use client time
    planned = plan.planning_seconds
    before_flush = outbox.started_at - t0 if outbox.started_at else 0.0
    flushed = elapsed - before_flush
    # What a subscriber waits: planning before the flush began, then the flush. A run
    # that sends only some of what it queued (the limited one) carries the share of that
    # planning its messages would in a run sending all of it; planning that overlaps the
    # flush is inside the flush's time, counted in full.
    share = report.sent / plan.messages if plan.messages else 0.0
    waited = before_flush * share + flushed
    return {
        "limiter": f"{rate_limit:g}/s" if rate_limit else "off",
        "transport": transport,
        "queued": plan.messages,
        "sent": report.sent,
        "accepted": accepted,
        "lost": (max_messages or plan.messages) - accepted,
        "duplicated": after["duplicate_messages"] - base["duplicate_messages"],
        "outbox_sent": counts.get("sent", 0) - sent_before,
        "plan_s": planned,
        "send_s": flushed,
        "subscriptions": subscriptions,
        "rate": report.sent / waited if waited else 0.0,
        "send_rate": report.sent / flushed if flushed else 0.0,
        "server_rate": (accepted - 1) / server_span if server_span else None,
        # CPU per message sent, planning included (shown for runs that send all they
        # queue): the bot's process; and the fake Bot API's per message it accepted
        "cpu_ms": 1000 * ((cpu1 or 0) - (cpu0 or 0)) / max(report.sent, 1),
        "flush_started": outbox.started_at - t0 if outbox.started_at else 0.0,
        "fake_cpu_ms": (
            1000 * (fake1 - fake0) / max(accepted, 1)
            if fake0 is not None and fake1 is not None
            else None
        ),
    }


async def run_backend(url: str, args: argparse.Namespace) -> list[dict]:
    """The three runs on one database."""
    from tests.fakes.bot_harness import bulk_fill

    store = Store.from_url(url)
    # about three stories (four articles each) for each of the 50 countries
    await bulk_fill(store, 12 * len(COUNTRIES), countries=COUNTRIES, days=0.5)
    proc, port = start_fake()
    rows = []
    try:
        rows.append(
            await run_once(
                store,
                port,
                proc.pid,
                subscribers=args.subscribers,
                first_chat=10**9,
                rate_limit=30.0,
                max_messages=args.limited,
            )
        )
        # clear the first run's queue so the second measures its own digests
        async with store.engine.begin() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.status == "pending")
                .values(status="failed", error="benchmark reset")
            )
            await conn.execute(update(SUBSCRIBERS).values(next_digest_at=None))
        rows.append(
            await run_once(
                store,
                port,
                proc.pid,
                subscribers=args.subscribers,
                first_chat=2 * 10**9,
                rate_limit=None,
                max_messages=None,
            )
        )
        # baseline for the transport: the same unlimited run on PTB's own httpx transport
        async with store.engine.begin() as conn:
            await conn.execute(update(SUBSCRIBERS).values(next_digest_at=None))
        rows.append(
            await run_once(
                store,
                port,
                proc.pid,
                subscribers=args.httpx_subscribers,
                first_chat=3 * 10**9,
                rate_limit=None,
                max_messages=None,
                transport="httpx",
            )
        )
    finally:
        proc.kill()
        await store.close()
    return rows


async def main_async(args: argparse.Namespace) -> int:
    results: dict[str, list[dict]] = {}
    for backend in args.backends:
        if backend == "postgresql" and (why := await postgres_answers(args.postgres)):
            print(f"postgresql skipped: {why}")
            continue
        async with scratch_database(backend, args.postgres) as url:
            results[backend] = await run_backend(url, args)
    ok = True
    for backend, rows in results.items():
        ok = report(backend, rows, args) and ok
    summary = "; ".join(
        f"{backend}: limited {rows[0]['rate']:.1f} msg/s, unlimited {rows[1]['rate']:.0f} msg/s"
        for backend, rows in results.items()
    )
    lost = sum(row["lost"] for rows in results.values() for row in rows[:2])
    duplicated = sum(row["duplicated"] for rows in results.values() for row in rows[:2])
    print(
        f"planning counted: {summary} (targets 29 and 1000); lost {lost}, duplicated "
        f"{duplicated}: {'OK' if ok else 'BELOW TARGET'}"
    )
    return 0


def report(backend: str, rows: list[dict], args: argparse.Namespace) -> bool:
    """Print one backend's table; whether it met the targets."""
    print(
        f"\nDigest fan-out through the fake Bot API ({backend}); {args.subscribers:,} "
        f"subscribers per run following 1-5 of {len(COUNTRIES)} countries "
        f"({rows[1]['subscriptions']:,} subscriptions, {distinct_lists(args.subscribers):,} "
        "distinct lists)"
    )
    print(
        f"{'transport':>9} {'limiter':>8} {'queued':>7} {'sent':>7} {'lost':>5} {'dup':>4} "
        f"{'outbox':>7} {'plan s':>7} {'flush at':>8} {'flush s':>7} {'msg/s':>8} "
        f"{'flush-only':>10} {'target':>7} "
        f"{'cpu ms':>6} {'fake ms':>7}"
    )
    for row, target in zip(rows, ["29", "1000", "-"], strict=True):
        fake_ms = "-" if row["fake_cpu_ms"] is None else f"{row['fake_cpu_ms']:.2f}"
        cpu_ms = "-" if row["queued"] != row["sent"] else f"{row['cpu_ms']:.2f}"
        print(
            f"{row['transport']:>9} {row['limiter']:>8} {row['queued']:>7,} {row['sent']:>7,} "
            f"{row['lost']:>5} {row['duplicated']:>4} {row['outbox_sent']:>7,} "
            f"{row['plan_s']:>7.2f} {row['flush_started']:>8.2f} {row['send_s']:>7.2f} "
            f"{row['rate']:>8.1f} {row['send_rate']:>10.1f} {target:>7} {cpu_ms:>6} "
            f"{fake_ms:>7}"
        )
    limited, free, httpx_free = rows
    print(
        f"(msg/s = sent / (planning before the flush began ('flush at') + the flush, "
        f"which overlaps the rest of planning where the store allows); the limited run "
        f"sends its first {args.limited:,} of {limited['queued']:,} queued and counts that "
        f"share of the planning before its flush; "
        f"{free['rate'] / httpx_free['rate']:.1f}x PTB's httpx transport at "
        f"{httpx_free['rate']:.0f} msg/s; cpu ms / fake ms: CPU per message of the bot's "
        f"process, planning included, and of the fake Bot API's)"
    )
    return (
        limited["rate"] >= 29
        and free["rate"] >= 1000
        and limited["lost"] == free["lost"] == 0
        and limited["duplicated"] == free["duplicated"] == 0
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument(
        "--limited",
        type=int,
        default=1_000,
        help="messages to send in the 30/s run (default 1,000)",
    )
    parser.add_argument(
        "--httpx-subscribers",
        type=int,
        default=2_000,
        help="subscribers of the httpx baseline run (default 2,000: at ~30-40 msg/s it "
        "would take minutes more per backend with all of them; its rate is what counts)",
    )
    parser.add_argument(
        "--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default=admin_url(), help="server for the PostgreSQL run")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
