"""What one ingestion cycle did, feed by feed: for the logs, ``newsbrief ingest --once``,
the metrics and the benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["CycleReport", "FeedReport"]


@dataclass(slots=True)
class FeedReport:
    """What happened to one feed in a cycle."""

    feed_id: int
    name: str
    url: str
    status: str = "ok"  # ok | not_modified | failed | gone
    error: str | None = None
    http_status: int | None = None
    entries: int = 0
    new_entries: int = 0
    new_articles: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    pages_fetched: int = 0
    page_failures: int = 0
    feed_text_used: int = 0
    moved_to: str | None = None  # the feed redirected permanently here
    moved: bool = False  # ...on two polls in a row: it is polled there from now on
    polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # bad items left out, with why
    entry_failures: list[str] = field(default_factory=list)  # "key: why", stored or not

    @property
    def answered(self) -> bool:
        """The feed could be polled (a feed, or 304), whatever became of its entries."""
        return self.status in ("ok", "not_modified")


@dataclass(slots=True)
class CycleReport:
    """What one cycle did, for the logs, ``newsbrief ingest --once`` and benchmarks."""

    started_at: datetime
    seconds: float = 0.0
    feeds: list[FeedReport] = field(default_factory=list)
    stories_created: int = 0
    stories_updated: int = 0
    briefs_built: int = 0
    briefs_failed: int = 0
    analysis_errors: int = 0
    pruned_articles: int = 0
    orphans_repaired: int = 0
    briefs_repaired: int = 0
    worker_timeouts: int = 0

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.feeds)

    @property
    def feeds_polled(self) -> int:
        return len(self.feeds)

    @property
    def feeds_answered(self) -> int:
        return sum(1 for f in self.feeds if f.answered)

    @property
    def feeds_not_modified(self) -> int:
        return sum(1 for f in self.feeds if f.status == "not_modified")

    @property
    def feeds_failed(self) -> int:
        return sum(1 for f in self.feeds if f.status in ("failed", "gone"))

    @property
    def failures(self) -> list[FeedReport]:
        return [f for f in self.feeds if f.status in ("failed", "gone")]

    @property
    def new_entries(self) -> int:
        return self._sum("new_entries")

    @property
    def new_articles(self) -> int:
        return self._sum("new_articles")

    @property
    def duplicates(self) -> int:
        return self._sum("duplicates")

    @property
    def near_duplicates(self) -> int:
        return self._sum("near_duplicates")

    @property
    def pages_fetched(self) -> int:
        return self._sum("pages_fetched")

    @property
    def page_failures(self) -> int:
        return self._sum("page_failures")

    @property
    def feed_text_used(self) -> int:
        return self._sum("feed_text_used")

    @property
    def items_skipped(self) -> int:
        return sum(len(f.skipped) for f in self.feeds)

    def summary(self) -> str:
        return (
            f"feeds polled {self.feeds_polled}, not modified {self.feeds_not_modified}, "
            f"failed {self.feeds_failed}; new articles {self.new_articles}, "
            f"duplicates {self.duplicates} (near {self.near_duplicates}); "
            f"stories new {self.stories_created}, updated {self.stories_updated}; "
            f"pages {self.pages_fetched} (failed {self.page_failures}, "
            f"feed text {self.feed_text_used}); items skipped {self.items_skipped}; "
            f"repaired {self.orphans_repaired} orphans, {self.briefs_repaired} briefs; "
            f"{self.seconds:.2f} s"
        )
