"""``newsbrief ingest --once`` as an operator runs it: a real process, a local feed server."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys

from tests.fakes.feed_server import FeedServer, article_page, rss

PARAGRAPHS = [
    "Kenya's parliament passed a finance bill on Tuesday that raises taxes on mobile money "
    "transfers and fuel, after a heated debate that ran late into the night in Nairobi.",
    "Opposition lawmakers walked out before the vote, saying the levies would hurt poor "
    "households, while the treasury said the revenue was needed to service foreign debt.",
]


def ingest_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", "--once"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )


def test_ingest_once_fills_the_store_from_a_local_feeds_file(tmp_path):
    with FeedServer() as server:
        server.add("/news/kenya", article_page("Kenya passes finance bill", PARAGRAPHS))
        items = [
            {
                "title": "Kenya passes finance bill",
                "link": server.url("/news/kenya"),
                "guid": "ke-1",
            }
        ]
        server.add("/feed.xml", rss(items), content_type="application/rss+xml", etag=True)
        server.add("/broken.xml", "down", status=500)
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(
            f'[[feeds]]\nname = "Nairobi Daily"\nurl = "{server.url("/feed.xml")}"\n\n'
            f'[[feeds]]\nname = "Broken Wire"\nurl = "{server.url("/broken.xml")}"\n',
            encoding="utf-8",
        )
        db = tmp_path / "news.db"
        env = {
            "FEEDS_FILE": str(feeds),
            "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
            "ALLOW_PRIVATE_HOSTS": "1",
            "HTTP_READ_TIMEOUT": "2",
        }
        first = ingest_once(env)
        assert first.returncode == 0, first.stderr
        assert "Nairobi Daily" in first.stdout and "Broken Wire" in first.stdout
        assert "HTTP 500" in first.stdout
        assert "feeds polled: 2, not modified: 0, failed: 1, new articles: 1" in first.stdout
        with sqlite3.connect(db) as conn:
            ((title, text, source),) = conn.execute(
                "SELECT title, text, text_source FROM articles"
            ).fetchall()
            (stories,) = conn.execute("SELECT count(*) FROM stories").fetchone()
        assert title == "Kenya passes finance bill" and source == "page"
        assert "mobile money" in text and stories == 1
        # run again at once: nothing is due yet, nothing is fetched
        second = ingest_once(env)
        assert second.returncode == 0, second.stderr
        assert "feeds polled: 0" in second.stdout
        assert server.count("/feed.xml") == 1 and server.count("/news/kenya") == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ingest_once_with_no_network_reports_each_feed_and_exits_1(tmp_path):
    """Default feed list, no way out (a dead proxy on loopback): each feed fails alone,
    and the command exits 1 saying so in one line (cron must hear of it; issue 7, #10)."""
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {k: v for k, v in os.environ.items() if k.upper() not in ("FEEDS_FILE", "NO_PROXY")}
    env.update(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'news.db'}",
            "HTTP_PROXY": dead,
            "HTTPS_PROXY": dead,
            "ALLOW_PRIVATE_HOSTS": "1",  # no DNS look-up: nothing leaves this machine
            "HTTP_CONNECT_TIMEOUT": "2",
            "HTTP_READ_TIMEOUT": "2",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ingest", "--once"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("newsbrief ingest:")]
    assert len(said) == 1 and "no feed could be polled" in said[0]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("feeds polled: ") and "new articles: 0" in last
    polled = int(last.split("feeds polled: ")[1].split(",")[0])
    failed = int(last.split("failed: ")[1].split(",")[0])
    assert polled >= 10 and failed == polled
    assert "connect" in result.stdout  # each feed's own error is in the table
