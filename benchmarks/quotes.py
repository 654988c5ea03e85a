"""Quote attribution on PolNeAR: precision, recall, F1 and speaker accuracy.

    python benchmarks/quotes.py [PATH] [--split dev|train] [--show-errors N]
                                [--baseline-commit REV | --no-baseline]

PATH is a PolNeAR split directory (with text/ and attributions/); the default is
``../shared/eval/polnear/<split>`` relative to the repository root. The scoring rules are
exactly those of the evaluation README (/work/shared/eval/README.md), so the figures
compare with the textacy reference printed alongside (quoted from that README, not run:
it needs spaCy and a model, which the project does not ship). The baseline is run in the
same run: the summarizer of commit 464d051 (before issue 8), exported with ``git archive``
into a temporary directory and scored by this same script in a subprocess.

A prediction's speaker is the resolved name, or else the description the article gives
where it names nobody ("the Indiana governor", "a narrator in the ad", "the ruling";
never a pronoun): PolNeAR annotates that local source, without coreference. The brief
never shows such a description as a name (``Quote.speaker_description``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


def _wordset(words: str) -> frozenset[str]:
    """A set of words written as one string, as these lists are easiest to read."""
    return frozenset(words.split())


REPO = Path(__file__).resolve().parent.parent
try:
    import summarizer.quotes as quotes_module
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO))
    import summarizer.quotes as quotes_module

QUOTE_CHARS = '"“”«»'
PRONOUNS = _wordset("he she they i we it you him her them who this that")
STOPWORDS = _wordset("the a an of his her their its and to in for on at by mr mrs ms dr")
TEXTACY = {"P": 0.650, "R": 0.454, "F1": 0.535, "speaker": 0.792}
TARGET_F1, TARGET_SPEAKER = 0.88, 0.93  # issue 8: no regression


@dataclass(frozen=True, slots=True)
class Gold:
    start: int
    end: int
    source: str | None


def _words(s: str) -> set[str]:
    return {w for w in re.findall(r"[\w’'\-]+", s.lower()) if w not in STOPWORDS}


def _offsets(pair: str) -> tuple[int, int]:
    start, end = pair.split()[:2]
    return int(start), int(end)


def load_split(path: Path) -> list[tuple[str, str, list[Gold]]]:
    """(article, text, gold quotes); one annotator per article, the first by file name."""
    by_article: dict[str, list[Path]] = defaultdict(list)
    for ann in sorted((path / "attributions").glob("*.ann")):
        by_article[ann.stem.rsplit("_", 1)[0]].append(ann)
    out = []
    for article, anns in sorted(by_article.items()):
        text_file = path / "text" / f"{article}.txt"
        if not text_file.exists():
            text_file = path / "text" / article
        text = text_file.read_text(encoding="utf-8")
        spans: dict[str, tuple[str, list[tuple[int, int]], str]] = {}
        relations = []
        for line in anns[0].read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if parts[0].startswith("T") and len(parts) >= 2:
                kind, _, rest = parts[1].partition(" ")
                offsets = [_offsets(s) for s in rest.split(";")]
                spans[parts[0]] = (kind, offsets, parts[2] if len(parts) > 2 else "")
            elif parts[0].startswith("E") and len(parts) >= 2:
                relations.append(dict(x.split(":", 1) for x in parts[1].split()))
        gold = []
        for rel in relations:
            content = spans.get(rel.get("Content", ""))
            if content is None:
                continue
            offsets = content[1]
            if not any(ch in text[a:b] for a, b in offsets for ch in QUOTE_CHARS):
                continue
            source = spans[rel["Source"]][2] if rel.get("Source") in spans else None
            gold.append(Gold(offsets[0][0], offsets[-1][1], source))
        out.append((article, text, gold))
    return out


def _match(gold: list[Gold], preds: list) -> list[tuple[int, int]]:
    """(gold, prediction) pairs: overlap of at least half the shorter span; each gold quote
    and each prediction used once, the largest overlap winning."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(preds):
            overlap = min(g.end, p.end) - max(g.start, p.start)
            shorter = min(g.end - g.start, p.end - p.start)
            if overlap > 0 and overlap >= shorter / 2:
                pairs.append((overlap, gi, pi))
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, gi, pi in sorted(pairs, reverse=True):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return out


def baseline(path: Path, rev: str) -> dict[str, float]:
    """The figures of the summarizer at commit ``rev``, scored by this script."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", rev, "summarizer"], cwd=REPO, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        done = subprocess.run(
            [sys.executable, __file__, str(path), "--no-baseline", "--json"],
            cwd=tmp,
            env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass(frozen=True, slots=True)
class Prediction:
    start: int
    end: int
    speaker: str
    speaker_title: str | None
    text: str


def predictions(text: str) -> list[Prediction]:
    """The attributed quotes of one article.

    PolNeAR's sources are local mentions with no coreference ("the Indiana governor",
    "a campaign spokesman"), so a quote whose speaker resolves to no name is scored by the
    description the article gives there, when there is one (never a pronoun). Older
    trees (the baseline) have no descriptions: their named speakers only.
    """
    quotes, _ = quotes_module.find_quotes_and_people(text, [])
    out = []
    for q in quotes:
        speaker = q.speaker or getattr(q, "speaker_description", None)
        if speaker is not None:
            out.append(Prediction(q.start, q.end, speaker, q.speaker_title, q.text))
    return out


def score(data, show_errors: int = 0) -> dict[str, float]:
    """Match predictions to gold by the README's rules and count."""
    n_gold = n_pred = n_match = sp_total = sp_right = 0
    errors: list[str] = []
    started = time.perf_counter()
    for article, text, gold in data:
        preds = predictions(text)
        n_gold += len(gold)
        n_pred += len(preds)
        matched = _match(gold, preds)
        used_g = {gi for gi, _ in matched}
        used_p = {pi for _, pi in matched}
        n_match += len(matched)
        for gi, pi in matched:
            g, p = gold[gi], preds[pi]
            if g.source and g.source.strip().lower() not in PRONOUNS:
                sp_total += 1
                said = _words(f"{p.speaker} {p.speaker_title or ''}")
                if said & _words(g.source):
                    sp_right += 1
                elif len(errors) < show_errors:
                    errors.append(
                        f"SPEAKER {article}: gold {g.source!r} got {p.speaker!r}"
                        f" / {p.speaker_title!r}: {p.text[:70]!r}"
                    )
        if show_errors:
            for gi, g in enumerate(gold):
                if gi not in used_g and len(errors) < show_errors:
                    errors.append(
                        f"MISSED {article}: {g.source!r}: {text[g.start : g.end][:110]!r}"
                    )
            for pi, p in enumerate(preds):
                if pi not in used_p and len(errors) < show_errors:
                    errors.append(f"EXTRA {article}: {p.speaker!r}: {p.text[:110]!r}")
    elapsed = time.perf_counter() - started
    precision = n_match / n_pred if n_pred else 0.0
    recall = n_match / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    for e in errors:
        print(e)
    return {
        "P": precision,
        "R": recall,
        "F1": f1,
        "speaker": sp_right / sp_total if sp_total else 0.0,
        "gold": n_gold,
        "pred": n_pred,
        "matched": n_match,
        "speaker_n": sp_total,
        "ms_per_article": 1000 * elapsed / max(1, len(data)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="a PolNeAR split directory")
    parser.add_argument("--split", default="dev", help="dev or train when PATH is not given")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N")
    parser.add_argument("--baseline-commit", default="464d051")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args(argv)
    path = (
        Path(args.path) if args.path else REPO / ".." / "shared" / "eval" / "polnear" / args.split
    )
    path = path.resolve()
    if not (path / "attributions").is_dir():
        print(f"no PolNeAR split at {path}", file=sys.stderr)
        return 2
    data = load_split(path)
    r = score(data, args.show_errors)
    if args.json:
        print(json.dumps(r))
        return 0
    base = None if args.no_baseline else baseline(path, args.baseline_commit)
    print(f"PolNeAR {path.name}: {len(data)} articles, {r['gold']} gold quotes")
    print(f"{'system':<34} {'P':>6} {'R':>6} {'F1':>6} {'speaker':>8} {'pred':>6} {'match':>6}")
    print(
        f"{'newsbrief quotes':<34} {r['P']:6.3f} {r['R']:6.3f} {r['F1']:6.3f} {r['speaker']:8.3f}"
        f" {r['pred']:6d} {r['matched']:6d}"
    )
    if base is not None:
        b = base
        print(
            f"{'baseline ' + args.baseline_commit + ' (run)':<34} {b['P']:6.3f} {b['R']:6.3f}"
            f" {b['F1']:6.3f} {b['speaker']:8.3f} {int(b['pred']):6d} {int(b['matched']):6d}"
        )
    t = TEXTACY
    print(
        f"{'textacy 0.13 (README, dev, not run)':<34} {t['P']:6.3f} {t['R']:6.3f} {t['F1']:6.3f}"
        f" {t['speaker']:8.3f} {'-':>6} {'-':>6}"
    )
    print(
        f"speaker accuracy over {r['speaker_n']} matched non-pronoun gold quotes;"
        f" {r['ms_per_article']:.2f} ms an article"
    )
    print(
        f"quotes F1 {r['F1']:.3f} speaker-accuracy {r['speaker']:.3f}"
        f" (target F1>={TARGET_F1}, speaker>={TARGET_SPEAKER})"
        + (f"; baseline F1 {base['F1']:.3f} speaker {base['speaker']:.3f}" if base else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
