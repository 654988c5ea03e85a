"""The rules of follow-up answers (issue 10), each on sentences written for it: codes in
capitals, word forms, news synonyms, real quotes only, "Who is X", and pronouns."""

from __future__ import annotations

import pytest

from summarizer import analyse
from summarizer.answer import Document, answer_question, is_real_quote, stem, terms

ARTICLE = (
    "WARSAW - Poland's foreign minister met her Ukrainian counterpart on Monday.\n\n"
    "“We will not bow to pressure from the US and its allies on this pipeline,” Foreign "
    "Minister Anna Kowalski said after the talks.\n\n"
    "Kowalski said European buyers had cut their imports of Russian crude by half this year.\n\n"
    "The government will review the sanctions in March, officials said.\n\n"
    "“Our partners in the region know they can count on Poland for as long as it takes,” "
    "Kowalski told reporters later.\n\n"
    "Energy analyst Tomasz Nowak, a senior fellow at the Baltic Institute, said prices would "
    "stay “pretty high” through the winter.\n\n"
    "“Nobody in Warsaw expects the gas market to calm down before the spring,” Nowak said."
)


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return [Document(analyse(ARTICLE), "https://wire.example/poland", "Wire")]


def test_country_codes_in_capitals_are_never_stop_words() -> None:
    assert terms("Tell us about it") == []  # the pronoun
    assert len(terms("Tell us about the US")) == 1  # the country
    assert terms("the US") and terms("the US") == terms("the U.S.") == terms("United States")
    assert terms("the UK") == terms("Britain") and terms("EU") == terms("the European Union")
    assert terms("UN") == terms("the U.N.") == terms("United Nations")


def test_what_did_she_say_about_the_us(docs: list[Document]) -> None:
    answer = answer_question("What did Kowalski say about the US?", docs)
    assert answer.items and "pressure from the US" in answer.items[0].text


def test_words_match_across_their_forms() -> None:
    assert stem("Europe") == stem("European") and stem("Africa") == stem("African")
    assert stem("sanction") == stem("sanctions") and stem("urged") == stem("urge")
    assert terms("Iranian") == terms("Iran") and terms("Israelis") == terms("Israel")


def test_a_question_in_another_form_finds_the_sentence(docs: list[Document]) -> None:
    europe = answer_question("What did Kowalski say about Europe?", docs)
    assert "European buyers" in europe.items[0].text
    sanction = answer_question("When will the government review the sanction?", docs)
    assert "in March" in sanction.items[0].text


def test_news_synonyms(docs: list[Document]) -> None:
    assert stem("oil") == stem("fuel") == stem("crude") and stem("vehicles") == stem("car")
    answer = answer_question("What did Kowalski say about Russian oil?", docs)
    assert "Russian crude" in answer.items[0].text


def test_only_real_quotes_are_answers(docs: list[Document]) -> None:
    assert not is_real_quote("pretty high") and not is_real_quote("nice stepping stone")
    assert is_real_quote("Nobody expects the market to calm")
    answer = answer_question("What did Nowak say?", docs)
    assert answer.items[0].is_quote and "gas market to calm down" in answer.items[0].text
    assert all(i.text != "pretty high" for i in answer.items)


def test_what_did_x_say_prefers_their_own_words(docs: list[Document]) -> None:
    answer = answer_question("What did Kowalski say?", docs)
    best = answer.items[0]
    assert best.is_quote and best.speaker == "Anna Kowalski"


def test_who_is_answers_with_title_and_latest_quote(docs: list[Document]) -> None:
    answer = answer_question("Who is Kowalski?", docs)
    assert answer.person is not None and answer.person[0] == "Anna Kowalski"
    assert answer.person[1] and "Foreign Minister" in answer.person[1]
    assert "count on Poland" in answer.items[0].text  # her later quote, not the first
    assert answer.about == "Anna Kowalski"


def test_a_pronoun_means_the_previous_answers_person(docs: list[Document]) -> None:
    first = answer_question("Who is Nowak?", docs)
    assert first.about == "Tomasz Nowak"
    follow = answer_question("And what did he say about the spring?", docs, about=first.about)
    assert follow.items[0].speaker == "Tomasz Nowak"
    # the person is added only when the question has a pronoun
    other = answer_question("What did Kowalski say about the US?", docs, about=first.about)
    assert other.items[0].speaker == "Anna Kowalski"


@pytest.mark.parametrize(
    "question",
    [
        "What did Kowalski say about climate change?",
        "What did Macron say about the pipeline?",
        "How many tanks did Poland buy?",
        "What did he say about football?",
    ],
)
def test_what_the_article_does_not_say_is_declined(docs: list[Document], question: str) -> None:
    assert not answer_question(question, docs, about="Tomasz Nowak").found
