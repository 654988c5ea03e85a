"""``/healthz`` and ``/metrics`` on ``METRICS_PORT``, served from the bot's own event loop.

``/healthz`` answers 200 when the service is doing its job and 503 when not, with a
JSON body saying which check failed: the database answers, the scheduler is running,
and a feed poll succeeded recently (within three poll periods, after a start-up grace).
``/metrics`` is the Prometheus text format from the official client library; the
gauges that need the database (subscribers, outbox depth and oldest age) are refreshed
at most every few seconds, when scraped.

:func:`attach` hooks the server into a python-telegram-bot ``Application``'s
``post_init``/``post_shutdown``, so it starts after the bot is set up and stops with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from bot.ops import metrics

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import Store

log = logging.getLogger("newsbrief.health")
REFRESH_EVERY = 5.0  # seconds between database reads for the gauges
GRACE = 300.0  # seconds after start before a missing poll counts as a failure


@dataclass
class HealthSources:
    """Where the checks look: each a callable, so tests and the CLI can supply their own."""

    ping_database: Callable[[], Awaitable[object]]  # its result is not used
    scheduler_running: Callable[[], bool | None]  # None: this process runs no scheduler
    backlog: Callable[[], Awaitable[tuple[int, int, int, float]]] | None = None
    poll_period: float | None = None  # None: this process does not poll feeds
    started: float = field(default_factory=time.time)


async def health(sources: HealthSources, now: float | None = None) -> tuple[bool, dict[str, Any]]:
    """Every check, and whether all passed."""
    now = time.time() if now is None else now
    body: dict[str, Any] = {}
    started = time.perf_counter()
    try:
        await asyncio.wait_for(sources.ping_database(), 5.0)
        body["database"] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:
        body["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    running = sources.scheduler_running()
    body["scheduler"] = {"ok": running is not False, "running": running}
    if sources.poll_period is not None:
        last = metrics.last_poll_at()
        limit = 3 * sources.poll_period
        age = now - last if last else None
        fresh = age is not None and age <= limit
        waiting = last is None and now - sources.started <= max(limit, GRACE)
        body["last_poll"] = {
            "ok": fresh or waiting,
            "age_seconds": round(age, 1) if age is not None else None,
            "limit_seconds": limit,
        }
    ok = all(part["ok"] for part in body.values())
    return ok, {"status": "ok" if ok else "failing", **body}


class _Scheduler(Protocol):
    @property
    def running(self) -> bool: ...


class _Jobs(Protocol):
    @property
    def polls_feeds(self) -> bool: ...


class _Options(Protocol):
    @property
    def jobs(self) -> _Jobs | None: ...


class _Services(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...


class _BotData(Protocol):
    @property
    def services(self) -> _Services: ...

    @property
    def options(self) -> _Options: ...

    @property
    def scheduler(self) -> _Scheduler | None: ...


class RunningBot(Protocol):
    """What the checks read of a running bot: the python-telegram-bot ``Application`` that
    :func:`bot.telegram.app.build_application` builds (``NewsbriefApp``, whose ``bot_data``
    is a ``BotData``: the services, the run's options, the scheduler).

    Described here by its shape rather than imported: ``bot.telegram`` uses ``bot.ops``
    (metrics, these routes), so an import back would tie the two rooms in a cycle. mypy
    checks at every call that the application given has this shape.
    """

    @property
    def bot_data(self) -> _BotData: ...


App = TypeVar("App", bound=RunningBot)
#: A ``post_init``/``post_shutdown`` hook of python-telegram-bot's ``Application``.
Hook = Callable[[App], Coroutine[Any, Any, None]]


class HookedBot(Protocol[App]):
    """A bot ``Application`` whose start-up and shut-down hooks can be wrapped."""

    post_init: Hook[App] | None
    post_shutdown: Hook[App] | None


class OpsRoutes:
    """The two endpoints, for any aiohttp app: our own server, or the webhook's."""

    def __init__(self, sources: HealthSources) -> None:
        self.sources = sources
        self._refreshed = 0.0

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)

    async def healthz(self, _request: web.Request) -> web.Response:
        ok, body = await health(self.sources)
        return web.json_response(body, status=200 if ok else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        if self.sources.backlog is not None and time.monotonic() - self._refreshed > REFRESH_EVERY:
            try:
                metrics.set_backlog(*await self.sources.backlog())
                self._refreshed = time.monotonic()
            except Exception as exc:  # the counters are still worth serving
                log.warning("event=metrics_refresh_failed error=%r", str(exc))
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


class OpsServer:
    """An aiohttp server of its own for both endpoints (``METRICS_PORT``)."""

    def __init__(self, sources: HealthSources, host: str, port: int) -> None:
        self.routes = OpsRoutes(sources)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        self.routes.add_to(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        log.info("event=ops_server_started host=%s port=%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def add_routes(web_app: web.Application, application: RunningBot) -> None:
    """``/healthz`` and ``/metrics`` beside the webhook, on the port Telegram posts to."""
    OpsRoutes(sources_for(application)).add_to(web_app)


def sources_for(app: RunningBot) -> HealthSources:
    """The checks for a running bot ``Application`` (:mod:`bot.telegram.app`)."""
    from bot.store.types import utcnow

    nb = app.bot_data.services
    jobs = app.bot_data.options.jobs

    async def backlog() -> tuple[int, int, int, float]:
        counts = await nb.store.counts()
        oldest = await nb.store.oldest_pending_at()
        if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC
            oldest = oldest.replace(tzinfo=UTC)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        return counts["subscribers"], counts["active"], counts["pending"], max(age, 0.0)

    def scheduler_running() -> bool | None:
        if jobs is None:
            return None
        scheduler = app.bot_data.scheduler
        return bool(scheduler is not None and scheduler.running)

    period = max(60, min(nb.settings.poll_interval, 900))
    return HealthSources(
        ping_database=nb.store.schema_revision,
        scheduler_running=scheduler_running,
        backlog=backlog,
        poll_period=float(period) if jobs is not None and jobs.polls_feeds else None,
    )


def attach(app: HookedBot[App], settings: Settings) -> None:
    """Serve ``/healthz`` and ``/metrics`` while ``app`` runs, when METRICS_PORT is set."""
    host, port = settings.metrics_host, settings.metrics_port
    if not port:
        return
    server: dict[str, OpsServer] = {}
    post_init, post_shutdown = app.post_init, app.post_shutdown

    async def start(application: App) -> None:
        if post_init is not None:
            await post_init(application)
        server["it"] = OpsServer(sources_for(application), host, port)
        await server["it"].start()

    async def stop(application: App) -> None:
        if "it" in server:
            await server.pop("it").stop()
        if post_shutdown is not None:
            await post_shutdown(application)

    app.post_init, app.post_shutdown = start, stop
