"""Follow-up questions answered from the seed article, and refused when not in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import analyse
from summarizer.answer import Document, answer_question, stem, terms

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-article.txt"
URL = "https://wire.example/iran-russia"


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    text = SEED.read_text(encoding="utf-8")
    return [Document(analyse(text, title="Iran and Russia hail defense ties"), URL, "Wire")]


def test_what_did_shoigu_say_about_sanctions(docs: list[Document]) -> None:
    answer = answer_question("What did Shoigu say about sanctions?", docs)
    assert answer.found
    best = answer.items[0]
    assert best.is_quote and best.speaker == "Sergey Shoigu"
    assert "The pressure of sanctions on Russia and Iran is proving to be futile" in best.text
    assert best.speaker_title and "Defense Minister" in best.speaker_title
    assert best.url == URL and best.source == "Wire"


def test_who_is_baqeri(docs: list[Document]) -> None:
    answer = answer_question("Who is Baqeri?", docs)
    assert answer.person is not None
    name, title = answer.person
    assert name == "Mohammad Hossein Baqeri"
    assert "Chief of Staff of the Iranian Armed Forces" in title


def test_when_is_the_joint_exercise(docs: list[Document]) -> None:
    answer = answer_question("When is the joint exercise?", docs)
    assert "February" in answer.items[0].text


def test_why_sanctions_finds_the_sanctions_sentence(docs: list[Document]) -> None:
    answer = answer_question("Why are they under sanctions?", docs)
    assert any("Western sanctions" in i.text for i in answer.items)


def test_ashtiani_quote_about_a_multipolar_world(docs: list[Document]) -> None:
    answer = answer_question("What did Ashtiani say about a multipolar world order?", docs)
    best = answer.items[0]
    assert best.speaker == "Mohammad-Reza Ashtiani" and "multipolar" in best.text


@pytest.mark.parametrize(
    "question",
    [
        "What is the price of bitcoin?",
        "Who won the football match in Madrid?",
        "What did Shoigu say about climate change?",
        "What did Macron say about sanctions?",
        "",
        "???",
    ],
)
def test_not_in_these_articles(docs: list[Document], question: str) -> None:
    answer = answer_question(question, docs)
    assert not answer.found, answer.items


def test_no_documents() -> None:
    assert not answer_question("What did Shoigu say?", []).found


def test_terms_and_stem() -> None:
    assert stem("sanctions") == "sanction" and stem("Shoigu's") == stem("Shoigu")
    assert stem("talks") == stem("talk") and stem("pressures") == stem("pressure")
    assert terms("What did he say about the sanctions?") == ["sanction"]
