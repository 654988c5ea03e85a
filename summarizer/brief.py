"""The public face of the summarizer: plain dataclasses, and their JSON form.

Every consumer (the CLI, the store, the bot) reads these and nothing deeper, so the
field names and the JSON produced by :meth:`Analysis.to_dict` are a stable contract
(documented in the README). Offsets are Python string indices into the text given to
:func:`summarizer.analyse`; the ``text`` of a sentence, quote or key point is that span
with any markup and control characters blanked out.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    # how the article describes a speaker it does not name ("the Indiana governor"), in
    # lower case; never a name and never shown as one (None when ``speaker`` is set)
    speaker_description: str | None = None

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

    def to_dict(self) -> dict[str, Any]:
        """The public JSON schema (see README, "The analysis as JSON").

        The text and title are kept beside it (the store has columns for them) and the
        sentences are not kept: :meth:`from_dict` takes the first two back as arguments.
        """
        return {
            "language": self.language,
            "countries": [_country_dict(c, digits=4) for c in self.countries],
            "people": [
                {**_person_dict(p), "mentions": [list(m) for m in p.mentions]} for p in self.people
            ],
            "quotes": [_quote_dict(q) for q in self.quotes],
            "key_points": [
                {"text": k.text, "start": k.start, "end": k.end} for k in self.key_points
            ],
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], text: str = "", title: str | None = None
    ) -> Analysis:
        """Rebuild an analysis from :meth:`to_dict` (the store keeps the text separately).

        Tolerant of JSON stored by older versions: a field they did not have takes its
        default (a person's ``kind`` "person", a quote's role and kind ``None``).
        """
        return cls(
            text=text,
            title=title,
            language=str(data.get("language") or "en"),
            countries=[_country(c) for c in data.get("countries") or ()],
            people=[_person(p) for p in data.get("people") or ()],
            quotes=[_quote(q) for q in data.get("quotes") or ()],
            key_points=[
                KeyPoint(str(k.get("text", "")), int(k.get("start") or 0), int(k.get("end") or 0))
                for k in data.get("key_points") or ()
            ],
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
        """The JSON the store keeps for a story; :meth:`from_dict` reads it back.

        People's mentions are left out: they are offsets into one of the story's
        articles, which a brief does not say, so they mean nothing here.
        """
        return {
            "headline": self.headline,
            "key_points": list(self.key_points),
            "quotes": [_quote_dict(q) for q in self.quotes],
            "countries": [_country_dict(c) for c in self.countries],
            "people": [_person_dict(p) for p in self.people],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, headline: str = "") -> Brief:
        """Rebuild a brief from :meth:`to_dict`; ``headline`` when the JSON has none.

        Tolerant of briefs stored by older versions (no quote offsets, roles or kinds)
        and of none at all (a story whose brief is not built yet: just its headline).
        """
        if not data:
            return cls(headline=headline)
        return cls(
            headline=str(data.get("headline") or headline),
            key_points=[str(p) for p in data.get("key_points") or ()],
            quotes=[_quote(q) for q in data.get("quotes") or ()],
            countries=[_country(c) for c in data.get("countries") or ()],
            people=[_person(p) for p in data.get("people") or ()],
        )


# ---------------------------------------------------------------- JSON of the parts
# One writer and one reader per part, shared by Analysis and Brief, so both read what
# both write. Readers take what is missing from older JSON as the field's default.


def _quote_dict(q: Quote) -> dict[str, Any]:
    return {
        "text": q.text,
        "start": q.start,
        "end": q.end,
        "speaker": q.speaker,
        "speaker_title": q.speaker_title,
        "cue": q.cue,
        "speaker_role": q.speaker_role,
        "speaker_kind": q.speaker_kind,
        "speaker_description": q.speaker_description,
    }


def _quote(q: Mapping[str, Any]) -> Quote:
    return Quote(
        text=str(q.get("text", "")),
        start=int(q.get("start") or 0),
        end=int(q.get("end") or 0),
        speaker=q.get("speaker"),
        speaker_title=q.get("speaker_title"),
        cue=q.get("cue"),
        speaker_role=q.get("speaker_role"),
        speaker_kind=q.get("speaker_kind"),
        speaker_description=q.get("speaker_description"),
    )


def _country_dict(c: CountryScore, digits: int | None = None) -> dict[str, Any]:
    score = round(c.score, digits) if digits is not None else c.score
    return {"code": c.code, "name": c.name, "score": score}


def _country(c: Mapping[str, Any]) -> CountryScore:
    code = str(c["code"])
    return CountryScore(code, str(c.get("name") or code), float(c.get("score") or 0.0))


def _person_dict(p: Person) -> dict[str, Any]:
    return {"name": p.name, "title": p.title, "kind": p.kind}


def _person(p: Mapping[str, Any]) -> Person:
    return Person(
        name=str(p["name"]),
        title=p.get("title"),
        mentions=[(int(m[0]), int(m[1])) for m in p.get("mentions") or ()],
        kind=str(p.get("kind") or "person"),
    )
