"""What the briefing service hands out: a story ready to show, with its sources.

Plain data, no Telegram: the Telegram renderer turns these into HTML, the command
line into terminal text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from summarizer import Brief


@dataclass(frozen=True, slots=True)
class Source:
    """One article behind a story: where it was published."""

    url: str
    outlet: str | None = None
    title: str | None = None
    at: datetime | None = None  # when the article was published (else fetched)


@dataclass(slots=True)
class StoryBrief:
    """A story ready to show: its id (for buttons), the brief and its sources."""

    story_id: int
    brief: Brief
    sources: list[Source] = field(default_factory=list)
    updated_at: datetime | None = None
