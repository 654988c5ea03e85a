"""The public face of the summarizer: plain dataclasses, and their JSON form.

Every consumer (the CLI, the store, the bot) reads these and nothing deeper, so the
field names and the JSON produced by :meth:`Analysis.to_dict` are a stable contract
(documented in the README). Offsets are Python string indices into the text given to
:func:`summarizer.analyse`; the ``text`` of a sentence, quote or key point is that span
with any markup and control characters blanked out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence as a reader would split it, with its place in the text."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Person:
    """Someone (or an organisation or government) the article names.

    ``mentions`` holds every span that refers to them: the full name, later surnames,
    pronouns and descriptions ("the Iranian minister") once resolved.
    """

    name: str
    title: str | None = None
    mentions: list[tuple[int, int]] = field(default_factory=list)
    kind: str = "person"  # "person" | "organisation" | "government"


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quote and who said it.

    ``speaker`` is the resolved full name ("Mohammad-Reza Ashtiani"), not the local
    mention ("he"); it is ``None`` when the article does not say who spoke, and such a
    quote is never shown as an official's.
    """

    text: str
    start: int
    end: int
    speaker: str | None = None
    speaker_title: str | None = None
    cue: str | None = None
    speaker_role: str | None = None  # "official" | "expert" | "other" | None (no speaker)
    speaker_kind: str | None = None  # "person" | "organisation" | "government" | None

    @property
    def attributed(self) -> bool:
        return self.speaker is not None

    @property
    def display_text(self) -> str:
        """The words to show between quote marks, without the comma that led into "he said"."""
        return self.text.strip().rstrip(",;:").rstrip()

    @property
    def attribution(self) -> str | None:
        """ "Name, Title" as a brief shows it, or None for an unattributed quote."""
        if self.speaker is None:
            return None
        return ", ".join(part for part in (self.speaker, self.speaker_title) if part)


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """A sentence chosen to stand for the article, in article order."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class CountryScore:
    """A country the article is about; ``score`` is salience in [0, 1], highest first."""

    code: str  # ISO 3166-1 alpha-2
    name: str
    score: float


@dataclass(slots=True)
class Analysis:
    """Everything a brief is made of, for one article."""

    text: str
    title: str | None = None
    language: str = "en"
    sentences: list[Sentence] = field(default_factory=list)
    countries: list[CountryScore] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    key_points: list[KeyPoint] = field(default_factory=list)
    # True when the text was longer than analyse() reads (summarizer.MAX_ANALYSED_CHARS):
    # only its beginning was analysed.
    truncated: bool = False

    @property
    def is_english(self) -> bool:
        return self.language == "en"

    def to_dict(self) -> dict[str, Any]:
        """The public JSON schema (see README, "The analysis as JSON")."""
        return {
            "language": self.language,
            "countries": [
                {"code": c.code, "name": c.name, "score": round(c.score, 4)} for c in self.countries
            ],
            "people": [
                {"name": p.name, "title": p.title, "mentions": [list(m) for m in p.mentions]}
                for p in self.people
            ],
            "quotes": [
                {
                    "text": q.text,
                    "start": q.start,
                    "end": q.end,
                    "speaker": q.speaker,
                    "speaker_title": q.speaker_title,
                    "cue": q.cue,
                    "speaker_role": q.speaker_role,
                    "speaker_kind": q.speaker_kind,
                }
                for q in self.quotes
            ],
            "key_points": [
                {"text": k.text, "start": k.start, "end": k.end} for k in self.key_points
            ],
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], text: str = "", title: str | None = None) -> Analysis:
        """Rebuild an analysis stored as JSON (the store keeps the text separately)."""
        return cls(
            text=text,
            title=title,
            language=data.get("language", "en"),
            countries=[CountryScore(**c) for c in data.get("countries", [])],
            people=[
                Person(
                    name=p["name"],
                    title=p.get("title"),
                    mentions=[tuple(m) for m in p.get("mentions", [])],
                )
                for p in data.get("people", [])
            ],
            quotes=[Quote(**q) for q in data.get("quotes", [])],
            key_points=[KeyPoint(**k) for k in data.get("key_points", [])],
            truncated=bool(data.get("truncated", False)),
        )


@dataclass(slots=True)
class Brief:
    """What a reader sees for one story (one or more articles about the same event)."""

    headline: str
    key_points: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    countries: list[CountryScore] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)

    @property
    def official_quotes(self) -> list[Quote]:
        """Quotes with a named speaker: the only ones shown as someone's words."""
        return [q for q in self.quotes if q.attributed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "key_points": list(self.key_points),
            "quotes": [
                {
                    "text": q.text,
                    "speaker": q.speaker,
                    "speaker_title": q.speaker_title,
                    "cue": q.cue,
                    "speaker_role": q.speaker_role,
                    "speaker_kind": q.speaker_kind,
                }
                for q in self.quotes
            ],
            "countries": [
                {"code": c.code, "name": c.name, "score": c.score} for c in self.countries
            ],
            "people": [{"name": p.name, "title": p.title} for p in self.people],
        }
