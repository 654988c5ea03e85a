"""Sending slots: a freed slot goes to the chat with the most messages left, first come
first among equals; a cancelled waiter never holds one."""

from __future__ import annotations

import asyncio

from bot.send_slots import Slots


async def _queue_up(slots: Slots, names_and_rows: list[tuple[str, int]], got: list[str]) -> list:
    async def wait(name: str, rows: int) -> None:
        await slots.acquire(rows)
        got.append(name)

    tasks = []
    for name, rows in names_and_rows:
        tasks.append(asyncio.create_task(wait(name, rows)))
        await asyncio.sleep(0)  # each one waiting before the next comes
    return tasks


async def test_a_freed_slot_goes_to_the_most_rows_left_then_to_the_first_come() -> None:
    slots = Slots(1)
    await slots.acquire(1)  # held
    got: list[str] = []
    tasks = await _queue_up(slots, [("a", 1), ("b", 3), ("c", 2), ("d", 3), ("e", 1)], got)
    for expected in (["b"], ["b", "d"], ["b", "d", "c"], ["b", "d", "c", "a"]):
        slots.release()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert got == expected
    slots.release()
    await asyncio.gather(*tasks)
    assert got == ["b", "d", "c", "a", "e"]
    slots.release()
    assert slots.free == 1  # the last holder gave it back: free again, no one waiting


async def test_at_most_size_holders_and_a_cancelled_waiter_is_skipped() -> None:
    slots = Slots(2)
    await slots.acquire(1)
    await slots.acquire(1)
    assert slots.free == 0
    got: list[str] = []
    tasks = await _queue_up(slots, [("long", 5), ("short", 1)], got)
    tasks[0].cancel()  # the long one gives up before its turn
    await asyncio.sleep(0)
    slots.release()
    await asyncio.gather(tasks[1])
    assert got == ["short"]
    assert tasks[0].cancelled()
    slots.release()
    slots.release()
    assert slots.free == 2


async def test_a_slot_handed_to_a_waiter_cancelled_before_it_ran_is_passed_on() -> None:
    slots = Slots(1)
    await slots.acquire(1)
    got: list[str] = []
    tasks = await _queue_up(slots, [("first", 2), ("second", 1)], got)
    slots.release()  # handed to "first"...
    tasks[0].cancel()  # ...which is cancelled before it runs: "second" gets the slot
    await asyncio.gather(tasks[1])
    assert got == ["second"] and tasks[0].cancelled()
    slots.release()
    assert slots.free == 1
