"""Punkt's scan for punctuation runs is skipped only where it would find none."""

from __future__ import annotations

from punkt.rules import boundaries
from punkt.rules.language import DEFAULT_LANGUAGE_VARS

from summarizer.text import _punkt, split_sentences

TEXTS = [
    "",
    "Plain text. Another sentence! And a question?",
    "He paused... Then spoke. Wait . . . what? A dash -- and more---here.",
    "Two dots.. here. A period, a space.\n.and a period",
    "Ends with a run--",
    "Spaced . . . ellipsis\t.\t.\t. tabbed",
]


def test_the_wrapped_scan_finds_what_the_original_finds() -> None:
    _punkt()  # installs the wrapper
    original = boundaries._newsbrief_original  # type: ignore[attr-defined]
    wrapped = boundaries._multi_char_interior
    assert wrapped is not original
    found = 0
    for text in TEXTS:
        expected = original(text, DEFAULT_LANGUAGE_VARS)
        assert wrapped(text, DEFAULT_LANGUAGE_VARS) == expected
        found += len(expected)
    assert found > 10  # the texts do hold runs


def test_sentences_are_those_the_original_scan_gives() -> None:
    _punkt()
    wrapped = boundaries._multi_char_interior
    original = boundaries._newsbrief_original  # type: ignore[attr-defined]
    texts = [*TEXTS, "He paused... Then spoke. Wait . . . what? No -- never.", "Mr. Smith left."]
    with_wrapper = [split_sentences(t) for t in texts]
    boundaries._multi_char_interior = original
    try:
        assert [split_sentences(t) for t in texts] == with_wrapper
    finally:
        boundaries._multi_char_interior = wrapped
    assert [s.text for s in with_wrapper[-2]][:2] == ["He paused... Then spoke.", "Wait . . ."]
