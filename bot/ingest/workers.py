"""CPU-bound work of ingestion (extraction, analysis, briefs) in processes that can be stopped.

A page is hostile until proven otherwise, and so is the text inside it: a page that
makes trafilatura or the summarizer run for minutes must cost its budget, not the
cycle. A thread cannot be stopped; a process can. :class:`WorkerPool` keeps a few
worker processes, hands each task to an idle one and waits at most the task's budget
for the answer: past it, the worker is killed (SIGKILL) and replaced, and the caller
gets :class:`TaskTimeout`. A worker that dies (out of memory, a crash in C code) is
replaced too (:class:`WorkerDied`); an exception inside the task comes back as
:class:`TaskError` with its type and message, never as a pickled foreign object.

Workers are started from a fork server that has imported the summarizer and
trafilatura once (``forkserver`` preload), so replacing a killed worker costs a fork,
not a second of imports, and no worker inherits the parent's threads or locks.

The pool holds no asyncio objects: the blocking send/wait/receive of each task runs in
one of its own threads, so one pool serves several event loops in turn (tests, the
scheduler's jobs) and is shared by the process (:func:`shared_pool`).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger(__name__)

#: Imported once in the fork server, inherited by every worker forked from it: this
#: module too, as each worker unpickles :func:`_worker_main` from it (with bot.settings
#: and pydantic: about 0.3 s a worker otherwise, once ``bot.ingest`` imports lazily).
PRELOAD = ["bot.ingest.workers", "bot.ingest.worker_preload"]
_MESSAGE_CHARS = 300


class TaskFailed(Exception):
    """A task gave no result; ``reason`` is the short text the cycle records, ``ran``
    the seconds it ran in a worker before it failed (what a page's budget is charged)."""

    def __init__(self, reason: str, ran: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ran = ran


class TaskTimeout(TaskFailed):
    """The task ran past its budget: its worker was killed and replaced."""


class WorkerDied(TaskFailed):
    """The worker process ended during the task (killed from outside, out of memory...)."""


class TaskError(TaskFailed):
    """The task raised; ``reason`` is ``Type: message``."""


def _watch_parent(parent: int) -> None:
    """End this worker when its parent (the fork server) goes: the service died, maybe by
    SIGKILL, and nobody is left to read an answer or to stop a task past its budget."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _release_fork_server() -> None:
    """Close this worker's copy of the fork server's "alive" pipe.

    Every process the fork server forks inherits the pipe's write end, and the server
    exits only once every copy is closed. A worker keeping its copy keeps its server
    alive after the service is killed, so :func:`_watch_parent` would wait forever;
    workers fork nothing, so they have no use for it.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if server is not None and fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None


def _worker_main(conn: Connection) -> None:
    """A worker's life: receive ``(function, args, kwargs)``, answer, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _release_fork_server()
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, args, kwargs = message
        try:
            reply: tuple[str, Any] = ("ok", function(*args, **kwargs))
        except BaseException as exc:  # everything goes back as text
            reply = ("error", f"{type(exc).__name__}: {exc}"[:_MESSAGE_CHARS])
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # an unpicklable result
            conn.send(("error", f"unpicklable result: {type(exc).__name__}: {exc}"))


class _Worker:
    """One process and the parent's end of its pipe."""

    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.tasks = 0

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """SIGKILL: a worker past its budget may be in C code that ignores anything gentler."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self, timeout: float = 1.0) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(timeout=timeout)
        self.kill()


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - not on Linux


class WorkerPool:
    """``size`` worker processes; :meth:`run` gives each task at most its budget.

    Both default to the settings' DEFAULTS, read here rather than at import: the fork
    server imports this module for its workers, which need neither the settings nor
    pydantic (about 0.35 s of every fork server's start).
    """

    def __init__(self, size: int | None = None, *, budget: float | None = None) -> None:
        from bot.settings import DEFAULTS

        self.size = max(1, int(DEFAULTS.ingest_workers if size is None else size))
        self.budget = float(DEFAULTS.ingest_page_budget if budget is None else budget)
        self._context = _context()
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        for _ in range(self.size):
            self._idle.put(None)  # a slot: its worker starts when first needed
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="ingest-worker")
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self.closed = False
        self.timeouts = 0  # workers killed for running past their budget
        self.deaths = 0  # workers that died by themselves

    async def run(
        self, function: Callable[..., Any], *args: Any, budget: float | None = None, **kwargs: Any
    ) -> Any:
        """``function(*args, **kwargs)`` in a worker, within ``budget`` seconds of running.

        The budget counts from the moment a worker has the task, not the wait for one.
        ``function`` must be importable by name (a module-level function).
        """
        value, _ = await self.run_timed(function, *args, budget=budget, **kwargs)
        return value

    async def run_timed(
        self, function: Callable[..., Any], *args: Any, budget: float | None = None, **kwargs: Any
    ) -> tuple[Any, float]:
        """:meth:`run`, and the seconds the task ran in its worker, the wait for a free
        worker left out: what a page's budget is charged (pages queued behind a slow
        one must not lose their budget to the queue)."""
        if self.closed:
            raise RuntimeError("the worker pool is closed")
        seconds = self.budget if budget is None else max(float(budget), 0.001)
        call = partial(self._call, function, args, kwargs, seconds)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def _take(self) -> _Worker:
        worker = self._idle.get()
        if worker is not None and worker.alive():
            return worker
        if worker is not None:  # died while idle
            worker.kill()
            with self._lock:
                self._workers.discard(worker)
        try:
            fresh = _Worker(self._context)
        except BaseException:
            self._idle.put(None)  # give the slot back, or the pool shrinks
            raise
        with self._lock:
            self._workers.add(fresh)
        return fresh

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
        self._idle.put(None)

    def _call(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        budget: float,
    ) -> tuple[Any, float]:
        worker = self._take()
        started = time.monotonic()
        try:
            worker.conn.send((function, args, kwargs))
            if not worker.conn.poll(budget):
                self.timeouts += 1
                self._retire(worker)
                raise TaskTimeout(f"timeout: over its budget of {budget:g} s", budget)
            status, value = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self.deaths += 1
            self._retire(worker)  # joins it: its exit code is known after
            code = worker.process.exitcode
            reason = f"worker died (exit code {code}): {type(exc).__name__}"
            raise WorkerDied(reason, time.monotonic() - started) from None
        except TaskTimeout:
            raise
        except BaseException:
            self._retire(worker)
            raise
        ran = time.monotonic() - started
        worker.tasks += 1
        self._idle.put(worker)
        if status != "ok":
            raise TaskError(str(value), ran)
        log.debug("event=worker_task function=%s seconds=%.3f", function.__name__, ran)
        return value, ran

    def warm(self) -> int:
        """Start every worker now rather than on its first task; returns how many started.

        Blocking (the first start waits for the fork server's imports): from async code,
        ``await loop.run_in_executor(None, pool.warm)``.
        """
        taken = [self._take() for _ in range(self.size)]
        started = sum(1 for worker in taken if worker.tasks == 0)
        for worker in taken:
            self._idle.put(worker)
        return started

    def close(self) -> None:
        """Stop every worker (they finish nothing: a closing pool has no callers left)."""
        if self.closed:
            return
        self.closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.stop()

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared: WorkerPool | None = None
_shared_lock = threading.Lock()


def shared_pool(size: int, budget: float) -> WorkerPool:
    """The process's pool (made on first use, closed at exit); remade if ``size`` changed.

    Ingestion cycles come and go (one per scheduler tick); their worker processes need
    not: a warm worker has its caches filled and costs nothing to keep.
    """
    global _shared
    with _shared_lock:
        if _shared is not None and (_shared.closed or _shared.size != size):
            _shared.close()
            _shared = None
        if _shared is None:
            _shared = WorkerPool(size, budget=budget)
        _shared.budget = budget
        return _shared


async def start_shared_pool(size: int, budget: float) -> WorkerPool:
    """The process's pool (:func:`shared_pool`) with every worker started now.

    What a long-running ingest process does once, at start-up, as it builds its story
    window: the fork server's imports (trafilatura, the summarizer and their tables,
    about 0.8 s of CPU here) and the workers' forks are paid before the first cycle
    rather than by it. Logged with its duration, so the cost stays visible.
    """
    pool = shared_pool(size, budget)
    started = time.monotonic()
    count = await asyncio.get_running_loop().run_in_executor(None, pool.warm)
    log.info(
        "event=ingest_workers_started workers=%d started=%d seconds=%.2f",
        pool.size,
        count,
        time.monotonic() - started,
    )
    return pool


@atexit.register
def _close_shared() -> None:
    if _shared is not None:
        _shared.close()
