"""The marks journal: what is appended is replayed once, and never deleted unwritten.

The writer given to :meth:`MarkJournal.replay` stands in for the database here (the
journal only needs "write these marks or raise"); the real store is exercised by the
outage tests in tests/integration/test_delivery_outage.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.outbox_marks import Mark, MarkJournal


def test_appended_marks_are_replayed_once_and_forgotten(tmp_path: Path) -> None:
    journal = MarkJournal(tmp_path / "db.marks")
    journal.append([(1, 10, 100, [5, 6]), (2, 20, 200, [])])
    journal.append([(3, 30, 300, [7])])
    with open(journal.path, "a") as handle:  # a crash in the middle of an append
        handle.write("[4, 40, 4")
    written: list[Mark] = []

    async def write(marks: Sequence[Mark]) -> None:
        written.extend(marks)

    assert journal.pending()
    assert asyncio.run(journal.replay(write)) == 3
    assert written == [(1, 10, 100, [5, 6]), (2, 20, 200, []), (3, 30, 300, [7])]
    assert not journal.pending() and list(tmp_path.iterdir()) == []
    assert asyncio.run(journal.replay(write)) == 0 and len(written) == 3


def test_a_mark_appended_while_a_replay_writes_is_kept_for_the_next(tmp_path: Path) -> None:
    journal = MarkJournal(tmp_path / "db.marks")
    journal.append([(1, 10, 100, [])])
    written: list[Mark] = []

    async def write(marks: Sequence[Mark]) -> None:
        journal.append([(2, 20, 200, [])])  # another sender journals during the write
        written.extend(marks)

    asyncio.run(journal.replay(write))
    assert written == [(1, 10, 100, [])]
    assert journal.pending()  # the late mark was not deleted with the replayed file

    async def plain(marks: Sequence[Mark]) -> None:
        written.extend(marks)

    asyncio.run(journal.replay(plain))
    assert written == [(1, 10, 100, []), (2, 20, 200, [])]
    assert not journal.pending()


def test_a_failed_replay_keeps_every_mark(tmp_path: Path) -> None:
    journal = MarkJournal(tmp_path / "db.marks")
    journal.append([(1, 10, 100, [3])])

    async def down(marks: Sequence[Mark]) -> None:
        raise ConnectionRefusedError("database away")

    with pytest.raises(ConnectionRefusedError):
        asyncio.run(journal.replay(down))
    assert journal.pending()
    journal.append([(2, 20, 200, [])])  # more marks while it is still away
    written: list[Mark] = []

    async def write(marks: Sequence[Mark]) -> None:
        written.extend(marks)

    assert asyncio.run(journal.replay(write)) == 2
    assert sorted(written) == [(1, 10, 100, [3]), (2, 20, 200, [])]
    assert list(tmp_path.iterdir()) == []
