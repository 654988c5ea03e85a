"""Country codes as a reader sees them in a sentence or a list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from summarizer import country_name


def names(codes: Sequence[str]) -> str:
    """``Iran``, ``Iran and Russia``, ``Iran, Russia and Israel``."""
    parts = [country_name(c) for c in codes]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def by_name(codes: Iterable[str]) -> list[str]:
    """Country codes in the order of their names, as a reader scans a list."""
    return sorted(codes, key=country_name)
