"""The real APScheduler polling a feed on its interval, against the local server."""

from __future__ import annotations

import asyncio
import itertools

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select

from bot.ingest.cycle import run_cycle
from bot.ingest.workers import shared_pool
from bot.settings import FeedConfig, make_settings
from bot.store import Store
from bot.store.models import Article
from tests.fakes.feed_server import FeedServer, article_page, rss

PARAGRAPHS = [
    "The harbour authority of Valparaíso reopened the port on Thursday after a storm "
    "that had kept container ships at anchor for three days, officials said.",
    "Dock workers cleared debris from the piers overnight and the first vessels were "
    "expected to berth by the afternoon, the port's operator said in a statement.",
]


async def test_scheduler_polls_each_feed_on_its_interval_not_more(sqlite_url):
    with FeedServer() as server:
        server.add("/news/port", article_page("Valparaíso port reopens", PARAGRAPHS))
        feed_xml = rss(
            [{"title": "Port reopens", "link": server.url("/news/port"), "guid": "port-1"}]
        )
        server.add("/feed.xml", feed_xml, content_type="application/rss+xml", etag=True)
        store = Store.from_url(sqlite_url)
        settings = make_settings(
            database_url=sqlite_url,
            allow_private_hosts=True,
            poll_interval=1,
            poll_floor=1,
            http_connect_timeout=0.5,
            http_read_timeout=0.5,
        )
        await store.sync_feeds([FeedConfig(url=server.url("/feed.xml"), name="Port News")])
        # the service's workers are up before its first tick; here too
        pool = shared_pool(settings.ingest_workers, settings.ingest_page_budget)
        await asyncio.get_running_loop().run_in_executor(None, pool.warm)
        scheduler = AsyncIOScheduler(timezone="UTC")
        # the job wakes up 5 times a second; the feed's own interval (1 s) decides polls
        scheduler.add_job(
            run_cycle,
            "interval",
            seconds=0.2,
            args=[store, settings],
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        try:  # three polls, however long a loaded machine takes to get there
            for _ in range(1200):
                if len(server.requests_for("/feed.xml")) >= 3:
                    break
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0.1)
        hits = server.requests_for("/feed.xml")
        async with store.session() as session:
            articles = await session.scalar(select(func.count()).select_from(Article))
        await store.close()
    assert len(hits) >= 3, [h.at for h in hits]
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # never more often than the interval
    assert "if-none-match" not in hits[0].headers
    assert all("if-none-match" in h.headers for h in hits[1:])  # conditional GET → 304
    assert server.count("/news/port") == 1 and articles == 1
