"""Extraction options on real news pages: what each costs and what it keeps.

Every option set runs on the 181 pages of the ScrapingHub article-extraction benchmark
(``articles/html/<id>.html.gz``, gzipped UTF-8, with ``ground-truth.json``), and is
scored with the same F1 over 4-word shingles as ``benchmarks/ingest.py`` (imported from
it), with its precision and recall. The baseline, in the same run, is
``trafilatura.extract`` at its defaults. CPU is this process's (user + system) per
call, summed; the sets take turns page by page, so a change in the machine's load
falls on all of them alike. Each set first runs once on two pages, untimed, so a
library's lazy loading (justext's stop lists: about 0.5 s) is not charged to whichever
set meets it first; apart from that every figure is a first pass.

The sets:

- ``extract defaults``: ``trafilatura.extract(html, url=url)``, the baseline;
- ``extract defaults, fast``: the same without the fallback comparison;
- ``full``: ``bare_extraction`` with the pipeline's ``TRAFILATURA_OPTIONS`` (precision,
  no comments) and the fallback comparison (readability and justext), with and without
  metadata (title, author, date);
- ``fast``: the same with ``fast=True`` (no fallback comparison);
- ``no precision``: ``favor_precision`` off, with and without the fallback;
- ``pipeline``: ``bot.ingest.extract.extract_page``, what the workers run: the fast pass,
  then the full one for a page that yields fewer than ``MIN_PAGE_WORDS`` words;
- ``pipeline, one parse``: the same, the page parsed once (``trafilatura.load_html``)
  and the tree handed to both passes (trafilatura copies a tree it is given).

Columns: F1, precision (P), recall (R), CPU seconds and its ratio to the baseline,
pages whose text differs from ``full``'s, pages whose precision falls by more than 0.05
against ``full`` (what a reader would notice: boilerplate in the article), and the
shingles of all outputs that are not in the truth (boilerplate, summed).

Then the worker's work per page, as the ingest cycle gives it (``worker_tasks``:
extract without metadata, signature, analyse with the page's ``<title>``, and the brief
of a story of that one article): CPU of each step; and the CPU of starting the
workers' fork server (a fresh interpreter importing ``bot.ingest.workers`` and its
``PRELOAD``). ``--profile`` adds a
cProfile of that worker's work: time by library and by the steps inside each.

Usage: python benchmarks/extraction.py [ARTICLES_DIR] [--limit N] [--profile]
(ARTICLES_DIR defaults to ../shared/eval/articles relative to the repository root).
The last line is the main figure.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import os
import pstats
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.ingest import _title, f1, shingles  # noqa: E402  (the same score)

DEFAULT_ARTICLES = REPO / ".." / "shared" / "eval" / "articles"
NOTICEABLE = 0.05  # a fall in a page's precision a reader would see as boilerplate


@dataclass
class Page:
    id: str
    url: str
    html: bytes
    truth: str
    title: str


@dataclass
class Run:
    name: str
    fn: Callable[[Page], str]
    cpu: float = 0.0
    texts: dict[str, str] = field(default_factory=dict)


def load(articles: Path, limit: int) -> list[Page]:
    truth = json.loads((articles / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    pages = []
    for i in ids:
        html = gzip.decompress((articles / "html" / f"{i}.html.gz").read_bytes())
        pages.append(Page(i, truth[i]["url"], html, truth[i]["articleBody"], _title(html)))
    return pages


def option_sets() -> list[Run]:
    import trafilatura

    from bot.ingest.extract import DATE_OPTIONS, MIN_PAGE_WORDS, TRAFILATURA_OPTIONS, extract_page

    def bare(html: object, url: str, **kw: object) -> str:
        options = {**TRAFILATURA_OPTIONS, "date_extraction_params": DATE_OPTIONS, **kw}
        doc = trafilatura.bare_extraction(html, url=url, **options)  # type: ignore[arg-type]
        return (doc.text or "").strip() if doc is not None else ""

    def one_parse(p: Page) -> str:
        tree = trafilatura.load_html(p.html)
        if tree is None:
            return ""
        text = bare(tree, p.url, fast=True)
        if len(text.split()) < MIN_PAGE_WORDS:
            text = bare(tree, p.url)
        return text

    return [
        Run("extract defaults (baseline)", lambda p: trafilatura.extract(p.html, url=p.url) or ""),
        Run(
            "extract defaults, fast",
            lambda p: trafilatura.extract(p.html, url=p.url, fast=True) or "",
        ),
        Run("full, metadata", lambda p: bare(p.html, p.url, with_metadata=True)),
        Run("full", lambda p: bare(p.html, p.url)),
        Run("fast, metadata", lambda p: bare(p.html, p.url, fast=True, with_metadata=True)),
        Run("fast", lambda p: bare(p.html, p.url, fast=True)),
        Run("no precision, full", lambda p: bare(p.html, p.url, favor_precision=False)),
        Run(
            "no precision, fast",
            lambda p: bare(p.html, p.url, favor_precision=False, fast=True),
        ),
        Run("pipeline, metadata", lambda p: extract_page(p.html, p.url, None).text),
        Run("pipeline", lambda p: extract_page(p.html, p.url, None, metadata=False).text),
        Run("pipeline, one parse", one_parse),
    ]


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(runs: list[Run], pages: list[Page]) -> None:
    for run in runs:  # lazy loads (stop lists, tables) happen here, untimed
        for page in pages[:2]:
            run.fn(page)
    for page in pages:
        for run in runs:
            started = cpu_now()
            run.texts[page.id] = run.fn(page)
            run.cpu += cpu_now() - started


def precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    pred, gold = shingles(predicted), shingles(truth)
    if not pred or not gold:
        return (1.0, 1.0) if not pred and not gold else (0.0, 0.0)
    hits = len(pred & gold)
    return hits / len(pred), hits / len(gold)


def report(runs: list[Run], pages: list[Page]) -> Run:
    base, full = runs[0], next(r for r in runs if r.name == "full")
    full_p = {p.id: precision_recall(full.texts[p.id], p.truth)[0] for p in pages}
    n = len(pages)
    print(
        f"{'option set':<28}{'F1':>7}{'P':>7}{'R':>7}{'CPU s':>8}{'x base':>8}"
        f"{'differ':>8}{'P fall':>8}{'junk':>7}"
    )
    for run in runs:
        scores = [f1(run.texts[p.id], p.truth) for p in pages]
        pr = [precision_recall(run.texts[p.id], p.truth) for p in pages]
        differ = sum(1 for p in pages if run.texts[p.id] != full.texts[p.id])
        falls = sum(
            1 for p, (prec, _) in zip(pages, pr, strict=True) if prec < full_p[p.id] - NOTICEABLE
        )
        junk = sum(len(shingles(run.texts[p.id]) - shingles(p.truth)) for p in pages)
        print(
            f"{run.name:<28}{sum(scores) / n:>7.3f}{sum(x for x, _ in pr) / n:>7.3f}"
            f"{sum(r for _, r in pr) / n:>7.3f}{run.cpu:>8.2f}{run.cpu / base.cpu:>8.2f}"
            f"{differ:>8}{falls:>8}{junk:>7}"
        )
    return base


def worker_split(pages: list[Page]) -> dict[str, float]:
    """CPU of each step of a worker's work on the pages, as the cycle asks for it (the
    brief as for a story of one article: the cycle builds one for each new story)."""
    import bot.ingest.worker_preload  # noqa: F401  (the fork server's warm-up: lazy loads)
    from bot.ingest import worker_tasks
    from bot.ingest.extract import choose_text

    split = {"extract": 0.0, "signature": 0.0, "analyse": 0.0, "brief": 0.0}
    for page in pages:
        t0 = cpu_now()
        extracted = worker_tasks.extract(page.html, page.url, None, False)
        t1 = cpu_now()
        text, _ = choose_text(extracted, "")
        worker_tasks.signature(text)
        t2 = cpu_now()
        analysis = worker_tasks.analyse(text, page.title or None)
        t3 = cpu_now()
        worker_tasks.summarize([(analysis, text, page.title or None)])
        t4 = cpu_now()
        for step, seconds in zip(split, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            split[step] += seconds
    return split


def fork_server_start() -> tuple[float, int]:
    """CPU seconds and modules of a fresh interpreter importing what the fork server does."""
    code = (
        "import sys; import bot.ingest.workers as w; "
        "[__import__(m) for m in w.PRELOAD]; print(len(sys.modules))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, int(out.stdout.split()[-1])


# cumulative time of these functions, as parts of the worker's work (profile)
_STEPS = {
    "trafilatura: load_html (decode, parse)": ("trafilatura/utils.py", "load_html"),
    "trafilatura: metadata": ("trafilatura/metadata.py", "extract_metadata"),
    "trafilatura: fallback comparison": ("trafilatura/external.py", "compare_extraction"),
    "trafilatura: main extractor": ("trafilatura/main_extractor.py", "extract_content"),
    "trafilatura: tree preparation": ("trafilatura/core.py", "_prepare_tree"),
    "summarizer: analyse": ("summarizer/__init__.py", "analyse"),
    "summarizer: brief": ("summarizer/story.py", "summarize_story"),
}


def profile(pages: list[Page]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    worker_split(pages)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in raw.values())
    by_library: dict[str, float] = {}
    for (path, _, _), (_, _, tt, _, _) in raw.items():
        by_library[_library(path)] = by_library.get(_library(path), 0.0) + tt
    print(f"\nprofile of the worker's work (cProfile, {total:.2f} s): own time by library")
    for name, seconds in sorted(by_library.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {name:<40}{seconds:>7.2f} s {seconds / total:>5.0%}")
    print("cumulative time of the steps")
    for label, (suffix, function) in _STEPS.items():
        seconds = sum(
            ct for (path, _, name), (_, _, _, ct, _) in raw.items()
            if name == function and path.endswith(suffix)
        )  # fmt: skip
        print(f"  {label:<40}{seconds:>7.2f} s {seconds / total:>5.0%}")
    print("summarizer's own time by module")
    modules: dict[str, float] = {}
    for (path, _, _), (_, _, tt, _, _) in raw.items():
        if "/summarizer/" in path:
            key = path.split("/summarizer/", 1)[1]
            modules[key] = modules.get(key, 0.0) + tt
    for name, seconds in sorted(modules.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {name:<40}{seconds:>7.2f} s {seconds / total:>5.0%}")


def _library(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/summarizer/" in path:
        return "summarizer"
    if "/bot/" in path:
        return "bot"
    if path.startswith("<") or path == "~":
        return "builtins (C: regex, lxml calls, hashing...)"
    return "python stdlib"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="?", default=str(DEFAULT_ARTICLES))
    parser.add_argument("--limit", type=int, default=0, help="use only the first N pages")
    parser.add_argument("--profile", action="store_true", help="profile the worker's work")
    args = parser.parse_args()
    pages = load(Path(args.articles), args.limit)
    print(f"{len(pages)} pages; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    runs = option_sets()
    measure(runs, pages)
    base = report(runs, pages)
    pipeline = next(r for r in runs if r.name == "pipeline")

    split = worker_split(pages)
    total = sum(split.values())
    parts = ", ".join(f"{k} {v:.2f} s ({v / total:.0%})" for k, v in split.items())
    print(f"\nworker's work on the pages (no metadata, as the ingest benchmark): {parts}")
    start_cpu, modules = fork_server_start()
    print(f"fork server start (imports and warm-up, once per process): {start_cpu:.2f} s CPU, "
          f"{modules} modules")  # fmt: skip
    if args.profile:
        profile(pages)
    n = len(pages)
    scores = [f1(pipeline.texts[p.id], p.truth) for p in pages]
    print(
        f"pipeline extraction F1 {sum(scores) / n:.3f}, CPU {pipeline.cpu:.2f} s "
        f"({pipeline.cpu / base.cpu:.2f}x trafilatura.extract defaults), "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
