"""/brief latency at 20,000 and 200,000 articles, SQLite and PostgreSQL, old query against new.

    python benchmarks/brief.py [--articles 20000 200000] [--backends sqlite postgresql]
                               [--requests 60] [--postgres URL] [--no-bot] [--database URL]

The store is filled with copies of really analysed articles (the AEB texts: varied
countries, outlets and times over a week), inserted with bulk SQL, then ranked
(``Store.refresh_ranks``, what ingestion keeps up to date row by row). Two measures, each
for the 24-hour, 3-day and one-week windows, each against the baseline in the same run:

- ``query``: ``stories_since`` as /brief calls it (one country, top 9) against a copy of the
  query before issue 11 (every row of the window joined to the stories and ranked in
  Python); both must return the same stories, or the run stops.
- ``bot``: from the update handed to the fake Bot API (the bot long-polls it) to the fake
  API accepting the bot's first ``sendMessage`` in answer: the real ``Application``,
  handlers, store queries, rendering and delivery over real HTTP on loopback. The fake API
  runs in a child process of its own (a :class:`FakeBotAPI` driven over a pipe; its
  ``serve_forever`` takes no updates from outside), for both paths: in production
  Telegram's servers are not in the bot's process, and in this one the fake's CPU (about
  4 ms per /brief) was counted as the bot's. ``old`` is /brief as before issue 11: the old
  query and then the sources and the unpolled feeds in a session each in
  ``Store.top_stories``'s place, the message linked in a transaction, on an engine with
  SQLAlchemy's ``pool_pre_ping`` (three round trips per checkout). ``cpu`` is this
  process's CPU per request (the bot and the client side of the database; not the fake's,
  not PostgreSQL's), which an oversubscribed machine inflates less than wall time;
  ``round trips`` are the bot's writes to PostgreSQL per /brief (each a round trip:
  asyncpg writes a statement's messages with their Sync at once), counted on the
  connections' sockets, the message links after the replies included. Follow-up answers
  are timed once, on the new path.

``--database URL`` runs on that database instead of a new one, filling it only when it
holds no story, and keeps it: a 200,000-article fill takes minutes, the measures do not.

Targets (issue 11, PostgreSQL, 200,000 articles): one-week /brief p95 <= 60 ms, 24-hour
p95 <= 30 ms. PostgreSQL uses a database of its own next to ``--postgres`` (default
TEST_DATABASE_URL or postgresql+asyncpg://postgres@127.0.0.1:5432/test), dropped at the
end; it is skipped, saying so, when no server answers. Figures are a first pass, not
best-of-N.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from bot.store import (  # noqa: E402
    Article,
    Feed,
    Store,
    Story,
    StoryArticle,
    StoryCountry,
    StorySummary,
)
from bot.store.briefs import TopStories  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.models import SENT_MESSAGES  # noqa: E402
from bot.store.ranking import NO_RANK, RECENCY_HALF_LIFE_HOURS, rank_rows  # noqa: E402
from bot.store.records import SourceLink  # noqa: E402
from bot.store.types import as_utc, utcnow  # noqa: E402
from tests.fakes.bot_harness import bot_running, bulk_fill  # noqa: E402
from tests.fakes.scratch_db import pg_admin  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI  # noqa: E402

COUNTRIES = {
    "Iran": "IR",
    "Russia": "RU",
    "Germany": "DE",
    "France": "FR",
    "United States": "US",
    "Ukraine": "UA",
    "Israel": "IL",
    "China": "CN",
    "UK": "GB",
    "Turkey": "TR",
}
#: (label, hours, what follows the country in /brief)
WINDOWS = (("24 hours", 24, ""), ("3 days", 72, " 3d"), ("one week", 168, " 1 week"))
TARGETS = {"24 hours": 30, "one week": 60}
BRIEF_LIMIT = 9  # /brief shows 3 stories and asks the store for three times as many
QUESTIONS = [
    "What did Shoigu say about sanctions?",
    "Who is Baqeri?",
    "When is the joint exercise?",
    "What did Merz say about the budget?",
    "What is the price of bitcoin?",
]


async def old_stories_since(
    store: Store,
    codes: Iterable[str],
    since: datetime,
    *,
    limit: int | None = None,
    min_salience: float = 0.0,
    now: datetime | None = None,
) -> list[StorySummary]:
    """``Store.stories_since`` as it was before issue 11 (the baseline), unchanged."""
    wanted = sorted({c.upper() for c in codes if c})
    if not wanted:
        return []
    now = as_utc(now) if now else utcnow()
    candidates = (
        select(
            StoryCountry.story_id,
            StoryCountry.code,
            StoryCountry.score,
            Story.source_count,
            Story.updated_at,
        )
        .join(Story, Story.id == StoryCountry.story_id)
        .where(
            StoryCountry.code.in_(wanted),
            StoryCountry.updated_at >= as_utc(since),
            StoryCountry.score >= min_salience,
        )
    )
    async with store.session() as session:
        rows = (await session.execute(candidates)).all()
        ranked = rank_rows(rows, now)  # every candidate ranked in Python, as before
        order = sorted(ranked, key=lambda i: (-ranked[i][0], -i))
        if limit is not None:
            order = order[:limit]
        if not order:
            return []
        stories = {
            s.id: s for s in (await session.scalars(select(Story).where(Story.id.in_(order)))).all()
        }
    return [
        StorySummary(
            id=i,
            headline=stories[i].headline,
            brief=stories[i].brief,
            created_at=stories[i].created_at,
            updated_at=stories[i].updated_at,
            article_count=stories[i].article_count,
            source_count=stories[i].source_count,
            salience=ranked[i][1],
            importance=ranked[i][0],
            codes=tuple(sorted(ranked[i][2])),
        )
        for i in order
        if i in stories
    ]


async def old_top_stories(
    store: Store,
    codes: Iterable[str],
    since: datetime,
    *,
    limit: int,
    candidates: int,
    keep: Any = lambda _s: True,
    now: datetime | None = None,
) -> TopStories:
    """What /brief read before issue 11, in ``Store.top_stories``'s shape: the old query,
    then the sources and the unpolled feeds, each in a session of its own, as then."""
    found = await old_stories_since(store, codes, since, limit=candidates, now=now)
    shown = [s for s in found if keep(s)][:limit]
    at = func.coalesce(Article.published_at, Article.fetched_at)
    sources: dict[int, list[SourceLink]] = {s.id: [] for s in shown}
    if shown:
        query = (
            select(StoryArticle.story_id, Article.url, Article.outlet, Article.title, Feed.name, at)
            .join(Article, Article.id == StoryArticle.article_id)
            .outerjoin(Feed, Feed.id == Article.feed_id)
            .where(StoryArticle.story_id.in_(list(sources)))
            .order_by(StoryArticle.story_id, at.desc())
        )
        async with store.session() as session:
            for story_id, url, outlet, title, feed_name, when in (
                await session.execute(query)
            ).all():
                sources[story_id].append(
                    SourceLink(url=url, outlet=outlet or feed_name, title=title, at=when)
                )
    async with store.session() as session:
        unpolled = await session.scalar(
            select(func.count())
            .select_from(Feed)
            .where(Feed.enabled.is_(True), Feed.gone.is_(False), Feed.last_polled_at.is_(None))
        )
    return TopStories(stories=shown, sources=sources, unpolled_feeds=int(unpolled or 0))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return values[index]


async def measure_queries(store: Store, requests: int) -> dict[tuple[str, str], list[float]]:
    """Old and new query, alternately, on the same country and window; same answer."""
    out: dict[tuple[str, str], list[float]] = {}
    codes = list(COUNTRIES.values())
    for label, hours, _suffix in WINDOWS:
        for i in range(requests + 3):
            code = codes[i % len(codes)]
            now = utcnow()
            since = now - timedelta(hours=hours)
            answers = {}
            for how in ("old", "new") if i % 2 else ("new", "old"):
                gc.collect()  # the old query's garbage is not collected in the new one's time
                t0 = time.perf_counter()
                if how == "old":
                    found = await old_stories_since(
                        store, [code], since, limit=BRIEF_LIMIT, now=now
                    )
                else:
                    found = await store.stories_since([code], since, limit=BRIEF_LIMIT, now=now)
                if i >= 3:  # the first few warm caches and connections
                    out.setdefault((label, how), []).append((time.perf_counter() - t0) * 1000)
                answers[how] = [(s.id, s.importance, s.codes) for s in found]
            if answers["old"] != answers["new"] or not answers["new"]:
                raise SystemExit(f"{code} {label}: the new query answers differently")
    return out


async def old_link_message(
    store: Store, chat_id: int, message_id: int, story_ids: Any, kind: str
) -> None:
    """``Store.link_message`` as before issue 11 (the baseline): an INSERT in a transaction."""
    from sqlalchemy import insert

    async with store.engine.begin() as conn:
        await conn.execute(
            insert(SENT_MESSAGES).values(
                chat_id=chat_id,
                message_id=message_id,
                kind=kind,
                story_ids={"ids": list(story_ids)},
                created_at=utcnow(),
            )
        )


def count_round_trips(store: Store) -> list[int]:
    """A counter of the writes on every connection ``store`` opens from now on: asyncpg
    writes a statement's messages (with their Sync) at once, so a write is a round trip."""
    from sqlalchemy import event

    counter = [0]

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        transport = dbapi_connection.driver_connection._transport
        write, writelines = transport.write, transport.writelines

        def counted_write(data: Any) -> None:
            counter[0] += 1
            write(data)

        def counted_writelines(data: Any) -> None:
            counter[0] += 1
            writelines(data)

        transport.write, transport.writelines = counted_write, counted_writelines

    if store.engine.dialect.name == "postgresql":
        event.listen(store.engine.sync_engine, "connect", on_connect)
    return counter


def fake_child(conn: Any) -> None:
    """The fake Bot API in a process of its own, driven over ``conn``: ``("ask", chat,
    text, reply_to_first)`` pushes a message and answers (first answer's plain text, ms
    from the push to its acceptance, the fake's CPU ms meanwhile); ``("quiet",)`` waits
    for the paced messages; ``None`` stops. (``serve_forever`` takes no updates.)"""

    async def handle(fake: FakeBotAPI, request: tuple[Any, ...]) -> Any:
        if request[0] == "quiet":
            await quiet(fake)
            return None
        _, chat_id, text, reply_to_first = request
        reply_to = fake.messages_to(chat_id)[0] if reply_to_first else None
        before = len(fake.messages_to(chat_id))
        c0, t0 = time.process_time(), time.time()
        fake.push_message(chat_id, text, reply_to=reply_to)
        msgs = await fake.wait_for(chat_id, 1, after=before, timeout=30)
        return msgs[0].plain, (msgs[0].at - t0) * 1000, (time.process_time() - c0) * 1000

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with FakeBotAPI() as fake:
            conn.send((fake.token, fake.base_url, fake.base_file_url))
            while (request := await loop.run_in_executor(None, conn.recv)) is not None:
                try:
                    conn.send(("ok", await handle(fake, request)))
                except Exception as error:  # said in the parent
                    conn.send(("error", repr(error)))

    asyncio.run(main())


class FakeProcess:
    """The parent's side of :func:`fake_child`: what ``bot_running`` needs of a fake (its
    token and URLs), and the requests, awaited without blocking the bot's loop."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=fake_child, args=(child,), daemon=True)
        self._proc.start()
        self.token, self.base_url, self.base_file_url = self._conn.recv()

    async def call(self, *request: Any) -> Any:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        self._conn.send(request)
        fd = self._conn.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        status, result = self._conn.recv()
        if status != "ok":
            raise SystemExit(f"the fake Bot API failed: {result}")
        return result

    def close(self) -> None:
        self._conn.send(None)
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()


Times = dict[tuple[str, str], list[float]]


async def measure_bot(url: str, requests: int) -> dict[str, Times]:
    """/brief through the real bot per window, the old path then the new (each on a store
    of its own: the old one with SQLAlchemy's pre-ping), and the follow-up answers (new
    path) to the last briefs: wall times, this process's CPU, the fake's CPU, round trips."""
    out: dict[str, Times] = {"bot": {}, "bot cpu": {}, "fake cpu": {}, "round trips": {}}
    chat = 10**9 + int(time.time()) % 10**6 * 1000  # new chats on a kept database too
    firsts: list[int] = []
    fake = FakeProcess()
    try:
        for how in ("old", "new"):
            store = Store.from_url(url, pool_pre_ping=True) if how == "old" else Store.from_url(url)
            trips = count_round_trips(store)
            if how == "old":
                store.top_stories = partial(old_top_stories, store)  # type: ignore[method-assign]
                store.link_message = partial(old_link_message, store)  # type: ignore[method-assign]
            try:
                async with bot_running(fake, store, per_chat_interval=1.0):  # type: ignore[arg-type]
                    for label, _hours, suffix in WINDOWS:
                        trips[0], done = 0, 0
                        for i in range(requests + 3):
                            chat += 1
                            country = list(COUNTRIES)[i % len(COUNTRIES)]
                            gc.collect()  # no collection of an earlier request's garbage here
                            if i == 3:
                                trips[0] = 0  # the first few warm caches and connections
                            c0 = time.process_time()
                            plain, ms, fake_ms = await fake.call(
                                "ask", chat, f"/brief {country}{suffix}", False
                            )
                            cpu = (time.process_time() - c0) * 1000
                            if "No stories about" in plain:
                                raise SystemExit(f"/brief {country}{suffix} found nothing")
                            if i >= 3:
                                done += 1
                                out["bot"].setdefault((label, how), []).append(ms)
                                out["bot cpu"].setdefault((label, how), []).append(cpu)
                                out["fake cpu"].setdefault((label, how), []).append(fake_ms)
                            if how == "new" and label == "24 hours":
                                firsts.append(chat)
                        await fake.call("quiet")  # the later messages and their links
                        out["round trips"][label, how] = [trips[0] / max(done, 1)]
                    if how == "new":
                        for i, chat_id in enumerate(firsts):
                            question = QUESTIONS[i % len(QUESTIONS)]
                            _plain, ms, _fake_ms = await fake.call("ask", chat_id, question, True)
                            if i >= 3:
                                out["bot"].setdefault(("follow-up", "new"), []).append(ms)
            finally:
                await store.close()
    finally:
        fake.close()
    return out


async def quiet(fake: FakeBotAPI) -> None:
    """Until every brief's later messages (paced 1/s per chat) are out: a reader takes
    more than the second the bot waits between two messages to the same chat."""
    while True:
        count = len(fake.sent)
        await asyncio.sleep(1.1)
        if len(fake.sent) == count:
            return


async def run_backend(url: str, articles: int, args: argparse.Namespace) -> dict[str, Any]:
    store = Store.from_url(url)
    try:
        await upgrade(store.engine)
        stats = await store.stats()
        t0 = time.perf_counter()
        if stats.stories:  # a kept database (--database), filled by an earlier run
            filled = {"articles": stats.articles, "stories": stats.stories}
            print(f"  on the kept database, {await shift_to_now(store)}", flush=True)
        else:
            filled = await bulk_fill(store, articles, days=7)
        fill_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ranked = await store.refresh_ranks()
        rank_s = time.perf_counter() - t0
        if store.engine.dialect.name == "postgresql":  # as a live database is: vacuumed,
            # with statistics, not an autovacuum of the fill running under the timings
            async with store.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("VACUUM ANALYZE")
        print(
            f"  filled {filled['articles']:,} articles, {filled['stories']:,} stories in "
            f"{fill_s:.0f} s; ranked {ranked:,} rows in {rank_s:.1f} s",
            flush=True,
        )
        loads = [os.getloadavg()[0]]
        times = {"query": await measure_queries(store, args.requests)}
        loads.append(os.getloadavg()[0])
        if not args.no_bot:
            times.update(await measure_bot(url, args.requests))
            loads.append(os.getloadavg()[0])
    finally:
        await store.close()
    load = " -> ".join(f"{x:.1f}" for x in loads)
    return {"filled": filled, "fill_s": fill_s, "rank_s": rank_s, "times": times, "load": load}


async def shift_to_now(store: Store) -> str:
    """Move a kept database's times forward so that its newest story is from now, as when
    it was filled: the windows hold what they held then. The stored rank moves with them
    (``rank_key`` adds hours / half-life), so every row keeps its rank order."""
    if store.engine.dialect.name != "postgresql":
        return "times not shifted (PostgreSQL only)"
    from sqlalchemy import text

    async with store.engine.begin() as conn:
        newest = await conn.scalar(text("SELECT max(updated_at) FROM stories"))
        hours = (utcnow() - newest).total_seconds() / 3600
        shift = f"interval '{hours * 3600:.6f} seconds'"
        for table, columns in (
            ("stories", ("created_at", "updated_at")),
            ("articles", ("published_at", "fetched_at")),
            ("story_articles", ("added_at",)),
        ):
            sets = ", ".join(f"{c} = {c} + {shift}" for c in columns)
            await conn.execute(text(f"UPDATE {table} SET {sets}"))
        await conn.execute(
            text(
                f"UPDATE story_countries SET updated_at = updated_at + {shift}, "
                f"rank = rank + {hours / RECENCY_HALF_LIFE_HOURS!r} WHERE rank > {NO_RANK!r}"
            )
        )
    async with store.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE")
    return f"times moved {hours:.2f} h forward"


async def backend_url(backend: str, admin: str, tmp: str) -> str | None:
    """Where to run ``backend``, or None (said so) when PostgreSQL does not answer."""
    from sqlalchemy.engine import make_url

    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp}/bench-{uuid.uuid4().hex[:6]}.db"
    try:
        await pg_admin(admin, "SELECT 1")
    except (TimeoutError, OSError) as exc:
        print(f"postgresql skipped: no server at {make_url(admin)!r} ({exc})")
        return None
    name = f"newsbrief_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await pg_admin(admin, f'CREATE DATABASE "{name}"')
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


async def main_async(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    rows: list[tuple[str, int, dict[str, Any]]] = []
    if args.database:  # a kept database: filled if empty, never dropped
        backend = make_url(args.database).get_backend_name()
        print(f"{backend}, {args.articles[0]:,} articles (kept database):", flush=True)
        rows.append(
            (backend, args.articles[0], await run_backend(args.database, args.articles[0], args))
        )
        report(rows, args.requests)
        return 0
    with tempfile.TemporaryDirectory(prefix="nb-brief-") as tmp:
        for articles in args.articles:
            for backend in args.backends:
                url = await backend_url(backend, args.postgres, tmp)
                if url is None:
                    continue
                print(f"{backend}, {articles:,} articles:", flush=True)
                try:
                    rows.append((backend, articles, await run_backend(url, articles, args)))
                finally:
                    if backend == "postgresql":
                        name = make_url(url).database
                        await pg_admin(
                            args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                        )
                    else:
                        Path(make_url(url).database or "").unlink(missing_ok=True)
    report(rows, args.requests)
    return 0


def report(rows: list[tuple[str, int, dict[str, Any]]], requests: int) -> None:
    print(
        f"\n/brief latency, ms ({requests} requests each; query: stories_since top {BRIEF_LIMIT}; "
        "bot: update in -> first sendMessage accepted)"
    )
    print(
        f"{'backend':>10} {'articles':>8} {'stories':>7} {'measure':>7} {'window':>9} "
        f"{'old p50':>7} {'old p95':>7} {'new p50':>7} {'new p95':>7} {'new max':>7} {'target':>6}"
    )
    summary = []
    for backend, articles, row in rows:
        for measure, times in row["times"].items():
            if measure == "round trips":
                continue
            for label in [w[0] for w in WINDOWS] + ["follow-up"]:
                new = times.get((label, "new"))
                if not new:
                    continue
                old = times.get((label, "old"))
                olds = f"{statistics.median(old):>7.1f} {pct(old, 95):>7.1f}" if old else " " * 15
                print(
                    f"{backend:>10} {articles:>8,} {row['filled']['stories']:>7,} {measure:>7} "
                    f"{label:>9} {olds} {statistics.median(new):>7.1f} {pct(new, 95):>7.1f} "
                    f"{max(new):>7.1f} {TARGETS.get(label, '') if measure == 'bot' else '':>6}"
                )
        trips = row["times"].get("round trips")
        if trips:
            print(
                f"{backend:>10} {articles:>8,} round trips per /brief (old -> new): "
                + ", ".join(
                    f"{label} {trips[label, 'old'][0]:.1f} -> {trips[label, 'new'][0]:.1f}"
                    for label, _h, _s in WINDOWS
                )
            )
        print(f"{backend:>10} {articles:>8,} load average (1 min) {row['load']}")
        which = "bot" if "bot" in row["times"] else "query"
        p95 = {key: pct(values, 95) for key, values in row["times"][which].items()}
        summary.append(
            f"{backend} {articles:,} ({which}) one-week p95 {p95['one week', 'new']:.0f} ms "
            f"(old {p95['one week', 'old']:.0f}), 24-hour p95 {p95['24 hours', 'new']:.0f} ms "
            f"(old {p95['24 hours', 'old']:.0f})"
        )
    print(
        "baseline (old): the query before issue 11 (bot: /brief's three sessions, the link in a "
        "transaction, pre-ping), same run; the fake Bot API in a child process for both; "
        "targets: issue 11 at 200,000 on PostgreSQL"
    )
    print("; ".join(summary))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[20_000])
    parser.add_argument(
        "--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--no-bot", action="store_true", help="time the queries only")
    parser.add_argument(
        "--database",
        help="run on this database (filled only if it holds no story) and keep it",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
