"""Who said each quote, on real news: recall, precision, full name, wrong, title, role.

    python benchmarks/attribution.py [PATH] [--baseline-commit REV] [--no-baseline]
                                     [--show-errors N] [--kind wrong|missed|name|title|role]

PATH is ``aeb.jsonl`` (default ``../shared/eval/attribution/aeb.jsonl``): 122 English news
articles with every direct quote annotated with the speaker's full name, title and role.
The scoring rules are exactly those of the evaluation README (/work/shared/eval/README.md).

The baseline is measured in the same run: the summarizer as it was at commit 464d051
(before issue 8) is exported with ``git archive`` into a temporary directory and run in a
subprocess on the same articles. The figures the issue quotes for it are
recall 0.886, precision 0.942, full name 0.822, wrong 0.126, title 0.529, role not
predicted; they are printed too, as a check that the scoring here is the README's.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "../shared/eval/attribution/aeb.jsonl"
BASELINE_COMMIT = "464d051"
ISSUE_BASELINE = {
    "recall": 0.886,
    "precision": 0.942,
    "full name": 0.822,
    "wrong": 0.126,
    "title": 0.529,
    "role": None,
}
TARGETS = {
    "recall": 0.88,
    "precision": None,
    "full name": 0.93,
    "wrong": 0.03,
    "title": 0.85,
    "role": 0.90,
}
STOP = frozenset(
    "the a an of his her their its and to in for on at by mr mrs ms dr 's s".split()
    + "sir dame lord lady".split()
)
_WORD = re.compile(r"[\w'-]+")

# Run inside a subprocess (the current tree or an exported old commit): JSON predictions out.
_PREDICT = """
import json, sys
from summarizer import analyse
out = []
for line in sys.stdin:
    text = json.loads(line)
    out.append([
        [q.start, q.end, q.speaker, q.speaker_title, getattr(q, "speaker_role", None)]
        for q in analyse(text).quotes
    ])
json.dump(out, sys.stdout)
"""


def words(s: str | None) -> set[str]:
    """Name words by rule 2: lower-cased ``[\\w'-]+`` tokens without the stop words."""
    if not s:
        return set()
    return {w for w in _WORD.findall(s.lower().replace("’", "'")) if w not in STOP}


def word_list(s: str | None) -> list[str]:
    if not s:
        return []
    return [w for w in _WORD.findall(s.lower().replace("’", "'")) if w not in STOP]


@dataclass(frozen=True, slots=True)
class Pred:
    start: int
    end: int
    speaker: str | None
    title: str | None
    role: str | None


def overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def hits(p: Pred, g: dict) -> int:
    """The overlap when it is at least half of the shorter span, else 0 (rule 1)."""
    ov = overlap(p.start, p.end, g["start"], g["end"])
    shorter = min(p.end - p.start, g["end"] - g["start"])
    return ov if shorter > 0 and ov * 2 >= shorter else 0


def names(g: dict) -> list[set[str]]:
    return [w for w in [words(g["speaker"])] + [words(a) for a in g.get("aliases") or []] if w]


def full_name_right(p: Pred, g: dict) -> bool:
    got = words(p.speaker)
    return any(n <= got for n in names(g))


def title_f1(pred: str | None, gold: str) -> float:
    a, b = word_list(pred), word_list(gold)
    if not a or not b:
        return 0.0
    common = sum(min(a.count(w), b.count(w)) for w in set(a))
    if not common:
        return 0.0
    p, r = common / len(a), common / len(b)
    return 2 * p * r / (p + r)


@dataclass(slots=True)
class Tally:
    gold_named: int = 0
    recalled: int = 0
    predicted: int = 0
    precise: int = 0
    name_right: int = 0
    wrong_base: int = 0
    wrong: int = 0
    title_base: int = 0
    title_right: int = 0
    role_right: int = 0
    roles_predicted: bool = False

    def figures(self) -> dict[str, float | None]:
        def ratio(a: int, b: int) -> float | None:
            return a / b if b else None

        return {
            "recall": ratio(self.recalled, self.gold_named),
            "precision": ratio(self.precise, self.predicted),
            "full name": ratio(self.name_right, self.recalled),
            "wrong": ratio(self.wrong, self.wrong_base),
            "title": ratio(self.title_right, self.title_base),
            "role": ratio(self.role_right, self.name_right) if self.roles_predicted else None,
        }


def score_article(gold: list[dict], preds: list[Pred], tally: Tally, errors: list) -> None:
    """Add one article's counts (rules 1-7) to ``tally``; collect errors for reading."""
    attributed = [p for p in preds if p.speaker]
    tally.predicted += len(attributed)
    for p in attributed:
        hit = [g for g in gold if hits(p, g)]
        if not hit:
            continue
        tally.precise += 1
        if p.speaker[:1].islower() and all(g["speaker"] is None for g in hit):
            continue
        tally.wrong_base += 1
        got = words(p.speaker)
        if not any(got & n for g in hit for n in names(g)):
            tally.wrong += 1
            errors.append(("wrong", p, hit[0]))
    for g in gold:
        if g["speaker"] is None:
            continue
        tally.gold_named += 1
        scored = [(hits(p, g), p) for p in attributed]
        scored = [(ov, p) for ov, p in scored if ov]
        if not scored:
            errors.append(("missed", None, g))
            continue
        tally.recalled += 1
        best = max(scored, key=lambda x: x[0])[1]
        if not full_name_right(best, g):
            errors.append(("name", best, g))
            continue
        tally.name_right += 1
        if g.get("title"):
            tally.title_base += 1
            if title_f1(best.title, g["title"]) >= 0.5:
                tally.title_right += 1
            else:
                errors.append(("title", best, g))
        official = best.role == "official"
        if official == (g.get("role") == "official"):
            tally.role_right += 1
        else:
            errors.append(("role", best, g))


def predict(articles: list[dict], root: Path) -> list[list[Pred]]:
    """Run ``analyse`` of the summarizer under ``root`` on every article, in a subprocess."""
    stdin = "".join(json.dumps(a["text"]) + "\n" for a in articles)
    done = subprocess.run(
        [sys.executable, "-c", _PREDICT],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return [[Pred(*q) for q in article] for article in json.loads(done.stdout)]


def export_commit(rev: str, into: Path) -> Path:
    """The summarizer package as it was at ``rev``, unpacked under ``into``."""
    archive = subprocess.run(
        ["git", "archive", rev, "summarizer"], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def score(articles: list[dict], predictions: list[list[Pred]]) -> tuple[Tally, list]:
    tally, errors = Tally(), []
    tally.roles_predicted = any(p.role for preds in predictions for p in preds)
    for article, preds in zip(articles, predictions, strict=True):
        before = len(errors)
        score_article(article["quotes"], preds, tally, errors)
        for i in range(before, len(errors)):
            errors[i] = (*errors[i], article)
    return tally, errors


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def show_errors(errors: Iterable, kinds: set[str], limit: int) -> None:
    shown = 0
    for kind, p, g, article in errors:
        if kind not in kinds or shown >= limit:
            continue
        shown += 1
        text = article["text"]
        ctx = text[max(0, g["start"] - 160) : g["end"] + 160].replace("\n", " ¶ ")
        print(
            f"--- {kind} [{article['id'][:8]}] gold={g['speaker']!r} ({g['title']!r}, {g['role']})"
        )
        if p is not None:
            print(f"    pred={p.speaker!r} ({p.title!r}, {p.role})")
        print(f"    {ctx}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--show-errors", type=int, default=0)
    ap.add_argument("--kind", default="wrong,name")
    args = ap.parse_args()
    articles = [json.loads(line) for line in args.path.read_text(encoding="utf-8").splitlines()]
    t0 = time.perf_counter()
    now_tally, errors = score(articles, predict(articles, REPO))
    elapsed = time.perf_counter() - t0
    base = None
    if not args.no_baseline:
        with tempfile.TemporaryDirectory() as tmp:
            old = export_commit(args.baseline_commit, Path(tmp))
            base = score(articles, predict(articles, old))[0].figures()
    now = now_tally.figures()
    print(
        f"{len(articles)} articles, {now_tally.gold_named} gold quotes with a named speaker, "
        f"{now_tally.predicted} attributed predictions ({elapsed:.1f} s)"
    )
    print(f"{'figure':<10} {'now':>7} {'base run':>9} {'issue':>7} {'target':>7}")
    for key in now:
        ran = _fmt(base[key]) if base else "  n/a"
        target = TARGETS[key]
        print(
            f"{key:<10} {_fmt(now[key]):>7} {ran:>9} {_fmt(ISSUE_BASELINE[key]):>7} "
            f"{'' if target is None else ('<=' if key == 'wrong' else '>=') + f'{target}':>7}"
        )
    if args.show_errors:
        show_errors(errors, set(args.kind.split(",")), args.show_errors)
    print(f"wrong {_fmt(now['wrong'])} (baseline {_fmt(base['wrong'] if base else None)})")


if __name__ == "__main__":
    main()
