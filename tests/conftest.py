"""Shared fixtures: real databases, migrated once per session, clean for every test.

``store`` runs a test twice: on a SQLite file and on PostgreSQL (TEST_DATABASE_URL,
default postgresql+asyncpg://postgres@127.0.0.1:5432/test). Each test session creates
its own PostgreSQL database next to that one (so parallel sessions do not collide) and
drops it at the end; the PostgreSQL variant is skipped, saying why, only when no server
answers. Migrations run once per backend per session; every test then starts from a
copy of the migrated SQLite file, or from truncated PostgreSQL tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store import Store, make_engine
from bot.store.migrate import upgrade
from tests.fakes.scratch_db import pg_admin

DEFAULT_TEST_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, copied for each test."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database file for this test."""
    path = tmp_path / "newsbrief.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test session's own (dropped at the end)."""
    admin_url = pg_admin_url()
    try:
        asyncio.run(pg_admin(admin_url, "SELECT 1"))
    except (TimeoutError, OSError) as exc:
        reason = f"no PostgreSQL server answers at {make_url(admin_url)!r}: {exc}"
        if os.environ.get("NEWSBRIEF_REQUIRE_POSTGRES"):  # CI: these tests must run
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"newsbrief_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_postgres(store: Store) -> None:
    async with store.engine.begin() as connection:
        tables = (
            await connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, migrated, empty database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A :class:`Store` on an empty, migrated database (each backend in turn)."""
    store = Store.from_url(database_url)
    if store.dialect == "postgresql":
        await _truncate_postgres(store)
    try:
        yield store
    finally:
        await store.close()
