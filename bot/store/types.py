"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: JSON everywhere, JSONB on PostgreSQL (smaller, indexable).
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already (feedparser's are)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on both backends.

    PostgreSQL stores ``timestamptz``. SQLite has no time zones, so values are stored
    as naive UTC text (which sorts and compares correctly) and made aware on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text, e.g. from a func.max()
            value = datetime.fromisoformat(value)
        return as_utc(value)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: str) -> str:
    """``value`` without NUL and lone surrogates: what no database column can hold.

    PostgreSQL rejects NUL in text and JSON, and no UTF-8 encoder takes a surrogate; a
    feed can carry both (``&#0;``, ``&#xD800;``). A surrogate pair split into two code
    points is joined back into its character first; what is left alone is dropped.
    """
    if not _UNSTORABLE.search(value):
        return value
    if _SURROGATE.search(value):
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
        value = _SURROGATE.sub("", value)
    return value.replace("\x00", "")


def storable_json(value: Any) -> Any:
    """:func:`storable` applied to every string (keys too) of a JSON-like value.

    Nearly every value is clean: one dump in C tells (a NUL comes out escaped, a lone
    surrogate as itself), and only a value that fails it is walked string by string.
    """
    try:
        dumped = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # not plain JSON (a tuple key, a NaN...): walk it
        return _storable_walk(value)
    if "\\u0000" in dumped or _SURROGATE.search(dumped):
        return _storable_walk(value)
    return value


def _storable_walk(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {_storable_walk(k): _storable_walk(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable_walk(v) for v in value]
    return value
