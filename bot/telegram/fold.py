"""**More** and **Less**: a card grown to its full brief in the same message, and folded back.

The message is read back from the press (:func:`bot.telegram.layout.restore`), the
story switched, and the message edited in place with its keyboard. When the message
cannot be read back (too old for Telegram to send with the press, or not one of
ours), or the edit would not fit, the full brief comes as a message of its own.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.store import utcnow
from bot.telegram import layout
from bot.telegram.callbacks import Press
from bot.telegram.cards import visible_len
from bot.telegram.context import Services
from bot.telegram.render import LIMIT, StoryBrief

log = logging.getLogger("newsbrief.telegram")


async def toggle_story(
    nb: Services, update: Update, press: Press, chat_id: int, message_id: int | None
) -> None:
    assert press.number is not None
    expand = press.action == "more"
    query = update.callback_query
    message = query.message if query is not None else None
    text = getattr(message, "text", None)
    markup = getattr(message, "reply_markup", None)
    parts = layout.restore(text or "", markup) if message_id is not None else None
    if parts is None or press.number not in {p.story_id for p in parts}:
        await _on_its_own(nb, chat_id, press.number, expand)
        return
    stories = await _load(nb, [p.story_id for p in parts if p.story_id is not None])
    if press.number not in stories:
        await nb.out.send(chat_id, "That story is no longer available.")
        return
    # a story pruned since the message was sent drops out, with its button
    parts = [p for p in parts if p.story_id is None or p.story_id in stories]
    parts = layout.toggle(parts, press.number, expand)
    now = utcnow()
    body = layout.render(parts, stories, now)
    if visible_len(body) > LIMIT:
        log.info("event=fold_too_long chat_id=%s story_id=%s", chat_id, press.number)
        await _on_its_own(nb, chat_id, press.number, expand)
        return
    assert message_id is not None
    await nb.out.edit(chat_id, message_id, body, reply_markup=layout.keyboard(parts, stories))


async def _load(nb: Services, story_ids: list[int]) -> dict[int, StoryBrief]:
    out = {}
    for story_id in story_ids:
        story = await nb.briefs.story(story_id)
        if story is not None:
            out[story_id] = story
    return out


async def _on_its_own(nb: Services, chat_id: int, story_id: int, expand: bool) -> None:
    """The story as a message of its own (expanded for More), with its buttons."""
    story = await nb.briefs.story(story_id)
    if story is None:
        await nb.out.send(chat_id, "That story is no longer available.")
        return
    parts = [layout.Part(story_id=story_id, expanded=expand)]
    stories = {story_id: story}
    await nb.out.send(
        chat_id,
        layout.render(parts, stories, utcnow()),
        reply_markup=layout.keyboard(parts, stories),
        story_ids=[story_id],
        kind="brief",
    )
