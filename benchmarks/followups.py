"""Follow-up questions: the share answered right and the share of unanswerable ones declined.

    python benchmarks/followups.py [AEB_JSONL] [--baseline-commit REV | --no-baseline]
                                   [--show-errors]

The questions are tests/data/followups.json: 40 with a substring of the sentence or quote
that answers them, and 10 that nothing in the article answers. Each is asked of its own
article (the seed article, or an AEB page of ``../shared/eval/attribution/aeb.jsonl`` by
id), analysed once by today's summarizer. A question is answered right when one of its
expected substrings is in the first answer item (for "Who is X", the person's title counts
as the first item); an unanswerable one is declined when the answer is "not found". A
question with ``after`` is a follow-up: the question before it is asked first, and the
person its answer was about is passed on (when the answer module takes ``about=``).

The baseline is the answer module of commit 464d051 (``git show REV:summarizer/answer.py``
into a temporary file, imported beside today's summarizer), run in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
try:
    import summarizer.answer as current
    from summarizer import analyse
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO))
    import summarizer.answer as current
    from summarizer import analyse

QUESTIONS = REPO / "tests" / "data" / "followups.json"
SEED = REPO / "tests" / "data" / "seed-article.txt"
DEFAULT_AEB = REPO.parent / "shared" / "eval" / "attribution" / "aeb.jsonl"


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["questions"]


def load_texts(aeb: Path | None) -> dict[str, str]:
    """The seed article, and the AEB pages (by id) when the file is there."""
    texts = {"seed": SEED.read_text(encoding="utf-8")}
    if aeb is not None and aeb.exists():
        for line in aeb.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts[row["id"]] = row["text"]
    return texts


def subject(answer: Any) -> str | None:
    """The person an answer was about: the one asked about, else the first quote's speaker."""
    about = getattr(answer, "about", None)
    if about is not None:
        return about
    if answer.person:
        return answer.person[0]
    return answer.items[0].speaker if answer.items else None


def first_item(answer: Any) -> str:
    """What the reader reads first: the person's title (for who-is), then the first item."""
    parts = []
    if answer.person:
        parts.append(f"{answer.person[0]}: {answer.person[1] or ''}")
    if answer.items:
        parts.append(answer.items[0].text)
    return " ".join(parts)


def ask(module: ModuleType, q: dict[str, Any], docs: list[Any]) -> Any:
    """Ask ``q`` with ``module.answer_question``; a follow-up carries the previous person."""
    kwargs: dict[str, Any] = {}
    if q.get("after"):
        previous = module.answer_question(q["after"], docs)
        if "about" in inspect.signature(module.answer_question).parameters:
            kwargs["about"] = subject(previous)
    return module.answer_question(q["question"], docs, **kwargs)


def is_right(q: dict[str, Any], answer: Any) -> bool:
    if q["expect"] is None:
        return not answer.found
    shown = first_item(answer)
    return answer.found and any(e in shown for e in q["expect"])


def score(module: ModuleType, questions: list[dict], docs: dict[str, list]) -> dict[str, Any]:
    right = declined = answerable = unanswerable = 0
    errors: list[str] = []
    for q in questions:
        answer = ask(module, q, docs[q["article"]])
        ok = is_right(q, answer)
        if q["expect"] is None:
            unanswerable += 1
            declined += ok
        else:
            answerable += 1
            right += ok
        if not ok:
            errors.append(f"{q['question']!r} -> {first_item(answer)[:160]!r}")
    return {
        "right": right / answerable if answerable else 0.0,
        "declined": declined / unanswerable if unanswerable else 0.0,
        "answerable": answerable,
        "unanswerable": unanswerable,
        "errors": errors,
    }


def baseline_module(rev: str, tmp: Path) -> ModuleType:
    """The answer module of ``rev``, imported from a temporary file beside today's package."""
    source = subprocess.run(
        ["git", "show", f"{rev}:summarizer/answer.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = tmp / f"answer_{rev}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"answer_{rev}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("aeb", nargs="?", type=Path, default=DEFAULT_AEB)
    parser.add_argument("--baseline-commit", default="464d051")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)

    texts = load_texts(args.aeb)
    questions = [q for q in load_questions() if q["article"] in texts]
    skipped = len(load_questions()) - len(questions)
    docs = {
        key: [current.Document(analyse(text), f"https://article.example/{key[:12]}", "Test")]
        for key, text in texts.items()
        if any(q["article"] == key for q in questions)
    }
    runs = [("today", current)]
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_baseline:
            runs.insert(0, (args.baseline_commit, baseline_module(args.baseline_commit, Path(tmp))))
        results = [(name, score(module, questions, docs)) for name, module in runs]
    if skipped:
        print(f"({skipped} questions skipped: their AEB pages are not at {args.aeb})")
    print(f"{'answer module':<16}{'answered right':>16}{'declined':>10}")
    for name, r in results:
        print(f"{name:<16}{r['right']:>16.3f}{r['declined']:>10.3f}")
        if args.show_errors:
            for e in r["errors"]:
                print(f"    {e}")
    a, u = results[-1][1]["answerable"], results[-1][1]["unanswerable"]
    print(f"({a} answerable, {u} unanswerable questions)")
    today = results[-1][1]
    print(f"followups: answered right {today['right']:.3f}, declined {today['declined']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
