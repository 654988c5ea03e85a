"""Speed of ``summarizer.analyse`` on real articles, against plain sumy TextRank and LexRank.

The 181 ground-truth bodies of the ScrapingHub article benchmark are analysed one by one
on a single core (BLAS limited to one thread), each article timed once: a first pass, as
the bot meets an article, not the best of several runs (``--repeat N`` keeps the best of
N for comparison). The baselines, in the same run, on the same texts: plain sumy
TextRank (the algorithm ``summarizer.keypoints`` wraps) and plain sumy LexRank, each
choosing three sentences, given our sentence tokenizer (sumy's own needs NLTK data that
is not available here). Every method is first called once on a short text of this file's
own, so imports and compiled patterns are not counted as the first article's time.

Then a length sweep shows how the cost grows: texts of 1,000 to 1,000,000 characters made
of the same articles joined in order (one call each; past the 807,276 characters of the
181 articles the text goes round them again). ``analyse`` reads at most
``summarizer.MAX_ANALYSED_CHARS`` (200,000) characters, so its 1,000,000-character call
should cost about what the 200,000 one does. A baseline size is not run when its
estimated time (the previous size's, grown with the square of the length, as both
baselines compare every pair of sentences) or a smaller size's measured time passes
``--sweep-cap`` seconds; the output says so.

    python benchmarks/speed.py [../shared/eval/articles/ground-truth.json]
        [--repeat N] [--cpu] [--sweep-cap SECONDS] [--no-sweep]

``--cpu`` times with the process's CPU clock: on a machine other work shares, the wall
clock also counts the time this process waited for the core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
# this tree's summarizer, not the one the environment has installed (an A/B against an
# older tree's copy measured the installed one twice)
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO / "../shared/eval/articles/ground-truth.json"

TARGET_RATE = 150.0  # articles/s on one core (issue 8)
TARGET_P95_MS = 60.0
TARGET_MAX_MS = 500.0
SWEEP_SIZES = (1_000, 10_000, 100_000, 200_000, 1_000_000)
SWEEP_CAP_S = 30.0
SENTENCES = 3  # what each baseline chooses, as a brief's key points

# A short text of our own for the warm-up call: no evaluation article is seen twice.
WARM_UP = (
    "The talks will resume in Geneva next week, the foreign minister said on Monday.\n\n"
    "\u201cWe are ready to listen,\u201d she told reporters in Paris. Germany and Japan "
    "welcomed the announcement, and the United Nations said it would send observers."
)

Work = Callable[[str], object]
Clock = Callable[[], float]


def load_texts(path: Path) -> list[str]:
    truth = json.loads(path.read_text(encoding="utf-8"))
    return [item["articleBody"] for _, item in sorted(truth.items())]


def time_each(texts: list[str], work: Work, repeat: int, clock: Clock) -> list[float]:
    """Per-article time in ms with ``clock``: the first pass, or the best of ``repeat``."""
    best = [float("inf")] * len(texts)
    for _ in range(repeat):
        for index, text in enumerate(texts):
            started = clock()
            work(text)
            best[index] = min(best[index], (clock() - started) * 1000)
    return best


def sumy_baseline(kind: str) -> Work:
    """Plain sumy ``kind`` ("TextRank" or "LexRank") choosing three sentences."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    from summarizer.text import SentenceTokenizer

    tokenizer = SentenceTokenizer()
    chosen = {"TextRank": TextRankSummarizer, "LexRank": LexRankSummarizer}[kind]
    summarizer = chosen(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def run(text: str) -> object:
        document = PlaintextParser.from_string(text, tokenizer).document
        return summarizer(document, SENTENCES)

    return run


@dataclass
class Row:
    """One method's per-article figures."""

    method: str
    rate: float  # articles/s
    median_ms: float
    p95_ms: float
    max_ms: float


def summarise(name: str, times_ms: list[float]) -> Row:
    ordered = sorted(times_ms)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return Row(
        method=name,
        rate=len(ordered) / (sum(ordered) / 1000),
        median_ms=statistics.median(ordered),
        p95_ms=p95,
        max_ms=ordered[-1],
    )


def sweep_texts(texts: list[str], sizes: tuple[int, ...]) -> list[str]:
    """Texts of about each size: the articles joined in order, cut at a line break."""
    from summarizer import analysed_length  # the same rule for where to cut

    corpus = "\n\n".join(texts)
    joined = corpus
    while len(joined) < max(sizes):
        joined += "\n\n" + corpus
    return [joined[: analysed_length(joined, size)] for size in sizes]


@dataclass
class Point:
    """One call of the sweep: its time, or why it was not run."""

    characters: int
    ms: float | None = None
    skipped: str = ""


def sweep(work: Work, texts: list[str], clock: Clock, cap_s: float) -> list[Point]:
    """One call per text, shortest first; a size past ``cap_s`` (measured or estimated) is
    not run, and neither is any longer one."""
    points: list[Point] = []
    previous: Point | None = None
    for text in texts:
        point = Point(len(text))
        points.append(point)
        if previous is not None:
            if previous.ms is None:
                point.skipped = "not run: a shorter text was not run"
                continue
            if previous.ms / 1000 > cap_s:
                point.skipped = f"not run: {previous.characters:,} took over {cap_s:.0f} s"
                continue
            estimate_s = previous.ms / 1000 * (len(text) / previous.characters) ** 2
            if estimate_s > cap_s:
                point.skipped = (
                    f"not run: estimated {estimate_s:,.0f} s (quadratic growth from "
                    f"{previous.characters:,}), over the {cap_s:.0f} s cap"
                )
                continue
        started = clock()
        work(text)
        point.ms = (clock() - started) * 1000
        previous = point
    return points


def load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def print_rows(rows: list[Row]) -> None:
    print(f"{'method':<20}{'articles/s':>12}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for row in rows:
        print(
            f"{row.method:<20}{row.rate:>12.1f}{row.median_ms:>11.1f}"
            f"{row.p95_ms:>9.1f}{row.max_ms:>9.1f}"
        )
    ours = rows[0]
    for baseline in rows[1:]:
        print(
            f"analyse against {baseline.method}: {ours.rate / baseline.rate:.2f}x the "
            f"articles/s; {baseline.method} takes {baseline.median_ms / ours.median_ms:.2f}x "
            f"its median, {baseline.p95_ms / ours.p95_ms:.2f}x its p95, "
            f"{baseline.max_ms / ours.max_ms:.2f}x its max"
        )


def print_sweep(names: list[str], results: list[list[Point]]) -> None:
    print()
    print("length sweep: one call per text; ms per call and ms per 1,000 characters")
    header = f"{'characters':>11}"
    for name in names:
        header += f"{name + ' ms':>19}{'/1k':>8}"
    print(header)
    for index, first in enumerate(results[0]):
        line = f"{first.characters:>11,}"
        for points in results:
            point = points[index]
            if point.ms is None:
                line += f"{'-':>19}{'-':>8}"
            else:
                line += f"{point.ms:>19,.1f}{point.ms / point.characters * 1000:>8.2f}"
        print(line)
    for name, points in zip(names, results, strict=True):
        for point in points:
            if point.skipped:
                print(f"  {name}, {point.characters:,} characters: {point.skipped}")


def print_cap_note(points: list[Point]) -> None:
    """What the 1,000,000-character call of analyse costs against the 200,000 one."""
    from summarizer import MAX_ANALYSED_CHARS

    within = [point for point in points if point.characters <= MAX_ANALYSED_CHARS]
    at_cap = within[-1] if within else None
    longest = points[-1]
    if at_cap is None or at_cap is longest or at_cap.ms is None or longest.ms is None:
        return
    print(
        f"  analyse reads at most {MAX_ANALYSED_CHARS:,} characters "
        f"(summarizer.MAX_ANALYSED_CHARS): its {longest.characters:,}-character call took "
        f"{longest.ms / at_cap.ms:.2f}x its {at_cap.characters:,}-character call"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per article, the best counting (default 1: the first pass)",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time with the process's CPU clock instead of the wall clock: on a machine "
        "shared with other work, the time this process was not running is left out",
    )
    parser.add_argument(
        "--sweep-cap",
        type=float,
        default=SWEEP_CAP_S,
        metavar="SECONDS",
        help="in the length sweep, a baseline size estimated or measured past this is not "
        f"run (default {SWEEP_CAP_S:.0f})",
    )
    parser.add_argument("--no-sweep", action="store_true", help="leave out the length sweep")
    args = parser.parse_args()
    clock: Clock = time.process_time if args.cpu else time.perf_counter

    if hasattr(os, "sched_setaffinity"):  # one core, as the target says
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from summarizer import analyse

    texts = load_texts(args.data.resolve())
    names = ["analyse", "sumy TextRank", "sumy LexRank"]
    methods: list[Work] = [analyse, sumy_baseline("TextRank"), sumy_baseline("LexRank")]
    pass_name = "first pass" if args.repeat == 1 else f"best of {args.repeat}"
    print(
        f"{len(texts)} articles, {sum(map(len, texts)) / len(texts):,.0f} characters on "
        f"average; one core; {pass_name}; {'CPU' if args.cpu else 'wall'} time; "
        f"load average {load_average()}"
    )
    with threadpool_limits(limits=1):
        for work in methods:
            work(WARM_UP)  # imports, compiled patterns, sumy's tables
        rows = [
            summarise(name, time_each(texts, work, args.repeat, clock))
            for name, work in zip(names, methods, strict=True)
        ]
        print_rows(rows)
        if not args.no_sweep:
            long_texts = sweep_texts(texts, SWEEP_SIZES)
            results = [sweep(analyse, long_texts, clock, cap_s=float("inf"))]
            results += [sweep(work, long_texts, clock, args.sweep_cap) for work in methods[1:]]
            print_sweep(names, results)
            print_cap_note(results[0])

    ours, textrank, lexrank = rows
    print(f"load average at the end {load_average()}")
    print(
        f"analyse {ours.rate:.1f} articles/s on one core, p95 {ours.p95_ms:.1f} ms, "
        f"max {ours.max_ms:.0f} ms ({pass_name}, {'CPU' if args.cpu else 'wall'}); "
        f"{ours.rate / textrank.rate:.2f}x sumy TextRank, {ours.rate / lexrank.rate:.2f}x "
        f"sumy LexRank (target >= {TARGET_RATE:.0f}/s, p95 <= {TARGET_P95_MS:.0f} ms, "
        f"max <= {TARGET_MAX_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
