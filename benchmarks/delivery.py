"""Digest fan-out through the fake Bot API: achieved rate, lost and duplicated messages.

    python benchmarks/delivery.py [--subscribers 10000] [--limited 1000] [--database-url URL]

Three runs on the same code path as the service (Digests.dispatch_due: claim due subscribers,
build their digests into the outbox, flush the outbox through Delivery and PTB):

1. limiter at Telegram's 30 messages/s (target >= 29/s). To keep the run short, this
   run sends the first ``--limited`` messages (default 1,000, about 35 s) of the
   10,000 queued digests and measures the rate over them;
2. limiter off: all ``--subscribers`` digests (target >= 1,000/s, the bot's own
   throughput, so that Telegram stays the bottleneck);
3. the same on python-telegram-bot's own httpx transport: the baseline that made the
   bot send through aiohttp (``bot/telegram/request.py``).

The fake Bot API runs in a child process (its own core), counting accepted messages per
chat: lost = queued - accepted, duplicated = chats that got more than one message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select, update  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.store import Store  # noqa: E402
from bot.store.models import OUTBOX, SUBSCRIBERS, SUBSCRIPTIONS  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI, serve_forever  # noqa: E402

TOKEN = FakeBotAPI.token


def start_fake() -> tuple[mp.Process, int]:
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    proc = ctx.Process(target=serve_forever, args=(0, TOKEN, ready, False), daemon=True)
    proc.start()
    return proc, ready.get(timeout=30)


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
    subs = [{"chat_id": r["chat_id"], "code": "IR", "created_at": due} for r in rows]
    async with store.engine.begin() as conn:
        for start in range(0, n, 2000):
            await conn.execute(insert(SUBSCRIBERS), rows[start : start + 2000])
            await conn.execute(insert(SUBSCRIPTIONS), subs[start : start + 2000])


async def outbox_counts(store: Store) -> dict[str, int]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status))
        return dict(rows.all())


async def run_once(
    store: Store,
    port: int,
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
        t0 = time.perf_counter()
        plan = await nb.digests.dispatch_due(None)
        planned = time.perf_counter() - t0
        t1 = time.perf_counter()
        report = await nb.delivery.flush_outbox(max_messages=max_messages)
        flushed = time.perf_counter() - t1
    finally:
        await app.shutdown()
    after = fake_stats(port)
    accepted = after["accepted"] - base["accepted"]
    counts = await outbox_counts(store)
    server_span = (after["last_accept_at"] or 0) - (after["first_accept_at"] or 0)
    if base["accepted"]:
        server_span = None  # first/last are for the whole server life: use client time
    return {
        "limiter": f"{rate_limit:g}/s" if rate_limit else "off",
        "transport": transport,
        "queued": plan.messages,
        "sent": report.sent,
        "accepted": accepted,
        "lost": (max_messages or plan.messages) - accepted,
        "duplicated": after["chats_with_more_than_one"] - base["chats_with_more_than_one"],
        "outbox_sent": counts.get("sent", 0) - sent_before,
        "plan_s": planned,
        "send_s": flushed,
        "rate": report.sent / flushed if flushed else 0.0,
        "server_rate": (accepted - 1) / server_span if server_span else None,
    }


async def main_async(args: argparse.Namespace) -> int:
    from bot.store.migrate import upgrade

    tmp = tempfile.TemporaryDirectory(prefix="nb-bench-")
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.db"
    store = Store.from_url(url)
    await upgrade(store.engine)
    from tests.fakes.bot_harness import bulk_fill

    await bulk_fill(store, 40, days=0.5)  # a few stories about Iran for the digests
    proc, port = start_fake()
    rows = []
    try:
        rows.append(
            await run_once(
                store,
                port,
                subscribers=args.subscribers,
                first_chat=10**9,
                rate_limit=30.0,
                max_messages=args.limited,
            )
        )
        # clear the first run's queue so the second measures its own 10,000
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
                subscribers=args.subscribers,
                first_chat=3 * 10**9,
                rate_limit=None,
                max_messages=None,
                transport="httpx",
            )
        )
    finally:
        proc.kill()
        await store.close()
        tmp.cleanup()

    print(
        f"Digest fan-out through the fake Bot API ({store.dialect}); "
        f"{args.subscribers:,} subscribers queued per run"
    )
    print(
        f"{'transport':>9} {'limiter':>8} {'queued':>7} {'sent':>7} {'lost':>5} {'dup':>4} "
        f"{'outbox':>7} "
        f"{'plan s':>7} {'send s':>7} {'msg/s':>8} {'target':>7}"
    )
    targets = ["29", "1000", "-"]
    for row, target in zip(rows, targets, strict=True):
        print(
            f"{row['transport']:>9} {row['limiter']:>8} {row['queued']:>7,} {row['sent']:>7,} "
            f"{row['lost']:>5} "
            f"{row['duplicated']:>4} {row['outbox_sent']:>7,} {row['plan_s']:>7.2f} "
            f"{row['send_s']:>7.2f} {row['rate']:>8.1f} {target:>7}"
        )
    limited, free, httpx_free = rows
    print(
        f"(limited run measured over its first {args.limited:,} messages of "
        f"{limited['queued']:,} queued; baseline: Telegram's 30/s, target 29/s)"
    )
    ok = (
        limited["rate"] >= 29
        and free["rate"] >= 1000
        and limited["lost"] == 0
        and free["lost"] == 0
        and limited["duplicated"] == 0
        and free["duplicated"] == 0
    )
    print(
        f"limited {limited['rate']:.1f} msg/s (target 29), unlimited {free['rate']:.0f} msg/s "
        f"(target 1000), lost {limited['lost'] + free['lost']}, duplicated "
        f"{limited['duplicated'] + free['duplicated']}: {'OK' if ok else 'BELOW TARGET'}; "
        f"{free['rate'] / httpx_free['rate']:.1f}x PTB's httpx transport "
        f"({httpx_free['rate']:.0f} msg/s)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument(
        "--limited",
        type=int,
        default=1_000,
        help="messages to send in the 30/s run (default 1,000)",
    )
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
