"""A PostgreSQL outage in the middle of a digest fan-out: nothing lost, nothing repeated.

Each test makes a PostgreSQL cluster of its own (``initdb`` + ``pg_ctl`` into a temp
directory, on a free port: the shared server on 5432 is never touched), sends the digests
of 500 subscribers through the real ``Application`` and the fake Bot API, and stops the
cluster while they go out. Marks of accepted messages must survive: sending stops while
they cannot be written, they are retried until the server is back (first test), and
journalled so that a process dying during the outage does not lose them either (second
test). The tests skip, saying why, where ``initdb`` is missing, except in CI.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from bot.delivery import DeliveryOptions
from bot.store import Store
from bot.store.migrate import upgrade
from bot.store.models import OUTBOX
from tests.fakes.bot_harness import REPO, bot_running
from tests.fakes.pg_cluster import ThrowawayPostgres
from tests.fakes.telegram_api import FakeBotAPI

if TYPE_CHECKING:
    from tests.integration.conftest import DueDigests

SUBSCRIBERS = 500
OUTAGE_SECONDS = 4.0
FIRST_CHAT = 610_000


async def prepared_store(url: str, due_digests: DueDigests) -> Store:
    """The cluster's database, migrated, with two Iran stories and 500 due subscribers."""
    store = Store.from_url(url)
    await upgrade(store.engine)
    await due_digests(store, FIRST_CHAT, SUBSCRIBERS)
    return store


async def statuses(store: Store) -> Counter:
    async with store.engine.connect() as conn:
        rows = await conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status))
        return Counter(dict(rows.all()))


async def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


def tally(fake: FakeBotAPI) -> tuple[int, int]:
    """(lost, duplicated) over the 500 subscribers' chats."""
    per_chat = Counter(m.chat_id for m in fake.sent)
    lost = sum(1 for c in range(FIRST_CHAT, FIRST_CHAT + SUBSCRIBERS) if not per_chat[c])
    return lost, sum(n - 1 for n in per_chat.values())


async def test_a_postgres_outage_mid_digest_loses_nothing_and_repeats_nothing(
    cluster: ThrowawayPostgres, tmp_path: Path, due_digests: DueDigests
) -> None:
    store = await prepared_store(cluster.url, due_digests)
    journal = tmp_path / "outbox.marks"
    # Leases shorter than the outage: on the old code the unmarked rows' claims lapse and
    # the next flush sends them again.
    options = DeliveryOptions(lease=timedelta(seconds=2), journal=journal)
    try:
        async with (
            FakeBotAPI() as fake,
            bot_running(fake, store, rate_limit=50, delivery_options=options) as app,
        ):
            nb = app.bot_data.services
            fan_out = asyncio.create_task(nb.digests.dispatch_due(nb.delivery))
            await wait_until(lambda: fake.accepted >= 100, 60, "the fan-out to start")
            await asyncio.to_thread(cluster.stop)
            at_stop = fake.accepted
            await asyncio.sleep(OUTAGE_SECONDS)
            in_flight = fake.accepted - at_stop  # sends that ended after the stop
            assert journal.exists()  # the marks held at the failure are on disk
            await asyncio.to_thread(cluster.start)
            report = await asyncio.wait_for(fan_out, 120)  # the same flush goes on
            assert report.delivery is not None
            leftover = await nb.delivery.flush_outbox()  # nothing left for a later run
        lost, duplicated = tally(fake)
        print(
            f"outage {OUTAGE_SECONDS:g} s: stopped at {at_stop} accepted, in flight "
            f"{in_flight}, lost {lost}, duplicated {duplicated}"
        )
        assert at_stop < SUBSCRIBERS  # the outage came in the middle
        assert in_flight <= nb.delivery.concurrency  # sending stopped at the failure
        assert lost == 0
        assert duplicated <= in_flight and duplicated == 0
        assert leftover.sent == 0
        assert (await statuses(store)) == Counter(sent=SUBSCRIBERS)
        assert not list(tmp_path.glob("outbox.marks*"))  # replayed and forgotten
    finally:
        await store.close()


CHILD = """
import asyncio, sys
from datetime import timedelta
from bot.delivery import DeliveryOptions
from bot.store import Store
from bot.telegram.app import build_application, setup
from tests.fakes.bot_harness import bot_settings

async def main(url, base, token, journal):
    store = Store.from_url(url)
    app = build_application(bot_settings(), store, token=token, base_url=base, rate_limit=50,
                            per_chat_interval=0,
                            delivery_options=DeliveryOptions(lease=timedelta(seconds=1),
                                                             journal=journal))
    await app.initialize()
    await setup(app)
    nb = app.bot_data.services
    await nb.digests.dispatch_due(nb.delivery)

asyncio.run(main(*sys.argv[1:5]))
"""


async def test_marks_journalled_during_an_outage_survive_kill_9_and_are_replayed_first(
    cluster: ThrowawayPostgres, tmp_path: Path, due_digests: DueDigests
) -> None:
    store = await prepared_store(cluster.url, due_digests)
    journal = tmp_path / "outbox.marks"
    try:
        async with FakeBotAPI() as fake:
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, cluster.url, fake.base_url, fake.token, str(journal)],
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            try:
                await wait_until(
                    lambda: fake.accepted >= 100 or child.poll() is not None, 90, "sending"
                )
                assert child.poll() is None, child.communicate()[1].decode()[-2000:]
                await asyncio.to_thread(cluster.stop)
                await wait_until(journal.exists, 20, "the journal")
                at_stop = fake.accepted
                await asyncio.sleep(1.0)  # sends in flight end; their marks are journalled
                in_flight = fake.accepted - at_stop
                os.kill(child.pid, signal.SIGKILL)  # dies before the database is back
            finally:
                child.wait(10)
            accepted_by_child = fake.accepted
            await asyncio.to_thread(cluster.start)
            await asyncio.sleep(1.1)  # the dead process's leases run out
            async with bot_running(
                fake, store, delivery_options=DeliveryOptions(journal=journal)
            ) as app:
                report = await app.bot_data.services.delivery.flush_outbox()
        lost, duplicated = tally(fake)
        print(
            f"kill -9 during the outage: child sent {accepted_by_child}, in flight {in_flight},"
            f" restart sent {report.sent}, lost {lost}, duplicated {duplicated}"
        )
        assert accepted_by_child < SUBSCRIBERS
        assert lost == 0
        assert duplicated == 0  # every accepted message was journalled, then replayed
        assert report.sent == SUBSCRIBERS - accepted_by_child
        assert (await statuses(store)) == Counter(sent=SUBSCRIBERS)
        assert not list(tmp_path.glob("outbox.marks*"))
    finally:
        await store.close()
