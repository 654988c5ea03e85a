"""Start-up of the ``newsbrief`` command: ``--help``, and ``analyse`` of one short article.

Each call is a fresh process, as a user or a cron job starts it: the first call is shown
alone (the operating system's file cache may still be cold for it), then the median of
``--runs`` more, in wall time and in CPU time (user + system, from the children's resource
usage). On a machine other work shares, wall time also counts waiting for a core: the CPU
time is what the command itself costs. The short article is the first of the AEB
ground-truth texts (in id order) of 1,400 to 2,000 characters, written to a temporary file.

    python benchmarks/startup.py [../shared/eval/articles/ground-truth.json] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "../shared/eval/articles/ground-truth.json"
TARGETS_S = {"--help": 0.3, "analyse": 1.0}  # wall, on a quiet machine (issue 11)
SHORT = (1_400, 2_000)  # characters of the short article


def command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m bot.cli``."""
    script = Path(sys.executable).with_name("newsbrief")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def short_article(path: Path) -> str:
    truth = json.loads(path.read_text(encoding="utf-8"))
    for _, item in sorted(truth.items()):
        if SHORT[0] <= len(item["articleBody"]) <= SHORT[1]:
            return str(item["articleBody"])
    raise SystemExit(f"no article of {SHORT[0]:,} to {SHORT[1]:,} characters in {path}")


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=5, help="calls after the first (default 5)")
    args = parser.parse_args()

    text = short_article(args.data.resolve())
    base = command()
    print(f"{' '.join(base)}; load average {load_average()}")
    print(
        f"{'command':<28}{'first wall s':>13}{'first CPU s':>12}{'median wall s':>14}"
        f"{'median CPU s':>13}{'target':>8}"
    )
    medians: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        article = Path(folder) / "short.txt"
        article.write_text(text, encoding="utf-8")
        calls = {
            "--help": [*base, "--help"],
            "analyse": [*base, "analyse", str(article)],
        }
        for name, argv in calls.items():
            first_wall, first_cpu = run_once(argv)
            rest = [run_once(argv) for _ in range(args.runs)]
            medians[name] = statistics.median(wall for wall, _ in rest)
            label = name if name == "--help" else f"analyse ({len(text):,} characters)"
            print(
                f"{label:<28}{first_wall:>13.2f}{first_cpu:>12.2f}{medians[name]:>14.2f}"
                f"{statistics.median(cpu for _, cpu in rest):>13.2f}"
                f"{'<= ' + format(TARGETS_S[name], '.1f'):>8}"
            )
    print(f"load average at the end {load_average()}")
    print(
        f"newsbrief --help {medians['--help']:.2f} s (target <= {TARGETS_S['--help']:.1f} s), "
        f"analyse of a short article {medians['analyse']:.2f} s "
        f"(target <= {TARGETS_S['analyse']:.1f} s): median wall of {args.runs} fresh processes"
    )


if __name__ == "__main__":
    main()
