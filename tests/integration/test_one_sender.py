"""One sender per SQLite store: a second ``run`` or ``digest --send-due`` on the same file
stops with one line instead of sending digests twice.

Real ``newsbrief`` processes against the fake Bot API: one sends the digests of a few
hundred due subscribers (30 messages/s, so it is still at it) while others start on the
same database file; every subscriber must get their digest exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.store import Store
from bot.store.lock import SenderLock, StoreBusy
from tests.fakes.telegram_api import FakeBotAPI
from tests.integration.test_bot_modes import env_for, run_cli, run_to_end, stop

if TYPE_CHECKING:
    from tests.integration.conftest import DueDigests

FIRST_CHAT = 520_000


async def due_subscribers(url: str, count: int, due_digests: DueDigests) -> list[int]:
    """Two Iran stories and ``count`` subscribers due now: one message each."""
    store = Store.from_url(url)
    try:
        return await due_digests(store, FIRST_CHAT, count)
    finally:
        await store.close()


def env_with(tmp_path: Path, url: str, fake: FakeBotAPI) -> dict[str, str]:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text("")
    env = env_for(tmp_path, feeds, TELEGRAM_BOT_TOKEN=fake.token)
    env["DATABASE_URL"] = url
    return env


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def assert_refused(result: subprocess.CompletedProcess[str], command: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"newsbrief {command}: ")
    assert "already sending from" in lines[0] and "PostgreSQL" in lines[0]


async def test_overlapping_send_due_and_a_second_run_are_refused_nothing_repeats(
    sqlite_url: str, tmp_path: Path, due_digests: DueDigests
) -> None:
    chats = await due_subscribers(sqlite_url, 400, due_digests)  # about 13 s at 30 messages/s
    async with FakeBotAPI() as fake:
        env = env_with(tmp_path, sqlite_url, fake)
        base = ["--api-base-url", fake.base_url]
        first = run_cli(["digest", "--send-due", *base], env, tmp_path)
        try:
            await until(lambda: fake.accepted >= 10 or first.poll() is not None, 90, "sending")
            assert first.poll() is None, first.communicate()[1][-2000:]
            second, run = await asyncio.gather(
                asyncio.to_thread(run_to_end, ["digest", "--send-due", *base], env, tmp_path),
                asyncio.to_thread(run_to_end, ["run", "--no-poll", *base], env, tmp_path),
            )
            still_sending = first.poll() is None
            out, err = await asyncio.to_thread(first.communicate, timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
        assert_refused(second, "digest")
        assert_refused(run, "run")
        assert still_sending  # they were refused while the first one sent
        assert first.returncode == 0, err[-2000:]
        assert "400 due, 400 messages queued, 400 sent" in out
        per_chat = Counter(m.chat_id for m in fake.sent)
        assert sorted(per_chat) == chats and set(per_chat.values()) == {1}
        # The lock goes with its process: the next pass runs (and has nothing to send).
        after = await asyncio.to_thread(run_to_end, ["digest", "--send-due", *base], env, tmp_path)
    assert after.returncode == 0, after.stderr[-2000:]
    assert "0 due, 0 messages queued, 0 sent" in after.stdout
    assert len(fake.sent) == len(chats)


async def test_run_holds_the_store_and_after_kill_9_the_next_sender_takes_over(
    sqlite_url: str, tmp_path: Path, due_digests: DueDigests
) -> None:
    chats = await due_subscribers(sqlite_url, 300, due_digests)
    async with FakeBotAPI() as fake:
        env = env_with(tmp_path, sqlite_url, fake)
        base = ["--api-base-url", fake.base_url]
        bot = run_cli(["run", "--no-poll", *base], env, tmp_path)
        try:
            # The scheduler dispatches the due digests 5 s after start-up.
            await until(lambda: fake.accepted >= 10 or bot.poll() is not None, 90, "sending")
            assert bot.poll() is None, stop(bot)[1][-2000:]
            cron = await asyncio.to_thread(
                run_to_end, ["digest", "--send-due", *base], env, tmp_path
            )
            assert bot.poll() is None and fake.accepted < len(chats)
            os.kill(bot.pid, signal.SIGKILL)  # dies holding the lock and its claims
        finally:
            if bot.poll() is None:
                bot.kill()
            bot.communicate(timeout=10)
        killed_at = fake.accepted
        # The kernel dropped the lock with the process; the claims it left are taken
        # back at once by the store's sole sender, not a lease later.
        after = await asyncio.to_thread(run_to_end, ["digest", "--send-due", *base], env, tmp_path)
    assert_refused(cron, "digest")
    assert after.returncode == 0, after.stderr[-2000:]
    assert "event=outbox_claims_released" in after.stderr
    per_chat = Counter(m.chat_id for m in fake.sent)
    assert sorted(per_chat) == chats  # nobody lost
    repeated = sum(n - 1 for n in per_chat.values())
    print(f"kill -9 after {killed_at} accepted: repeated {repeated}")
    assert repeated <= 16  # only messages in flight at the kill (16 sends at once)


def test_the_sender_lock_is_exclusive_and_dies_with_its_holder(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    with SenderLock(database):
        try:
            SenderLock(database).acquire()
        except StoreBusy as exc:
            assert str(os.getpid()) in str(exc) and "PostgreSQL" in str(exc)
        else:
            raise AssertionError("a second holder got the lock")
    again = SenderLock(database).acquire()  # released: free again
    assert again.held
    again.release()
