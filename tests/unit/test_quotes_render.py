"""How a brief shows quotes (issue 8): officials first, then experts; others only under
"More quotes", labelled by role; fragments of three words or fewer never shown."""

from __future__ import annotations

from bot.telegram.render import StoryBrief, render_more_quotes, render_story
from summarizer.brief import Brief, Quote
from tests.fakes.telegram_api import parse_telegram_html


def _quote(text: str, speaker: str, title: str, role: str) -> Quote:
    return Quote(text, 0, 0, speaker, title, "said", speaker_role=role, speaker_kind="person")


OTHER = _quote("We waited four hours for the bus this morning.", "Ola Berg", "commuter", "other")
EXPERT = _quote("Demand for transit rose faster than capacity.", "Karl Moe", "economist", "expert")
OFFICIAL = _quote("The city will add forty buses by June.", "Eva Lind", "Mayor", "official")
FRAGMENT = _quote("a total mess", "Jon Ek", "Transport Minister", "official")


def _story() -> StoryBrief:
    brief = Brief(
        headline="City promises more buses",
        key_points=["The city plans new bus routes after complaints about delays."],
        quotes=[OTHER, EXPERT, FRAGMENT, OFFICIAL],
    )
    return StoryBrief(3, brief, [])


def test_the_brief_shows_officials_then_experts_and_no_others() -> None:
    plain = parse_telegram_html(render_story(_story()))
    assert "Eva Lind" in plain and "Karl Moe" in plain
    assert plain.index("Eva Lind") < plain.index("Karl Moe")
    assert "Ola Berg" not in plain
    assert "a total mess" not in plain  # three words: a fragment


def test_more_quotes_labels_others_by_role_and_drops_fragments() -> None:
    plain = parse_telegram_html(render_more_quotes(_story(), skip=0))
    assert "Others" in plain and "Ola Berg" in plain
    assert plain.index("Others") < plain.index("Ola Berg")
    assert "a total mess" not in plain
