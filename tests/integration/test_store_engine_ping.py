"""The PostgreSQL pool's check on checkout (bot/store/engine.py): a connection the server
closed is replaced without an error reaching the caller, a recently used one is handed out
without a round trip, and one idle for long is pinged with a single ``SELECT 1`` (no
transaction)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from bot.store.engine import make_engine
from tests.fakes.pg_cluster import ThrowawayPostgres


async def backend_pid(engine: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT pg_backend_pid()")))


async def test_a_restarted_server_s_connections_are_replaced_on_checkout(
    cluster: ThrowawayPostgres,
) -> None:
    engine = make_engine(cluster.url, pool_size=2, max_overflow=0)
    try:
        async with engine.connect() as a, engine.connect() as b:  # two pooled connections
            assert await a.scalar(text("SELECT 1")) == await b.scalar(text("SELECT 1")) == 1
        before = await backend_pid(engine)
        await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(cluster.start)
        await asyncio.sleep(0.2)  # the loop reads the closed sockets' EOF
        for _ in range(3):  # every pooled connection was closed by the stop
            async with engine.connect() as conn:
                assert await conn.scalar(text("SELECT 41 + 1")) == 42
        assert await backend_pid(engine) != before
    finally:
        await engine.dispose()


async def last_query(admin: Any, pid: int) -> str:
    async with admin.connect() as conn:
        query = text("SELECT query FROM pg_stat_activity WHERE pid = :pid")
        return str(await conn.scalar(query, {"pid": pid}))


@pytest.mark.parametrize(
    "options, seen_at_checkout",
    [
        ({"ping_after_idle_s": 3600.0}, "SELECT 'marker'"),  # used just now: no round trip
        ({"ping_after_idle_s": 0.0}, "SELECT 1"),  # idle for long: one query, no transaction
        ({"pool_pre_ping": True}, "ROLLBACK;"),  # SQLAlchemy's ping: BEGIN, ';', ROLLBACK
    ],
)
async def test_only_a_connection_idle_for_long_is_pinged_once_outside_a_transaction(
    cluster: ThrowawayPostgres, options: dict[str, Any], seen_at_checkout: str
) -> None:
    engine = make_engine(cluster.url, pool_size=1, max_overflow=0, **options)
    admin = make_engine(cluster.url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            pid = int(await conn.scalar(text("SELECT pg_backend_pid()")))
            await conn.execute(text("SELECT 'marker'"))
        assert await last_query(admin, pid) == "SELECT 'marker'"
        async with engine.connect() as conn:  # the same connection, checked out again
            assert await last_query(admin, pid) == seen_at_checkout
            assert await conn.scalar(text("SELECT pg_backend_pid()")) == pid
    finally:
        await engine.dispose()
        await admin.dispose()
