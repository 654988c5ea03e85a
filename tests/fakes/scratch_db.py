"""Databases of a benchmark's own: a SQLite file or a fresh PostgreSQL database, removed after.

Benchmarks must not share state with the tests or with each other, and must leave nothing
behind: each run gets a migrated, empty database next to the server named by
``TEST_DATABASE_URL`` (a new PostgreSQL database, dropped with ``FORCE`` at the end) or a
SQLite file in a temporary directory.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    """The PostgreSQL server benchmarks create their databases on."""
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


async def pg_admin(url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def postgres_answers(url: str) -> str | None:
    """None when the server answers, else why not (to print, then skip PostgreSQL)."""
    try:
        await pg_admin(url, "SELECT 1")
    except (TimeoutError, OSError) as exc:
        return f"no PostgreSQL server answers: {exc}"
    return None


@asynccontextmanager
async def scratch_database(backend: str, admin: str | None = None) -> AsyncIterator[str]:
    """The URL of a new, empty, migrated database of ``backend``; removed on exit."""
    from sqlalchemy.engine import make_url

    from bot.store import make_engine
    from bot.store.migrate import upgrade

    admin = admin or admin_url()
    with tempfile.TemporaryDirectory(prefix="nb-bench-") as tmp:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        else:
            name = f"newsbrief_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            await pg_admin(admin, f'CREATE DATABASE "{name}"')
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        try:
            engine = make_engine(url)
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()
            yield url
        finally:
            if backend != "sqlite":
                await pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
