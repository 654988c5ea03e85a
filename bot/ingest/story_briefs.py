"""The briefs of the stories a cycle touched: rebuilt once, at the end of the cycle.

A story that gains three articles in a cycle is summarised once, not three times, from
its most recent articles: this cycle's from memory, older ones from the store. Each
story on its own: one that fails (its stored analyses unreadable, its brief over
budget, its row refused) is logged with its id and the rest go on. A story repaired
without news (its brief lost by a crash) keeps its date.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.ingest import worker_tasks
from bot.ingest.articles import ArticleRow, BriefInput
from bot.ingest.report import CycleReport

if TYPE_CHECKING:
    from bot.store import Store

__all__ = ["MAX_BRIEF_ARTICLES", "StoryBriefs", "Work"]

log = logging.getLogger(__name__)

MAX_BRIEF_ARTICLES = 12  # a story's brief is made of its most recent articles

#: Runs one step in a worker process within a budget: ``work(step, function, *args)``.
Work = Callable[..., Awaitable[Any]]


class StoryBriefs:
    """Which stories need their brief rebuilt this cycle, and their rebuilding."""

    def __init__(self, store: Store, work: Work, report: CycleReport, now: datetime) -> None:
        self.store = store
        self.work = work
        self.report = report
        self.now = now
        # story -> (article, its brief input if this cycle has it) joined this cycle
        self.touched: dict[int, list[tuple[int, BriefInput | None]]] = {}
        self.repair_at: dict[int, datetime] = {}  # stories rebuilt without news: keep date
        self.created: set[int] = set()

    def joined(
        self, story_id: int, article_id: int, created: bool, brief_input: BriefInput | None
    ) -> None:
        """An article joined ``story_id`` (a new story when ``created``) this cycle."""
        if created:
            self.created.add(story_id)
        self.touched.setdefault(story_id, []).append((article_id, brief_input))
        self.repair_at.pop(story_id, None)  # news after all: the brief is dated now

    def lost(self, story_id: int, updated_at: datetime) -> None:
        """``story_id``'s brief misses articles (a crash between two commits): rebuild it,
        dated when the story last changed, unless it has news this cycle anyway."""
        if story_id not in self.touched:
            self.touched[story_id] = []
            self.repair_at[story_id] = updated_at
            self.report.briefs_repaired += 1

    async def refresh(self) -> None:
        """Rebuild the brief, headline and countries of every story touched this cycle."""
        for story_id, fresh in self.touched.items():
            if story_id not in self.created and story_id not in self.repair_at:
                self.report.stories_updated += 1
            try:
                await self._refresh(story_id, dict(fresh))
            except Exception as exc:
                log.error("event=brief_failed story_id=%s error=%r", story_id, exc)
                self.report.briefs_failed += 1
        self.report.stories_created = len(self.created)

    async def _refresh(self, story_id: int, fresh: dict[int, BriefInput | None]) -> None:
        inputs, count = await self._inputs(story_id, fresh)
        if not inputs:
            return
        brief, countries, headline = await self.work("brief", worker_tasks.summarize, inputs)
        await self.store.update_story(
            story_id,
            brief=brief,
            countries=countries or None,
            headline=headline or None,
            at=self.repair_at.get(story_id, self.now),
            built_from=count,
        )
        self.report.briefs_built += 1

    async def _inputs(
        self, story_id: int, fresh: dict[int, BriefInput | None]
    ) -> tuple[list[BriefInput], int]:
        """The latest articles' (analysis, text, title), this cycle's from memory, older
        from the store; and how many articles the story had when they were read."""
        if story_id in self.created:  # all its articles arrived in this cycle
            ids: list[int] = list(fresh)
            older: list[ArticleRow] = []
        else:
            detail = await self.store.get_story(story_id)
            older = list(detail.articles) if detail is not None else []
            ids = [a.id for a in older]
        by_id = {a.id: a for a in older}
        inputs: list[BriefInput] = []
        for article_id in ids[-MAX_BRIEF_ARTICLES:]:
            known = fresh.get(article_id)
            if known is not None:
                inputs.append(known)
                continue
            row = by_id.get(article_id)
            if row is not None and row.analysis:
                inputs.append((row.analysis, row.text or "", row.title))
        return inputs, len(ids)
