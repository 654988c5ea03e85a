"""/brief and follow-up latency with 20,000 articles in the store, SQLite and PostgreSQL.

    python benchmarks/brief.py [--articles 20000] [--requests 100] [--postgres URL]

Latency is measured from the moment the user's update is handed to the fake Bot API
(the bot long-polls it, so it receives it at once) to the moment the fake API accepts
the bot's first ``sendMessage`` in answer: the real ``Application``, handlers, store
queries, rendering and delivery, over real HTTP on loopback. The store is filled with
copies of really analysed articles (varied countries, outlets and times over a week),
inserted with bulk SQL. Targets: /brief p95 <= 150 ms, follow-up p95 <= 200 ms.
PostgreSQL uses a database of its own next to ``--postgres`` (default TEST_DATABASE_URL
or postgresql+asyncpg://postgres@127.0.0.1:5432/test), dropped at the end; it is skipped,
saying so, when no server answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.store import Store  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from tests.fakes.bot_harness import bot_running, bulk_fill  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI  # noqa: E402

COUNTRIES = [
    "Iran",
    "Russia",
    "Germany",
    "France",
    "United States",
    "Ukraine",
    "Israel",
    "China",
    "UK",
    "Turkey",
]
QUESTIONS = [
    "What did Shoigu say about sanctions?",
    "Who is Baqeri?",
    "When is the joint exercise?",
    "What did Merz say about the budget?",
    "What is the price of bitcoin?",
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return values[index]


async def measure(store: Store, requests: int) -> dict[str, list[float]]:
    brief_ms: list[float] = []
    answer_ms: list[float] = []
    async with FakeBotAPI() as fake, bot_running(fake, store, per_chat_interval=1.0):
        firsts = {}
        for i in range(requests + 5):
            chat = 100_000 + i
            country = COUNTRIES[i % len(COUNTRIES)]
            t0 = time.time()
            msgs = await fake.ask(chat, f"/brief {country}", timeout=30)
            firsts[chat] = msgs[0]
            if "No stories about" in msgs[0].plain:
                raise SystemExit(f"/brief {country} found nothing: the fill is wrong")
            if i >= 5:  # the first few warm caches and connections
                brief_ms.append((msgs[0].at - t0) * 1000)
        # Questions come after all the briefs: a reader takes more than the one second
        # the bot waits between two messages to the same chat.
        while True:  # until every brief's later messages (paced 1/s per chat) are out
            count = len(fake.sent)
            await asyncio.sleep(1.1)
            if len(fake.sent) == count:
                break
        for i, (chat, brief) in enumerate(firsts.items()):
            question = QUESTIONS[i % len(QUESTIONS)]
            before = len(fake.messages_to(chat))
            t0 = time.time()
            fake.push_message(chat, question, reply_to=brief)
            answers = await fake.wait_for(chat, 1, after=before, timeout=30)
            if i >= 5:
                answer_ms.append((answers[0].at - t0) * 1000)
    return {"brief": brief_ms, "answer": answer_ms}


async def run_backend(url: str, articles: int, requests: int) -> dict[str, object]:
    store = Store.from_url(url)
    try:
        await upgrade(store.engine)
        t0 = time.perf_counter()
        filled = await bulk_fill(store, articles, days=7)
        fill_s = time.perf_counter() - t0
        result = await measure(store, requests)
    finally:
        await store.close()
    return {"filled": filled, "fill_s": fill_s, **result}


async def pg_admin(url: str, statement: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    rows: dict[str, dict[str, object] | str] = {}
    with tempfile.TemporaryDirectory(prefix="nb-brief-") as tmp:
        rows["sqlite"] = await run_backend(
            f"sqlite+aiosqlite:///{tmp}/bench.db", args.articles, args.requests
        )
    admin = args.postgres
    try:
        await pg_admin(admin, "SELECT 1")
    except (TimeoutError, OSError) as exc:
        rows["postgresql"] = f"skipped: no server at {make_url(admin)!r} ({exc})"
    else:
        name = f"newsbrief_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        await pg_admin(admin, f'CREATE DATABASE "{name}"')
        try:
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
            rows["postgresql"] = await run_backend(url, args.articles, args.requests)
        finally:
            await pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(
        f"/brief and follow-up latency, update in -> first sendMessage accepted "
        f"({args.requests} requests each)"
    )
    print(
        f"{'backend':>10} {'articles':>8} {'stories':>7} {'what':>9} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'max ms':>7} {'target':>7}"
    )
    summary = []
    for backend, row in rows.items():
        if isinstance(row, str):
            print(f"{backend:>10} {row}")
            summary.append(f"{backend} skipped")
            continue
        for what, target in (("brief", 150), ("answer", 200)):
            values = row[what]
            print(
                f"{backend:>10} {row['filled']['articles']:>8,} {row['filled']['stories']:>7,} "
                f"{what:>9} {statistics.median(values):>7.1f} {pct(values, 95):>7.1f} "
                f"{max(values):>7.1f} {target:>7}"
            )
        summary.append(
            f"{backend} brief p95 {pct(row['brief'], 95):.0f} ms, "
            f"answer p95 {pct(row['answer'], 95):.0f} ms"
        )
    print("baseline: the issue's targets, /brief p95 <= 150 ms, follow-up p95 <= 200 ms")
    print("; ".join(summary))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
