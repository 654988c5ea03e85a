"""``newsbrief run`` as a process: long polling and webhook modes, and start-up errors.

The real command in a subprocess, against the fake Bot API and a local feed server
with the seed article: it migrates the store, polls the feeds, answers /brief, checks
the webhook secret on every request, and never prints the token.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fakes.bot_harness import REPO, articles, page, rss
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeBotAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def feeds(tmp_path: Path) -> Iterator[Path]:
    with FeedServer() as server:
        base = server.base_url.rstrip("/")
        items = []
        for path, title, text in articles():
            server.add(path, page(title, text))
            items.append((title, path, datetime.now(UTC)))
        server.add("/feed.xml", rss(base, items), content_type="application/rss+xml")
        toml = tmp_path / "feeds.toml"
        toml.write_text(f'[[feeds]]\nurl = "{base}/feed.xml"\nname = "Test Wire"\n')
        yield toml


def env_for(tmp_path: Path, feeds_file: Path | None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_URL"))
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
            "ALLOW_PRIVATE_HOSTS": "true",
            "PYTHONPATH": str(REPO),
            "LOG_LEVEL": "INFO",
        }
    )
    if feeds_file:
        env["FEEDS_FILE"] = str(feeds_file)
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_to_end(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``newsbrief ARGS`` run to completion, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stop(proc: subprocess.Popen) -> tuple[str, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            return proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.communicate(timeout=5)


def test_run_without_token_fails_with_one_clear_line(tmp_path: Path) -> None:
    result = run_to_end(["run"], env_for(tmp_path, None), tmp_path, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN is not set" in lines[0]


async def until(predicate, timeout: float = 40.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def until_serving(proc: subprocess.Popen[str], fake: FakeBotAPI, port: int) -> None:
    """Wait for ``newsbrief run --webhook`` to set its webhook, then to listen:
    python-telegram-bot calls setWebhook before its server starts listening."""
    await until(lambda: bool(fake.webhook_url) or proc.poll() is not None, what="setWebhook")
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    await until(lambda: listening(port) or proc.poll() is not None, what="webhook server")
    assert proc.poll() is None, proc.communicate()[1][-2000:]


async def test_run_polling_ingests_and_answers_without_leaking_the_token(
    tmp_path: Path, feeds: Path
) -> None:
    async with FakeBotAPI() as fake:
        env = env_for(tmp_path, feeds, TELEGRAM_BOT_TOKEN=fake.token)
        proc = run_cli(["run", "--api-base-url", fake.base_url], env, tmp_path)
        try:
            await until(
                lambda: fake.calls["setMyCommands"] >= 1 or proc.poll() is not None, what="start-up"
            )
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            reply = None
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:  # the first poll of the feeds runs at start
                reply = (await fake.ask(77, "/brief Iran", timeout=10))[0]
                if "No stories" not in reply.plain and "still collecting" not in reply.plain:
                    break
                await asyncio.sleep(0.5)
            assert reply is not None and "Mohammad-Reza Ashtiani" in reply.plain
        finally:
            out, err = await asyncio.to_thread(stop, proc)
    logs = out + err
    assert "event=bot_ready" in logs
    assert fake.token not in logs and fake.token.split(":")[1] not in logs
    assert (tmp_path / "bot.db").exists()


async def test_run_webhook_checks_the_secret_token(tmp_path: Path) -> None:
    port = free_port()
    secret = "s3cret-token_value"
    async with FakeBotAPI() as fake:
        env = env_for(
            tmp_path,
            None,
            TELEGRAM_BOT_TOKEN=fake.token,
            WEBHOOK_URL=f"http://127.0.0.1:{port}/tg/hook",
            TELEGRAM_API_BASE_URL=fake.base_url,  # self-hosted: plain http webhooks allowed
            WEBHOOK_SECRET=secret,
        )
        feeds_file = tmp_path / "feeds.toml"
        feeds_file.write_text("")
        env["FEEDS_FILE"] = str(feeds_file)
        proc = run_cli(
            [
                "run",
                "--webhook",
                "--listen",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-poll",
                "--api-base-url",
                fake.base_url,
            ],
            env,
            tmp_path,
        )
        try:
            await until_serving(proc, fake, port)
            assert fake.webhook_url == f"http://127.0.0.1:{port}/tg/hook"
            assert fake.webhook_secret == secret

            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "text": "/help",
                    "chat": {"id": 88, "type": "private"},
                    "from": {"id": 88, "is_bot": False, "first_name": "W"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                },
            }

            def post(token: str | None) -> int:
                headers = {"Content-Type": "application/json"}
                if token is not None:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = token
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/tg/hook",
                    data=json.dumps(update).encode(),
                    headers=headers,
                )
                try:
                    with urllib.request.urlopen(req, timeout=10) as res:
                        return res.status
                except urllib.error.HTTPError as exc:
                    return exc.code

            assert await asyncio.to_thread(post, "wrong") == 403
            assert await asyncio.to_thread(post, None) == 403
            await asyncio.sleep(0.3)
            assert fake.messages_to(88) == []  # refused requests did nothing
            assert await asyncio.to_thread(post, secret) == 200
            msgs = await fake.wait_for(88, 1, timeout=15)
            assert "/brief Iran" in msgs[0].plain
        finally:
            out, err = await asyncio.to_thread(stop, proc)
    assert fake.token not in out + err


def test_brief_in_the_terminal_polls_once_when_the_store_is_empty(
    tmp_path: Path, feeds: Path
) -> None:
    env = env_for(tmp_path, feeds)
    result = run_to_end(["brief", "Iran"], env, tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "polling the feeds once" in result.stderr
    out = result.stdout
    assert out.startswith("Iran · last 24 hours")
    assert "” — Mohammad-Reza Ashtiani, Iranian Defense Minister" in out
    assert "<b>" not in out and "Test Wire (http://127.0.0.1:" in out
    unknown = run_to_end(["brief", "Irna"], env, tmp_path, timeout=60)
    assert unknown.returncode == 2 and "did you mean Iran?" in unknown.stderr


async def test_digest_command_prints_and_sends_due_digests(tmp_path: Path, feeds: Path) -> None:
    from bot.store import Store
    from bot.store.subscribers import BotStore

    env = env_for(tmp_path, feeds)
    filled = await asyncio.to_thread(run_to_end, ["brief", "Iran"], env, tmp_path, 120)
    assert filled.returncode == 0, filled.stderr[-2000:]
    printed = await asyncio.to_thread(run_to_end, ["digest", "Iran", "Germany"], env, tmp_path, 60)
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert printed.stdout.startswith("Digest · Iran and Germany")
    assert "Mohammad-Reza Ashtiani" in printed.stdout and "budget" in printed.stdout

    store = Store.from_url(env["DATABASE_URL"])
    try:
        bs = BotStore(store.engine)
        await bs.ensure_subscriber(
            99, digest_time="08:00", timezone="UTC", next_digest_at=datetime.now(UTC)
        )
        await bs.subscribe(99, ["IR"])
    finally:
        await store.close()
    async with FakeBotAPI() as fake:
        env["TELEGRAM_BOT_TOKEN"] = fake.token
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "digest",
            "--send-due",
            "--api-base-url",
            fake.base_url,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "1 due, 1 messages queued, 1 sent" in out.decode()
    assert fake.messages_to(99)[0].plain.startswith("Your digest · Iran")
    assert fake.token not in (out + err).decode()
