"""What a worker process has loaded: the extractor and the summarizer before its first
task (the fork server imported them once), and never SciPy (signatures need NumPy only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.ingest import dedupe, worker_tasks
from bot.ingest.workers import PRELOAD, WorkerPool, _worker_main
from bot.settings import DEFAULTS

REPO = Path(__file__).resolve().parents[2]

# a builtin (eval) runs it in the worker: nothing of the test has to be importable there
LOADED = (
    "sorted(m for m in ('datasketch', 'scipy', 'summarizer', 'trafilatura')"
    " if m in __import__('sys').modules)"
)
TEXT = (
    "The harbour authority of Valparaiso reopened the port on Thursday after a storm, "
    "officials said, and the first ships were unloaded at dawn."
)


def test_the_worker_loop_is_loaded_by_the_fork_server_too():
    assert _worker_main.__module__ in PRELOAD  # not imported again by every worker


def test_the_pool_module_needs_no_settings_to_import():
    """The fork server imports it for its workers; the settings (and pydantic) are read
    by a pool only. The package's ``__init__`` (which imports the whole cycle) is left
    out here, as a fork server would if it imported lazily."""
    code = (
        "import sys, types\n"
        "package = types.ModuleType('bot.ingest')\n"
        "package.__path__ = ['bot/ingest']\n"
        "sys.modules['bot.ingest'] = package\n"
        "import bot.ingest.workers\n"
        "print(sorted(m for m in ('bot.settings', 'pydantic') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    with WorkerPool() as pool:  # no worker starts until a task needs one
        assert (pool.size, pool.budget) == (DEFAULTS.ingest_workers, DEFAULTS.ingest_page_budget)


async def test_a_worker_starts_loaded_and_never_imports_scipy():
    with WorkerPool(1, budget=120) as pool:
        preloaded = ["summarizer", "trafilatura"]
        assert await pool.run(eval, LOADED) == preloaded
        assert await pool.run(worker_tasks.signature, TEXT) == dedupe.signature_bytes(TEXT)
        page = f"<html><body><article><p>{TEXT}</p></article></body></html>".encode()
        extracted = await pool.run(worker_tasks.extract, page, "https://port.example/", None, False)
        assert "Valparaiso" in extracted.text
        assert await pool.run(eval, LOADED) == preloaded


async def test_what_the_fork_server_loaded_is_frozen_for_the_collector():
    """A worker's full collections do not walk the modules and tables it inherited."""
    with WorkerPool(1, budget=120) as pool:
        assert await pool.run(eval, "__import__('gc').get_freeze_count()") > 10_000
