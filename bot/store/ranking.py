"""How stories rank for a country: :func:`importance`, and the stored :func:`rank_key`.

/brief and the digests order stories by importance at the time of the question; the
database orders them by the rank stored on each story-country row, which sorts the same
way for any time not before the story's last update (see :func:`rank_key`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.store.types import as_utc

#: Hours for a story's weight in /brief and digests to halve.
RECENCY_HALF_LIFE_HOURS = 12.0
#: Extra candidates per country beyond the limit, so float rounding between the stored
#: rank and :func:`importance` can never push a story of the answer out of the candidates.
RANK_MARGIN = 8
#: The rank of a story with no salience (importance 0): below any real one.
NO_RANK = -1e12


def importance(salience: float, source_count: int, updated_at: datetime, now: datetime) -> float:
    """How high a story ranks for a country: salience x breadth of coverage x recency.

    Salience (0..1) says how much the story is about the country; each doubling of
    the outlets covering it adds about the same weight (log); the weight halves every
    :data:`RECENCY_HALF_LIFE_HOURS`.
    """
    age_hours = max(0.0, (now - updated_at).total_seconds() / 3600)
    breadth = 1.0 + math.log2(1 + max(source_count, 0))
    return salience * breadth * 0.5 ** (age_hours / RECENCY_HALF_LIFE_HOURS)


def rank_key(salience: float, source_count: int, updated_at: datetime) -> float:
    """:func:`importance` on a log2 scale with ``now`` taken out, so it can be stored.

    ``log2(importance) = log2(salience x breadth) + hours(updated_at) / half-life - hours(now)
    / half-life``: the last term is the same for every story, so ordering by this key is
    ordering by importance, for any ``now`` not before ``updated_at`` (where recency is
    capped). The database sorts on it with an index and returns only the top.
    """
    weight = salience * (1.0 + math.log2(1 + max(source_count, 0)))
    if weight <= 0:
        return NO_RANK
    hours = as_utc(updated_at).timestamp() / 3600
    return math.log2(weight) + hours / RECENCY_HALF_LIFE_HOURS


def rank_rows(rows: Iterable[Any], now: datetime) -> dict[int, tuple[float, float, list[str]]]:
    """Each story's best (importance, salience) over its matching countries, and the codes
    that matched: ``rows`` are (story_id, code, salience, source_count, updated_at)."""
    ranked: dict[int, tuple[float, float, list[str]]] = {}
    for story_id, code, score, sources, updated_at, *_shown in rows:
        weight = importance(score, sources, updated_at, now)
        best = ranked.get(story_id)
        if best is None:
            ranked[story_id] = (weight, score, [code])
        else:
            best[2].append(code)
            if weight > best[0]:
                ranked[story_id] = (weight, score, best[2])
    return ranked
