"""The story window as ingestion keeps it: recent articles read in pages, in placement order.

Ingestion keeps an index of the recent articles (near-duplicate signatures and story
profiles) in memory across cycles and brings it up to date with what was placed since
(:class:`bot.ingest.window.StoryWindow`). These queries serve it: each reads one page of
at most ``limit`` story members by their placement number (``story_articles.placed_seq``,
numbered by the database as they are inserted: migration 0007), so a cycle reads what
is new, never the whole window, and the first build reads the window in pages it can
process between awaits. An article in no story (not placed yet) is not in the window.

Profiles need only the parts of an article that story matching compares: the title,
the lead of the text, and the people and countries of its analysis. Those are read as
such (the text's first :data:`LEAD_CHARS` characters and two members of the analysis
JSON), not the whole row: a stored analysis is many times the size of those parts.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select, true

from bot.store.base import StoreBase, chunks
from bot.store.models import Article, StoryArticle
from bot.store.types import as_utc

#: Characters of an article's text read for its profile; one whose lead is longer than
#: that is read again whole (:meth:`WindowQueries.article_texts`).
LEAD_CHARS = 6000


@dataclass(frozen=True, slots=True)
class WindowRow:
    """A recent article as the window indexes it: its story, signature, content hash and
    placement number."""

    article_id: int
    story_id: int
    placed_seq: int
    fetched_at: datetime
    signature: bytes | None
    content_hash: str | None = None  # exact copies share it: the cycle reuses their analysis
    profile: ProfileRow | None = None  # read with the row when asked (``profiles=True``)


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """What an article's story-matching profile is made of.

    ``lead`` is the text's first :data:`LEAD_CHARS` characters and ``text_length`` the
    length of the whole text; ``people`` and ``countries`` are those members of the
    stored analysis (None when it has none).
    """

    article_id: int
    title: str | None
    lead: str
    text_length: int
    people: list[dict[str, Any]] | None
    countries: list[dict[str, Any]] | None
    published_at: datetime | None
    fetched_at: datetime


class WindowQueries(StoreBase):
    """Recent articles in pages, for the in-process index of the story window."""

    async def window_rows(
        self,
        since: datetime,
        *,
        after_seq: int = 0,
        limit: int = 500,
        profiles: bool = False,
        known: Collection[int] = (),
    ) -> list[WindowRow]:
        """Articles fetched since ``since`` and placed after number ``after_seq``, in
        placement order: one page of at most ``limit``.

        ``profiles``: each row with its profile parts (:meth:`window_profiles`), except
        the articles in ``known`` (the caller has them): a sync under the placement lock
        reads what other workers placed in one round trip instead of two."""
        params: dict[str, Any] = {"since": as_utc(since), "after": after_seq}
        if not profiles:
            query = _rows_statement(limit, profiles=False, known=False)
            async with self.engine.connect() as connection:
                return _window_rows((await connection.execute(query, params)).all())
        if known:
            params["known"] = list(known)
        query = _rows_statement(limit, profiles=True, known=bool(known))
        async with self.engine.connect() as connection:  # Core: no session to set up
            rows = (await connection.execute(query, params)).all()
        return [
            replace(row, profile=_profile_row(row.article_id, *parts))
            if parts[1] is not None  # the lead: NULL for an article in ``known``
            else row
            for row, parts in zip(
                _window_rows([r[:6] for r in rows]), (r[6:] for r in rows), strict=True
            )
        ]

    @staticmethod
    def _window_query(since: Any) -> Any:
        return (
            select(
                Article.id,
                StoryArticle.story_id,
                StoryArticle.placed_seq,
                Article.fetched_at,
                Article.minhash,
                Article.content_hash,
            )
            .select_from(StoryArticle)
            .join(Article, Article.id == StoryArticle.article_id)
            .where(
                Article.fetched_at >= (as_utc(since) if isinstance(since, datetime) else since),
                StoryArticle.placed_seq.is_not(None),
            )
            .order_by(StoryArticle.placed_seq)
        )

    async def window_rows_of(self, seqs: Sequence[int], since: datetime) -> list[WindowRow]:
        """Those placed under these numbers and fetched since ``since`` (numbers an
        earlier page skipped)."""
        found: list[WindowRow] = []
        async with self.session() as session:
            for chunk in chunks(sorted(set(seqs))):
                query = self._window_query(since).where(StoryArticle.placed_seq.in_(chunk))
                found += _window_rows((await session.execute(query)).all())
        return found

    async def window_profiles(self, ids: Sequence[int]) -> list[ProfileRow]:
        """The profile parts of these articles, in id order (missing ids are skipped)."""
        query = select(Article.id, *_profile_parts())
        found: list[ProfileRow] = []
        async with self.session() as session:
            for chunk in chunks(sorted(set(ids))):
                rows = (await session.execute(query.where(Article.id.in_(chunk)))).all()
                found += [_profile_row(*row) for row in rows]
        found.sort(key=lambda row: row.article_id)
        return found

    async def article_texts(self, ids: Sequence[int]) -> dict[int, str]:
        """Whole texts by article id (for the few leads longer than :data:`LEAD_CHARS`)."""
        texts: dict[int, str] = {}
        async with self.session() as session:
            for chunk in chunks(sorted(set(ids))):
                rows = await session.execute(
                    select(Article.id, Article.text).where(Article.id.in_(chunk))
                )
                texts.update((a, t or "") for a, t in rows.all())
        return texts


def _profile_parts() -> list[Any]:
    """What a profile is made of, as columns: title, lead, text length, people,
    countries, published, fetched (see :class:`ProfileRow`)."""
    analysis: Any = Article.analysis
    return [
        Article.title,
        func.substr(Article.text, 1, LEAD_CHARS),
        func.length(Article.text),
        analysis["people"],
        analysis["countries"],
        Article.published_at,
        Article.fetched_at,
    ]


@functools.cache
def _rows_statement(limit: int, *, profiles: bool, known: bool) -> Any:
    """:meth:`WindowQueries.window_rows`'s query, built once per shape with its values as
    parameters (``since``, ``after``, ``known``): a sync runs it under the placement
    lock once per hold, and building it (and its cache key) each time cost more than
    running it when nothing is new (0.25 ms a sync, measured)."""
    query = (
        WindowQueries._window_query(bindparam("since"))
        .where(StoryArticle.placed_seq > bindparam("after"))
        .limit(limit)
    )
    if not profiles:
        return query
    wanted = ~Article.id.in_(bindparam("known", expanding=True)) if known else true()
    return query.add_columns(*(case((wanted, part)) for part in _profile_parts()))


def _profile_row(
    article_id: int,
    title: str | None,
    lead: str | None,
    length: int | None,
    people: Any,
    countries: Any,
    published: datetime | None,
    fetched: datetime,
) -> ProfileRow:
    return ProfileRow(
        article_id,
        title,
        lead or "",
        length or 0,
        people,
        countries,
        as_utc(published) if published else None,
        as_utc(fetched),
    )


def _window_rows(
    rows: Sequence[Any],
) -> list[WindowRow]:
    return [
        WindowRow(a, s, q, as_utc(f), bytes(m) if m is not None else None, h)
        for a, s, q, f, m, h in rows
    ]
