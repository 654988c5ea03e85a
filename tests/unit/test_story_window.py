"""The story window's own decisions, without a store: scored in slices, decided as in one pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ingest.stories import Profile
from bot.ingest.window import SCORE_SLICE, StoryWindow

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def test_many_candidates_are_scored_in_slices_with_the_same_decision() -> None:
    """A person in hundreds of stories: every one is a candidate, scored a slice at a time."""
    window = StoryWindow(timedelta(hours=48))
    stories = 3 * SCORE_SLICE + 5
    for story in range(1, stories + 1):
        words = " ".join(f"topic{story}word{w}" for w in range(30))
        profile = Profile.of_article(
            title=f"Minister Jane Doe on topic{story}word1 and topic{story}word2",
            text=f"shared ministry budget {words}",
            people=["Jane Doe"],
            countries=["FR"],
            published=T0,
        )
        window.add(story, story, profile, None, T0)
    for story in (1, SCORE_SLICE + 2, stories):  # in the first, a middle and the last slice
        article = Profile.of_article(
            title=f"Jane Doe and topic{story}word1",
            text=" ".join(f"topic{story}word{w}" for w in range(20)),
            people=["Jane Doe"],
            countries=["FR"],
            published=T0,
        )
        assert len(window.stories.candidates(article)) == stories
        expected = window.stories.best(article)
        assert expected is not None and expected.story_id == story
        assert await window.best_story(article) == expected
