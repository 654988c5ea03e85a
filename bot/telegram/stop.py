"""/stop: unsubscribe and delete the user's data, after a confirmation valid once."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import timedelta

from telegram import Update

from bot.store import utcnow
from bot.telegram import keyboards as kb
from bot.telegram.callbacks import Press
from bot.telegram.common import answer, chat_of, refuse
from bot.telegram.context import NewsbriefContext, Services

#: How long a /stop confirmation can be answered.
CONFIRM_FOR = timedelta(hours=1)


async def stop(update: Update, context: NewsbriefContext) -> None:
    """Ask first; the answer counts only on this message, with this message's token."""
    nb = context.services
    chat_id = chat_of(update)
    token = secrets.token_urlsafe(9)  # 12 characters of [A-Za-z0-9_-]
    stored = nb.confirmations_pending[chat_id] = asyncio.Event()
    try:
        message = await nb.out.send(
            chat_id,
            "This unsubscribes you from everything and deletes what I keep about you "
            "(countries, settings, message history). Are you sure?",
            reply_markup=kb.confirm_stop_keyboard(token),
        )
        if message is not None:
            await nb.bot_store.remember_confirmation(chat_id, message.message_id, token)
    finally:
        stored.set()
        if nb.confirmations_pending.get(chat_id) is stored:
            del nb.confirmations_pending[chat_id]


async def on_stop(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    """Yes or Cancel under the /stop question: valid once, on that message, for an hour."""
    assert press.token is not None and update.callback_query is not None
    pending = nb.confirmations_pending.get(chat_id)
    if pending is not None:  # the question is still being sent: its token is not stored yet
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pending.wait(), timeout=10)
    since = utcnow() - CONFIRM_FOR
    if message_id is None or not await nb.bot_store.take_confirmation(
        chat_id, message_id, press.token, since
    ):
        await refuse(update, "confirmation")
        return
    await answer(update.callback_query)
    if press.choice == "yes":
        await nb.bot_store.delete_user_data(chat_id)
        text = "Done: you are unsubscribed and your data is deleted. /start to come back."
    else:
        text = "Cancelled: nothing was changed."
    await nb.out.edit(chat_id, message_id, text)
