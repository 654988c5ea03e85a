"""newsbrief's NLP core: the text of a news article in, what a brief is made of out.

Pure functions only: no network, no database, no Telegram. ``bot/`` builds on this;
nothing here imports ``bot``.
"""

from __future__ import annotations

from summarizer.brief import Analysis, Brief, CountryScore, KeyPoint, Person, Quote, Sentence
from summarizer.countries import find_countries
from summarizer.keypoints import select_key_points
from summarizer.language import detect_language
from summarizer.quotes import find_quotes_and_people
from summarizer.story import summarize_story
from summarizer.text import clean_text, split_sentences

__all__ = [
    "Analysis",
    "Brief",
    "CountryScore",
    "KeyPoint",
    "Person",
    "Quote",
    "Sentence",
    "analyse",
    "summarize_story",
]


def analyse(text: str, title: str | None = None) -> Analysis:
    """Analyse one article: sentences, countries, people, quotes and key points.

    Never raises on bad input (empty, huge, HTML, control characters, other scripts):
    it returns what it can, possibly an empty analysis. Offsets index ``text`` as given;
    the text of a sentence, quote or key point is that span with markup and control
    characters blanked (:func:`summarizer.text.clean_text` keeps every offset).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    working = clean_text(text)  # same length as text, so offsets carry over
    language = detect_language(working)
    sentences = split_sentences(working)
    quotes, people = find_quotes_and_people(working, sentences)
    countries = find_countries(working, title=title, people=people)
    key_points = select_key_points(
        working, sentences, quotes=quotes, title=title, language=language
    )
    return Analysis(
        text=text,
        title=title,
        language=language,
        sentences=sentences,
        countries=countries,
        people=people,
        quotes=quotes,
        key_points=key_points,
    )
