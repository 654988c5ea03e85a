"""What ingestion's worker processes run: module-level functions, plain values in and out.

Each returns what the cycle stores or indexes (JSON as a dict, bytes), not the
summarizer's objects, so what crosses the pipe is small and needs no class of ours to
be importable on the other side beyond these functions.
"""

from __future__ import annotations

from typing import Any

from bot.ingest import dedupe
from bot.ingest.extract import Extracted, extract_page
from bot.ingest.stories import terms

__all__ = [
    "analyse", "analyse_page", "analyse_text", "extract", "signature", "summarize",
    "summarize_many",
]  # fmt: skip

_ERROR_CHARS = 300


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


def analyse_text(
    text: str, title: str | None
) -> tuple[dict[str, Any] | None, bytes | None, str | None]:
    """A new text's signature (:func:`signature`) and analysis (:func:`analyse`) in one
    task: ``(analysis, signature, error)``, ``error`` saying why the analysis failed
    (``Type: message``; the signature is still given).

    One round trip a page fewer than a task each (both take the same text): the
    cycle's process spends 40-60 us of CPU on a task, and the worker about as much.
    """
    values = dedupe.signature_bytes(text)
    try:
        return analyse(text, title), values, None
    except Exception as exc:
        return None, values, f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]


def analyse_page(
    text: str, title: str | None
) -> tuple[dict[str, Any] | None, bytes | None, str | None, dict[str, int]]:
    """:func:`analyse_text`, and the text's story-matching terms
    (:func:`bot.ingest.stories.terms` of the title and text, in their order): computed
    here, beside the analysis, rather than on the cycle's event loop, which every page
    of a cycle goes through (about 0.4 ms of its CPU a page).
    """
    analysis, values, error = analyse_text(text, title)
    return analysis, values, error, dict(terms(title, text))


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


def summarize_many(
    stories: list[list[tuple[dict[str, Any], str, str | None]]],
) -> list[tuple[str, Any]]:
    """Several stories' briefs in one task (a brief is about 1 ms of work here, a task's
    round trip costs the cycle's process about as much CPU as that): for each story
    ``("ok", summarize(articles))``, or ``("error", "Type: message")`` when it raised,
    so one story's failure is its own."""
    built: list[tuple[str, Any]] = []
    for articles in stories:
        try:
            built.append(("ok", summarize(articles)))
        except Exception as exc:
            built.append(("error", f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]))
    return built
