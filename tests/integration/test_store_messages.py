"""Message links (bot/store/messages.py): what a sent message showed, kept after the send
in one statement, and a message linked again taking its new stories."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.store import Store
from bot.store.models import SENT_MESSAGES
from bot.store.types import utcnow


async def test_a_link_is_read_back_from_another_connection(store: Store) -> None:
    since = utcnow() - timedelta(minutes=1)
    await store.link_message(501, 7, [3, 1, 2], "brief")
    assert await store.stories_of_message(501, 7) == [3, 1, 2]
    assert await store.latest_stories(501, since) == [3, 1, 2]
    assert await store.stories_of_message(501, 8) is None
    assert await store.stories_of_message(502, 7) is None


async def test_a_message_linked_again_takes_its_new_stories(store: Store) -> None:
    since = utcnow() - timedelta(minutes=1)
    await store.link_message(601, 9, [1], "brief")
    await store.link_message(601, 9, [4, 5], "digest")  # no key error: an upsert
    assert await store.stories_of_message(601, 9) == [4, 5]
    assert await store.latest_stories(601, since) == [4, 5]
    async with store.engine.connect() as conn:
        query = select(func.count(), func.max(SENT_MESSAGES.c.kind)).where(
            SENT_MESSAGES.c.chat_id == 601
        )
        assert (await conn.execute(query)).one() == (1, "digest")
