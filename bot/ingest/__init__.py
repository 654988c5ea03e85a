"""Feed polling, page fetching, extraction, dedupe and story clustering.

The entry point is :func:`bot.ingest.cycle.run_cycle` (one cycle over the due feeds);
the modules beside it each do one step and are usable alone.

The names below load on first use: the workers' fork server imports this package on
its way to :mod:`bot.ingest.worker_tasks`, and the cycle behind them (SQLAlchemy,
httpx, the store) is no use to a worker but would cost every fork server about 2 s of
CPU to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.ingest.cycle import run_cycle
    from bot.ingest.report import CycleReport, FeedReport
    from bot.ingest.window import StoryWindow

__all__ = ["CycleReport", "FeedReport", "StoryWindow", "run_cycle"]

_HOMES = {
    "run_cycle": "bot.ingest.cycle",
    "CycleReport": "bot.ingest.report",
    "FeedReport": "bot.ingest.report",
    "StoryWindow": "bot.ingest.window",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value
