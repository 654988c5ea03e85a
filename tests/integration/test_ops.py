"""Operations: /metrics and /healthz of a running bot, JSON logs, and the health verdicts.

The scenario runs the real ``newsbrief run`` (METRICS_PORT set, LOG_FORMAT=json) against
the fake Bot API and a local feed: it polls the feed, a user subscribes, asks for a brief
and their digest, and then a scrape of ``/metrics`` must show polls, articles, digest
messages sent and Telegram send latency, and ``/healthz`` must say all is well.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ops.health import HealthSources, OpsServer, health
from bot.store import make_engine
from bot.store.migrate import current_revision
from tests.fakes.bot_harness import articles, page, rss
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeBotAPI
from tests.integration.test_bot_modes import (
    env_for,
    free_port,
    run_cli,
    stop,
    until,
    until_serving,
)


@pytest.fixture
def feeds_file(tmp_path: Path) -> Iterator[Path]:
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


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def sample(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in the Prometheus text format (0 when absent)."""
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
    match = re.search("^" + pattern + "$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def test_metrics_and_health_of_a_running_bot(tmp_path: Path, feeds_file: Path) -> None:
    port = free_port()
    async with FakeBotAPI() as fake:
        env = env_for(tmp_path, feeds_file, TELEGRAM_BOT_TOKEN=fake.token, METRICS_PORT=str(port))
        env.update(METRICS_HOST="127.0.0.1", LOG_FORMAT="json")
        proc = run_cli(["run", "--api-base-url", fake.base_url], env, tmp_path)
        base = f"http://127.0.0.1:{port}"
        try:
            await until(
                lambda: fake.calls["setMyCommands"] >= 1 or proc.poll() is not None, what="start"
            )
            assert proc.poll() is None, proc.communicate()[1][-2000:]

            async def articles_ingested() -> float:
                _status, text = await asyncio.to_thread(get, base + "/metrics")
                return sample(text, "newsbrief_articles_ingested_total")

            deadline = time.monotonic() + 120
            while await articles_ingested() == 0:  # the first poll runs at start
                assert time.monotonic() < deadline, "no poll within 120 s"
                await asyncio.sleep(0.5)
            await fake.ask(55, "/subscribe Iran")
            brief = await fake.ask(55, "/brief Iran")
            assert "Ashtiani" in brief[0].plain
            digest = await fake.ask(55, "/digest")
            assert "Iran" in digest[0].plain

            # Sent digests are counted when the flush has marked its rows, and the gauges read
            # from the database are refreshed at most every REFRESH_EVERY seconds of scraping.
            deadline = time.monotonic() + 30
            while True:
                status, text = await asyncio.to_thread(get, base + "/metrics")
                sent = sample(text, "newsbrief_digest_messages_total", 'outcome="sent"')
                active = sample(text, "newsbrief_subscribers", 'state="active"')
                if (sent and active) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            assert status == 200
            assert sample(text, "newsbrief_feed_polls_total", 'status="ok"') >= 1
            assert sample(text, "newsbrief_articles_ingested_total") >= 3
            assert sample(text, "newsbrief_stories_ingested_total", 'change="created"') >= 1
            assert sample(text, "newsbrief_digest_messages_total", 'outcome="sent"') >= 1
            assert sample(text, "newsbrief_telegram_send_seconds_count") >= 3
            assert sample(text, "newsbrief_telegram_send_seconds_sum") > 0
            assert sample(text, "newsbrief_brief_seconds_count") >= 1
            assert sample(text, "newsbrief_subscribers", 'state="active"') == 1
            assert sample(text, "newsbrief_outbox_pending") == 0
            assert "newsbrief_telegram_429_total 0.0" in text  # present, and none here

            status, body = await asyncio.to_thread(get, base + "/healthz")
            report = json.loads(body)
            assert status == 200, body
            assert report["status"] == "ok" and report["database"]["ok"] is True
            assert report["scheduler"]["running"] is True
            assert report["last_poll"]["ok"] and report["last_poll"]["age_seconds"] < 120
        finally:
            out, err = await asyncio.to_thread(stop, proc)
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert records and len(records) == len([ln for ln in err.splitlines() if ln.strip()])
    ready = [r for r in records if r.get("event") == "bot_ready"]
    assert ready and ready[0]["username"] == "newsbrief_test_bot"  # a field, not text
    assert fake.token not in out + err


async def test_healthz_fails_when_the_database_does_not_answer(tmp_path: Path) -> None:
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/none")
    sources = HealthSources(
        ping_database=lambda: current_revision(engine),
        scheduler_running=lambda: True,
        poll_period=60.0,
        started=time.time() - 3600,  # past the grace period, and never polled
    )
    server = OpsServer(sources, "127.0.0.1", free_port())
    await server.start()
    try:
        status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{server.port}/healthz")
    finally:
        await server.stop()
        await engine.dispose()
    report = json.loads(body)
    assert status == 503 and report["status"] == "failing"
    assert report["database"]["ok"] is False and "error" in report["database"]
    assert report["scheduler"]["ok"] is True


async def test_health_waits_for_a_first_poll_then_wants_a_recent_one(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/h.db")
    try:
        sources = HealthSources(
            ping_database=lambda: current_revision(engine),
            scheduler_running=lambda: None,  # a process without a scheduler: not a failure
            poll_period=60.0,
        )
        from bot.ops import metrics

        metrics.LAST_POLL.set(0)
        ok, report = await health(sources)
        assert ok and report["last_poll"]["age_seconds"] is None  # just started: waiting
        ok, report = await health(sources, now=time.time() + 3600)
        assert not ok and report["last_poll"]["ok"] is False  # an hour on, still nothing
        metrics.LAST_POLL.set(time.time())
        ok, report = await health(sources, now=time.time() + 100)
        assert ok and 99 <= report["last_poll"]["age_seconds"] <= 181
        ok, report = await health(sources, now=time.time() + 181)
        assert not ok  # older than three poll periods
    finally:
        await engine.dispose()


async def test_the_bot_api_server_comes_from_the_settings(tmp_path: Path) -> None:
    """TELEGRAM_API_BASE_URL (a self-hosted server) and its local mode, no option needed."""
    from bot.settings import make_settings
    from bot.store import Store
    from bot.telegram.app import build_application, running

    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    await store.migrate()
    try:
        async with FakeBotAPI() as fake:
            settings = make_settings(
                telegram_bot_token=fake.token,
                telegram_api_base_url=fake.base_url.removesuffix("/bot"),  # "/bot" is added
                telegram_local_mode=True,
            )
            app = build_application(settings, store, rate_limit=None)
            assert app.bot.local_mode is True
            async with running(app):
                reply = await fake.ask(3003, "/help")
            assert "/brief" in reply[0].plain and fake.calls["getMe"] >= 1
    finally:
        await store.close()


async def test_health_and_metrics_beside_the_webhook(tmp_path: Path) -> None:
    port = free_port()
    async with FakeBotAPI() as fake:
        env = env_for(
            tmp_path,
            None,
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            WEBHOOK_URL=f"http://127.0.0.1:{port}/tg/hook",
            WEBHOOK_SECRET="s3cret",
        )
        env["FEEDS_FILE"] = str(tmp_path / "none.toml")
        (tmp_path / "none.toml").write_text("")
        args = ["run", "--webhook", "--listen", "127.0.0.1", "--port", str(port), "--no-poll"]
        proc = run_cli(args, env, tmp_path)
        try:
            await until_serving(proc, fake, port)
            status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/healthz")
            assert status == 200, body
            report = json.loads(body)
            assert report["database"]["ok"] and "last_poll" not in report  # --no-poll
            status, text = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/metrics")
            assert status == 200 and "# TYPE newsbrief_telegram_send_seconds histogram" in text
        finally:
            await asyncio.to_thread(stop, proc)
