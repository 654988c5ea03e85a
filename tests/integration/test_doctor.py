"""``newsbrief doctor``: the real command against a fake Bot API, a local feed server and
SQLite, with one thing wrong at a time; a verdict per line, exit 1 when any line fails."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from tests.fakes.bot_harness import articles, page, rss
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeBotAPI
from tests.integration.test_bot_modes import env_for, run_to_end


def verdicts(stdout: str) -> dict[str, tuple[str, str]]:
    """CHECK -> (VERDICT, DETAIL) from the table."""
    rows: dict[str, tuple[str, str]] = {}
    lines = stdout.splitlines()
    header = lines[0]
    verdict_at, detail_at = header.index("VERDICT"), header.index("DETAIL")
    for line in lines[1:]:
        if not line.strip():
            break
        rows[line[:verdict_at].strip()] = (
            line[verdict_at:detail_at].strip(),
            line[detail_at:].strip(),
        )
    return rows


async def test_doctor_gives_a_verdict_per_line(tmp_path: Path) -> None:
    with FeedServer() as server:
        base = server.base_url.rstrip("/")
        items = []
        for path, title, text in articles():
            server.add(path, page(title, text))
            items.append((title, path, datetime.now(UTC)))
        server.add("/feed.xml", rss(base, items), content_type="application/rss+xml")
        server.add("/gone.xml", "no", status=404)
        server.add("/page.html", page("Not a feed", "Just a page."))
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(
            f'[[feeds]]\nurl = "{base}/feed.xml"\nname = "Good Wire"\n'
            f'[[feeds]]\nurl = "{base}/gone.xml"\nname = "Gone Wire"\n'
            f'[[feeds]]\nurl = "{base}/page.html"\nname = "Page Wire"\n'
        )
        async with FakeBotAPI() as fake:
            env = env_for(tmp_path, feeds, TELEGRAM_BOT_TOKEN=fake.token)
            env["TELEGRAM_API_BASE_URL"] = fake.base_url
            first = await asyncio.to_thread(run_to_end, ["doctor"], env, tmp_path, 120)
            env["TELEGRAM_BOT_TOKEN"] = "111222333:REJECTED-token-that-must-not-show"
            rejected = await asyncio.to_thread(
                run_to_end, ["doctor", "--no-feeds"], env, tmp_path, 120
            )
    assert first.returncode == 1, first.stderr[-2000:]
    rows = verdicts(first.stdout)
    assert rows["settings"][0] == "ok"
    assert rows["telegram"] == ("ok", "getMe: @newsbrief_test_bot")
    assert rows["database"][0] == "warn" and "empty" in rows["database"][1]  # never migrated
    assert rows["feed Good Wire"][0] == "ok" and rows["feed Good Wire"][1].startswith("3 items")
    assert rows["feed Gone Wire"][0] == "FAIL" and "404" in rows["feed Gone Wire"][1]
    assert rows["feed Page Wire"][0] == "FAIL" and "does not parse" in rows["feed Page Wire"][1]
    assert "2 problem(s)" in first.stdout

    assert rejected.returncode == 1
    rows = verdicts(rejected.stdout)
    assert rows["telegram"][0] == "FAIL" and "rejected the bot token" in rows["telegram"][1]
    assert rows["feeds"] == ("skip", "--no-feeds")
    assert "REJECTED-token" not in rejected.stdout + rejected.stderr
