"""Async engines for SQLite (the embedded default) and PostgreSQL (when DATABASE_URL says so).

On PostgreSQL a pooled connection is checked before it is handed out, as
``pool_pre_ping`` would, but cheaply (issue 11): SQLAlchemy's asyncpg ping is three round
trips (BEGIN, ``;``, ROLLBACK) on every checkout, and /brief checks out twice. Here a
connection the server closed (a restart, a stop, an idle timeout on its side) is seen
without a round trip: asyncpg marks it closed when the socket reads EOF. A connection
that sat idle in the pool longer than :data:`PING_AFTER_IDLE_S` (where a silent drop by a
firewall or a failover is likely) is also pinged, in one round trip: ``SELECT 1`` in the
simple query protocol (no prepared statement: safe behind pgbouncer's transaction mode,
which is why SQLAlchemy's ping opens a transaction), with a timeout. Either failure
discards the connection and the pool hands out a fresh one, as with ``pool_pre_ping``.
"""

from __future__ import annotations

import collections
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.util import EMPTY_DICT, await_

#: How long a SQLite writer waits for another writer before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: A PostgreSQL connection idle in the pool this long is pinged (one round trip) before use.
PING_AFTER_IDLE_S = 30.0
#: A ping unanswered this long (a connection dropped silently) discards the connection.
PING_TIMEOUT_S = 10.0
_USED_AT = "newsbrief_used_at"  # ConnectionPoolEntry.info key: when it went back to the pool


def normalise_database_url(url: str | URL) -> URL:
    """Pick the async driver: ``postgres://`` and ``postgresql://`` -> asyncpg, sqlite -> aiosqlite.

    Hosting platforms hand out ``postgres://...?sslmode=require``; asyncpg spells that
    ``ssl=require``, so the parameter is translated too.
    """
    if isinstance(url, str):
        text = url.strip()
        if text.startswith("postgres://"):
            text = "postgresql://" + text[len("postgres://") :]
        url = make_url(text)
    backend = url.get_backend_name()
    if backend == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
        query = dict(url.query)
        if "sslmode" in query:
            mode = query.pop("sslmode")
            query.setdefault("ssl", mode)
            url = url.set(query=query)
    elif backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return url


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An engine ready for the service: WAL and foreign keys on SQLite; on PostgreSQL a
    connection checked on checkout (see the module's docstring; ``pool_pre_ping=True``
    passed here brings SQLAlchemy's own ping back instead; ``ping_after_idle_s`` sets the
    idle time after which a connection is pinged, :data:`PING_AFTER_IDLE_S` by default)."""
    url = normalise_database_url(url)
    ping_after_idle_s = float(kwargs.pop("ping_after_idle_s", PING_AFTER_IDLE_S))
    if url.get_backend_name() == "sqlite":
        if url.database is None or is_sqlite_memory(url):
            # one shared connection, or every connection gets its own empty database
            kwargs.setdefault("poolclass", StaticPool)
        else:
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        kwargs.setdefault("module", _one_hop_dbapi())
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine.sync_engine, "checkout", _checkout_check(ping_after_idle_s))
        event.listen(engine.sync_engine, "checkin", _pg_checkin)
    return engine


def _pg_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_USED_AT] = time.monotonic()


def _checkout_check(ping_after_idle_s: float) -> Any:
    def check(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        """Refuse a connection the server closed, and ping one idle for long: the pool
        then discards it and connects again (``DisconnectionError``), as ``pool_pre_ping``
        does. A new connection (never checked in) needs neither."""
        used_at = record.info.get(_USED_AT)
        if used_at is None:
            return
        driver = dbapi_connection.driver_connection  # the asyncpg Connection
        if driver.is_closed():
            raise exc.DisconnectionError("the server closed this connection")
        if time.monotonic() - used_at < ping_after_idle_s:
            return
        try:
            # the simple query protocol: one round trip (asyncpg fails on ";"'s empty tag)
            await_(driver.execute("SELECT 1", timeout=PING_TIMEOUT_S))
        except Exception as error:
            raise exc.DisconnectionError(f"ping failed: {error!r}") from error

    return check


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


# ---------------------------------------------------------------- SQLite in one hop
def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> tuple[sqlite3.Cursor, list[Any] | None]:
    """In aiosqlite's thread: a cursor made, the statement run, its rows fetched and the
    cursor closed (what it reports, description, rowcount and lastrowid, stays)."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
    finally:
        cursor.close()
    return cursor, rows


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, each statement one hop to aiosqlite's thread.

    SQLAlchemy's own makes four: the cursor made, the statement run, its rows fetched,
    the cursor closed, each a task put on aiosqlite's queue (waking its thread) and a
    result handed back to the event loop (waking it): about 0.3 ms of this process's
    CPU a statement here, most of it those wake-ups. Here one function does all four in
    the thread, and the rows come back with it, as SQLAlchemy's buffers them anyway.
    """

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # the last statement's, closed
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    @property
    def description(self) -> Any:
        return self._cursor.description if self._cursor is not None else None

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor is not None else -1

    @property
    def lastrowid(self) -> Any:
        return self._cursor.lastrowid if self._cursor is not None else None

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # the rows are all fetched in the thread

    async def _async_soft_close(self) -> None:
        pass  # closed in the thread already

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            cursor, rows = await connection._execute(
                _run_statement, connection._conn, operation, parameters, many
            )
        self._cursor = cursor
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    def setinputsizes(self, *inputsizes: Any) -> None:
        pass


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneHopCursor  # type: ignore[assignment]  # a subclass


class _OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI whose connections run a statement in one hop."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return _OneHopConnection(self, adapted._connection)


def _one_hop_dbapi() -> _OneHopDbapi:
    import aiosqlite

    return _OneHopDbapi(aiosqlite, sqlite3)
