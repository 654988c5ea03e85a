"""The read model of stories: briefs with their sources for countries and windows, and
answers to follow-up questions from the articles behind them.

The Telegram handlers, the digest planner and the command line ask this module for
:class:`~bot.briefing.model.StoryBrief` objects and follow-up answers; it reads the
store's read-model queries (it runs no SQL of its own) and keeps a small cache of
parsed articles, since the same story is asked about by many readers.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.briefing.model import Source, StoryBrief
from bot.store import ArticleRecord, Store, StorySummary, utcnow
from summarizer import Analysis, Answer, Brief, Document, answer_question

log = logging.getLogger("newsbrief.briefs")


class Briefs:
    """Read briefs, sources and article analyses for the bot."""

    def __init__(self, store: Store, *, cache_size: int = 256) -> None:
        self.store = store
        self._docs: OrderedDict[int, tuple[datetime, list[Document]]] = OrderedDict()
        #: The stories last handed out by :meth:`page`, with what each was made of.
        self._stories: OrderedDict[int, tuple[tuple[Any, ...], StoryBrief]] = OrderedDict()
        self._cache_size = cache_size

    async def sources(self, story_ids: Sequence[int]) -> dict[int, list[Source]]:
        """The articles behind each story as links, most recent first."""
        links = await self.store.sources(story_ids)
        return {
            story_id: [Source(url=s.url, outlet=s.outlet, title=s.title, at=s.at) for s in found]
            for story_id, found in links.items()
        }

    async def from_summaries(self, summaries: Sequence[StorySummary]) -> list[StoryBrief]:
        """The stories as briefs; one whose stored brief cannot be read is left out (logged),
        so it never takes down a /brief or a digest of other stories."""
        sources = await self.sources([s.id for s in summaries])
        out = []
        for s in summaries:
            brief = self._parsed(s)
            if brief is not None:
                out.append(StoryBrief(s.id, brief, sources.get(s.id, []), s.updated_at))
        return out

    def _parsed(self, summary: StorySummary) -> Brief | None:
        """The story's stored brief as a :class:`Brief`; None (logged) when it cannot be read."""
        try:
            return Brief.from_dict(summary.brief, summary.headline)
        except Exception:  # JSON from another version, or written by hand
            log.exception("event=story_unreadable story_id=%s", summary.id)
            return None

    async def for_countries(
        self, codes: Iterable[str], since: datetime, limit: int | None = 3
    ) -> list[StoryBrief]:
        """The top stories about ``codes``; a story still waiting for its key points (the
        store is being filled) is left out, never shown as a bare title."""
        if limit is not None:
            return (await self.page(codes, since, limit)).stories
        summaries = await self.store.stories_since(list(codes), since, limit=None)
        return await self.from_summaries([s for s in summaries if has_key_points(s.brief)])

    async def page(self, codes: Iterable[str], since: datetime, limit: int = 3) -> BriefPage:
        """What /brief shows, read at once: :meth:`for_countries`'s stories (the first
        ``limit`` with key points among the top ``3 x limit``) and whether the first
        reading of the feeds is still going on (:meth:`collecting`)."""
        top = await self.store.top_stories(
            list(codes), since, limit=limit, candidates=limit * 3, keep=_ready
        )
        out = []
        for s in top.stories:
            sources = [
                Source(url=x.url, outlet=x.outlet, title=x.title, at=x.at)
                for x in top.sources[s.id]
            ]
            story = self._story(s, sources)
            if story is not None:
                out.append(story)
        return BriefPage(out, collecting=top.unpolled_feeds > 0)

    def _story(self, summary: StorySummary, sources: list[Source]) -> StoryBrief | None:
        """The story as a brief: the very object handed out before when nothing it is made
        of changed (headline, stored brief, sources, update time), so that its drawn card
        is reused (the Telegram layout keeps cards per story object), and it is not parsed
        again; None (logged) when its stored brief cannot be read."""
        kept = self._stories.get(summary.id)
        made_of = (summary.headline, summary.updated_at, summary.brief)
        if kept is not None and kept[0] == made_of and kept[1].sources == sources:
            self._stories.move_to_end(summary.id)
            return kept[1]
        brief = self._parsed(summary)
        if brief is None:
            return None
        story = StoryBrief(summary.id, brief, sources, summary.updated_at)
        self._stories[summary.id] = (made_of, story)
        while len(self._stories) > self._cache_size:
            self._stories.popitem(last=False)
        return story

    async def collecting(self) -> bool:
        """Whether the first reading of the feeds is still going on: an enabled feed has
        never been polled yet, so the store does not hold the news it will."""
        return await self.store.unpolled_feed_count() > 0

    async def settling(self) -> bool:
        """Whether news is still on its way in: the first reading is going on, or stories
        it stored still wait for their briefs (built at the end of each ingest cycle).
        What someone told "still collecting" waits for, so the brief they get is whole."""
        return await self.collecting() or await self.store.story_awaits_brief()

    async def story(self, story_id: int) -> StoryBrief | None:
        """One story as a brief; ``None`` if it is gone or its stored brief is unreadable."""
        stored = await self.store.story_brief(story_id)
        if stored is None:
            return None
        try:
            parsed = Brief.from_dict(stored.brief, stored.headline)
        except Exception:
            log.exception("event=story_unreadable story_id=%s", story_id)
            return None
        sources = await self.sources([story_id])
        return StoryBrief(story_id, parsed, sources[story_id], stored.updated_at)

    async def people(
        self, story_ids: Sequence[int], limit: int = 2
    ) -> list[tuple[str, str | None]]:
        """The people quoted in the stories (name, title), officials first: what a reader
        can ask about when a question found nothing."""
        out: list[tuple[str, str | None]] = []
        for story_id in story_ids:
            story = await self.story(story_id)
            if story is None:
                continue
            quotes = sorted(
                story.brief.official_quotes,
                key=lambda q: {"official": 0, "expert": 1}.get(q.speaker_role or "", 2),
            )
            for q in quotes:
                known = any(q.speaker == name for name, _t in out)
                if q.speaker and q.speaker_kind in (None, "person") and not known:
                    out.append((q.speaker, q.speaker_title))
                if len(out) >= limit:
                    return out
        return out

    async def recent_story_ids(self, hours: float = 24, limit: int = 30) -> list[int]:
        """The latest stories, whatever the country (questions with no brief before them)."""
        return await self.store.recent_story_ids(utcnow() - timedelta(hours=hours), limit)

    async def countries_with_news(self, since: datetime, limit: int = 8) -> list[str]:
        """Country codes with the most stories since ``since`` (for "nothing on X")."""
        return await self.store.countries_with_news(since, limit)

    async def documents(self, story_ids: Sequence[int]) -> list[Document]:
        """The articles behind the stories, parsed for answering (cached per story version)."""
        docs: list[Document] = []
        for story_id in story_ids:
            detail = await self.store.get_story(story_id)
            if detail is None:
                continue
            cached = self._docs.get(story_id)
            if cached and cached[0] == detail.updated_at:
                self._docs.move_to_end(story_id)
                docs.extend(cached[1])
                continue
            built = [_document(a) for a in detail.articles if a.text]
            self._docs[story_id] = (detail.updated_at, built)
            while len(self._docs) > self._cache_size:
                self._docs.popitem(last=False)
            docs.extend(built)
        return docs

    async def answer(
        self, question: str, story_ids: Sequence[int], about: str | None = None
    ) -> Answer:
        """``about``: the person the answer this follows up was about ("what did he say")."""
        return answer_question(question, await self.documents(story_ids), about=about)


@dataclass(frozen=True, slots=True)
class BriefPage:
    """What /brief shows: the stories, and whether the first reading of the feeds is
    still going on (so that the reply can say more may come)."""

    stories: list[StoryBrief]
    collecting: bool


def _ready(summary: StorySummary) -> bool:
    return has_key_points(summary.brief)


def has_key_points(data: dict[str, Any] | None) -> bool:
    """Whether a stored brief has any key point (a story waiting for its brief has none)."""
    points = data.get("key_points") if isinstance(data, dict) else None
    return isinstance(points, list) and any(str(p).strip() for p in points)


def _document(article: ArticleRecord) -> Document:
    analysis = (
        Analysis.from_dict(article.analysis, text=article.text, title=article.title)
        if article.analysis
        else Analysis(text=article.text, title=article.title)
    )
    return Document(analysis=analysis, url=article.url, source=article.outlet, title=article.title)
