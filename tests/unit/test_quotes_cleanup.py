"""Page clutter is blanked before analysis (issue 8): captions, credits, "READ MORE",
embedded tweets' signature lines, Q:/A: labels and stray headings; offsets stay put."""

from __future__ import annotations

from summarizer import analyse
from summarizer.cleanup import drop_clutter

PAGE = (
    "The council voted on Friday.\n\n"
    "Story continues below advertisement\n\n"
    "READ MORE: Why the vote matters\n\n"
    "Bridges and Budgets\n\n"
    "We tried it. It works.\n\n"
    "— Transit Watch (@transitwatch) November 18, 2019\n\n"
    "Q: What happens next?\n\n"
    "A: We wait.\n\n"
    "A protester holds a sign at the council. (AP Photo/Kim Lee)\n\n"
    "Photo: Jane Doe/Getty Images\n"
)


def test_clutter_is_blanked_and_offsets_kept() -> None:
    out = drop_clutter(PAGE)
    assert len(out) == len(PAGE)
    assert out.count("\n") == PAGE.count("\n")
    for gone in (
        "advertisement",
        "READ MORE",
        "Bridges and Budgets",
        "@transitwatch",
        "Q:",
        "A:",
        "AP Photo",
        "Getty",
    ):
        assert gone not in out, gone
    for kept in ("The council voted on Friday.", "We tried it. It works.", "What happens next?"):
        assert out.index(kept) == PAGE.index(kept)


def test_a_name_in_a_photo_credit_is_never_the_antecedent() -> None:
    text = (
        "Mayor Ana Ruiz opened the new bridge on Monday.\n\n"
        "Photo: Maria Gomez/Getty Images\n\n"
        "“It took ten years,” she said."
    )
    quote = analyse(text).quotes[0]
    assert quote.speaker == "Ana Ruiz"
    assert text[quote.start : quote.end] == "It took ten years,"


def test_heading_after_more_than_one_blank_line() -> None:
    # headings are looked for only at the start and after blank lines; "\n\n\n" before a
    # heading still counts (the look-behind sees the last two line breaks)
    text = "Body text here, a sentence.\n\n\nAnother Heading Line\n\n\n\nMore body text follows."
    cleaned = drop_clutter(text)
    assert "Another Heading Line" not in cleaned
    assert len(cleaned) == len(text)
    assert "Body text here" in cleaned and "More body text" in cleaned
