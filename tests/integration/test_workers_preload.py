"""What a worker process has loaded: the extractor and the summarizer before its first
task (the fork server imported them once), and never SciPy (signatures need NumPy only)."""

from __future__ import annotations

from bot.ingest import dedupe, worker_tasks
from bot.ingest.workers import PRELOAD, WorkerPool, _worker_main

# a builtin (eval) runs it in the worker: nothing of the test has to be importable there
LOADED = (
    "sorted(m for m in ('datasketch', 'scipy', 'summarizer', 'trafilatura', 'bot.settings')"
    " if m in __import__('sys').modules)"
)
TEXT = (
    "The harbour authority of Valparaiso reopened the port on Thursday after a storm, "
    "officials said, and the first ships were unloaded at dawn."
)


def test_the_worker_loop_is_loaded_by_the_fork_server_too():
    assert _worker_main.__module__ in PRELOAD  # not imported again by every worker


async def test_a_worker_starts_loaded_and_never_imports_scipy():
    with WorkerPool(1, budget=120) as pool:
        preloaded = ["bot.settings", "summarizer", "trafilatura"]
        assert await pool.run(eval, LOADED) == preloaded
        assert await pool.run(worker_tasks.signature, TEXT) == dedupe.signature_bytes(TEXT)
        page = f"<html><body><article><p>{TEXT}</p></article></body></html>".encode()
        extracted = await pool.run(worker_tasks.extract, page, "https://port.example/", None, False)
        assert "Valparaiso" in extracted.text
        assert await pool.run(eval, LOADED) == preloaded
