"""Imported by the workers' fork server only: load what every worker needs, once.

The fork server imports this module before it forks any worker (``forkserver``
preload), so each worker starts with the summarizer, trafilatura and their lazily
loaded tables (gazetteer, tokenizer model, language tables) already in memory, shared
copy-on-write: a worker that replaces a killed one answers its first task at once.
Nothing else should import it: it runs a small extraction and analysis on import,
then freezes what it loaded (:func:`gc.freeze`).
"""

from __future__ import annotations

import gc
import logging

from bot.ingest import worker_tasks

_PAGE = (
    b"<html><head><title>Port reopens</title></head><body><article><p>The harbour "
    b"authority of Valparaiso reopened the port on Thursday after a storm, officials said. "
    b'"We are ready," the Chilean transport minister told reporters in Santiago.</p>'
    b"</article></body></html>"
)


def warm() -> None:
    """Run each task once on a small page so lazy loads happen here, not in a worker."""
    try:
        page = worker_tasks.extract(_PAGE, "https://example.org/port", "utf-8", True)
        text = page.text or "The Chilean minister said the port of Valparaiso reopened."
        # the cycle's analysis task: signature and story terms too
        analysis, _, error, _ = worker_tasks.analyse_page(text, page.title)
        if analysis is None:
            raise RuntimeError(error)
        worker_tasks.summarize([(analysis, text, page.title)])
    except Exception:  # a fork server that dies here would start no worker at all
        logging.getLogger(__name__).exception("event=worker_warmup_failed")


warm()
# What the fork server holds now (modules, tables, the warm-up's caches) lives as long as
# every worker: out of the collector's sight (gc.freeze), a worker's full collections no
# longer walk it (about 0.05 s each here) nor write to its pages (copy-on-write)
gc.collect()
gc.freeze()
