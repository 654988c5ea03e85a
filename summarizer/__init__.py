"""newsbrief's NLP core: the text of a news article in, what a brief is made of out.

Pure functions only: no network, no database, no Telegram. ``bot/`` builds on this,
through the names below only (its submodules are free to change); nothing here imports
``bot``. Besides analysis and briefs: follow-up answers, and the country names users type.
"""

from __future__ import annotations

# first: NLTK without SciPy (summarizer.nltk_import says why); later imports find it loaded
import summarizer.nltk_import  # noqa: F401
from summarizer.answer import Answer, AnswerItem, Document, answer_question
from summarizer.brief import Analysis, Brief, CountryScore, KeyPoint, Person, Quote, Sentence
from summarizer.cleanup import drop_clutter
from summarizer.countries import find_countries
from summarizer.gazetteer import (
    all_countries,
    country_name,
    is_country_code,
    lookup_country,
    parse_country_list,
    suggest_countries,
)
from summarizer.keypoints import select_key_points
from summarizer.language import detect_language
from summarizer.quotes import find_quotes_and_people
from summarizer.story import summarize_story
from summarizer.text import clean_text, split_sentences

__all__ = [
    "MAX_ANALYSED_CHARS",
    "MAX_TITLE_CHARS",
    "Analysis",
    "Answer",
    "AnswerItem",
    "Brief",
    "CountryScore",
    "Document",
    "KeyPoint",
    "Person",
    "Quote",
    "Sentence",
    "all_countries",
    "analyse",
    "analysed_length",
    "answer_question",
    "country_name",
    "is_country_code",
    "lookup_country",
    "parse_country_list",
    "suggest_countries",
    "summarize_story",
]

# analyse() reads at most this many characters of a text. Real articles are far shorter
# (the longest of the 181 evaluation articles has 53,000); the cap bounds what one
# hostile page can cost in time and memory, whatever the later stages do.
MAX_ANALYSED_CHARS = 200_000
MAX_TITLE_CHARS = 2_000  # a headline longer than this is not one; the rest is not read


def analysed_length(text: str, limit: int = MAX_ANALYSED_CHARS) -> int:
    """How much of ``text`` analyse() reads: all of it, or up to a break near ``limit``.

    The cut falls at the last line break in the final tenth before the limit, else at the
    last space there, else at the limit itself, so a sentence is not cut in two when the
    text gives a better place.
    """
    if len(text) <= limit:
        return len(text)
    window = limit - limit // 10
    for separator in ("\n", " "):
        cut = text.rfind(separator, window, limit)
        if cut > 0:
            return cut + 1
    return limit


def analyse(text: str, title: str | None = None) -> Analysis:
    """Analyse one article: sentences, countries, people, quotes and key points.

    Never raises on bad input (empty, huge, HTML, control characters, other scripts):
    it returns what it can, possibly an empty analysis. Offsets index ``text`` as given;
    the text of a sentence, quote or key point is that span with markup and control
    characters blanked (:func:`summarizer.text.clean_text` keeps every offset).

    Only the first :data:`MAX_ANALYSED_CHARS` characters (200,000, cut at a line break or
    a space just before when there is one: :func:`analysed_length`) are read, so time and
    memory stay bounded whatever the input; ``Analysis.truncated`` then says the rest
    was left out. A title is read up to :data:`MAX_TITLE_CHARS`.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    length = analysed_length(text)
    truncated = length < len(text)
    headline = title[:MAX_TITLE_CHARS] if title else title
    # same length as what is read, so offsets carry over to ``text``
    working = drop_clutter(clean_text(text[:length] if truncated else text))  # same length
    language = detect_language(working)
    sentences = split_sentences(working)
    quotes, people = find_quotes_and_people(working, sentences)
    countries = find_countries(working, title=headline, people=people)
    key_points = select_key_points(
        working, sentences, quotes=quotes, title=headline, language=language
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
        truncated=truncated,
    )
