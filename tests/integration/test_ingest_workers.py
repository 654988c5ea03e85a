"""The worker pool: real processes, a budget per task, killed and replaced when over it."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from bot.ingest.workers import TaskError, TaskTimeout, WorkerDied, WorkerPool


@pytest.fixture
def pool():
    with WorkerPool(1, budget=30) as p:
        yield p


async def test_a_task_over_its_budget_is_killed_and_its_worker_replaced(pool):
    first = await pool.run(os.getpid)
    with pytest.raises(TaskTimeout) as info:
        await pool.run(time.sleep, 60, budget=0.5)
    assert "timeout" in info.value.reason and pool.timeouts == 1
    second = await pool.run(os.getpid)
    assert second != first  # a fresh process took the killed one's place
    assert await pool.run(len, "still works") == 11


async def test_a_worker_that_dies_is_replaced(pool):
    with pytest.raises(WorkerDied) as info:
        await pool.run(os._exit, 3)
    assert "exit code 3" in info.value.reason and pool.deaths == 1
    assert await pool.run(sum, [1, 2, 3]) == 6


async def test_an_exception_comes_back_as_its_type_and_message(pool):
    with pytest.raises(TaskError) as info:
        await pool.run(int, "not a number")
    assert info.value.reason.startswith("ValueError: invalid literal")
    assert await pool.run(int, "42") == 42  # the worker lives on


async def test_a_slow_task_holds_up_only_its_own_worker():
    """Two workers: while one is stuck on a task, the other serves every other task."""
    with WorkerPool(2, budget=30) as pool:
        stuck = asyncio.create_task(pool.run(time.sleep, 60, budget=3))
        answers = [await pool.run(len, "x" * n) for n in range(5)]
        assert answers == [0, 1, 2, 3, 4] and not stuck.done()
        with pytest.raises(TaskTimeout):
            await stuck


async def test_a_task_is_charged_the_time_it_ran_not_its_wait_for_a_worker(pool):
    """One worker busy with a task of 1 s: the task queued behind it is charged only
    its own run, which is what a page's budget pays (a page queued behind a slow one
    keeps its budget); a failure says how long it ran, a timeout all its budget."""
    slow = asyncio.create_task(pool.run_timed(time.sleep, 1.0))
    await asyncio.sleep(0.1)  # the slow task has the worker
    asked = time.monotonic()
    value, ran = await pool.run_timed(len, "queued")
    waited = time.monotonic() - asked  # about 0.9 s of it for the worker to be free
    _, slow_ran = await slow
    assert value == 6 and slow_ran >= 1.0
    assert ran < waited / 2  # the wait for the worker is not in what it is charged
    with pytest.raises(TaskTimeout) as timeout:
        await pool.run_timed(time.sleep, 60, budget=0.2)
    assert timeout.value.ran == 0.2
    with pytest.raises(TaskError) as error:
        await pool.run_timed(_fail_after, 0.3)
    assert error.value.ran >= 0.3


async def test_a_closed_pool_refuses_work():
    pool = WorkerPool(1)
    await pool.run(len, "warm")
    pool.close()
    with pytest.raises(RuntimeError):
        await pool.run(len, "x")


async def test_callers_waiting_for_a_worker_are_served_in_turn_and_may_give_up(pool):
    """One worker: callers queue for it in order; one that is cancelled while it waits
    (or just as the worker is handed to it) leaves its turn to the next, not a slot lost."""
    busy = asyncio.create_task(pool.run(_pid_after, 0.3))
    await asyncio.sleep(0.05)
    gives_up = asyncio.create_task(pool.run(len, "never"))
    queued = [asyncio.create_task(pool.run(len, "x" * n)) for n in range(3)]
    await asyncio.sleep(0.05)
    gives_up.cancel()
    worker = await busy
    assert await asyncio.gather(*queued) == [0, 1, 2]
    assert gives_up.cancelled()
    assert await pool.run(os.getpid) == worker  # the one worker still serves, unreplaced


async def test_a_task_cancelled_while_it_runs_costs_its_worker_not_the_slot(pool):
    first = await pool.run(os.getpid)
    running = asyncio.create_task(pool.run(time.sleep, 60))
    await asyncio.sleep(0.2)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert await pool.run(len, "next") == 4  # a fresh worker, its answer not the old one's
    assert await pool.run(os.getpid) != first


def test_one_pool_serves_event_loops_in_turn_and_at_once():
    """The scheduler's jobs and tests each run their own loop: a pool serves them all,
    from one thread after the other or from two threads at once."""
    import threading

    with WorkerPool(1, budget=30) as pool:
        assert asyncio.run(pool.run(len, "one")) == 3
        assert asyncio.run(pool.run(len, "three")) == 5
        answers: list[int] = []

        def other_loop() -> None:
            answers.append(asyncio.run(pool.run(_pid_after, 0.2)))

        thread = threading.Thread(target=other_loop)
        thread.start()
        time.sleep(0.05)  # the other loop holds the worker: this one waits its turn
        mine = asyncio.run(pool.run(_pid_after, 0.0))
        thread.join(timeout=30)
        assert answers == [mine]


async def test_closing_the_pool_refuses_the_callers_still_waiting():
    pool = WorkerPool(1, budget=30)
    busy = asyncio.create_task(pool.run(time.sleep, 0.5))
    await asyncio.sleep(0.2)
    waiting = asyncio.create_task(pool.run(len, "x"))
    await asyncio.sleep(0.05)
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        await waiting
    assert await busy is None  # the task in flight had its answer: the worker finished it


CHILD = """
import asyncio, os, sys, time
from bot.ingest.workers import WorkerPool

async def main():
    pool = WorkerPool(1, budget=600)
    print(await pool.run(os.getpid), flush=True)
    await pool.run(time.sleep, 600)  # the parent dies long before this ends

asyncio.run(main())
"""


def test_a_worker_does_not_outlive_a_service_killed_with_sigkill(tmp_path):
    """``kill -9`` of the service leaves no worker grinding a hostile page for minutes."""
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        worker = int(proc.stdout.readline())  # type: ignore[union-attr]
        os.kill(worker, 0)  # alive, busy with its task
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        for _ in range(300):  # it notices within a second or two; allow for a loaded host
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"worker {worker} still runs after its service was killed")
    finally:
        if proc.poll() is None:
            proc.kill()


async def test_the_poll_jobs_first_run_starts_the_workers_before_its_cycle(sqlite_url):
    """A long-running process starts its extraction workers once, at start-up (the poll
    job's first run, which also builds the story window): no cycle pays their imports."""
    from bot.ingest.workers import shared_pool
    from bot.jobs import poll_feeds
    from bot.settings import make_settings
    from bot.store import Store

    settings = make_settings(database_url=sqlite_url, ingest_workers=2)
    shared_pool(settings.ingest_workers, settings.ingest_page_budget).close()  # a fresh one
    store = Store.from_url(sqlite_url)
    kept: dict = {}
    try:
        report = await poll_feeds(store, settings, kept)
    finally:
        await store.close()
    pool = shared_pool(settings.ingest_workers, settings.ingest_page_budget)
    assert report.feeds_polled == 0 and "window" in kept
    started = {w.process.pid for w in pool._workers}
    assert len(started) == 2  # both up, though the cycle had no page for them
    pids = await asyncio.gather(*(pool.run(_pid_after, 0.3) for _ in range(2)))
    assert set(pids) == started  # the tasks went to those two: none started now


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)  # both workers busy at once
    return os.getpid()


def _fail_after(seconds: float) -> None:
    time.sleep(seconds)
    raise ValueError("failed after its work")
