"""Ingestion end to end on real news pages served from loopback.

The 181 pages of the ScrapingHub article-extraction benchmark are served (gzipped, as
stored) by a local HTTP server in a separate process, listed by a handful of generated
RSS feeds, and ingested into a fresh SQLite store:

1. first cycle: pages/s end to end (fetch, extract, analyse, dedupe, cluster, store),
   peak RSS, and extraction F1 of the stored text against the ground truth; the same
   pages through trafilatura alone (``trafilatura.extract``) are the baseline;
2. second cycle, nothing changed: every feed must answer 304, no page fetched again;
3. the same pages under other URLs (mirror feeds): each must join its story as a
   second source, not start a new one.

4. CPU time: the first cycle's, this process's and its worker processes' (the page
   server's left out), against ``trafilatura.extract`` alone on the same pages (with
   the pipeline's options, in a forked copy of this process, just before and just
   after the cycle: the mean of the two is the baseline); the
   worker pool is started first, as a long-running process does once at start-up
   (``start_shared_pool``), and that start-up is timed alone and printed beside the
   cycle (and added to it: "with the start-up");
5. the window: the same new pages ingested by a warm process into stores that already
   hold 0, 2,000 and 20,000 articles in the story window (the AEB texts under other
   URLs, every word of three letters or more (every word story matching compares) in
   the text, title and people's names given a suffix of its copy, so each copy is an
   event of its own that shares no term with the new pages, with signatures, analyses
   and stories, inserted in bulk); the window's index is built first, as a process
   does once at start-up, and timed alone;
6. the longest event-loop stall in each cycle and build: a ticker coroutine asking to
   wake every 10 ms records how late it wakes.

Usage: python benchmarks/ingest.py [ARTICLES_DIR] [--feeds N] [--limit N] [--fills 0,2000,20000]
(ARTICLES_DIR defaults to ../shared/eval/articles relative to the repository root).
Temporary databases are removed at the end. The last line is the main figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gzip
import html
import inspect
import json
import multiprocessing
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_ARTICLES = REPO / ".." / "shared" / "eval" / "articles"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


# ------------------------------------------------------------------ scoring
def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _TOKEN.findall((text or "").lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def f1(predicted: str, truth: str) -> float:
    """F1 over 4-word shingles of the lowercased text (the benchmark authors' score)."""
    pred, gold = shingles(predicted), shingles(truth)
    if not pred and not gold:
        return 1.0
    if not pred or not gold:
        return 0.0
    hits = len(pred & gold)
    if not hits:
        return 0.0
    precision, recall = hits / len(pred), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


# ------------------------------------------------------------------ the server process
def _title(raw_html: bytes) -> str:
    match = _TITLE.search(raw_html[:100_000])
    if not match:
        return ""
    return " ".join(html.unescape(match.group(1).decode("utf-8", "replace")).split())[:200]


def build_feeds(
    ids: list[str], titles: dict[str, str], bases: list[str], n_feeds: int, prefix: str
):
    """``n_feeds`` RSS documents listing the pages under ``prefix`` (title, link, date);
    feed ``f``'s pages are on host ``bases[f % len(bases)]`` (an outlet's own host)."""
    from tests.fakes.feed_server import rss

    feeds: dict[str, str] = {}
    for f in range(n_feeds):
        base = bases[f % len(bases)]
        items = [
            {
                "title": titles[page_id] or page_id[:12],
                "link": f"{base}{prefix}/page/{page_id}.html",
                "guid": f"{prefix}/{page_id}",
                "pubDate": "Mon, 02 Mar 2026 10:00:00 GMT",
            }
            for page_id in ids[f::n_feeds]
        ]
        feeds[f"{prefix}/feeds/{f}.xml"] = rss(items, title=f"Feed {prefix or 'main'} {f}")
    return feeds


# ------------------------------------------------------------------ measuring
def _descendants(root: int) -> set[int]:
    """Every live process below ``root`` (from /proc: Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat is not None:
                children.setdefault(int(stat[1]), []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rpartition(")")[2].split()
    except OSError:
        return None


def process_cpu(exclude: int | None = None) -> float:
    """CPU seconds of this process and every process below it, live (their own time and
    that of the children they reaped) or reaped by us, leaving out ``exclude``'s tree."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    skip = {exclude, *_descendants(exclude)} if exclude is not None else set()
    tick = os.sysconf("SC_CLK_TCK")
    for pid in _descendants(os.getpid()) - skip:
        stat = _proc_stat(pid)
        if stat is not None:  # utime, stime, cutime, cstime: fields 14-17 of stat
            total += sum(int(v) for v in stat[11:15]) / tick
    return total


class StallMeter:
    """The longest the event loop kept a 10 ms ticker waiting past its time, and the CPU
    the loop's thread spent meanwhile: on a machine with more runnable threads than cores
    a late tick is partly the kernel's doing (the thread waiting for a core), and only
    the busy part is work that held the loop."""

    PERIOD = 0.01

    def __init__(self) -> None:
        self.longest = 0.0
        self.busy = 0.0  # the loop thread's CPU during the tick it was busiest
        self.own_cpu = 0.0  # set by measured()

    async def _tick(self) -> None:
        # one CPU-clock read a tick (a tick's end is the next one's start): here it is a
        # system call, and the meter's own CPU counts in the cycle's
        cpu = time.thread_time()
        while True:
            asked = time.perf_counter() + self.PERIOD
            await asyncio.sleep(self.PERIOD)
            self.longest = max(self.longest, time.perf_counter() - asked)
            now = time.thread_time()
            self.busy, cpu = max(self.busy, now - cpu), now


@asynccontextmanager
async def stalls():
    meter = StallMeter()
    task = asyncio.create_task(meter._tick())
    await asyncio.sleep(0)
    try:
        yield meter
    finally:
        task.cancel()


async def measured(work, server_pid: int):
    """(result, wall s, CPU s incl. workers, the StallMeter) of awaiting ``work``."""
    cpu, wall, own = process_cpu(server_pid), time.perf_counter(), _own_cpu()
    async with stalls() as meter:
        result = await work
    meter.own_cpu = _own_cpu() - own
    return result, time.perf_counter() - wall, process_cpu(server_pid) - cpu, meter


def _own_cpu() -> float:
    """This process's CPU alone (the event loop, the SQLite thread), workers left out."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _extract_alone(files: list[tuple[Path, str]], conn) -> None:
    """In a forked copy of this process: trafilatura alone on the pages, its CPU sent back."""
    import trafilatura

    from bot.ingest.extract import TRAFILATURA_OPTIONS

    raw = [(gzip.decompress(path.read_bytes()), url) for path, url in files]

    trafilatura.extract(raw[0][0], url=raw[0][1], **TRAFILATURA_OPTIONS)  # lazy loads
    cpu = time.process_time()
    for body, url in raw:
        trafilatura.extract(body, url=url, **TRAFILATURA_OPTIONS)
    conn.send(time.process_time() - cpu)


def trafilatura_alone_cpu(files: list[tuple[Path, str]]) -> float:
    """CPU seconds of ``trafilatura.extract`` (the pipeline's options) on the pages, in a
    forked copy of this process: the same heap and interpreter state as the cycle's, and
    nothing imported into this process (its peak RSS is reported). Run just before and
    just after the first cycle: CPU time on a shared machine drifts by a fifth within a
    minute, and the cycle is compared with the two readings' mean."""
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    child = ctx.Process(target=_extract_alone, args=(files, theirs))
    child.start()
    cpu = mine.recv()
    child.join()
    return cpu


def stall(meter) -> str:
    return f"{meter.longest * 1000:.0f} ms (loop busy {meter.busy * 1000:.0f} ms)"


# ------------------------------------------------------------------ a window to start from
_LONG_WORD = re.compile(r"[^\W\d_]{3,}")


def _suffix(k: int) -> str:
    letters = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        letters = chr(97 + r) + letters
    return "q" + letters


def _suffixed(match: re.Match[str], tag: str) -> str:
    return match.group(0) + tag


async def prefill(store, sources: list[dict], count: int, now: datetime, per_story: int = 3):
    """``count`` articles fetched over the last 47 hours, in stories of ``per_story``: the
    stored texts under other URLs, every word of 3+ letters suffixed by copy (each an event
    of its own, none a near-duplicate of the pages ingested next), in bulk."""
    import hashlib

    from sqlalchemy import insert

    from bot.ingest import dedupe
    from bot.ingest.articles import content_hash
    from bot.store.models import Article, Story, StoryArticle

    articles, stories, links = [], [], []
    async with store.session() as session:
        first_id = (await session.scalar(select_max(Article.id))) or 0
        first_story = (await session.scalar(select_max(Story.id))) or 0
    for n in range(count):
        k, source = divmod(n, len(sources))
        src = sources[source]
        tag = _suffix(k)
        suffixed = functools.partial(_suffixed, tag=tag)
        text = _LONG_WORD.sub(suffixed, src["text"])
        title = _LONG_WORD.sub(suffixed, src["title"] or "")
        at = now - timedelta(hours=47) * (1 - n / count)
        analysis = dict(src["analysis"] or {})
        analysis["people"] = [
            {**p, "name": _LONG_WORD.sub(suffixed, p.get("name", ""))}
            for p in analysis.get("people") or ()
        ]
        signature = dedupe.signature(text)
        url = f"https://prefill{n % 40}.example/{n}"
        article_id, story_id = first_id + n + 1, first_story + n // per_story + 1
        articles.append(
            {
                "id": article_id, "url": url, "canonical_url": url,
                "canonical_hash": hashlib.sha1(url.encode()).hexdigest(),
                "outlet": f"Prefill {n % 40}", "title": title,
                "published_at": at, "fetched_at": at, "text": text, "text_source": "page",
                "language": "en", "analysis": analysis, "content_hash": content_hash(text),
                "minhash": dedupe.to_bytes(signature) if signature is not None else None,
            }
        )  # fmt: skip
        if n % per_story == 0:
            stories.append(
                {
                    "id": story_id, "headline": src["title"] or "", "created_at": at,
                    "updated_at": at, "article_count": 0, "source_count": 0,
                    "needs_brief": False,
                }
            )  # fmt: skip
        links.append({"story_id": story_id, "article_id": article_id, "added_at": at})
        if len(articles) >= 1000 or n == count - 1:
            async with store.engine.begin() as conn:
                for table, rows in ((Article, articles), (Story, stories), (StoryArticle, links)):
                    if rows:
                        await conn.execute(insert(table.__table__), rows)
            articles, stories, links = [], [], []


def select_max(column):
    from sqlalchemy import func, select

    return select(func.max(column))


async def stored_sources(store) -> list[dict]:
    from sqlalchemy import select

    from bot.store.models import Article

    async with store.session() as session:
        rows = (await session.execute(select(Article.title, Article.text, Article.analysis))).all()
    return [{"title": t, "text": x, "analysis": a} for t, x, a in rows if x]


async def start_workers(settings, server_pid: int):
    """(wall s, CPU s) of starting the worker pool as a long-running process does once at
    start-up (the fork server's imports and every worker), where this version has that
    step; else (None, None) and the first cycle starts them, counted in its figures."""
    from bot.ingest import workers

    start = getattr(workers, "start_shared_pool", None)
    if start is None:
        return None, None
    _, wall, cpu, _ = await measured(
        start(settings.ingest_workers, settings.ingest_page_budget), server_pid
    )
    return wall, cpu


def new_window(settings):
    """A story window kept across cycles as the scheduler keeps it (settled once built),
    where this version of the cycle has one."""
    from bot.ingest import cycle

    if "window" not in inspect.signature(cycle.run_cycle).parameters:
        return None  # the cycle reloads the window itself
    return cycle.StoryWindow(timedelta(hours=settings.story_window_hours), settle=True)


async def window_cycle(args, tmp: str, fill: int, sources: list[dict]) -> dict:
    """The same new pages into a store holding ``fill`` articles in the window."""
    from bot.ingest.cycle import run_cycle
    from bot.settings import FeedConfig, make_settings
    from bot.store import Store

    path = f"{tmp}/fill{fill}.db"
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
    )
    store = await Store.open(settings.database_url)
    try:
        t = time.perf_counter()
        await prefill(store, sources, fill, T0)
        filled_s = time.perf_counter() - t
        await store.sync_feeds(
            FeedConfig(url=f"{args.base}/feeds/{f}.xml", name=f"Outlet {f}")
            for f in range(args.feeds)
        )
        window = new_window(settings)
        build = (None, 0.0, 0.0, StallMeter())
        if window is not None:  # what a process does once, at start-up
            build = await measured(window.sync(store, T0), args.server_pid)
        kept = {"window": window} if window is not None else {}
        report, wall, cpu, stalled = await measured(
            run_cycle(store, settings, now=T0, **kept), args.server_pid
        )
    finally:
        await store.close()
        for suffix in ("", "-wal", "-shm", ".placing"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
    return {
        "fill": fill, "filled_s": filled_s, "build_s": build[1], "build_stall": build[3],
        "wall": wall, "cpu": cpu, "stall": stalled, "new": report.new_articles,
    }  # fmt: skip


# ------------------------------------------------------------------ the run
async def run(args: argparse.Namespace, tmp: str) -> int:
    from sqlalchemy import func, select

    from bot.ingest.cycle import run_cycle
    from bot.ingest.extract import TRAFILATURA_OPTIONS
    from bot.settings import FeedConfig, make_settings
    from bot.store import Store
    from bot.store.models import Article, Story, StoryArticle

    ids, truth, base = args.ids, args.truth, args.base

    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
    )
    store = await Store.open(settings.database_url)
    main_feeds = [
        FeedConfig(url=f"{base}/feeds/{f}.xml", name=f"Outlet {f}") for f in range(args.feeds)
    ]
    mirror_feeds = [
        FeedConfig(url=f"{base}/mirror/feeds/{f}.xml", name=f"Mirror {f}")
        for f in range(args.feeds)
    ]
    await store.sync_feeds(main_feeds)
    window = new_window(settings)
    kept = {"window": window} if window is not None else {}

    startup = await start_workers(settings, args.server_pid)
    rss_before = _maxrss_mb()
    html_dir = Path(args.articles) / "html"
    pages = [(html_dir / f"{i}.html.gz", truth[i]["url"]) for i in ids]
    alone_before = trafilatura_alone_cpu(pages)
    first, first_s, first_cpu, first_stall = await measured(
        run_cycle(store, settings, now=T0, **kept), args.server_pid
    )
    alone_after = trafilatura_alone_cpu(pages)
    baseline_cpu = (alone_before + alone_after) / 2
    rss_after = _maxrss_mb()

    async with store.session() as session:
        stored = {a.url: a for a in (await session.scalars(select(Article))).all()}
        stories_first = await session.scalar(select(func.count()).select_from(Story))
    scores, sources = [], {"page": 0, "feed": 0}
    for i in ids:
        article = stored.get(f"{args.page_base[i]}/page/{i}.html")
        text = article.text if article else ""
        if article:
            sources[article.text_source] += 1
        scores.append(f1(text, truth[i]["articleBody"]))
    pipeline_f1 = sum(scores) / len(scores)
    del stored

    t = time.perf_counter()
    second = await run_cycle(store, settings, now=T0 + timedelta(minutes=16), **kept)
    second_s = time.perf_counter() - t

    await store.sync_feeds(mirror_feeds)
    third, third_s, _, third_stall = await measured(
        run_cycle(store, settings, now=T0 + timedelta(minutes=32), **kept), args.server_pid
    )
    async with store.session() as session:
        stories_after = await session.scalar(select(func.count()).select_from(Story))
        story_of = dict(
            (
                await session.execute(
                    select(Article.url, StoryArticle.story_id).join(
                        StoryArticle, StoryArticle.article_id == Article.id
                    )
                )
            ).all()
        )
        two_sources = await session.scalar(
            select(func.count()).select_from(Story).where(Story.source_count == 2)
        )
    originals = [story_of.get(f"{args.page_base[i]}/page/{i}.html") for i in ids]
    mirrors = [story_of.get(f"{args.page_base[i]}/mirror/page/{i}.html") for i in ids]
    paired = sum(1 for a, b in zip(originals, mirrors, strict=True) if a is not None and a == b)
    prefill_sources = await stored_sources(store)
    await store.close()

    fills = [await window_cycle(args, tmp, n, prefill_sources) for n in args.fills]

    args.conn.send("stop")
    hits = args.conn.recv()

    # extraction quality: trafilatura alone on the same HTML, defaults and our options
    import trafilatura

    raw = {i: gzip.decompress(path.read_bytes()) for i, (path, _) in zip(ids, pages, strict=True)}
    t = time.perf_counter()
    base_default = [
        f1(trafilatura.extract(raw[i], url=truth[i]["url"]) or "", truth[i]["articleBody"])
        for i in ids
    ]
    baseline_s = time.perf_counter() - t
    base_ours = [
        trafilatura.extract(raw[i], url=truth[i]["url"], **TRAFILATURA_OPTIONS) or "" for i in ids
    ]
    baseline_f1 = sum(base_default) / len(ids)
    baseline_ours_f1 = sum(
        f1(b, truth[i]["articleBody"]) for b, i in zip(base_ours, ids, strict=True)
    ) / len(ids)

    n = len(ids)
    rows = [
        ("pages", f"{n} (x2 with mirrors), {args.feeds} feeds + {args.feeds} mirror feeds"),
        ("cycle 1: time", f"{first_s:.2f} s, {n / first_s:.1f} pages/s end to end"),
        (
            "start-up: worker pool",
            "started by cycle 1 (in its figures)"
            if startup[1] is None
            else f"{startup[1]:.2f} s CPU, {startup[0]:.2f} s wall (the fork server's imports "
            f"and {settings.ingest_workers} workers, once per process, before cycle 1)",
        ),
        (
            "cycle 1: CPU",
            f"{first_cpu:.2f} s incl. worker processes ({first_stall.own_cpu:.2f} s in this "
            f"process); trafilatura alone {baseline_cpu:.2f} s (just before "
            f"{alone_before:.2f}, just after {alone_after:.2f}): {first_cpu / baseline_cpu:.2f}x"
            + (
                ""
                if startup[1] is None
                else f" ({(first_cpu + startup[1]) / baseline_cpu:.2f}x with the start-up)"
            ),
        ),
        ("cycle 1: longest stall", stall(first_stall)),
        (
            "cycle 1: articles",
            f"{first.new_articles} new, {first.pages_fetched} pages fetched, "
            f"{first.near_duplicates} near-duplicates",
        ),
        ("cycle 1: text source", f"page {sources['page']}, feed {sources['feed']}"),
        ("cycle 1: stories", f"{stories_first} ({first.briefs_built} briefs built)"),
        ("cycle 1: failures", f"{first.feeds_failed} feeds, {first.page_failures} pages"),
        ("cycle 1: analysis errors", str(first.analysis_errors)),
        ("extraction F1 (pipeline)", f"{pipeline_f1:.3f}"),
        (
            "extraction F1 trafilatura alone",
            f"{baseline_ours_f1:.3f} with the pipeline's options, {baseline_f1:.3f} with its "
            f"defaults ({baseline_s / n * 1000:.1f} ms/page)",
        ),
        ("pipeline vs trafilatura alone", f"{first_s / baseline_s:.1f}x the time of extraction"),
        ("peak RSS", f"{rss_after:.0f} MB (before cycle 1: {rss_before:.0f} MB)"),
        (
            "cycle 2 (nothing changed)",
            f"{second_s:.3f} s, {second.feeds_not_modified}/"
            f"{second.feeds_polled} feeds 304, {second.pages_fetched} pages fetched",
        ),
        (
            "cycle 3 (mirrors)",
            f"{third_s:.2f} s, {third.new_articles} articles, "
            f"{third.near_duplicates} near-duplicates, {third.stories_created} new stories, "
            f"longest stall {stall(third_stall)}",
        ),
        ("stories after mirrors", f"{stories_after} ({two_sources} with two sources)"),
        ("mirror in its original's story", f"{paired}/{n}"),
        ("server requests", str(hits)),
    ]
    for fill in fills:
        rows.append(
            (
                f"window {fill['fill']:>6}: cycle",
                f"{fill['wall']:.2f} s wall, {fill['cpu']:.2f} s CPU "
                f"({fill['stall'].own_cpu:.2f} s in this process), longest stall "
                f"{stall(fill['stall'])}, {fill['new']} new (start-up build "
                f"{fill['build_s']:.2f} s, longest stall {stall(fill['build_stall'])}; "
                f"pre-fill {fill['filled_s']:.1f} s)",
            )
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    ok = second.pages_fetched == 0 and second.feeds_not_modified == second.feeds_polled
    if not ok:
        print("WARNING: the second cycle fetched pages or got 200s", file=sys.stderr)
    growth = ""
    if len(fills) > 1 and fills[0]["fill"] == 0:
        growth = (
            f", cycle at {fills[-1]['fill']} in window {fills[-1]['wall'] / fills[0]['wall']:.2f}x"
            f" the empty window's"
        )
    meters = [first_stall, third_stall] + [f["stall"] for f in fills]
    longest = max(m.longest for m in meters)
    busy = max(m.busy for m in meters)
    cold = (
        ""
        if startup[1] is None
        else f" ({(first_cpu + startup[1]) / baseline_cpu:.2f}x with the workers' start-up)"
    )
    print(
        f"ingest {n / first_s:.1f} pages/s, CPU {first_cpu / baseline_cpu:.2f}x trafilatura "
        f"alone{cold}, extraction F1 {pipeline_f1:.3f} (trafilatura alone {baseline_ours_f1:.3f}), "
        f"longest cycle stall {longest * 1000:.0f} ms (loop busy {busy * 1000:.0f} ms){growth}, "
        f"peak RSS {rss_after:.0f} MB, "
        f"2nd cycle {second_s:.2f} s"
    )
    return 0


def _serve_with_base(pages, ids, titles, n_feeds, n_hosts, conn) -> None:
    """Start the servers (one per host: 127.0.0.1, 127.0.0.2...), then add the feeds
    (which need their base URLs) to the first, then serve."""
    from tests.fakes.feed_server import FeedServer

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(FeedServer(host=f"127.0.0.{k + 1}")) for k in range(n_hosts)]
        bases = [server.base_url for server in servers]
        for server in servers:
            for path, body in pages.items():
                server.add(
                    path,
                    body,
                    content_type="text/html; charset=utf-8",
                    headers={"Content-Encoding": "gzip"},
                )
        feeds = build_feeds(ids, titles, bases, n_feeds, "")
        feeds.update(build_feeds(ids, titles, bases, n_feeds, "/mirror"))
        for path, body in feeds.items():
            servers[0].add(path, body, content_type="application/rss+xml", etag=True)
        conn.send(bases)
        conn.recv()
        conn.send(sum(len(server.hits) for server in servers))


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="?", default=str(DEFAULT_ARTICLES))
    parser.add_argument("--feeds", type=int, default=5, help="feeds listing the pages")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pages")
    parser.add_argument(
        "--hosts",
        type=int,
        default=1,
        help="loopback hosts the pages are spread over, one per feed (127.0.0.1...)",
    )
    parser.add_argument(
        "--fills", default="0,2000,20000", help="articles already in the window (comma list)"
    )
    args = parser.parse_args()
    args.fills = [int(n) for n in args.fills.split(",") if n.strip()]
    articles_dir = Path(args.articles)
    args.truth = json.loads((articles_dir / "ground-truth.json").read_text())
    ids = sorted(args.truth)[: args.limit] if args.limit else sorted(args.truth)
    gz = {i: (articles_dir / "html" / f"{i}.html.gz").read_bytes() for i in ids}
    titles = {i: _title(gzip.decompress(b)) for i, b in gz.items()}
    args.ids = ids
    # the server runs in its own process (started before any event loop or thread):
    # its CPU time and memory are not counted as ours
    ctx = multiprocessing.get_context("fork")
    args.conn, child = ctx.Pipe()
    pages = {f"{p}/page/{i}.html": gz[i] for i in ids for p in ("", "/mirror")}
    proc = ctx.Process(
        target=_serve_with_base, args=(pages, ids, titles, args.feeds, args.hosts, child)
    )
    proc.start()
    args.server_pid = proc.pid
    del pages, gz  # the server process has its copy
    tmp = tempfile.mkdtemp(prefix="newsbrief-bench-")
    try:
        bases = args.conn.recv()
        args.base = bases[0]  # the feeds' host
        # a page's host: that of the feed listing it (build_feeds: ids[f::n_feeds])
        args.page_base = {i: bases[(j % args.feeds) % len(bases)] for j, i in enumerate(args.ids)}
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        return asyncio.run(run(args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
