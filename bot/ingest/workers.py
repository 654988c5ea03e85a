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

A task is sent, waited for and read on the caller's event loop, without blocking it
(the pipe's end is non-blocking; the reply is read as it becomes readable): a hop
through a thread for each task cost the event-loop process 66-100 us of CPU, against
14 us for the pipe itself and 40-60 us on the loop (trivial tasks, measured beside
each other under load), and a page is two tasks (extraction, then analysis). Only what
blocks runs in the pool's threads: starting a worker (the fork server's) and killing
one. The pool keeps no asyncio object beyond a call, so one pool serves several event
loops in turn (tests, the scheduler's jobs) and is shared by the process
(:func:`shared_pool`); callers waiting for a free worker are served in turn, whichever
loop they are on.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
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
    """One process and the parent's end of its pipe (a socket pair): ``conn`` as
    multiprocessing made it, ``sock`` the same end, non-blocking, for the event loop."""

    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.sock = socket.socket(fileno=os.dup(self.conn.fileno()))
        self.sock.setblocking(False)
        self.tasks = 0

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """SIGKILL: a worker past its budget may be in C code that ignores anything gentler.

        ``sock`` is left to the event loop that uses it (:meth:`WorkerPool._call`):
        closing a socket an event loop watches would leave that loop waiting forever;
        with the worker dead, the loop reads its end of file instead."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    async def send(self, loop: asyncio.AbstractEventLoop, message: Any) -> None:
        """``message`` framed as :class:`multiprocessing.connection.Connection` frames it."""
        data = ForkingPickler.dumps(message)
        if len(data) > 0x7FFFFFFF:
            header = struct.pack("!i", -1) + struct.pack("!Q", len(data))
        else:
            header = struct.pack("!i", len(data))
        await loop.sock_sendall(self.sock, header + data if len(data) <= 16384 else header)
        if len(data) > 16384:
            await loop.sock_sendall(self.sock, data)

    async def receive(self, loop: asyncio.AbstractEventLoop) -> Any:
        """The next message; EOFError when the worker is gone."""
        (size,) = struct.unpack("!i", await self._exactly(loop, 4))
        if size == -1:
            (size,) = struct.unpack("!Q", await self._exactly(loop, 8))
        return ForkingPickler.loads(await self._exactly(loop, size))

    async def _exactly(self, loop: asyncio.AbstractEventLoop, size: int) -> bytearray:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            try:  # what has arrived is read at once; else wait for the socket
                count = self.sock.recv_into(view[got:])
            except BlockingIOError:
                count = await loop.sock_recv_into(self.sock, view[got:])
            if not count:
                raise EOFError("the worker closed its pipe")
            got += count
        return buffer

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
        self._lock = threading.Lock()  # the slots, the waiters and the workers
        # free slots: an idle worker, or None (its worker starts when first needed)
        self._idle: deque[_Worker | None] = deque([None] * self.size)
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = deque()
        # what blocks: a worker's start (the fork server's), a kill (its join)
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="ingest-worker")
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
        loop = asyncio.get_running_loop()
        worker = await self._ready(loop, await self._acquire(loop))
        return await self._call(loop, worker, (function, args, kwargs), seconds)

    async def _acquire(self, loop: asyncio.AbstractEventLoop) -> _Worker | None:
        """A free slot (its idle worker, or None), waiting in turn for one if need be."""
        with self._lock:
            if self.closed:
                raise RuntimeError("the worker pool is closed")
            if self._idle:
                return self._idle.popleft()
            waiter: asyncio.Future[Any] = loop.create_future()
            self._waiters.append((loop, waiter))
        try:
            return await waiter
        except BaseException:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove((loop, waiter))
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())  # handed a slot as it was cancelled
            raise

    def _release(self, slot: _Worker | None) -> None:
        """Give a slot back: to the first caller waiting for one, else to the free ones."""
        while True:
            with self._lock:
                if not self._waiters:
                    self._idle.append(slot)
                    return
                loop, waiter = self._waiters.popleft()
            try:
                if _running_loop() is loop:  # no wake-up through the loop's pipe
                    loop.call_soon(self._hand, waiter, slot)
                else:
                    loop.call_soon_threadsafe(self._hand, waiter, slot)
                return
            except RuntimeError:  # that caller's loop is closed: the next one
                continue

    def _hand(self, waiter: asyncio.Future[Any], slot: _Worker | None) -> None:
        if waiter.done():  # cancelled meanwhile
            self._release(slot)
        else:
            waiter.set_result(slot)

    async def _ready(self, loop: asyncio.AbstractEventLoop, slot: _Worker | None) -> _Worker:
        """The slot's worker if it is alive, else a fresh one (started in a thread)."""
        if slot is not None and slot.alive():
            return slot
        starting = loop.run_in_executor(self._threads, self._start, slot)
        try:
            return await asyncio.shield(starting)
        except asyncio.CancelledError:  # the start goes on: its worker joins the free ones
            starting.add_done_callback(
                lambda done: self._release(
                    None if done.cancelled() or done.exception() else done.result()
                )
            )
            raise
        except BaseException:
            self._release(None)  # give the slot back, or the pool shrinks
            raise

    def _start(self, dead: _Worker | None) -> _Worker:
        if dead is not None:  # died while idle: no loop watches its socket
            dead.kill()
            dead.sock.close()
            with self._lock:
                self._workers.discard(dead)
        fresh = _Worker(self._context)
        with self._lock:
            self._workers.add(fresh)
        return fresh

    def _retire_in_thread(
        self, loop: asyncio.AbstractEventLoop, worker: _Worker
    ) -> asyncio.Future[None]:
        """:meth:`_retire` in one of the pool's threads (a closed pool has stopped its
        workers itself)."""
        try:
            return loop.run_in_executor(self._threads, self._retire, worker)
        except RuntimeError:  # closed: no thread to run it
            done: asyncio.Future[None] = loop.create_future()
            done.set_result(None)
            return done

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and free its slot (blocking: a kill joins the process)."""
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
        self._release(None)

    async def _call(
        self,
        loop: asyncio.AbstractEventLoop,
        worker: _Worker,
        message: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]],
        budget: float,
    ) -> tuple[Any, float]:
        started = time.monotonic()
        try:
            async with asyncio.timeout(budget):
                await worker.send(loop, message)
                status, value = await worker.receive(loop)
        except TimeoutError:
            self.timeouts += 1
            loop.call_soon(worker.sock.close)  # after the loop has stopped watching it
            await self._retire_in_thread(loop, worker)
            raise TaskTimeout(f"timeout: over its budget of {budget:g} s", budget) from None
        except (EOFError, OSError) as exc:
            self.deaths += 1
            loop.call_soon(worker.sock.close)
            await self._retire_in_thread(loop, worker)  # joined: its exit code is known
            code = worker.process.exitcode
            reason = f"worker died (exit code {code}): {type(exc).__name__}"
            raise WorkerDied(reason, time.monotonic() - started) from None
        except BaseException:  # cancelled mid-task: its answer will never be read
            loop.call_soon(worker.sock.close)
            self._retire_in_thread(loop, worker)
            raise
        ran = time.monotonic() - started
        worker.tasks += 1
        if self.closed:  # stopped by close(): its slot is nobody's
            worker.sock.close()
        else:
            self._release(worker)
        function = message[0]
        if status != "ok":
            raise TaskError(str(value), ran)
        log.debug("event=worker_task function=%s seconds=%.3f", function.__name__, ran)
        return value, ran

    def warm(self) -> int:
        """Start every worker now rather than on its first task; returns how many started.

        Blocking (the first start waits for the fork server's imports): from async code,
        ``await loop.run_in_executor(None, pool.warm)``.
        """
        with self._lock:
            slots = [self._idle.popleft() for _ in range(len(self._idle))]
        started = 0
        try:
            for index, slot in enumerate(slots):
                if slot is None or not slot.alive():
                    slots[index] = self._start(slot)
                    started += 1
        finally:
            for slot in slots:
                self._release(slot)
        return started

    def close(self) -> None:
        """Stop every worker (they finish nothing: a closing pool has no callers left)."""
        if self.closed:
            return
        self.closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            workers, self._workers = list(self._workers), set()
            waiters, self._waiters = list(self._waiters), deque()
            idle = [worker for worker in self._idle if worker is not None]
        for loop, waiter in waiters:
            with contextlib.suppress(RuntimeError):  # its loop is closed: nobody waits
                loop.call_soon_threadsafe(_refuse, waiter)
        for worker in workers:
            worker.stop()
        for worker in idle:  # no loop watches an idle worker's socket
            worker.sock.close()

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # a thread of the pool's
        return None


def _refuse(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(RuntimeError("the worker pool is closed"))


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
