"""Articles as the cycle sees them: the rows it reads back, and what it takes from them.

The cycle matches articles to stories by their people and main countries, which live
in each article's stored analysis (``Analysis.to_dict()``). It reads those three fields
here, and only here, rather than through :meth:`summarizer.Analysis.from_dict`: the
cycle's process never imports the summarizer (only the workers do), which keeps
ingestion's memory down (about 20 MB) and means a broken summarizer fails analyses, not
the polling of feeds. Everything else about an analysis is the summarizer's to read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from bot.ingest.stories import Profile

__all__ = [
    "MAIN_COUNTRY_SCORE",
    "ArticleRow",
    "BriefInput",
    "OrphanRow",
    "content_hash",
    "countries_of",
    "fallback_headline",
    "main_countries",
    "person_names",
    "profile_of_row",
]

#: What a story's brief is made of, per article: (analysis JSON, text, title).
BriefInput = tuple[dict[str, Any], str, str | None]

MAIN_COUNTRY_SCORE = 0.25  # countries below this salience do not place an article
MAX_MAIN_COUNTRIES = 4


class ArticleRow(Protocol):
    """What the cycle reads of a stored article (:class:`bot.store.Article`)."""

    @property
    def id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def text(self) -> str: ...
    @property
    def analysis(self) -> dict[str, Any] | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def fetched_at(self) -> datetime: ...


class OrphanRow(ArticleRow, Protocol):
    """An article in no story, with its signature to place it by (and its content hash,
    by which the window finds exact copies)."""

    @property
    def minhash(self) -> bytes | None: ...
    @property
    def content_hash(self) -> str | None: ...


def content_hash(text: str) -> str:
    """A hash of the text with whitespace and case normalised: exact copies share it."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


def _items(analysis: Mapping[str, Any] | None, field: str) -> list[Mapping[str, Any]]:
    """The objects of one list of a stored analysis; anything else in it is skipped, so a
    row written by an older or broken version places its article by what it does hold."""
    found = analysis.get(field) if isinstance(analysis, Mapping) else None
    if not isinstance(found, list):
        return []
    return [item for item in found if isinstance(item, Mapping)]


def person_names(analysis: Mapping[str, Any]) -> list[str]:
    """The people an analysis names (not organisations or governments; analyses stored
    before people had a kind count everyone)."""
    return [
        p["name"]
        for p in _items(analysis, "people")
        if isinstance(p.get("name"), str) and p["name"] and p.get("kind", "person") == "person"
    ]


def countries_of(analysis: Mapping[str, Any] | None) -> list[tuple[str, float]]:
    """``(code, score)`` of every country an analysis found, most salient first."""
    found = []
    for c in _items(analysis, "countries"):
        if isinstance(c.get("code"), str) and isinstance(c.get("score", 0), int | float):
            found.append((c["code"], float(c.get("score", 0))))
    return found


def main_countries(analysis: Mapping[str, Any] | None) -> list[str]:
    """The few countries an article is mainly about: what story matching compares."""
    codes = [code for code, score in countries_of(analysis) if score >= MAIN_COUNTRY_SCORE]
    return codes[:MAX_MAIN_COUNTRIES]


def profile_of_row(article: ArticleRow) -> Profile:
    """A stored article's profile for story matching, as it had when it was stored."""
    data = article.analysis or {}
    return Profile.of_article(
        title=article.title,
        text=article.text or "",
        people=person_names(data),
        countries=main_countries(data),
        published=article.published_at or article.fetched_at,
    )


_FIRST_SENTENCE = re.compile(r"(.{20,200}?[.!?])(\s|$)", re.DOTALL)


def fallback_headline(text: str) -> str:
    """A headline for an article without a title: its first sentence, or its beginning."""
    match = _FIRST_SENTENCE.match(text.strip()[:400])
    return (match.group(1) if match else text.strip()[:120]).strip()
