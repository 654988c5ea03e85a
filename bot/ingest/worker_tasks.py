"""What ingestion's worker processes run: module-level functions, plain values in and out.

Each returns what the cycle stores or indexes (JSON as a dict, bytes), not the
summarizer's objects, so what crosses the pipe is small and needs no class of ours to
be importable on the other side beyond these functions.
"""

from __future__ import annotations

from typing import Any

from bot.ingest import dedupe
from bot.ingest.extract import Extracted, extract_page

__all__ = ["analyse", "extract", "signature", "summarize"]


def extract(body: bytes, url: str, charset: str | None, metadata: bool) -> Extracted:
    """The article of one HTML page (:func:`bot.ingest.extract.extract_page`)."""
    return extract_page(body, url, charset, metadata=metadata)


def signature(text: str) -> bytes | None:
    """The MinHash signature of a text as the store keeps it, or None (no words).

    Computed with NumPy alone (:func:`bot.ingest.dedupe.signature_bytes`): a worker
    never imports datasketch, nor the SciPy that comes with it.
    """
    return dedupe.signature_bytes(text)


def analyse(text: str, title: str | None) -> dict[str, Any]:
    """``summarizer.analyse`` as stored JSON (``Analysis.to_dict()``)."""
    from summarizer import analyse as run

    return run(text, title).to_dict()


def summarize(
    articles: list[tuple[dict[str, Any], str, str | None]],
) -> tuple[dict[str, Any], list[tuple[str, float]], str]:
    """A story's brief from its articles' ``(analysis JSON, text, title)``.

    Returns the brief as JSON, its countries as ``(code, score)`` and its headline.
    """
    from summarizer import Analysis, summarize_story

    analyses = [Analysis.from_dict(data, text=text, title=title) for data, text, title in articles]
    brief = summarize_story(analyses)
    return brief.to_dict(), [(c.code, c.score) for c in brief.countries], brief.headline
