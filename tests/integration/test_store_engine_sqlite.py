"""SQLite statements in one hop to aiosqlite's thread (bot/store/engine.py): what a
statement gives back (rows, RETURNING, rowcount, lastrowid, executemany, errors) is what
SQLAlchemy's own aiosqlite cursor gives, for one task on aiosqlite's queue instead of
four."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.engine import make_engine

pytestmark = pytest.mark.asyncio


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions each task put on aiosqlite's queue ran."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def _session_of_statements(engine: AsyncEngine) -> list[Any]:
    """Every kind of statement the store runs, and what each reports."""
    seen: list[Any] = []
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT UNIQUE)"))
        result = await conn.execute(text("INSERT INTO t (x) VALUES ('a')"))
        seen.append((result.rowcount, result.lastrowid))
        result = await conn.execute(text("INSERT INTO t (x) VALUES (:x)"), [{"x": "b"}, {"x": "c"}])
        seen.append(result.rowcount)
        result = await conn.execute(text("UPDATE t SET x = x || '!' WHERE id > 1 RETURNING id, x"))
        seen.append(sorted(result.all()))
        result = await conn.execute(text("DELETE FROM t WHERE id = 3"))
        seen.append(result.rowcount)
        seen.append((await conn.execute(text("SELECT id, x FROM t ORDER BY id"))).all())
        seen.append((await conn.execute(text("SELECT id FROM t WHERE id > 9"))).all())
        seen.append(await conn.scalar(text("SELECT count(*) FROM t")))
        try:
            await conn.execute(text("INSERT INTO t (x) VALUES ('a')"))
        except exc.IntegrityError as error:
            seen.append(type(error.orig).__name__)
        seen.append((await conn.execute(text("SELECT x FROM t ORDER BY id"))).scalars().all())
    return seen


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    ours = make_engine(f"sqlite+aiosqlite:///{tmp_path}/ours.db")
    theirs = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/theirs.db")
    yield ours, theirs
    await ours.dispose()
    await theirs.dispose()


async def test_a_statement_reports_what_sqlalchemys_cursor_reports(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    ours, theirs = engines
    expected = await _session_of_statements(theirs)
    assert expected[-2] == "IntegrityError"  # the error came back as the driver's
    assert await _session_of_statements(ours) == expected


async def test_a_statement_is_one_task_on_aiosqlites_queue(
    engines: tuple[AsyncEngine, AsyncEngine], hops: list[str]
) -> None:
    ours, theirs = engines
    for engine in (ours, theirs):  # connected, and the pragmas run, before counting
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    counts = []
    for engine in (ours, theirs):
        async with engine.connect() as conn:
            hops.clear()
            rows = (await conn.execute(text("SELECT :a, :b"), {"a": 1, "b": "two"})).all()
            assert rows == [(1, "two")]
            counts.append(len(hops))
    assert counts == [1, 4]  # SQLAlchemy's: the cursor, the statement, the rows, the close
