"""Several ingest workers on PostgreSQL: pages/s with 1, 2 and 3 worker processes.

The 181 pages of the ScrapingHub article-extraction benchmark (the AEB pages, as
``benchmarks/ingest.py`` serves them: gzipped, from a loopback HTTP server in a process
of its own) are listed by FEEDS feeds, and each page again under a mirror URL by as many
mirror feeds, so every event arrives twice, through two feeds that different workers
may claim. For each number of workers, on a fresh PostgreSQL database of this run's own
(emptied between runs, dropped at the end):

1. N worker processes (:mod:`tests.fakes.ingest_worker`: one ``run_cycle`` each, with
   ``--pool`` extraction processes) start, warm up, and are told to go at once; the
   figure is the pages stored per second of wall time until the last one is done;
2. the same N processes run the next tick (16 minutes later): every feed must answer
   304, having been polled exactly once per tick, and no page fetched twice;
3. checks: every feed polled by exactly one worker per tick, every page stored once
   (none lost, none twice), every page in the same story as its mirror (no story split),
   and every story decision the one a single worker placing in the same order would
   make (``= serial``: :mod:`tests.fakes.placement_replay` decides every article again
   in placement order; a concurrent placement against an out-of-date window, two
   stories for one event, would disagree). ``= 1 worker``: whether the stories group
   the pages as the one-worker run did (``no A/B``: A groups of this run not in that
   one, B of that one not in this). Story matching is greedy, so a different placement
   order can group a few pages differently, each grouping as right as the other: this
   column informs, ``= serial`` checks.

Usage: python benchmarks/workers.py [ARTICLES_DIR] [--feeds N] [--pool N] [--limit N]
[--workers 1,2,3] (ARTICLES_DIR defaults to ../shared/eval/articles beside the
repository; PostgreSQL from TEST_DATABASE_URL, default postgres@127.0.0.1:5432/test).
The machine's load average is printed with the figures: on a shared machine the ratio
says more about free cores than about newsbrief. ``lock held``/``lock wait``: seconds
the workers (summed) held (until the hold's commit let it go) and waited for the
placement lock, which serialises placing articles into stories across workers
(bot/store/placement.py): the part that does not scale; ``holds``: how many times
they took it (each hold places every article its worker had ready). ``cores busy``: CPU seconds
of the workers and their extraction processes per second of wall time; ``machine``:
the cores busy on the whole machine meanwhile (from /proc/stat: PostgreSQL, the page
server and this script too, which share the same cores here and would not in a real
deployment); the machine's cores divided by what one worker's run keeps busy on it is
as far as more workers can take pages/s here, whatever newsbrief does. The last line
is the main figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import json
import multiprocessing
import os
import re
import resource
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_ARTICLES = REPO / ".." / "shared" / "eval" / "articles"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def page_title(raw_html: bytes) -> str:
    match = _TITLE.search(raw_html[:100_000])
    if not match:
        return ""
    return " ".join(html.unescape(match.group(1).decode("utf-8", "replace")).split())[:200]


# ------------------------------------------------------------------ the server process
def feeds_for(ids: list[str], titles: dict[str, str], base: str, n: int, prefix: str) -> dict:
    """``n`` RSS documents under ``prefix`` listing the pages under ``prefix``."""
    from tests.fakes.feed_server import rss

    out = {}
    for f in range(n):
        items = [
            {
                "title": titles[i] or i[:12],
                "link": f"{base}{prefix}/page/{i}.html",
                "guid": f"{prefix}/{i}",
                "pubDate": "Mon, 02 Mar 2026 10:00:00 GMT",
            }
            for i in ids[f::n]
        ]
        out[f"{prefix}/feeds/{f}.xml"] = rss(items, title=f"Feed {prefix} {f}")
    return out


def serve(gz: dict[str, bytes], titles: dict[str, str], rounds: list[str], n: int, conn) -> None:  # type: ignore[no-untyped-def]
    """Every page and feed of every round (originals and mirrors), then hits on demand."""
    from tests.fakes.feed_server import FeedServer

    ids = sorted(gz)
    with FeedServer() as server:
        base = server.base_url
        for prefix in rounds:
            for copy in ("", "/mirror"):
                for i in ids:
                    server.add(
                        f"{prefix}{copy}/page/{i}.html",
                        gz[i],
                        content_type="text/html; charset=utf-8",
                        headers={"Content-Encoding": "gzip"},
                    )
                for path, body in feeds_for(ids, titles, base, n, prefix + copy).items():
                    server.add(path, body, content_type="application/rss+xml", etag=True)
        conn.send(base)
        while (message := conn.recv()) != "stop":
            conn.send(
                [
                    (h.path, "if-none-match" in h.headers)
                    for h in list(server.hits)
                    if h.path.startswith(message)
                ]
            )


# ------------------------------------------------------------------ the database
async def empty(url: str) -> None:
    """Every table emptied (the schema stays): each run starts from nothing."""
    from sqlalchemy import text

    from bot.store import make_engine

    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            tables = (
                await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename <> 'alembic_version'"
                    )
                )
            ).scalars()
            names = ", ".join(f'"{t}"' for t in tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


# ------------------------------------------------------------------ the workers
async def start_worker(url: str, feeds: list[dict[str, str]], now: datetime, pool: int) -> Any:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.ingest_worker", url, json.dumps(feeds),
        now.isoformat(), str(pool),
        cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    line = await asyncio.wait_for(proc.stdout.readline(), 300)
    if line.strip() != b"ready":
        raise RuntimeError(f"a worker did not start: {line!r}")
    return proc


async def tick(url: str, feeds: list[dict[str, str]], now: datetime, n: int, pool: int) -> tuple:
    """``n`` workers, warmed up, told to go together; (wall seconds, CPU seconds of the
    workers and their extraction processes from the go on, their reports)."""
    procs = await asyncio.gather(*(start_worker(url, feeds, now, pool) for _ in range(n)))
    used_before = children_cpu()
    busy_before = machine_ticks()
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write(b"go\n")
    await asyncio.gather(*(proc.stdin.drain() for proc in procs))
    outs = await asyncio.gather(*(proc.communicate() for proc in procs))
    wall = time.perf_counter() - started
    cpu = children_cpu() - used_before
    busy_after = machine_ticks()
    ticks = busy_after[1] - busy_before[1]
    machine = (os.cpu_count() or 1) * (busy_after[0] - busy_before[0]) / ticks if ticks else 0.0
    reports = []
    for proc, (out, _err) in zip(procs, outs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"a worker failed with exit status {proc.returncode}")
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    return wall, cpu, machine, reports


def machine_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every CPU since boot (/proc/stat; (0, 0) elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def children_cpu() -> float:
    """CPU seconds of this process's ended children and what they waited for: the workers
    with their extraction processes (the page server still runs, so it is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def stories(url: str, base: str, prefix: str) -> dict[str, int]:
    """Page URL (without the server and round prefix) -> its story."""
    from sqlalchemy import select

    from bot.store import Store
    from bot.store.models import Article, StoryArticle

    store = Store.from_url(url)
    try:
        async with store.session() as session:
            rows = await session.execute(
                select(Article.url, StoryArticle.story_id).outerjoin(
                    StoryArticle, StoryArticle.article_id == Article.id
                )
            )
            out: dict[str, int] = {}
            for page_url, story_id in rows.all():
                key = page_url.removeprefix(base + prefix)
                if key in out:
                    raise RuntimeError(f"{key} stored twice")
                out[key] = story_id
            return out
    finally:
        await store.close()


def partition(story_of: dict[str, int]) -> set[frozenset[str]]:
    """The pages grouped by story, mirrors folded onto their originals."""
    groups: dict[int, set[str]] = {}
    for page, story_id in story_of.items():
        groups.setdefault(story_id, set()).add(page.removeprefix("/mirror"))
    return {frozenset(g) for g in groups.values()}


async def run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from bot.store import make_engine
    from bot.store.migrate import upgrade
    from tests.fakes.placement_replay import replay_placements
    from tests.fakes.scratch_db import pg_admin

    admin = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    name = f"newsbrief_bench_workers_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    await pg_admin(admin, f'CREATE DATABASE "{name}"')
    rows: list[dict[str, Any]] = []
    try:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()
        baseline: set[frozenset[str]] | None = None
        for n in args.counts:
            prefix = f"/w{n}"
            feeds = [
                {"url": f"{args.base}{prefix}{copy}/feeds/{f}.xml", "name": f"{copy or 'o'} {f}"}
                for copy in ("", "/mirror")
                for f in range(args.feeds)
            ]
            await empty(url)
            load_before = os.getloadavg()
            wall, cpu, machine, first = await tick(url, feeds, T0, n, args.pool)
            load_after = os.getloadavg()
            _, _, _, second = await tick(url, feeds, T0 + timedelta(minutes=16), n, args.pool)
            args.conn.send(prefix)
            hits: list[tuple[str, bool]] = args.conn.recv()
            story_of = await stories(url, args.base, prefix)
            feed_hits = Counter(path for path, _ in hits if "/feeds/" in path)
            page_hits = Counter(path for path, _ in hits if "/page/" in path)
            conditional = sum(1 for path, asked in hits if "/feeds/" in path and asked)
            polled = [[r["feeds"] for r in first], [r["feeds"] for r in second]]
            flat = [[i for ids in per_tick for i in ids] for per_tick in polled]
            # each tick: every feed polled, and by one worker only
            once_per_tick = all(len(ids) == len(set(ids)) == len(feeds) for ids in flat)
            paired = sum(
                1 for page in args.ids
                if f"/page/{page}.html" in story_of
                and story_of.get(f"/page/{page}.html") == story_of.get(f"/mirror/page/{page}.html")
            )  # fmt: skip
            groups = partition(story_of)
            replay = await replay_placements(url, T0 - timedelta(hours=48), timedelta(hours=48))
            for line in replay.disagreements[:5]:
                print(f"  {n} workers: not as a serial replay: {line}", file=sys.stderr)
            baseline = baseline if baseline is not None else groups
            pages = 2 * len(args.ids)
            rows.append(
                {
                    "n": n,
                    "wall": wall,
                    "cores": cpu / wall,
                    "machine": machine,
                    "pages_s": pages / wall,
                    "stored": len(story_of),
                    "pages": pages,
                    "feeds_ok": once_per_tick
                    and all(c == 2 for c in feed_hits.values())
                    and len(feed_hits) == len(feeds)
                    and conditional == len(feeds),
                    "not_modified": sum(r["not_modified"] for r in second),
                    "pages_once": all(c == 1 for c in page_hits.values())
                    and len(page_hits) == pages,
                    "paired": paired,
                    "stories": len(groups),
                    "same_stories": groups == baseline,
                    "replay": (replay.agree, replay.placed),
                    "differ": (len(groups - baseline), len(baseline - groups)),
                    "shares": [len(r["feeds"]) for r in first],
                    "lock_wait": sum(r["placement_wait"] for r in first),
                    "lock_held": sum(r["placement_held"] for r in first),
                    "holds": sum(r["placements"] for r in first),
                    "load": (load_before[0], load_after[0]),
                }
            )
    finally:
        await pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    one = rows[0]["pages_s"]
    print(
        f"{len(args.ids)} AEB pages x2 (mirrors), {2 * args.feeds} feeds, "
        f"{args.pool} extraction process(es) per worker, PostgreSQL, {os.cpu_count()} CPUs"
    )
    header = (
        f"{'workers':>7} {'wall s':>7} {'pages/s':>8} {'x one':>6} {'stored':>8} "
        f"{'feeds 1/tick':>12} {'304s':>5} {'pages 1x':>8} {'paired':>8} {'stories':>7} "
        f"{'= 1 worker':>10} {'= serial':>9} {'feeds each':>12} {'lock held':>9} {'lock wait':>9} "
        f"{'holds':>5} {'load 1m':>11} {'cores busy':>10} {'machine':>7}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['n']:>7} {r['wall']:>7.1f} {r['pages_s']:>8.1f} {r['pages_s'] / one:>6.2f} "
            f"{r['stored']:>4}/{r['pages']:<3} {'yes' if r['feeds_ok'] else 'NO':>12} "
            f"{r['not_modified']:>5} {'yes' if r['pages_once'] else 'NO':>8} "
            f"{r['paired']:>4}/{len(args.ids):<3} {r['stories']:>7} "
            f"{'yes' if r['same_stories'] else 'no {}/{}'.format(*r['differ']):>10} "
            f"{'{}/{}'.format(*r['replay']):>9} "
            f"{','.join(map(str, r['shares'])):>12} {r['lock_held']:>9.1f} {r['lock_wait']:>9.1f} "
            f"{r['holds']:>5} {r['load'][0]:>5.2f}-{r['load'][1]:<5.2f} {r['cores']:>10.2f} "
            f"{r['machine']:>7.2f}"
        )
    ok = all(
        r["feeds_ok"]
        and r["pages_once"]
        and r["stored"] == r["pages"]
        and r["paired"] == len(args.ids)
        and r["replay"][0] == r["replay"][1]
        for r in rows
    )
    if not ok:
        print("WARNING: a feed polled twice or not at all, or a page lost, twice, or split")
    cpus = os.cpu_count() or 1
    ceiling = cpus / rows[0]["machine"] if rows[0]["machine"] else float("inf")
    print(
        f"one worker keeps {rows[0]['cores']:.2f} of {cpus} cores busy (its extraction "
        f"processes included), and the machine {rows[0]['machine']:.2f} with PostgreSQL, "
        f"the page server and this script: on this machine, more workers can reach at most "
        f"{ceiling:.2f}x its pages/s"
    )
    ratios = ", ".join(f"{r['n']}: {r['pages_s'] / one:.2f}x" for r in rows[1:])
    rates = ", ".join(f"{r['n']}: {r['pages_s']:.1f}" for r in rows)
    print(
        f"workers {rates} pages/s "
        f"({ratios} one worker); each feed polled once per tick: "
        f"{'yes' if ok else 'NO'}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="?", default=str(DEFAULT_ARTICLES))
    parser.add_argument("--feeds", type=int, default=30, help="feeds listing the pages (x2)")
    parser.add_argument("--pool", type=int, default=1, help="extraction processes per worker")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pages")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to compare")
    args = parser.parse_args()
    args.counts = [int(n) for n in args.workers.split(",")]
    articles = Path(args.articles)
    truth = json.loads((articles / "ground-truth.json").read_text())
    ids = sorted(truth)[: args.limit] if args.limit else sorted(truth)
    gz = {i: (articles / "html" / f"{i}.html.gz").read_bytes() for i in ids}
    titles = {i: page_title(gzip.decompress(b)) for i, b in gz.items()}
    args.ids = ids
    ctx = multiprocessing.get_context("fork")  # before any event loop or thread
    args.conn, child = ctx.Pipe()
    rounds = [f"/w{n}" for n in args.counts]
    proc = ctx.Process(target=serve, args=(gz, titles, rounds, args.feeds, child))
    proc.start()
    del gz
    try:
        args.base = args.conn.recv()
        return asyncio.run(run(args))
    finally:
        args.conn.send("stop")
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
