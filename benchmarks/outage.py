"""A PostgreSQL outage in the middle of a digest fan-out: lost, duplicated, in flight.

    python benchmarks/outage.py [--subscribers 500] [--outage 20] [--rate 30]
        [--baseline 464d051 | --no-baseline]

Issue 7, point 3: with PostgreSQL stopped for 20 s mid-send, today's main sent 295 messages
twice. Each run here makes a PostgreSQL cluster of its own (``initdb`` + ``pg_ctl`` on a
free port, in a temp directory; the shared server is never touched), a fresh database,
two Iran stories and ``--subscribers`` due subscribers (one message each), then runs
the service's own path (``Digests.dispatch_due`` through ``Delivery`` and python-telegram-bot,
limiter at ``--rate`` messages/s) in a child process against the fake Bot API (another
child process, counting what it accepts per chat). Once 100 messages are accepted the
cluster is stopped for ``--outage`` seconds and started again; the bot process then
flushes the outbox until nothing is pending (claims left by the outage lapse after the
30 s lease: that is when the old code sent its duplicates).

- lost = subscribers whose chat got nothing; duplicated = messages accepted beyond one
  per chat;
- in flight = messages Telegram accepted by one second after the stop (sends already
  under way, the limiter's queue included) whose mark was not in the database when it
  stopped: the most a crash at that moment could repeat, and the bound the README
  promises.

The baseline is the code of commit ``464d051`` (issue 7's "today's main"), unpacked with
``git archive`` into a temporary directory and run the same way, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "464d051"
FIRST_CHAT = 710_000
STOP_AFTER = 100  # accepted messages before the outage begins


# -- the bot process (runs the code under test: --code DIR) -------------------------------


async def child_main(args: argparse.Namespace) -> dict:
    """Fill the database, send the due digests, flush until nothing is pending."""
    from datetime import timedelta

    from sqlalchemy import insert

    from bot.store import Store
    from bot.store.migrate import upgrade
    from bot.store.models import SUBSCRIBERS, SUBSCRIPTIONS
    from bot.telegram.app import build_application, setup
    from tests.fakes.bot_harness import bot_settings, bulk_fill

    store = Store.from_url(args.url)
    await upgrade(store.engine)
    await bulk_fill(store, 8, countries=("IR",), days=0.5)
    due = datetime.now(UTC) - timedelta(minutes=1)
    chats = range(FIRST_CHAT, FIRST_CHAT + args.subscribers)
    row = {"active": True, "paused": False, "quiet_notice": True, "digest_time": "08:00"}
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(SUBSCRIBERS),
            [
                {**row, "chat_id": c, "timezone": "UTC", "next_digest_at": due, "created_at": due}
                for c in chats
            ],
        )
        await conn.execute(
            insert(SUBSCRIPTIONS), [{"chat_id": c, "code": "IR", "created_at": due} for c in chats]
        )
    app = build_application(
        bot_settings(),
        store,
        token=args.token,
        base_url=f"http://127.0.0.1:{args.fake_port}/bot",
        rate_limit=args.rate,
        per_chat_interval=1.0,
    )
    await app.initialize()
    errors: list[str] = []
    queued = 0
    try:
        await setup(app)
        nb = app.bot_data.services
        try:
            report = await nb.digests.dispatch_due(nb.delivery)
            queued = report.messages
        except Exception as exc:
            errors.append(f"dispatch: {exc!r}"[:300])
        deadline = time.monotonic() + args.settle
        while time.monotonic() < deadline:  # the scheduler's later runs, every few seconds
            try:
                await nb.delivery.flush_outbox()
                if await nb.bot_store.pending_count() == 0:
                    break
            except Exception as exc:
                errors.append(f"flush: {exc!r}"[:300])
            await asyncio.sleep(2)
        pending = await nb.bot_store.pending_count()
    finally:
        await app.shutdown()
        await store.close()
    return {"queued": queued, "pending": pending, "errors": errors[:5], "error_count": len(errors)}


# -- the parent: cluster, fake API, outage, figures ---------------------------------------


def start_fake() -> tuple[mp.Process, int]:
    from tests.fakes.telegram_api import FakeBotAPI, serve_forever

    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    token = FakeBotAPI.token
    proc = ctx.Process(target=serve_forever, args=(0, token, ready, False), daemon=True)
    proc.start()
    return proc, ready.get(timeout=60)


def fake_stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_fake/stats", timeout=10) as r:
        return json.loads(r.read())


async def _query(url: str, sql: str, *args: object) -> object:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


def query(url: str, sql: str, *args: object) -> object:
    return asyncio.run(_query(url, sql, *args))


def export(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", rev, "bot", "summarizer", "tests", "config"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    into.mkdir(parents=True)
    tar = into / "code.tar"
    tar.write_bytes(archive.stdout)
    with tarfile.open(tar) as handle:
        handle.extractall(into, filter="data")
    return into


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            raise RuntimeError(f"the bot process ended early: {proc.communicate()[1][-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def run_once(code: Path, label: str, args: argparse.Namespace, cluster: Any) -> dict:
    database = f"outage_{label}"
    admin = cluster.url
    query(admin, f"DROP DATABASE IF EXISTS {database}")
    query(admin, f"CREATE DATABASE {database}")
    url = admin.rsplit("/", 1)[0] + f"/{database}"
    from tests.fakes.telegram_api import FakeBotAPI

    fake, port = start_fake()
    child = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--url",
            url,
            "--fake-port",
            str(port),
            "--subscribers",
            str(args.subscribers),
            "--rate",
            str(args.rate),
            "--settle",
            str(args.settle),
            "--token",
            FakeBotAPI.token,
        ],
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: fake_stats(port)["accepted"] >= STOP_AFTER, 300, "sending", child)
        cluster.stop()
        stopped_at = datetime.now(UTC)
        t_stop = time.monotonic()
        accepted_at_stop = fake_stats(port)["accepted"]
        time.sleep(1.0)
        accepted_1s = fake_stats(port)["accepted"]
        time.sleep(max(0.0, args.outage - (time.monotonic() - t_stop)))
        accepted_in_outage = fake_stats(port)["accepted"] - accepted_at_stop
        cluster.start()
        out, err = child.communicate(timeout=args.settle + 300)
    finally:
        if child.poll() is None:
            child.kill()
    stats = fake_stats(port)
    fake.kill()
    if child.returncode != 0:
        raise RuntimeError(f"{label}: the bot process failed: {err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    marked_before = query(
        url, "SELECT count(*) FROM outbox WHERE status = 'sent' AND sent_at <= $1", stopped_at
    )
    queued = query(url, "SELECT count(*) FROM outbox")
    return {
        "code": label,
        "queued": queued,
        "accepted": stats["accepted"],
        "lost": args.subscribers - stats["chats"],
        "duplicated": stats["accepted"] - stats["chats"],
        "at_stop": accepted_at_stop,
        "in_outage": accepted_in_outage,
        "in_flight": max(0, accepted_1s - int(marked_before)),  # type: ignore[call-overload]
        "pending": result["pending"],
        "errors": result["error_count"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--outage", type=float, default=20.0, help="seconds (default 20)")
    parser.add_argument("--rate", type=float, default=30.0, help="limiter, messages/s")
    parser.add_argument("--settle", type=float, default=120.0, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", default=BASELINE_COMMIT)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--fake-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, os.getcwd())  # the code under test
        print(json.dumps(asyncio.run(child_main(args))))
        return 0

    sys.path.insert(0, str(REPO))
    from tests.fakes.pg_cluster import ThrowawayPostgres, why_unavailable

    reason = why_unavailable()
    if reason:
        print(f"outage benchmark: cannot make a PostgreSQL cluster: {reason}", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="nb-outage-") as tmp:
        cluster = ThrowawayPostgres().create()
        try:
            rows.append(run_once(REPO, "current", args, cluster))
            if not args.no_baseline:
                old = export(args.baseline, Path(tmp) / "baseline")
                rows.append(run_once(old, args.baseline, args, cluster))
        finally:
            cluster.destroy()
    print(
        f"PostgreSQL stopped {args.outage:g} s mid-digest: {args.subscribers} subscribers, "
        f"limiter {args.rate:g}/s, outage after {STOP_AFTER} accepted"
    )
    head = (
        f"{'code':>8} {'queued':>6} {'accepted':>8} {'lost':>5} {'dup':>5} {'in flight':>9} "
        f"{'sent in outage':>14} {'pending':>7} {'errors':>6}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['code']:>8} {r['queued']:>6} {r['accepted']:>8} {r['lost']:>5} "
            f"{r['duplicated']:>5} {r['in_flight']:>9} {r['in_outage']:>14} {r['pending']:>7} "
            f"{r['errors']:>6}"
        )
    now = rows[0]
    ok = now["lost"] == 0 and now["duplicated"] <= now["in_flight"]
    line = (
        f"lost {now['lost']}, duplicated {now['duplicated']} (in flight {now['in_flight']}): "
        f"{'OK' if ok else 'FAILS'} (target: 0 lost, duplicated <= in flight)"
    )
    if len(rows) > 1:
        line += f"; {rows[1]['code']}: lost {rows[1]['lost']}, duplicated {rows[1]['duplicated']}"
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
