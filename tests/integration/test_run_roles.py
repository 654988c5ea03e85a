"""``newsbrief run --role``: real processes. Ingest-only workers need no Telegram token and
share the feeds (each polled once); a bad role or a role missing what it needs is one
line and exit status 2."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import func, select

from bot.store import Store
from bot.store.models import Article, Story
from tests.fakes.feed_server import FeedServer
from tests.integration.test_bot_modes import env_for, run_cli, run_to_end
from tests.integration.test_several_workers import serve_events


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_an_unknown_role_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_to_end(["run", "--role", "ingest,mailer"], env_for(tmp_path, None), tmp_path)
    assert one_line(result) == (
        "newsbrief run: unknown role 'mailer': choose from bot, ingest, digest"
    )


def test_the_digest_role_needs_the_token(tmp_path: Path) -> None:
    result = run_to_end(["run", "--role", "digest"], env_for(tmp_path, None), tmp_path)
    assert "TELEGRAM_BOT_TOKEN is not set" in one_line(result)


def test_a_webhook_needs_the_bot_role(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text("")
    env = env_for(tmp_path, feeds, WEBHOOK_URL="https://bot.example/hook", WEBHOOK_SECRET="s3")
    result = run_to_end(["run", "--role", "ingest", "--webhook"], env, tmp_path)
    assert one_line(result) == "newsbrief run: --webhook receives updates: it needs the bot role"


def feeds_toml(path: Path, feeds: list[dict[str, str]]) -> Path:
    path.write_text(
        "".join(f'[[feeds]]\nname = "{f["name"]}"\nurl = "{f["url"]}"\n\n' for f in feeds)
    )
    return path


async def count(store: Store, model: object) -> int:
    async with store.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)))


async def until(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``check()`` (a coroutine function) to be true; a hang guard, not a timing."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def test_two_ingest_only_processes_without_a_token_share_the_feeds(
    store: Store, tmp_path: Path
) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    with FeedServer() as server:
        feeds = [serve_events(server, f"desk{f}", [60 + 2 * f, 61 + 2 * f]) for f in range(4)]
        env = env_for(
            tmp_path,
            feeds_toml(tmp_path / "feeds.toml", feeds),
            DATABASE_URL=url,
            INGEST_WORKERS="1",
            POLL_INTERVAL="900",
        )
        assert not any(key.startswith("TELEGRAM_") for key in env)
        workers = [run_cli(["run", "--role", "ingest"], env, tmp_path) for _ in range(2)]
        try:

            async def done() -> bool:
                for proc in workers:
                    assert proc.poll() is None, proc.communicate()[1][-3000:]
                polled = [f for f in await store.list_feeds() if f.last_success_at is not None]
                leased = await store.leased_feeds()
                return len(polled) == 4 and await count(store, Article) == 8 and not leased

            await until(done, 240, "both workers to poll every feed")
        finally:
            for proc in workers:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
            outputs = [proc.communicate(timeout=30) for proc in workers]
        for proc, (_out, err) in zip(workers, outputs, strict=True):
            assert proc.returncode == 0, err[-3000:]
            assert "event=worker_started roles=ingest" in err
            assert "TELEGRAM" not in err
        for feed in feeds:
            path = feed["url"].removeprefix(server.base_url)
            assert server.count(path) == 1, path  # polled once, by one of the two
        pages = [h.path for h in server.hits if "/news/" in h.path]
        assert len(pages) == len(set(pages)) == 8
    assert await count(store, Story) == 8
