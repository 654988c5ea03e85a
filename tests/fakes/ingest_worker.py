"""One ingestion cycle in a process of its own: an ingest worker, as tests and benchmarks
start several of them on one database.

``python -m tests.fakes.ingest_worker DATABASE_URL FEEDS_JSON NOW_ISO [WORKERS]`` syncs
the feeds, runs :func:`bot.ingest.cycle.run_cycle` once at the tick ``NOW_ISO`` with a
pool of ``WORKERS`` extraction processes (default 1), and prints one JSON line: the ids
of the feeds it polled, the new articles, the pages fetched, the seconds the cycle
took, and the seconds spent waiting for and holding the placement lock. It prints
``ready`` once its extraction processes are up, then waits for a line on stdin before
it starts, so several workers start their cycles together. Nothing of the code under
test is replaced.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime


async def main(url: str, feeds: list[dict[str, str]], now: datetime, workers: int) -> None:
    from bot.ingest.cycle import run_cycle
    from bot.ingest.workers import WorkerPool
    from bot.settings import FeedConfig, make_settings
    from bot.store import Store

    store = Store.from_url(url)
    settings = make_settings(
        database_url=url,
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
        ingest_workers=workers,
    )
    configs = [FeedConfig(url=f["url"], name=f["name"]) for f in feeds]
    for attempt in range(5):  # workers starting together race to add the same feeds
        try:
            await store.sync_feeds(configs)
            break
        except Exception:
            if attempt == 4:
                raise
            await asyncio.sleep(0.1 * (attempt + 1))
    with WorkerPool(workers, budget=60) as pool:
        pool.warm()  # workers up before the clock starts
        print("ready", flush=True)
        sys.stdin.readline()  # the parent says go: every worker starts the cycle together
        started = time.perf_counter()
        report = await run_cycle(store, settings, now=now, pool=pool, prune=False)
        seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "feeds": [f.feed_id for f in report.feeds],
                "new_articles": report.new_articles,
                "pages_fetched": report.pages_fetched,
                "not_modified": report.feeds_not_modified,
                "seconds": seconds,
                "owner": store.owner,
                "placements": store.placements,
                "placement_wait": store.placement_wait,
                "placement_held": store.placement_held,
            }
        )
    )
    await store.close()


if __name__ == "__main__":
    url, feeds_json, now_iso = sys.argv[1:4]
    n_workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    asyncio.run(main(url, json.loads(feeds_json), datetime.fromisoformat(now_iso), n_workers))
