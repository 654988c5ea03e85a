"""Speed of ``summarizer.analyse`` on real articles, against plain sumy LexRank.

The 181 ground-truth bodies of the ScrapingHub article benchmark are analysed one by one
on a single core (BLAS limited to one thread). The baseline, in the same run, is sumy's
LexRank choosing three sentences from the same texts, given our tokenizer (sumy's own
needs NLTK data that is not available here).

    python benchmarks/speed.py [../shared/eval/articles/ground-truth.json] [--repeat N] [--cpu]

``--cpu`` times with the process's CPU clock: on a machine other work shares, the wall
clock also counts the time this process waited for the core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "../shared/eval/articles/ground-truth.json"

TARGET_RATE = 50.0  # articles/s
TARGET_P95_MS = 60.0
TARGET_MAX_MS = 500.0


def load_texts(path: Path) -> list[str]:
    truth = json.loads(path.read_text(encoding="utf-8"))
    return [item["articleBody"] for _, item in sorted(truth.items())]


def time_each(
    texts: list[str],
    work: Callable[[str], object],
    repeat: int,
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    """Per-article time in ms (wall time unless ``clock`` says otherwise), the best of
    ``repeat`` runs for each article."""
    best = [float("inf")] * len(texts)
    for _ in range(repeat):
        for index, text in enumerate(texts):
            started = clock()
            work(text)
            best[index] = min(best[index], (clock() - started) * 1000)
    return best


def sumy_lexrank() -> Callable[[str], object]:
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from summarizer.text import SentenceTokenizer

    tokenizer = SentenceTokenizer()
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def run(text: str) -> object:
        document = PlaintextParser.from_string(text, tokenizer).document
        return summarizer(document, 3)

    return run


def summarise(name: str, times_ms: list[float]) -> dict[str, float | str]:
    ordered = sorted(times_ms)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "method": name,
        "articles/s": len(ordered) / (sum(ordered) / 1000),
        "median ms": statistics.median(ordered),
        "p95 ms": p95,
        "max ms": ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3, help="runs per article; the best counts")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time with the process's CPU clock instead of the wall clock: on a machine "
        "shared with other work, the time this process was not running is left out",
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter

    if hasattr(os, "sched_setaffinity"):  # one core, as the target says
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from summarizer import analyse

    texts = load_texts(args.data.resolve())
    with threadpool_limits(limits=1):
        analyse(texts[0])  # warm-up: imports, compiled patterns, sumy's tables
        rows = [
            summarise("newsbrief analyse", time_each(texts, analyse, args.repeat, clock)),
            summarise(
                "sumy LexRank (baseline)", time_each(texts, sumy_lexrank(), args.repeat, clock)
            ),
        ]

    print(
        f"{len(texts)} articles, {sum(map(len, texts)) / len(texts):.0f} characters on average; "
        f"{'CPU' if args.cpu else 'wall'} time; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'method':<26}{'articles/s':>12}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for row in rows:
        print(
            f"{row['method']:<26}{row['articles/s']:>12.1f}{row['median ms']:>11.1f}"
            f"{row['p95 ms']:>9.1f}{row['max ms']:>9.1f}"
        )
    ours, baseline = rows
    speedup = float(ours["articles/s"]) / float(baseline["articles/s"])
    print(
        f"analyse {ours['articles/s']:.1f} articles/s, p95 {ours['p95 ms']:.1f} ms, "
        f"max {ours['max ms']:.0f} ms; {speedup:.2f}x "
        f"plain sumy LexRank (target >= {TARGET_RATE:.0f}/s, p95 <= {TARGET_P95_MS:.0f} ms, "
        f"max <= {TARGET_MAX_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
