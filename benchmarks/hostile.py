"""Hostile input: ``analyse`` on patterns a stranger's page can carry, against today's main.

Each case (a pattern repeated to 1k, 10k, 100k and 1 M characters) runs in a fresh
process, so its peak RSS (``resource.getrusage``) is its own and not the leftovers of
the case before. The time is that of one ``analyse`` call after a warm-up on a normal
sentence (imports and models are loaded by then; they are in the RSS). The baseline is
the summarizer of commit ``464d051`` (issue 7's "today's main"), unpacked with
``git archive`` into a temporary directory and run in the same way, each case stopped
after ``--limit`` seconds. A first pass, not a best of N.

    python benchmarks/hostile.py [--sizes 1000,10000,100000,1000000] [--limit 20]
        [--baseline 464d051 | --no-baseline] [--cases script,comment,...]

Target (issue 7): every case at 1 M characters within 2 s and under 300 MB RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "464d051"
TARGET_SECONDS = 2.0
TARGET_MB = 300.0


def _repeat(unit: str) -> Callable[[int], str]:
    """A text of exactly ``n`` characters: ``unit`` repeated, the last copy cut."""
    return lambda n: (unit * (n // len(unit) + 1))[:n]


# RTL and zero-width: an Arabic sentence with bidi overrides, a Latin one with zero-width
# joiners inside its words, and quote marks in between.
_RTL = (
    "\u202eقال وزير الخارجية \u200f«إن\u200d المحادثات\u200c مستمرة» \u202c"
    "Ir\u200ban\u200d and Rus\u200csia \u2067signed\u2069 “a\u200b deal” \u200e. "
)
CASES: dict[str, Callable[[int], str]] = {
    "<script>": _repeat("<script>"),
    "<!--": _repeat("<!--"),
    "“ x n": _repeat("“"),
    '" x n': _repeat('"'),
    "NUL-laced quotes": _repeat('\x00“\x00a\x00”\x00"\x00'),
    "Lavrov and Iran met.": _repeat("Lavrov and Iran met. "),
    "RTL + zero-width": _repeat(_RTL),
}

# Runs in the child: the summarizer from ROOT, one case, one size; prints JSON.
_CHILD = r"""
import json, resource, sys, time
root, case, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
sys.path.insert(1, sys.argv[4])
from hostile import CASES
from summarizer import analyse
analyse("Russia and Iran signed a deal in Tehran on Monday, officials said.")
text = CASES[case](n)
started = time.perf_counter()
result = analyse(text)
seconds = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "mb": peak_kb / 1024, "sentences": len(result.sentences)}))
"""


@dataclass
class Outcome:
    seconds: float | None  # None: stopped at the limit
    mb: float | None
    error: str | None = None

    def cell(self, limit: float) -> str:
        if self.error:
            return f"{'error':>9}{'':>8}"
        if self.seconds is None:
            return f"{'>' + format(limit, 'g') + ' s':>9}{'-':>8}"
        return f"{self.seconds:>8.2f}s{self.mb:>6.0f}MB"


def run_case(root: Path, case: str, n: int, limit: float) -> Outcome:
    """One case in a fresh interpreter; its wall time inside and its peak RSS."""
    argv = [sys.executable, "-c", _CHILD, str(root), case, str(n), str(Path(__file__).parent)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=limit + 15)
    except subprocess.TimeoutExpired:
        return Outcome(None, None)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return Outcome(None, None, error=last[:120])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    if data["seconds"] > limit:
        return Outcome(None, None)
    return Outcome(data["seconds"], data["mb"])


def unpack_baseline(commit: str, into: Path) -> Path:
    """The summarizer package of ``commit``, as ``git archive`` gives it."""
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", commit, "summarizer"], cwd=REPO, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per baseline case")
    parser.add_argument("--baseline", default=BASELINE_COMMIT)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cases = args.cases.split(",") if args.cases else list(CASES)

    with tempfile.TemporaryDirectory() as tmp:
        old_root = None if args.no_baseline else unpack_baseline(args.baseline, Path(tmp))
        print(
            f"{'case':<22}{'chars':>9}  {'now: time  peak RSS':>20}  {'main ' + args.baseline:>20}"
        )
        worst_seconds, worst_mb, failures = 0.0, 0.0, 0
        for case in cases:
            for n in sizes:
                now = run_case(REPO, case, n, limit=max(args.limit, 60.0))
                old = run_case(old_root, case, n, args.limit) if old_root else None
                print(
                    f"{case:<22}{n:>9}  {now.cell(60.0):>20}  "
                    f"{old.cell(args.limit) if old else '':>20}",
                    flush=True,
                )
                if now.error or now.seconds is None:
                    failures += 1
                elif n == max(sizes):
                    worst_seconds = max(worst_seconds, now.seconds)
                    worst_mb = max(worst_mb, now.mb or 0.0)
    met = failures == 0 and worst_seconds <= TARGET_SECONDS and worst_mb <= TARGET_MB
    print(
        f"worst case at {max(sizes):,} characters: {worst_seconds:.2f} s, {worst_mb:.0f} MB RSS"
        f"{f', {failures} failed' if failures else ''} (target <= {TARGET_SECONDS:g} s and "
        f"<= {TARGET_MB:g} MB: {'met' if met else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
