"""What every part of the store shares: the engine, sessions, and two dialect helpers.

The :class:`~bot.store.store.Store` facade is made of one query class per aggregate
(feeds, articles and stories, the brief read model, subscribers, the outbox); each
derives from :class:`StoreBase`, so all of them run on the same engine and sessions.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import CursorResult
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql import ColumnElement, operators
from sqlalchemy.sql.expression import UnaryExpression

#: Bound on the number of bind parameters of one ``IN (...)``.
CHUNK = 500
#: Longest error text kept in a row (feed errors, entry errors).
ERROR_CHARS = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of at most ``size``: one ``IN (...)`` each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rowcount(result: object) -> int:
    """Rows a DELETE or UPDATE touched. ``AsyncSession.execute`` is typed as returning a plain
    Result; for these statements it is a CursorResult, the one that counts rows."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a DELETE or UPDATE gave a {type(result).__name__}, not a CursorResult")
    return result.rowcount or 0


class StoreBase:
    """An engine and its session factory; the query classes of the store build on it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        #: This process's name on the outbox rows it claims (see ``OutboxQueries``).
        self.owner = uuid.uuid4().hex[:16]

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def session(self) -> AsyncSession:
        """A session for reads (``async with store.session() as s``); commit yourself."""
        return self._sessions()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self._sessions.begin() as session:
            yield session

    def _insert(self, table: Any) -> Any:
        """INSERT that can say ON CONFLICT DO NOTHING on both backends."""
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def _insert_new(self, table: Any) -> Any:
        """INSERT ... ON CONFLICT DO NOTHING: two taps on a button must not collide."""
        return self._insert(table).on_conflict_do_nothing()

    def _unindexed(self, column: Any) -> ColumnElement[Any]:
        """``column`` in a form SQLite cannot look up in an index (a unary ``+``, its own
        idiom): SQLite has no statistics, and would read the whole window through the
        (code, updated_at) index rather than the rank index or the primary key."""
        if self.dialect != "sqlite":
            return column
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)
