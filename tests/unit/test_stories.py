"""Grouping articles about one event from different outlets into one story."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.ingest.stories import (
    Profile,
    StoryIndex,
    TermStats,
    best_story,
    cosine,
    person_keys,
    terms,
)

T = datetime(2026, 3, 2, 12, tzinfo=UTC)

REUTERS = (
    "Iran and Russia sign defence cooperation memorandum in Tehran",
    "Iranian Defence Minister Mohammad-Reza Ashtiani and his Russian counterpart Sergei "
    "Shoigu signed a memorandum on military cooperation in Tehran on Tuesday. Ashtiani said "
    "defence ties between Tehran and Moscow had grown remarkably over the past decade and "
    "that the memorandum opened a new stage in bilateral relations. Shoigu said the two "
    "countries would hold joint naval exercises and fight terrorism together.",
)
ALJAZEERA = (
    "Russia's Shoigu in Tehran as Iran, Russia deepen military ties",
    "Russian Defence Minister Sergei Shoigu arrived in Tehran for talks with Iranian "
    "officials, and the two sides signed a memorandum of understanding on defence "
    "cooperation. Iran's defence minister, Mohammad-Reza Ashtiani, told reporters that "
    "military relations had reached an unprecedented level. Analysts said the memorandum "
    "could include arms deliveries and joint naval drills.",
)
OTHER_IRAN = (
    "Iran's currency hits record low as inflation bites",
    "The Iranian rial fell to a record low against the dollar in Tehran's open market on "
    "Tuesday, traders said, as inflation above forty percent squeezed households and "
    "importers struggled to find foreign currency. The central bank governor promised new "
    "measures to stabilise the exchange rate.",
)
CHESS = (
    "Teenage grandmaster wins chess tournament in Wijk aan Zee",
    "A seventeen-year-old grandmaster from Uzbekistan won the Tata Steel chess tournament "
    "on Sunday after a final-round draw against the world champion, finishing half a point "
    "ahead of the field in the Dutch seaside village.",
)


def profile(article, people=(), countries=(), when=T):
    title, text = article
    return Profile.of_article(
        title=title, text=text, people=people, countries=countries, published=when
    )


IRAN_RU = {"people": ["Mohammad-Reza Ashtiani", "Sergei Shoigu"], "countries": ["IR", "RU"]}


def test_same_event_from_two_outlets_joins_the_story():
    story = profile(REUTERS, **IRAN_RU)
    article = profile(ALJAZEERA, **IRAN_RU, when=T + timedelta(hours=3))
    match = best_story(article, [(1, story)])
    assert match is not None and match.story_id == 1
    assert match.shared_people >= 2 and match.shared_countries == 2


def test_other_story_about_the_same_country_stays_apart():
    story = profile(REUTERS, **IRAN_RU)
    rial = profile(OTHER_IRAN, countries=["IR"])
    assert best_story(rial, [(1, story)]) is None
    assert best_story(profile(CHESS, countries=["UZ", "NL"]), [(1, story)]) is None


def test_best_of_several_candidates_wins():
    stories = [
        (1, profile(OTHER_IRAN, countries=["IR"])),
        (2, profile(REUTERS, **IRAN_RU)),
        (3, profile(CHESS, countries=["UZ"])),
    ]
    match = best_story(profile(ALJAZEERA, **IRAN_RU), stories)
    assert match is not None and match.story_id == 2


def test_time_window_keeps_old_stories_apart():
    story = profile(REUTERS, **IRAN_RU)
    late = profile(ALJAZEERA, **IRAN_RU, when=T + timedelta(hours=60))
    assert best_story(late, [(1, story)]) is None
    assert best_story(late, [(1, story)], window=timedelta(hours=72)) is not None


def test_merged_story_profile_grows_and_extends_the_window():
    story = profile(REUTERS, **IRAN_RU)
    story.merge(profile(ALJAZEERA, **IRAN_RU, when=T + timedelta(hours=40)))
    assert story.first_seen == T and story.last_seen == T + timedelta(hours=40)
    # 80 h after the first article but 40 h after the last: still in the window
    follow_up = profile(ALJAZEERA, **IRAN_RU, when=T + timedelta(hours=80))
    assert best_story(follow_up, [(7, story)]) is not None
    restored = Profile.from_dict(story.to_dict(), first_seen=T, last_seen=story.last_seen)
    assert restored.people == story.people and restored.terms == story.terms


def test_terms_and_people_keys():
    counted = terms("Shoigu visits Tehran", "Shoigu met officials. The talks were long.")
    assert counted["shoigu"] == 4 and "the" not in counted and counted["official"] == 1
    assert person_keys(["Sergei Shoigu", "Madonna"]) == {"sergei shoigu", "shoigu"}
    assert (
        cosine(counted, counted) == pytest.approx(1.0) and cosine(counted, terms(None, "")) == 0.0
    )


def test_story_index_finds_the_story_among_many_without_scoring_all():
    index = StoryIndex()
    index.add("iran-russia", profile(REUTERS, **IRAN_RU))
    index.add("rial", profile(OTHER_IRAN, countries=["IR"]))
    index.add("chess", profile(CHESS, countries=["UZ"]))
    for n in range(40):  # unrelated filler stories, so IDF has something to count
        filler = (f"Local council {n} approves budget", f"Council number {n} met on zoning {n}.")
        index.add(f"filler-{n}", profile(filler))
    article = profile(ALJAZEERA, **IRAN_RU, when=T + timedelta(hours=2))
    assert "iran-russia" in index.candidates(article)
    assert len(index.candidates(article)) < 5
    match = index.best(article)
    assert match is not None and match.story_id == "iran-russia"
    index.add("iran-russia", article)
    assert index.profiles["iran-russia"].last_seen == T + timedelta(hours=2)
    assert index.best(profile(CHESS, countries=["UZ"])).story_id == "chess"
    assert index.best(profile(("Weather", "Sunny spells and light winds tomorrow."))) is None


def test_weighted_terms_are_count_times_idf_as_the_window_changes():
    stats = TermStats()
    for n in range(25):
        stats.add({"council", f"budget{n % 5}", f"only{n}"})
    counts = Counter({"council": 1, "budget1": 1, "only7": 1, "unseen": 2})
    before = stats.weighted(counts)
    assert before == {term: count * stats.idf(term) for term, count in counts.items()}
    assert before["council"] < before["budget1"] < before["only7"] < before["unseen"]
    stats.add({"council", "only7"})  # one story more: every weight moves
    after = stats.weighted(counts)
    assert after == {term: count * stats.idf(term) for term, count in counts.items()}
    assert after["only7"] < before["only7"] and after["unseen"] > before["unseen"]
    stats.remove({"council", "only7"})
    assert stats.weighted(counts) == before
