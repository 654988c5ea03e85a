"""drop_clutter tries its line patterns at line starts only: the spans must be finditer's."""

from __future__ import annotations

from summarizer.cleanup import _LINE_CLUTTER, _QA_LABEL, _line_matches

TEXTS = [
    "",
    "\n",
    "Advertisement\nThe minister said.\nREAD MORE: other news\n\nQ: why?\nA: because\n",
    "Story continues below advertisement",
    # a credit whose "(AP Photo ...)" runs over a line break: one match over two lines
    "A man walks (AP Photo/John\nSmith)\nPhoto: Reuters\nImage copyright Getty Images\n",
    "Q:A:Q: one\n\n\nA : two\n— Jane Doe (@jane) November 18, 2019\npic.twitter.com/abc \n",
    "no clutter here\nnor here",
]


def test_line_starts_only_find_what_finditer_finds() -> None:
    for text in TEXTS:
        for pattern in (_LINE_CLUTTER, _QA_LABEL):
            assert _line_matches(pattern, text) == [m.span() for m in pattern.finditer(text)]


def test_the_texts_have_clutter_to_find() -> None:
    found = sum(len(_line_matches(p, t)) for t in TEXTS for p in (_LINE_CLUTTER, _QA_LABEL))
    assert found >= 10
