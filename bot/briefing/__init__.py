"""The use cases between the store and Telegram: briefs for countries, digest planning
and sending. Knows no Telegram: renderers and the outbox come in as parameters.

Arrows point one way: the Telegram handlers and the scheduled jobs use this package; it uses
``bot.store`` and ``summarizer``.
"""

from bot.briefing.allocate import DIGEST_STORIES, allocate
from bot.briefing.countries import by_name, names
from bot.briefing.digests import (
    CLAIM_BATCH,
    DigestNow,
    DigestPlan,
    DigestRenderer,
    Digests,
    DispatchReport,
    Outbox,
    Page,
)
from bot.briefing.model import Source, StoryBrief
from bot.briefing.stories import Briefs, has_key_points

__all__ = [
    "CLAIM_BATCH",
    "DIGEST_STORIES",
    "Briefs",
    "DigestNow",
    "DigestPlan",
    "DigestRenderer",
    "Digests",
    "DispatchReport",
    "Outbox",
    "Page",
    "Source",
    "StoryBrief",
    "allocate",
    "by_name",
    "has_key_points",
    "names",
]
