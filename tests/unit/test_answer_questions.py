"""The follow-up question set (tests/data/followups.json) scored by the answer module, as
benchmarks/followups.py scores it: the seed-article questions always, the AEB ones when
the evaluation data is next to the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import analyse
from summarizer.answer import Answer, Document, answer_question

DATA = Path(__file__).resolve().parents[1] / "data"
AEB = Path(__file__).resolve().parents[3] / "shared" / "eval" / "attribution" / "aeb.jsonl"
QUESTIONS: list[dict[str, Any]] = json.loads((DATA / "followups.json").read_text("utf-8"))[
    "questions"
]


def ask(q: dict[str, Any], docs: list[Document]) -> Answer:
    about = answer_question(q["after"], docs).about if q.get("after") else None
    return answer_question(q["question"], docs, about=about)


def right(q: dict[str, Any], answer: Answer) -> bool:
    if q["expect"] is None:
        return not answer.found
    shown = " ".join(
        ([f"{answer.person[0]}: {answer.person[1] or ''}"] if answer.person else [])
        + ([answer.items[0].text] if answer.items else [])
    )
    return answer.found and any(e in shown for e in q["expect"])


def shares(questions: list[dict[str, Any]], texts: dict[str, str]) -> tuple[float, float, list]:
    docs = {k: [Document(analyse(t), "https://wire.example/a", "Wire")] for k, t in texts.items()}
    results = [(q, right(q, ask(q, docs[q["article"]]))) for q in questions]
    answerable = [ok for q, ok in results if q["expect"] is not None]
    unanswerable = [ok for q, ok in results if q["expect"] is None]
    wrong = [q["question"] for q, ok in results if not ok]
    return sum(answerable) / len(answerable), sum(unanswerable) / len(unanswerable), wrong


def test_the_set_is_40_answerable_and_10_unanswerable() -> None:
    assert sum(q["expect"] is not None for q in QUESTIONS) == 40
    assert sum(q["expect"] is None for q in QUESTIONS) == 10
    assert {q["article"] for q in QUESTIONS} >= {"seed"} and len(
        {q["article"] for q in QUESTIONS}
    ) == 11


def test_seed_article_questions() -> None:
    seed = [q for q in QUESTIONS if q["article"] == "seed"]
    answered, declined, wrong = shares(
        seed, {"seed": (DATA / "seed-article.txt").read_text("utf-8")}
    )
    assert answered == 1.0 and declined == 1.0, wrong


@pytest.mark.skipif(not AEB.exists(), reason=f"AEB pages not found at {AEB} (../shared is absent)")
def test_whole_question_set_meets_the_targets() -> None:
    texts = {"seed": (DATA / "seed-article.txt").read_text("utf-8")}
    wanted = {q["article"] for q in QUESTIONS}
    for line in AEB.read_text("utf-8").splitlines():
        row = json.loads(line)
        if row["id"] in wanted:
            texts[row["id"]] = row["text"]
    answered, declined, wrong = shares(QUESTIONS, texts)
    assert answered >= 0.85 and declined >= 0.9, (answered, declined, wrong)
