"""Growth checks without a stopwatch: how much work a call does, and how much memory.

A wall-clock limit fails on a busy machine and passes a quadratic algorithm on a fast
one; these measures do neither.

- :func:`work` counts what ``sys.setprofile`` sees: every Python call, every generator
  resumption and every call into C (``str.find``, a regex search). A loop over all pairs
  of mentions, or a scan restarted from every quote mark, multiplies these counts. The
  count does not depend on the machine or its load; it does not see inside one C call (a
  backtracking regex), which :func:`cpu_growth` covers.
- :func:`cpu_growth` compares the CPU time of the same work on inputs 16x apart: linear
  code grows about 16x, quadratic about 256x, so a limit of 40x stays clear of both and
  of the noise of a shared machine (each size is timed twice, the faster kept).
- :func:`peak_bytes` is the peak of Python allocations (``tracemalloc``) during a call.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def work(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """The number of calls (Python and C) and generator resumptions ``fn`` makes."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    return count


def work_growth(fn: Callable[[str], Any], small: str, large: str) -> float:
    """:func:`work` on ``large`` over that on ``small``, after a warm-up run on ``small``
    (a first call loads what later calls reuse: that is not growth)."""
    fn(small)
    return work(fn, large) / work(fn, small)


def cpu_seconds(fn: Callable[..., Any], *args: Any, runs: int = 2) -> float:
    """The least CPU time of ``runs`` calls: other processes on the machine do not count."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - started)
    return best


def cpu_growth(fn: Callable[[str], Any], make: Callable[[int], str], n: int) -> float:
    """CPU time on an input of 16n characters over that on n (a floor of 1 ms on n)."""
    small, large = make(n), make(16 * n)
    return cpu_seconds(fn, large) / max(cpu_seconds(fn, small), 0.001)


def peak_bytes(fn: Callable[..., Any], *args: Any) -> int:
    """The peak of memory allocated by Python while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def repeat_to(unit: str, n: int) -> str:
    """``unit`` repeated to exactly ``n`` characters."""
    return (unit * (n // max(1, len(unit)) + 1))[:n]
