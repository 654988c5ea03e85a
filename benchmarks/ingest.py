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

Usage: python benchmarks/ingest.py [ARTICLES_DIR] [--feeds N] [--limit N]
(ARTICLES_DIR defaults to ../shared/eval/articles relative to the repository root).
The last line is the main figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import json
import multiprocessing
import re
import resource
import sys
import tempfile
import time
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


def build_feeds(ids: list[str], titles: dict[str, str], base: str, n_feeds: int, prefix: str):
    """``n_feeds`` RSS documents listing the pages under ``prefix`` (title, link, date)."""
    from tests.fakes.feed_server import rss

    feeds: dict[str, str] = {}
    for f in range(n_feeds):
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


# ------------------------------------------------------------------ the run
async def run(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from bot.ingest.cycle import run_cycle
    from bot.ingest.extract import TRAFILATURA_OPTIONS
    from bot.settings import FeedConfig, make_settings
    from bot.store import Store
    from bot.store.models import Article, Story, StoryArticle

    ids, truth, base = args.ids, args.truth, args.base

    tmp = tempfile.mkdtemp(prefix="newsbrief-bench-")
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

    rss_before = _maxrss_mb()
    t = time.perf_counter()
    first = await run_cycle(store, settings, now=T0)
    first_s = time.perf_counter() - t
    rss_after = _maxrss_mb()

    async with store.session() as session:
        stored = {a.url: a for a in (await session.scalars(select(Article))).all()}
        stories_first = await session.scalar(select(func.count()).select_from(Story))
    scores, sources = [], {"page": 0, "feed": 0}
    for i in ids:
        article = stored.get(f"{base}/page/{i}.html")
        text = article.text if article else ""
        if article:
            sources[article.text_source] += 1
        scores.append(f1(text, truth[i]["articleBody"]))
    pipeline_f1 = sum(scores) / len(scores)

    t = time.perf_counter()
    second = await run_cycle(store, settings, now=T0 + timedelta(minutes=16))
    second_s = time.perf_counter() - t

    await store.sync_feeds(mirror_feeds)
    t = time.perf_counter()
    third = await run_cycle(store, settings, now=T0 + timedelta(minutes=32))
    third_s = time.perf_counter() - t
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
    originals = [story_of.get(f"{base}/page/{i}.html") for i in ids]
    mirrors = [story_of.get(f"{base}/mirror/page/{i}.html") for i in ids]
    paired = sum(1 for a, b in zip(originals, mirrors, strict=True) if a is not None and a == b)
    await store.close()
    args.conn.send("stop")
    hits = args.conn.recv()

    # the baseline: trafilatura alone on the same HTML, defaults and our options
    import trafilatura

    html_dir = Path(args.articles) / "html"
    raw = {i: gzip.decompress((html_dir / f"{i}.html.gz").read_bytes()) for i in ids}

    t = time.perf_counter()
    base_default = [
        f1(trafilatura.extract(raw[i], url=truth[i]["url"]) or "", truth[i]["articleBody"])
        for i in ids
    ]
    baseline_s = time.perf_counter() - t
    base_ours = [
        f1(
            trafilatura.extract(raw[i], url=truth[i]["url"], **TRAFILATURA_OPTIONS) or "",
            truth[i]["articleBody"],
        )
        for i in ids
    ]
    baseline_f1 = sum(base_default) / len(ids)
    baseline_ours_f1 = sum(base_ours) / len(ids)

    n = len(ids)
    rows = [
        ("pages", f"{n} (x2 with mirrors), {args.feeds} feeds + {args.feeds} mirror feeds"),
        ("cycle 1: time", f"{first_s:.2f} s, {n / first_s:.1f} pages/s end to end"),
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
            f"{third.near_duplicates} near-duplicates, {third.stories_created} new stories",
        ),
        ("stories after mirrors", f"{stories_after} ({two_sources} with two sources)"),
        ("mirror in its original's story", f"{paired}/{n}"),
        ("server requests", str(hits)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    ok = second.pages_fetched == 0 and second.feeds_not_modified == second.feeds_polled
    if not ok:
        print("WARNING: the second cycle fetched pages or got 200s", file=sys.stderr)
    print(
        f"ingest {n / first_s:.1f} pages/s, extraction F1 {pipeline_f1:.3f} "
        f"(trafilatura alone {baseline_ours_f1:.3f}), peak RSS {rss_after:.0f} MB, "
        f"2nd cycle {second_s:.2f} s"
    )
    return 0


def _serve_with_base(pages, ids, titles, n_feeds, conn) -> None:
    """Start the server, then add the feeds (which need its base URL), then serve."""
    from tests.fakes.feed_server import FeedServer

    with FeedServer() as server:
        base = server.base_url
        for path, body in pages.items():
            server.add(
                path,
                body,
                content_type="text/html; charset=utf-8",
                headers={"Content-Encoding": "gzip"},
            )
        feeds = build_feeds(ids, titles, base, n_feeds, "")
        feeds.update(build_feeds(ids, titles, base, n_feeds, "/mirror"))
        for path, body in feeds.items():
            server.add(path, body, content_type="application/rss+xml", etag=True)
        conn.send(base)
        conn.recv()
        conn.send(len(server.hits))


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="?", default=str(DEFAULT_ARTICLES))
    parser.add_argument("--feeds", type=int, default=5, help="feeds listing the pages")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pages")
    args = parser.parse_args()
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
    proc = ctx.Process(target=_serve_with_base, args=(pages, ids, titles, args.feeds, child))
    proc.start()
    del pages, gz  # the server process has its copy
    try:
        args.base = args.conn.recv()
        return asyncio.run(run(args))
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()


if __name__ == "__main__":
    sys.exit(main())
