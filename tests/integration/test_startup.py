"""Start-up as an operator meets it: each bad setting and each failure is one line.

The real ``newsbrief`` command in a subprocess: bad settings in every command (exit 2),
a token the (fake) Bot API rejects with 401 (exit 2, and the token never printed, not
even at DEBUG), Telegram unreachable (retried, then exit 3), the database unreachable
(exit 3) or on a schema newer than the code (exit 4). No traceback, no "Unclosed"
warnings from sessions left open.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.bot_harness import REPO
from tests.fakes.telegram_api import FakeBotAPI
from tests.integration.test_bot_modes import env_for, free_port, run_to_end

WRONG_TOKEN = "987654321:WRONG-token-that-must-never-be-printed"


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_one_clean_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    errors = lines(result)
    assert len(errors) == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Unclosed" not in result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


BAD_SETTINGS = [
    ("WEBHOOK_URL", "http://bot.example.org/hook", "https://"),
    ("WEBHOOK_URL", "https://bot.example.org:9999/hook", "443, 80, 88 or 8443"),
    ("WEBHOOK_SECRET", "has a space", "A-Z, a-z, 0-9, _ and -"),
    ("DEFAULT_TIMEZONE", "Mars/Base", "Europe/Berlin"),
    ("DEFAULT_TIMEZONE", "USA", "several time zones"),
    ("DEFAULT_DIGEST_TIME", "25:99", "half past seven"),
    ("DATABASE_URL", "mysql://user:hunter2@db/news", "postgresql://"),
    ("DATABASE_URL", "postgresql://user@db:port/news", "port"),
    ("TELEGRAM_API_BASE_URL", "ftp://files.example.org", "http:// or https://"),
    ("TELEGRAM_BOT_TOKEN", "not a token", "123456789:AAE"),
    ("METRICS_PORT", "70000", "65535"),
    ("LOG_FORMAT", "xml", "'text' or 'json'"),
    ("POLL_INTERVAL", "often", "integer"),
    ("ADMIN_IDS", "12,abc", "user ids"),
    ("FEEDS_FILE", "/nowhere/feeds.toml", "no such file"),
]


@pytest.mark.parametrize(("name", "value", "hint"), BAD_SETTINGS)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, name: str, value: str, hint: str
) -> None:
    env = env_for(tmp_path, None, **{name: value})
    result = run_to_end(["run"], env, tmp_path, timeout=60)
    assert result.returncode == 2
    line = assert_one_clean_line(result, f"bad setting {name}", hint)
    assert "hunter2" not in line and "not a token" not in line  # secrets are not echoed


@pytest.mark.parametrize(
    "command",
    [
        ["analyse", "-"],
        ["feeds"],
        ["brief", "Iran"],
        ["ingest", "--once"],
        ["digest", "Iran"],
        ["doctor"],
        ["run", "--webhook"],
    ],
)
def test_every_command_checks_the_settings_first(tmp_path: Path, command: list[str]) -> None:
    env = env_for(tmp_path, None, DEFAULT_TIMEZONE="Mars/Base")
    result = run_to_end(command, env, tmp_path, timeout=60)
    assert result.returncode == 2
    assert_one_clean_line(result, "bad setting DEFAULT_TIMEZONE", "unknown time zone")
    assert not (tmp_path / "bot.db").exists()  # nothing started


async def test_a_rejected_token_is_one_line_and_never_printed(tmp_path: Path) -> None:
    async with FakeBotAPI() as fake:  # answers 401 to any other token
        env = env_for(tmp_path, None, TELEGRAM_BOT_TOKEN=WRONG_TOKEN)
        args = ["run", "--api-base-url", fake.base_url]
        result = await asyncio.to_thread(run_to_end, args, env, tmp_path, 60)
        debug = await asyncio.to_thread(
            run_to_end, ["--log-level", "DEBUG", *args], env, tmp_path, 60
        )
    assert result.returncode == 2
    assert_one_clean_line(result, "Telegram rejected the bot token", "TELEGRAM_BOT_TOKEN")
    assert debug.returncode == 2
    assert "Traceback" in debug.stderr  # the detail is there at DEBUG...
    for output in (result.stdout, result.stderr, debug.stdout, debug.stderr):
        assert WRONG_TOKEN not in output  # ...and the token is not
        assert WRONG_TOKEN.split(":")[1] not in output


async def test_unreachable_telegram_is_retried_then_one_line(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/bot"
    env = env_for(tmp_path, None, TELEGRAM_BOT_TOKEN=FakeBotAPI.token, STARTUP_RETRY_SECONDS="2")
    result = await asyncio.to_thread(
        run_to_end, ["run", "--api-base-url", closed], env, tmp_path, 60
    )
    assert result.returncode == 3
    line = assert_one_clean_line(result, "cannot reach the Telegram Bot API at 127.0.0.1")
    attempts = int(line.split(" attempt(s)")[0].rsplit("(", 1)[1])
    assert attempts >= 3  # 0.5 s, 1 s... backoff within the 2 s allowed
    assert FakeBotAPI.token not in result.stderr


async def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    async with FakeBotAPI() as fake:
        env = env_for(
            tmp_path,
            None,
            TELEGRAM_BOT_TOKEN=fake.token,
            DATABASE_URL=f"postgresql://news:pa55word@127.0.0.1:{free_port()}/news",
            STARTUP_RETRY_SECONDS="1",
        )
        result = await asyncio.to_thread(
            run_to_end, ["run", "--api-base-url", fake.base_url], env, tmp_path, 60
        )
    assert result.returncode == 3
    line = assert_one_clean_line(result, "cannot reach the database at postgresql://news:***@")
    assert "pa55word" not in result.stderr and "attempt(s)" in line


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    async with FakeBotAPI() as fake:
        env = env_for(tmp_path, None, TELEGRAM_BOT_TOKEN=fake.token)
        result = await asyncio.to_thread(
            run_to_end, ["run", "--api-base-url", fake.base_url], env, tmp_path, 60
        )
    assert result.returncode == 4
    assert_one_clean_line(result, "9999_from_the_future", "newer than this newsbrief")


def test_tracebacks_the_interpreter_prints_are_redacted(tmp_path: Path) -> None:
    """An exception escaping main or a thread never shows the token (issue 7, point 6)."""
    script = (
        "import threading\n"
        "from bot.logging_setup import install_excepthooks, register_secret\n"
        "install_excepthooks()\n"
        "register_secret('42:short-secret-token')\n"
        f"t = threading.Thread(target=lambda: 1 / 0 if False else (_ for _ in ()).throw("
        f"RuntimeError('thread saw {WRONG_TOKEN}')))\n"
        "t.start(); t.join()\n"
        "raise RuntimeError('The token `42:short-secret-token` was rejected')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Exception in thread" in result.stderr and "RuntimeError" in result.stderr
    assert result.stderr.count("[REDACTED]") == 2
    assert WRONG_TOKEN.split(":")[1] not in result.stderr
    assert "short-secret-token" not in result.stderr
