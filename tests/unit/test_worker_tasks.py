"""The page's analysis task gives the story-matching terms too (worker_tasks.analyse_page):
the same terms, in the same order, as the cycle made them itself, so the profiles and
the stories they decide stay the same."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

from bot.ingest import worker_tasks
from bot.ingest.articles import main_countries, person_names
from bot.ingest.stories import Profile, terms

SEED = (Path(__file__).parents[1] / "data" / "seed-article.txt").read_text()
TEXTS = [
    ("Port reopens after storm", SEED),
    (None, SEED),
    ("The Minister’s Visit: Iran’s talks (Update 2)", "Short text. " * 3),
    ("Ένα άρθρο για την Ελλάδα", "Η Αθήνα ανακοίνωσε σήμερα νέα μέτρα. " * 40),
    ("", ""),
]


def test_the_analysis_task_gives_the_terms_the_cycle_made() -> None:
    for title, text in TEXTS:
        analysis, values, error, made = pickle.loads(
            pickle.dumps(worker_tasks.analyse_page(text, title))
        )  # as the pipe gives them back
        assert (analysis, values, error) == worker_tasks.analyse_text(text, title)
        expected = terms(title, text)
        assert list(made.items()) == list(expected.items())  # ties are merged in order


def test_a_profile_from_known_terms_is_the_profile_made_from_the_text() -> None:
    published = datetime(2026, 3, 2, tzinfo=UTC)
    for title, text in TEXTS:
        analysis, _, _, made = worker_tasks.analyse_page(text, title)
        parts = {
            "title": title,
            "text": text,
            "people": person_names(analysis or {}),
            "countries": main_countries(analysis),
            "published": published,
        }
        ours, theirs = Profile.of_article(**parts, known_terms=made), Profile.of_article(**parts)
        assert ours == theirs
        assert list(ours.terms.items()) == list(theirs.terms.items())
