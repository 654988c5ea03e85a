"""A cycle's briefs built a batch of stories a task (bot/ingest/story_briefs.py): the same
updates as one task a story, in a fraction of the tasks; a story that fails in a batch
fails alone, and a batch that fails whole is built again one story a task."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.ingest import story_briefs, worker_tasks
from bot.ingest.report import CycleReport
from bot.ingest.story_briefs import StoryBriefs
from bot.ingest.workers import TaskFailed

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SEED = (Path(__file__).parents[1] / "data" / "seed-article.txt").read_text()
PARAGRAPHS = [p for p in SEED.split("\n") if len(p.split()) > 12]
POISONED = ({"countries": [{"unexpected": "shape"}], "people": "not a list"}, "Some text.", "Old")


class _Store:
    """What StoryBriefs asks of the store for stories made this cycle: the writes."""

    def __init__(self) -> None:
        self.written: list[Any] = []

    async def update_stories(self, updates: list[Any]) -> None:
        self.written += updates


def _inputs() -> list[tuple[dict[str, Any], str, str | None]]:
    """Real analyses of distinct texts (one story each; a few of two articles)."""
    texts = [(" ".join(PARAGRAPHS[k : k + 2]), f"Title {k}") for k in range(len(PARAGRAPHS))]
    return [(worker_tasks.analyse(text, title), text, title) for text, title in texts]


async def _refresh(
    inputs: list[Any], *, fail_batches: bool = False
) -> tuple[list[Any], list[str], CycleReport]:
    calls: list[str] = []

    async def work(step: str, function: Any, *args: Any, budgets: int = 1) -> Any:
        calls.append(function.__name__)
        if fail_batches and function is worker_tasks.summarize_many:
            raise TaskFailed("timeout: over its budget")
        try:
            return function(*args)
        except Exception as exc:  # as the pool gives back a task's exception
            raise TaskFailed(f"{step}: {type(exc).__name__}: {exc}") from None

    store, report = _Store(), CycleReport(started_at=NOW)
    briefs = StoryBriefs(store, work, report, NOW)  # type: ignore[arg-type]
    article = 0
    for story, brief_input in enumerate(inputs, start=1):
        for _ in range(1 + story % 3 // 2):  # some stories of two articles
            article += 1
            briefs.joined(story, article, created=True, brief_input=brief_input)
    await briefs.refresh()
    return store.written, calls, report


@pytest.mark.asyncio
async def test_briefs_in_batches_are_the_briefs_of_one_task_a_story(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inputs = _inputs()
    assert len(inputs) > story_briefs.BATCH  # more than one batch
    batched, calls, report = await _refresh(inputs)
    sizes = [
        min(story_briefs.BATCH, len(inputs) - k) for k in range(0, len(inputs), story_briefs.BATCH)
    ]
    assert len(sizes) == math.ceil(len(inputs) / story_briefs.BATCH)
    assert calls == ["summarize_many" if size > 1 else "summarize" for size in sizes]
    assert report.briefs_built == len(inputs) and report.briefs_failed == 0
    monkeypatch.setattr(story_briefs, "BATCH", 1)
    alone, calls, _ = await _refresh(inputs)
    assert calls == ["summarize"] * len(inputs)
    assert batched == alone


@pytest.mark.asyncio
async def test_a_story_failing_in_a_batch_or_a_batch_failing_whole_fails_that_story_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inputs = _inputs()
    expected, _, _ = await _refresh(inputs)
    poisoned = [*inputs[:3], POISONED, *inputs[3:]]
    for fail_batches in (False, True):
        caplog.clear()
        written, calls, report = await _refresh(poisoned, fail_batches=fail_batches)
        assert report.briefs_failed == 1 and report.briefs_built == len(inputs)
        assert "event=brief_failed story_id=4 " in caplog.text
        assert [u.story_id for u in written] == [u.story_id for u in expected if u.story_id < 4] + [
            u.story_id + 1 for u in expected if u.story_id >= 4
        ]
        assert [u.brief for u in written] == [u.brief for u in expected]
        if fail_batches:  # each story of each failed batch again, one task each
            assert calls.count("summarize") == len(poisoned)
