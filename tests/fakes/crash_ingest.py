"""One ingestion cycle in a process of its own that SIGKILLs itself at a chosen point.

The crash tests run this as a real subprocess: ``python -m tests.fakes.crash_ingest
DATABASE_URL FEEDS_JSON NOW_ISO POINT N``. The point is a SQLAlchemy event hook on the
store's engine, so the kill lands at an exact place in the sequence of statements,
the same place on every run:

- ``exec:<SQL prefix>``: right after the N-th statement starting with it has executed
  (inside its transaction, before the commit);
- ``commit-after:<SQL prefix>``: right after the commit of the N-th transaction that
  executed such a statement (the commit is durable; what follows it never runs);
- ``none``: no kill, the cycle runs to the end.

Nothing of the code under test is replaced: the hook only decides when the process
dies, as ``kill -9`` from an operator or the OOM killer would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(engine: object, point: str, n: int) -> None:
    """Arrange for this process to die at ``point`` (see the module's docstring)."""
    if point == "none":
        return
    kind, _, prefix = point.partition(":")
    prefix = prefix.upper()
    state = {"count": 0, "pending": False}

    def after_execute(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(prefix):
            return
        if kind == "exec":
            state["count"] += 1
            if state["count"] == n:
                _die()
        else:
            state["pending"] = True

    def after_commit(session: Session) -> None:
        if kind == "commit-after" and state["pending"]:
            state["pending"] = False
            state["count"] += 1
            if state["count"] == n:
                _die()

    event.listen(engine.sync_engine, "after_cursor_execute", after_execute)  # type: ignore[attr-defined]
    event.listen(Session, "after_commit", after_commit)


async def main(url: str, feeds: list[dict[str, str]], now: datetime, point: str, n: int) -> None:
    from bot.ingest.cycle import run_cycle
    from bot.settings import FeedConfig, make_settings
    from bot.store import Store

    store = Store.from_url(url)
    settings = make_settings(
        database_url=url,
        allow_private_hosts=True,
        poll_interval=900,
        poll_floor=60,
        http_connect_timeout=2,
        http_read_timeout=5,
    )
    await store.sync_feeds(FeedConfig(url=f["url"], name=f["name"]) for f in feeds)
    install(store.engine, point, n)
    try:
        from bot.ingest.workers import WorkerPool
    except ImportError:  # an older version (no worker processes): to show the test fails there
        report = await run_cycle(store, settings, now=now)
    else:
        with WorkerPool(1, budget=60) as pool:
            report = await run_cycle(store, settings, now=now, pool=pool)
    print(json.dumps({"new_articles": report.new_articles}))
    await store.close()


if __name__ == "__main__":
    url, feeds_json, now_iso, point, n = sys.argv[1:6]
    asyncio.run(main(url, json.loads(feeds_json), datetime.fromisoformat(now_iso), point, int(n)))
