"""What every command that sends digests needs first: the store's sender lock (SQLite)
and where accepted-message marks are journalled when the database is away."""

from __future__ import annotations

from pathlib import Path

from bot.delivery import DeliveryOptions
from bot.store.lock import SenderLock, sqlite_file

#: PostgreSQL workers journal marks here (relative to the working directory, like the
#: default SQLite file); workers on one machine may share it.
POSTGRES_JOURNAL = Path("data") / "outbox-marks.jsonl"


def take_sender_lock(database_url: str) -> SenderLock | None:
    """Hold the store's sender lock (SQLite) or raise ``StoreBusy``; None on PostgreSQL."""
    database = sqlite_file(database_url)
    return SenderLock(database).acquire() if database is not None else None


def delivery_options(database_url: str, lock: SenderLock | None) -> DeliveryOptions:
    """Options for :class:`bot.delivery.Delivery` in a sending command."""
    database = sqlite_file(database_url)
    journal = database.with_name(database.name + ".marks") if database else POSTGRES_JOURNAL
    return DeliveryOptions(journal=journal.resolve(), sole_sender=lock is not None and lock.held)
