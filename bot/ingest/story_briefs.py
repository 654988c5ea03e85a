"""The briefs of the stories a cycle touched: rebuilt once, at the end of the cycle.

A story that gains three articles in a cycle is summarised once, not three times, from
its most recent articles: this cycle's from memory, older ones from the store. Each
story on its own: one that fails (its stored analyses unreadable, its brief over
budget, its row refused) is logged with its id and the rest go on. A story repaired
without news (its brief lost by a crash) keeps its date.

The briefs are built a few batches at a time (every worker process busy), a batch of
:data:`BATCH` stories one task in a worker (a brief is about 1 ms of work; a task's
round trip costs the cycle's process about as much CPU): a story that fails in it fails
alone, and a batch that fails whole (killed past its budgets, or its worker died) is
built again one story a task, each with a budget of its own, so only the story at fault
fails. They are then written together in one transaction
(:meth:`bot.store.Store.update_stories`: a statement of each kind for all of them, where
one transaction per story cost three or four statements each); should that transaction
fail, each story is written on its own, so a refused row fails only its story.
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
from bot.ingest.workers import TaskFailed

if TYPE_CHECKING:
    from bot.store import Store
    from bot.store.records import ArticleRecord
    from bot.store.stories import StoryUpdate

__all__ = ["MAX_BRIEF_ARTICLES", "StoryBriefs", "Work"]

log = logging.getLogger(__name__)

MAX_BRIEF_ARTICLES = 12  # a story's brief is made of its most recent articles
BUILDING = 4  # batches built at once (the worker processes' queue, not its size, bounds it)
BATCH = 8  # stories a task: 131 briefs of the 181 AEB pages in 17 tasks, not 131

#: Runs one step in a worker process within a budget: ``work(step, function, *args)``;
#: ``budgets=n``: a task with n budgets (a batch of n stories).
Work = Callable[..., Awaitable[Any]]
#: A story's (brief JSON, countries, headline) from the worker, or what failed it.
_Built = tuple[dict[str, Any], list[tuple[str, float]], str] | Exception


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
        for story_id in self.touched:
            if story_id not in self.created and story_id not in self.repair_at:
                self.report.stories_updated += 1
        stories = [(story_id, dict(fresh)) for story_id, fresh in self.touched.items()]
        built = await asyncio.gather(
            *(
                self._build_batch(stories[start : start + BATCH], slots)
                for start in range(0, len(stories), BATCH)
            )
        )
        await self._write([update for batch in built for update in batch])
        self.report.stories_created = len(self.created)

    async def _build_batch(
        self, batch: list[tuple[int, dict[int, BriefInput | None]]], slots: asyncio.Semaphore
    ) -> list[StoryUpdate]:
        """A batch of stories' updates (in batch order); each failing story logged."""
        from bot.store.stories import StoryUpdate  # the store's record (SQLAlchemy with it)

        updates: list[StoryUpdate] = []
        async with slots:
            stored = await self._stored([story_id for story_id, _ in batch])
            read: list[tuple[int, list[BriefInput], int]] = []
            for story_id, fresh in batch:
                try:
                    inputs, count = await self._inputs(story_id, fresh, stored)
                except Exception as exc:
                    self._failed(story_id, exc)
                    continue
                if inputs:
                    read.append((story_id, inputs, count))
            built = await self._summarize([inputs for _, inputs, _ in read])
        for (story_id, _, count), outcome in zip(read, built, strict=True):
            if isinstance(outcome, Exception):
                self._failed(story_id, outcome)
                continue
            brief, countries, headline = outcome
            updates.append(
                StoryUpdate(
                    story_id=story_id,
                    brief=brief,
                    countries=countries or None,
                    headline=headline or None,
                    at=self.repair_at.get(story_id, self.now),
                    built_from=count,
                )
            )
        return updates

    async def _summarize(self, stories: list[list[BriefInput]]) -> list[_Built]:
        """Each story's brief, in one task for all of them; should that task fail whole,
        one task a story (each with a budget of its own: only the one at fault fails)."""
        if len(stories) > 1:
            try:
                built = await self.work(
                    "brief", worker_tasks.summarize_many, stories, budgets=len(stories)
                )
            except TaskFailed as exc:
                log.warning("event=briefs_task_failed stories=%d error=%r", len(stories), exc)
            else:
                return [
                    value if status == "ok" else TaskFailed(f"brief: {value}")
                    for status, value in built
                ]
        outcomes: list[_Built] = []
        for inputs in stories:
            try:
                outcomes.append(await self.work("brief", worker_tasks.summarize, inputs))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    def _failed(self, story_id: int, exc: Exception) -> None:
        log.error("event=brief_failed story_id=%s error=%r", story_id, exc)
        self.report.briefs_failed += 1

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

    async def _stored(self, story_ids: list[int]) -> dict[int, list[ArticleRecord]]:
        """The stored articles of a batch's stories made before this cycle, read at once;
        empty when that read fails (each story is then read on its own, and fails alone)."""
        older = [story_id for story_id in story_ids if story_id not in self.created]
        if not older:
            return {}
        try:
            return await self.store.stories_articles(older)
        except Exception as exc:
            log.warning("event=briefs_read_failed stories=%d error=%r", len(older), exc)
            return {}

    async def _inputs(
        self,
        story_id: int,
        fresh: dict[int, BriefInput | None],
        stored: dict[int, list[ArticleRecord]],
    ) -> tuple[list[BriefInput], int]:
        """The latest articles' (analysis, text, title), this cycle's from memory, older
        from the store (``stored``, else read now); and how many articles the story had
        when they were read."""
        if story_id in self.created:  # all its articles arrived in this cycle
            ids: list[int] = list(fresh)
            older: list[ArticleRow] = []
        else:
            if story_id in stored:
                older = list(stored[story_id])
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
