"""Helpers for the bot's scenario tests and benchmarks: a store filled by real ingestion,
and the real ``Application`` running against :class:`~tests.fakes.telegram_api.FakeBotAPI`.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bot.delivery import DeliveryOptions
from bot.settings import FeedConfig, Settings, make_settings
from bot.store import Store
from tests.fakes.telegram_api import FakeBotAPI

REPO = Path(__file__).resolve().parents[2]
SEED_ARTICLE = REPO / "tests" / "data" / "seed-article.txt"
SEED_TITLE = "Iran and Russia hail 'unprecedented' defense ties as Shoigu visits Tehran"

GERMANY_ARTICLE = """\
Germany's parliament approved a new budget on Thursday after weeks of negotiations \
between the governing parties in Berlin.
Chancellor Friedrich Merz said the budget "protects investment in railways, schools and \
defence while keeping the debt brake," speaking to reporters after the vote.
The opposition criticised the plan. Finance Minister Lars Klingbeil, the German Vice \
Chancellor, said that "every euro in this budget has been checked twice."
The budget includes 80 billion euros for infrastructure over the next year, the finance \
ministry in Berlin said in a statement.
Economists in Frankfurt said the approval removes a source of uncertainty for German \
companies.
"""
GERMANY_TITLE = "German parliament approves budget after weeks of talks"

# A title and a body full of characters that must be escaped in Telegram HTML.
TRICKY_ARTICLE = """\
Officials in Paris said on Monday that the <b>talks</b> between France & Algeria would \
resume next week, according to a statement from the French foreign ministry.
French Foreign Minister Jean-Noel Barrot said: "We want <results> & not just words, \
and we will keep talking to Algiers until we get them."
The talks broke down in March over migration and visas, French officials in Paris said.
"""
TRICKY_TITLE = "France & Algeria <to resume> talks"


def page(title: str, body: str) -> str:
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"
        f"<header><nav>Home | World | Politics</nav></header>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
        f"<footer>Copyright Test Wire</footer></body></html>"
    )


def rss(base: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
        f"<pubDate>{format_datetime(d)}</pubDate></item>"
        for t, p, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Test Wire</title><link>{base}/</link><description>t</description>"
        f"{entries}</channel></rss>"
    )


def articles() -> list[tuple[str, str, str]]:
    """(path, title, text) of the pages the local feed serves; the seed article first."""
    return [
        ("/world/iran-russia-defense", SEED_TITLE, SEED_ARTICLE.read_text(encoding="utf-8")),
        ("/europe/germany-budget", GERMANY_TITLE, GERMANY_ARTICLE),
        ("/world/france-algeria", TRICKY_TITLE, TRICKY_ARTICLE),
    ]


def ingest_settings(**overrides: Any) -> Settings:
    return make_settings(allow_private_hosts=True, **overrides)


async def fill_store(store: Store, *, now: datetime | None = None) -> Any:
    """Serve the articles from a local feed server and run one real ingestion cycle."""
    from bot.ingest import run_cycle
    from tests.fakes.feed_server import FeedServer

    now = now or datetime.now(UTC)
    with FeedServer() as server:
        base = server.base_url.rstrip("/")
        items = []
        for path, title, text in articles():
            server.add(path, page(title, text))
            items.append((title, path, now))
        server.add("/feed.xml", rss(base, items), content_type="application/rss+xml")
        await store.sync_feeds([FeedConfig(url=f"{base}/feed.xml", name="Test Wire")])
        return await run_cycle(store, ingest_settings(), now=now)


def bot_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": FakeBotAPI.token,
        "admin_ids": "42",
        "default_timezone": "UTC",
    }
    values.update(overrides)
    return make_settings(**values)


@contextlib.asynccontextmanager
async def bot_running(
    fake: FakeBotAPI,
    store: Store,
    settings: Settings | None = None,
    *,
    rate_limit: float | None = None,
    per_chat_interval: float = 0.0,
    delivery_options: DeliveryOptions | None = None,
) -> AsyncIterator[Any]:
    """The real Application, long-polling the fake API, scheduler off (tests run jobs)."""
    from bot.telegram.app import build_application, running

    settings = settings or bot_settings()
    app = build_application(
        settings,
        store,
        token=fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        rate_limit=rate_limit,
        per_chat_interval=per_chat_interval,
        delivery_options=delivery_options,
    )
    async with running(app):
        yield app


async def bulk_fill(
    store: Store,
    articles_count: int,
    *,
    countries: tuple[str, ...] = ("IR", "RU", "DE", "FR", "US", "UA", "IL", "CN", "GB", "TR"),
    days: float = 7.0,
    per_story: int = 4,
    now: datetime | None = None,
    seed: int = 7,
) -> dict[str, int]:
    """Fill the store fast: real analyses of the sample articles, copied ``articles_count``
    times with varied countries, outlets and times, inserted with bulk SQL."""
    import hashlib
    import random
    from datetime import timedelta

    from sqlalchemy import insert

    from bot.store import Article, Story, StoryArticle, StoryCountry
    from summarizer import analyse, summarize_story

    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    bases = []
    for _path, title, text in articles():
        analysis = analyse(text, title=title)
        brief = summarize_story([analysis]).to_dict()
        bases.append((title, text, analysis.to_dict(), brief))
    art_rows, story_rows, link_rows, country_rows = [], [], [], []
    story_id = 0
    for i in range(articles_count):
        if i % per_story == 0:
            story_id += 1
            base = bases[story_id % len(bases)]
            code = countries[story_id % len(countries)]
            other = countries[(story_id * 7 + 3) % len(countries)]
            at = now - timedelta(seconds=rng.uniform(0, days * 86400))
            story_rows.append(
                {
                    "id": story_id,
                    "headline": f"{base[0]} ({story_id})",
                    "created_at": at,
                    "updated_at": at,
                    "brief": base[3],
                    "article_count": per_story,
                    "source_count": per_story,
                }
            )
            country_rows.append(
                {"story_id": story_id, "code": code, "score": 0.9, "updated_at": at}
            )
            if other != code:
                country_rows.append(
                    {"story_id": story_id, "code": other, "score": 0.3, "updated_at": at}
                )
        url = f"https://outlet{i % 50}.example/news/{i}"
        art_rows.append(
            {
                "id": i + 1,
                "url": url,
                "canonical_url": url,
                "canonical_hash": hashlib.sha1(url.encode()).hexdigest(),
                "outlet": f"Outlet {i % 50}",
                "title": base[0],
                "published_at": at,
                "fetched_at": at,
                "text": base[1],
                "text_source": "page",
                "language": "en",
                "analysis": base[2],
            }
        )
        link_rows.append({"story_id": story_id, "article_id": i + 1, "added_at": at})
    async with store.engine.begin() as conn:
        for table, rows in (
            (Article.__table__, art_rows),
            (Story.__table__, story_rows),
            (StoryArticle.__table__, link_rows),
            (StoryCountry.__table__, country_rows),
        ):
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(table), rows[start : start + 2000])
        if store.dialect == "postgresql":
            from sqlalchemy import text

            for table in ("articles", "stories"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
            await conn.execute(text("ANALYZE"))
    return {"articles": len(art_rows), "stories": len(story_rows)}
