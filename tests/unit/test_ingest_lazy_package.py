"""The workers' fork server imports ``bot.ingest.worker_tasks`` through the package:
the cycle's stack (store, SQLAlchemy, httpx) must not come with it."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = """
import sys
import bot.ingest.worker_tasks
stack = ("sqlalchemy", "httpx", "bot.store", "bot.ingest.cycle")
heavy = sorted(m for m in stack if m in sys.modules)
print(",".join(heavy))
"""


def test_worker_tasks_import_without_the_cycle_stack() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""


def test_package_names_load_on_first_use() -> None:
    import bot.ingest as ingest
    from bot.ingest.cycle import run_cycle
    from bot.ingest.window import StoryWindow

    assert ingest.run_cycle is run_cycle
    assert ingest.StoryWindow is StoryWindow
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = ingest.nothing  # type: ignore[attr-defined]
