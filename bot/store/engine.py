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

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.util import await_

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
