"""Language detection: English-only steps rely on it to know when to stand aside."""

from __future__ import annotations

import pytest

from summarizer.language import detect_language
from tests.growth import work


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The Iranian defence minister met his Russian counterpart in Tehran on Tuesday.", "en"),
        ("THE U.S. SENATE VOTED ON THE BILL ON TUESDAY, OFFICIALS SAID.", "en"),
        ("Министр обороны России Сергей Шойгу прибыл в Тегеран с официальным визитом.", "ru"),
        ("윤석열 대통령은 오늘 국무회의에서 경제 정책에 대해 발표했다.", "ko"),
        ("O presidente disse que a economia do Brasil cresceu muito neste ano.", "pt"),
    ],
)
def test_detects_the_language(text, code):
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "   ", "ok", "12 345 678 — 2024", "\x00\x01", "<p></p>"])
def test_too_little_text_is_undetermined(text):
    assert detect_language(text) == "und"


def test_long_text_is_sampled():
    """Only a sample is read: 2.5 MB costs what 5 kB does (calls counted, no stopwatch)."""
    sentence = "Ministers met in Tehran to sign a memorandum of understanding. "
    detect_language("warm up the model with a sentence")
    assert detect_language(sentence * 40_000) == "en"
    assert work(detect_language, sentence * 40_000) <= work(detect_language, sentence * 80)
