"""A story told by several outlets becomes one brief: each fact, quote and person once."""

from __future__ import annotations

from summarizer import analyse
from summarizer.brief import Analysis, CountryScore, KeyPoint, Person, Quote
from summarizer.story import summarize_story

FIRST = (
    "Iran and Russia signed a memorandum on defence cooperation in Tehran on Wednesday.\n"
    "The memorandum commits the two countries to joint naval exercises next year.\n"
    "Both countries are under Western sanctions and have expanded their military ties.\n"
    "Western governments accuse Iran of supplying drones to Russia for the war in Ukraine.\n"
    "Shoigu is expected to return to Moscow on Thursday after meeting military chiefs.\n"
)
SECOND = (
    "Russia and Iran signed a defence cooperation memorandum in Tehran on Wednesday.\n"
    "Both countries are under Western sanctions and have expanded their military ties.\n"
    "Tehran denies supplying drones for the war and says it sent a limited number before it.\n"
    "The United States said it was watching the cooperation between Tehran and Moscow.\n"
)


def point(text: str, sentence: str) -> KeyPoint:
    start = text.index(sentence)
    return KeyPoint(sentence, start, start + len(sentence))


def test_two_outlets_merge_repeated_key_points():
    first = analyse(FIRST, title="Iran and Russia sign defence memorandum")
    second = analyse(SECOND, title="Russia, Iran seal defence pact as West watches")
    brief = summarize_story([first, second])
    assert brief.headline in ("Iran and Russia sign defence memorandum", second.title)
    assert 2 <= len(brief.key_points) <= 4
    sanctions = [k for k in brief.key_points if k.startswith("Both countries are under")]
    assert len(sanctions) <= 1
    memoranda = [k for k in brief.key_points if "memorandum" in k and "signed" in k]
    assert len(memoranda) == 1  # the two leads say the same thing in other words
    assert len(set(brief.key_points)) == len(brief.key_points)


def test_quotes_people_and_countries_are_merged():
    text_a = "“The pressure of sanctions is futile,” Shoigu said in Tehran on Wednesday."
    text_b = (
        "Sergei Shoigu said: “The pressure of sanctions is futile. Our cooperation grows.”"
        " An official said “talks went well”."
    )
    quote_a = Quote("The pressure of sanctions is futile,", 1, 37, "Sergey Shoigu", None, "said")
    full_b = "The pressure of sanctions is futile. Our cooperation grows."
    start_b = text_b.index(full_b)
    quote_b = Quote(
        full_b,
        start_b,
        start_b + len(full_b),
        "Sergei Shoigu",
        "Russian Defence Minister",
        "said",
    )
    anonymous = Quote("talks went well", text_b.index("talks"), text_b.index("talks") + 15)
    unattributed_copy = Quote("The pressure of sanctions is futile", 1, 36)
    a = Analysis(
        text=text_a,
        title="Shoigu: sanctions futile",
        key_points=[point(text_a, text_a)],
        quotes=[unattributed_copy, quote_a],
        countries=[CountryScore("IR", "Iran", 1.0), CountryScore("RU", "Russia", 0.6)],
        people=[Person("Sergey Shoigu", None, [(50, 56)]), Person("Shoigu", None, [(50, 56)])],
    )
    b = Analysis(
        text=text_b,
        title=None,
        key_points=[point(text_b, text_b[: text_b.index(" An official")])],
        quotes=[quote_b, anonymous],
        countries=[CountryScore("RU", "Russia", 1.0)],
        people=[Person("Sergei Shoigu", "Russian Defence Minister", [(0, 13)])],
    )
    brief = summarize_story([a, b])
    assert brief.headline == "Shoigu: sanctions futile"
    sanctions = [q for q in brief.quotes if "sanctions" in q.text]
    assert len(sanctions) == 1
    merged = sanctions[0]
    assert merged.text == full_b  # the fuller version
    assert merged.speaker == "Sergey Shoigu" and merged.speaker_title == "Russian Defence Minister"
    assert brief.quotes[-1] is anonymous  # unattributed quotes come after attributed ones
    assert brief.official_quotes == [merged]
    assert [(c.code, round(c.score, 2)) for c in brief.countries] == [("RU", 0.8), ("IR", 0.5)]
    assert [(p.name, p.title) for p in brief.people] == [
        ("Sergey Shoigu", "Russian Defence Minister")
    ]


def test_one_article_and_none():
    only = analyse(FIRST, title=None)
    brief = summarize_story([only])
    assert brief.headline.startswith("Iran and Russia signed a memorandum")
    assert len(brief.headline) <= 120
    assert 2 <= len(brief.key_points) <= 4
    starts = [FIRST.index(k) for k in brief.key_points]
    assert starts == sorted(starts)  # one article keeps its order
    empty = summarize_story([])
    assert empty.headline == "" and empty.key_points == [] and empty.quotes == []


def test_different_people_with_one_surname_stay_apart():
    a = Analysis(text="x", people=[Person("Mark Smith", "senator"), Person("Mary Smith", None)])
    b = Analysis(text="y", people=[Person("Smith", None), Person("Yevgeny Prigozhin", None)])
    names = sorted(p.name for p in summarize_story([a, b]).people)
    # "Smith" alone could be either of them, so it joins neither
    assert names == ["Mark Smith", "Mary Smith", "Smith", "Yevgeny Prigozhin"]
