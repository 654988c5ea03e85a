"""/digest: the chat's digest now, through the briefing service (the same transaction and
outbox as a scheduled one, its schedule untouched)."""

from __future__ import annotations

from telegram import Update

from bot.briefing import DigestNow, names
from bot.telegram.common import chat_of, ensure
from bot.telegram.context import NewsbriefContext
from bot.telegram.render import esc


async def digest_now(update: Update, context: NewsbriefContext) -> None:
    nb = context.services
    chat_id = chat_of(update)
    sub = await ensure(nb, update)
    outcome, sub = await nb.digests.send_digest_now(sub, nb.out)
    if outcome is DigestNow.NO_COUNTRIES:
        await nb.out.send(chat_id, "You follow no countries yet. Try /subscribe Iran.")
    elif outcome is DigestNow.FAILED:  # logged with the chat id by the planner
        await nb.out.send(chat_id, "Sorry, your digest could not be made just now.")
    elif outcome is DigestNow.NOTHING_NEW:
        await nb.out.send(
            chat_id, f"Nothing new on {esc(names(sub.codes))} since your last digest."
        )
