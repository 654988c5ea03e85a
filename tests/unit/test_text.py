"""Sentences, words and cleaning: the offsets every other module relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.text import SentenceTokenizer, clean_text, has_words, split_sentences, words
from tests.growth import cpu_growth, repeat_to, work_growth

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-article.txt"


def texts(text: str) -> list[str]:
    sentences = split_sentences(text)
    for s in sentences:
        assert text[s.start : s.end] == s.text
    return [s.text for s in sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Gen. Smith met Mr. Jones in the U.S. on Sept. 5. He left.",
            ["Gen. Smith met Mr. Jones in the U.S. on Sept. 5.", "He left."],
        ),
        (
            "Dr. Who arrived at 5 p.m. on Monday. The U.K. government said no.",
            ["Dr. Who arrived at 5 p.m. on Monday.", "The U.K. government said no."],
        ),
        (
            "Lt. Col. James Smith said no. Gov. Brown agreed. It was No. 10 Downing Street.",
            [
                "Lt. Col. James Smith said no.",
                "Gov. Brown agreed.",
                "It was No. 10 Downing Street.",
            ],
        ),
        ("It cost $5.5 million. Prices rose 3.5%. Stocks fell.", None),
    ],
)
def test_abbreviations_and_numbers_do_not_end_sentences(text, expected):
    got = texts(text)
    if expected is None:
        expected = ["It cost $5.5 million.", "Prices rose 3.5%.", "Stocks fell."]
    assert got == expected


def test_quote_spanning_sentences_is_one_sentence():
    assert texts("“Hello. Bye,” he said. Then he left.") == [
        "“Hello. Bye,” he said.",
        "Then he left.",
    ]
    assert texts('"We tried. It failed," said Mr Brown. He left.') == [
        '"We tried. It failed," said Mr Brown.',
        "He left.",
    ]


def test_closing_quote_mark_stays_with_its_sentence():
    assert texts("He said “we will win.” Then he left.") == [
        "He said “we will win.”",
        "Then he left.",
    ]
    assert texts('"We won." "They lost." Fans cheered.') == [
        '"We won."',
        '"They lost."',
        "Fans cheered.",
    ]
    assert texts("“Is it over?” he asked. Yes.") == ["“Is it over?” he asked.", "Yes."]


def test_line_breaks_always_end_sentences_and_unclosed_quotes_do_not_swallow_them():
    text = "Headline without a full stop\nFirst one. Second one\n\n“A quote left open\nNext."
    assert texts(text) == [
        "Headline without a full stop",
        "First one.",
        "Second one",
        "“A quote left open",
        "Next.",
    ]


def test_all_caps_wire_copy():
    text = "GEN. SMITH MET SEN. JOHN MCCAIN ON SEPT. 5. THE U.S. DOLLAR FELL. DR. LEE AGREED."
    assert texts(text) == [
        "GEN. SMITH MET SEN. JOHN MCCAIN ON SEPT. 5.",
        "THE U.S. DOLLAR FELL.",
        "DR. LEE AGREED.",
    ]


def test_other_scripts():
    assert texts(
        "Президент заявил об этом. Это важно! «Мы победим. Они проиграют», — сказал он."
    ) == [
        "Президент заявил об этом.",
        "Это важно!",
        "«Мы победим. Они проиграют», — сказал он.",
    ]
    assert texts("대통령은 오늘 발표했다. 경제가 성장했다! 정말?") == [
        "대통령은 오늘 발표했다.",
        "경제가 성장했다!",
        "정말?",
    ]
    assert texts("中国经济增长。今天发布了数据！真的吗？") == [
        "中国经济增长。",
        "今天发布了数据！",
        "真的吗？",
    ]


def test_seed_article_keeps_quotes_whole():
    text = SEED.read_text(encoding="utf-8")
    got = texts(text)
    assert got[0].startswith("Mohammad-Reza Ashtiani, the Iranian Defense Minister")
    assert got[0].endswith("over the past ten years.")
    assert got[1].startswith("“Over the past decade")
    assert got[1].endswith("according to the Mehr news agency.")
    # "He noted that “…” and added that “…”" and the next sentence are two sentences
    assert any(s.endswith("the joint fight against terrorism and extremism.”") for s in got)
    assert len(got) == 18


def test_empty_and_blank_text():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n") == []
    assert split_sentences("*** --- ***") == []


def test_long_texts_are_split_in_linear_work():
    """Past Punkt's budget a plain split takes over; 4x the text, at most 6x the work."""
    paragraph = (
        "The minister met his counterpart in Tehran on Sept. 20. “We agree. Fully,” he said.\n"
    )
    text = paragraph * (400_000 // len(paragraph))
    sentences = split_sentences(text)
    assert len(sentences) == 2 * (400_000 // len(paragraph))
    assert sentences[-1].text == "“We agree. Fully,” he said."
    assert sentences[-2].text == "The minister met his counterpart in Tehran on Sept. 20."
    assert work_growth(split_sentences, text[: len(text) // 4], text) <= 6


@pytest.mark.parametrize("unit", ["“", ". ", "A. ", "“a?” b "])
def test_hostile_runs_are_split_in_linear_work(unit):
    """Runs of one mark: 4x the text, at most 6x the work (both sizes well past Punkt's
    budget of candidates, where the plain split takes over at its own pace)."""
    assert work_growth(split_sentences, repeat_to(unit, 30_000), repeat_to(unit, 120_000)) <= 6


@pytest.mark.parametrize("unit", ["a", "“", '"', ".", "!", "。", "a.", "\n\n"])
def test_runs_of_one_mark_cost_linear_time(unit):
    """A regex that rescans a run of dots from each dot is one C call, invisible to a
    count: CPU time at 16x the text stays far below the 256x of quadratic work."""
    assert cpu_growth(split_sentences, lambda n: repeat_to(unit, n), 10_000) <= 40


@pytest.mark.parametrize(
    "unit", ["<script>", "<style x>", "<!--", "<a href=x ", "</p", "<!-- -- >", "&amp", "&#0;"]
)
def test_hostile_markup_is_cleaned_in_linear_work(unit):
    """Each closing tag is searched for once, not from every opener (``<script>`` repeated
    125,000 times took 343 s in analyse)."""
    assert work_growth(clean_text, repeat_to(unit, 20_000), repeat_to(unit, 80_000)) <= 6
    assert cpu_growth(clean_text, lambda n: repeat_to(unit, n), 10_000) <= 40


def test_comments_and_scripts_are_blanked_up_to_their_closing_tag():
    text = "a<script>var b = '<p>';</script>c<!-- d <p> -->e<STYLE>x{}</style >f"
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert cleaned.split() == ["a", "c", "e", "f"]
    # a stray opener stays as written, and what follows is cleaned as usual
    assert clean_text("<script> x <b>y</b>") == "<script> x    y    "
    assert clean_text("x <!-- y <p>z") == "x <!-- y \n  z"
    # openers before one closing tag: the first opens, the closing tag ends all of them
    assert clean_text("<!--" * 1000 + "-->z").strip() == "z"
    assert clean_text("<script>" * 1000 + "</script>z").strip() == "z"
    # too long to be a comment: the openers within reach of the closer still are
    far = "<!--" * 10_000 + "-->z"
    cleaned = clean_text(far)
    assert cleaned.startswith("<!--" * 4_000) and cleaned.endswith(" " * 10_000 + "z")


def test_clean_text_keeps_length_and_removes_junk():
    raw = "A\x00b\u200bc<p>Para</p>d<br/>e &amp; f&nbsp;g\r\nh <script>var x = 1;</script>i\ufeff"
    cleaned = clean_text(raw)
    assert len(cleaned) == len(raw)
    for junk in (
        "\x00",
        "\u200b",
        "<p>",
        "</p>",
        "<br/>",
        "&amp;",
        "&nbsp;",
        "\r",
        "var x",
        "\ufeff",
    ):
        assert junk not in cleaned
    assert "&" in cleaned
    assert "\n" in cleaned[cleaned.index("Para") - 3 : cleaned.index("Para")]  # <p> keeps a break
    # prose that merely looks like markup is left alone
    assert clean_text("if x<y and z>w then") == "if x<y and z>w then"
    clean = "Nothing to do here. “Quotes” stay."
    assert clean_text(clean) is clean


def test_clean_text_offsets_carry_over_to_sentences():
    raw = "<p>First one.</p><p>Second\x07 one.</p>"
    cleaned = clean_text(raw)
    got = split_sentences(cleaned)
    assert [s.text for s in got] == ["First one.", "Second  one."]
    assert raw[got[0].start : got[0].end] == "First one."


def test_words_and_sumy_tokenizer():
    assert words("Iran’s U-turn: don't 20 times!") == ["Iran’s", "U-turn", "don't", "20", "times"]
    tokenizer = SentenceTokenizer("english")
    assert tokenizer.language == "english"
    assert tokenizer.to_sentences("Mr. Smith left. He came back.") == (
        "Mr. Smith left.",
        "He came back.",
    )
    assert tokenizer.to_words("In 2023, G7 leaders met.") == ("In", "G7", "leaders", "met")


def test_sumy_parser_runs_without_nltk_data(monkeypatch):
    import nltk
    from sumy.parsers.plaintext import PlaintextParser

    def no_data(*args, **kwargs):
        raise AssertionError("NLTK data was looked up")

    monkeypatch.setattr(nltk.data, "load", no_data)
    monkeypatch.setattr(nltk.data, "find", no_data)
    monkeypatch.setattr(nltk, "download", no_data)
    parser = PlaintextParser.from_string(
        "Dr. Smith arrived. He spoke.\n\nThe talks ended.", SentenceTokenizer("english")
    )
    assert [str(s) for s in parser.document.sentences] == [
        "Dr. Smith arrived.",
        "He spoke.",
        "The talks ended.",
    ]


def test_has_words_counts_like_words():
    for text in ["", "one", "Don't stop the U-turn now, please", "a b c d e", "— 12 3 —"]:
        for count in range(0, 8):
            assert has_words(text, count) == (len(words(text)) >= count), (text, count)


def test_what_needs_cleaning_is_what_one_pattern_finds() -> None:
    """clean_text skips a clean text after looking for its three kinds of trouble one by
    one: the same answer as the one pattern of all three."""
    import random
    import re

    from summarizer.text import _CLEAN_TABLE, _needs_cleaning

    pattern = re.compile(
        "[" + "".join(re.escape(chr(c)) for c in sorted(_CLEAN_TABLE)) + "]|<|&[#A-Za-z]"
    )
    rng = random.Random(1)
    pieces = [chr(c) for c in _CLEAN_TABLE] + [*"<&#aZ ;x\n", "&amp;", "&#1;", "& ", "&"]
    texts = ["", "plain text", "a & b", "AT&T", "x<y", "&#", "&;"]
    for _ in range(20_000):
        texts.append(
            "".join(
                rng.choice(pieces) if rng.random() < 0.1 else rng.choice("abc ")
                for _ in range(rng.randint(0, 12))
            )
        )
    for text in texts:
        assert _needs_cleaning(text) == (pattern.search(text) is not None), text


def test_has_words_counts_as_words_does() -> None:
    """has_words matches the first words in one regex: the same answer as counting
    :func:`words`, on apostrophes, hyphens, underscores, digits, accents and marks."""
    import random

    from summarizer.text import has_words, words

    rng = random.Random(5)
    pieces = ["a", "b", "'", "’", "-", " ", ".", "_", "1", "é", "\u0301", "—", "ab-c", "x'y", "--"]
    texts = ["", " ", "one", "one two three four five six", "don't stop-the U-turn now, ok"]
    for _ in range(20_000):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))))
    for text in texts:
        for count in (0, 1, 2, 5, 6, 7):
            assert has_words(text, count) == (len(words(text)) >= count), (text, count)


def test_words_are_those_of_the_plainly_written_pattern() -> None:
    """_WORD is written possessive (no backtracking points): the same words as the
    greedy pattern, on apostrophes, hyphens, underscores, digits, accents and marks."""
    import random
    import re

    from summarizer.text import words

    plain = re.compile(r"\w+(?:['’\-]\w+)*")
    rng = random.Random(8)
    pieces = ["a", "b", "'", "’", "-", " ", ".", "_", "1", "é", "\u0301", "—", "ab-c", "x'y", "--"]
    texts = ["", "don't stop-the U-turn now, ok", "a'-b", "a-'", "rock 'n' roll", "’tis x’"]
    for _ in range(20_000):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))))
    for text in texts:
        assert words(text) == plain.findall(text), text
