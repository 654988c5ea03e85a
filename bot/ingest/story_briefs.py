"""The briefs of the stories a cycle touched: rebuilt once, at the end of the cycle.

A story that gains three articles in a cycle is summarised once, not three times, from
its most recent articles: this cycle's from memory, older ones from the store. Each
story on its own: one that fails (its stored analyses unreadable, its brief over
budget, its row refused) is logged with its id and the rest go on. A story repaired
without news (its brief lost by a crash) keeps its date.

The briefs are built a few at a time (every worker process busy), then written
together in one transaction (:meth:`bot.store.Store.update_stories`: a statement of
each kind for all of them, where one transaction per story cost three or four
statements each); should that transaction fail, each story is written on its own, so a
refused row fails only its story.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.ingest import worker_tasks
from bot.ingest.articles import ArticleRow, BriefInput
from bot.ingest.report import CycleReport

if TYPE_CHECKING:
    from bot.store import Store
    from bot.store.stories import StoryUpdate

__all__ = ["MAX_BRIEF_ARTICLES", "StoryBriefs", "Work"]

log = logging.getLogger(__name__)

MAX_BRIEF_ARTICLES = 12  # a story's brief is made of its most recent articles
BUILDING = 4  # briefs built at once (the worker processes' queue, not its size, bounds it)

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
        slots = asyncio.Semaphore(BUILDING)

        async def build(story_id: int, fresh: dict[int, BriefInput | None]) -> StoryUpdate | None:
            try:
                async with slots:
                    return await self._build(story_id, fresh)
            except Exception as exc:
                log.error("event=brief_failed story_id=%s error=%r", story_id, exc)
                self.report.briefs_failed += 1
                return None

        for story_id in self.touched:
            if story_id not in self.created and story_id not in self.repair_at:
                self.report.stories_updated += 1
        built = await asyncio.gather(
            *(build(story_id, dict(fresh)) for story_id, fresh in self.touched.items())
        )
        await self._write([update for update in built if update is not None])
        self.report.stories_created = len(self.created)

    async def _build(
        self, story_id: int, fresh: dict[int, BriefInput | None]
    ) -> StoryUpdate | None:
        from bot.store.stories import StoryUpdate  # the store's record (SQLAlchemy with it)

        inputs, count = await self._inputs(story_id, fresh)
        if not inputs:
            return None
        brief, countries, headline = await self.work("brief", worker_tasks.summarize, inputs)
        return StoryUpdate(
            story_id=story_id,
            brief=brief,
            countries=countries or None,
            headline=headline or None,
            at=self.repair_at.get(story_id, self.now),
            built_from=count,
        )

    async def _write(self, updates: list[StoryUpdate]) -> None:
        """All the briefs in one transaction; should it fail, each story on its own."""
        try:
            await self.store.update_stories(updates)
        except Exception as exc:
            log.warning("event=briefs_batch_failed stories=%d error=%r", len(updates), exc)
        else:
            self.report.briefs_built += len(updates)
            return
        for update in updates:
            try:
                await self.store.update_story(
                    update.story_id,
                    brief=update.brief,
                    countries=update.countries,
                    headline=update.headline,
                    at=update.at,
                    built_from=update.built_from,
                )
            except Exception as exc:
                log.error("event=brief_failed story_id=%s error=%r", update.story_id, exc)
                self.report.briefs_failed += 1
            else:
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
