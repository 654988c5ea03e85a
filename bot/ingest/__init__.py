"""Feed polling, page fetching, extraction, dedupe and story clustering.

The entry point is :func:`bot.ingest.cycle.run_cycle` (one cycle over the due feeds);
the modules beside it each do one step and are usable alone.
"""

from __future__ import annotations

from bot.ingest.cycle import run_cycle
from bot.ingest.report import CycleReport, FeedReport
from bot.ingest.window import StoryWindow

__all__ = ["CycleReport", "FeedReport", "StoryWindow", "run_cycle"]
