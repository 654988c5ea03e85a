"""Follow-up answers on hostile articles: the cost follows the articles, not their square."""

from __future__ import annotations

from summarizer import analyse
from summarizer.answer import MAX_QUESTION_TERMS, Document, answer_question
from summarizer.brief import Analysis
from tests.growth import repeat_to, work, work_growth


def stored(n: int) -> Document:
    """An article of n characters made of one quote and its attribution, over and over,
    read back as the store gives it (without sentences)."""
    text = repeat_to("“Talks are over.” Lavrov said. ", n)
    analysis = analyse(text)
    return Document(Analysis.from_dict(analysis.to_dict(), text=text))


def test_thousands_of_quotes_and_sentences_cost_linear_work() -> None:
    """Every sentence was compared with every quote and every mention (0.7 s at 40 kB,
    about 18 s at 200 kB): 4x the article, at most 6x the work."""
    small, large = stored(10_000), stored(40_000)
    question = "What did Lavrov say about talks?"
    answer = answer_question(question, [large])
    assert answer.items and answer.items[0].is_quote and answer.items[0].speaker == "Lavrov"
    assert "Talks are over" in answer.items[0].text
    assert work_growth(lambda doc: answer_question(question, [doc]), small, large) <= 6


def test_a_pasted_page_as_question_costs_the_same_whatever_the_articles() -> None:
    """Each unit is scored for at most MAX_QUESTION_TERMS terms: what a 2,000-word
    question costs beyond a short one is reading it, not 2,000 passes over the units."""
    words = " ".join(f"word{i}" for i in range(2_000))
    short = " ".join(f"word{i}" for i in range(MAX_QUESTION_TERMS))

    def extra(doc: Document) -> int:
        answer_question(short, [doc])  # warm-up
        return work(answer_question, words, [doc]) - work(answer_question, short, [doc])

    small, large = stored(5_000), stored(40_000)
    assert not answer_question(words, [large]).found
    assert extra(large) <= 1.1 * extra(small) + 100
