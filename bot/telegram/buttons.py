"""What each inline button does: one handler per action, registered with its pattern.

Every handler receives a :class:`~bot.telegram.callbacks.Press` that
:func:`~bot.telegram.callbacks.parse` already validated (``CallbackQueryHandler``'s
pattern is :func:`~bot.telegram.callbacks.matcher`), so none reads raw callback data.
Data no button of the bot carries (forged, or from an older version) reaches
:func:`invalid` instead: the press is answered "That button is no longer valid" and
nothing changes. The actions live with their features (subscriptions, brief,
preferences, stop, fold).
"""

from __future__ import annotations

from collections.abc import Coroutine
from functools import wraps
from typing import Any, Protocol

from telegram import Update

from bot.telegram import callbacks, fold
from bot.telegram.brief import on_brief, on_story
from bot.telegram.common import Action, answer, refuse
from bot.telegram.context import NewsbriefContext
from bot.telegram.preferences import on_settings, on_zone
from bot.telegram.stop import on_stop
from bot.telegram.subscriptions import on_page, on_subscribe, on_unsubscribe


class Handler(Protocol):
    """A python-telegram-bot callback with our context."""

    def __call__(self, update: Update, context: NewsbriefContext) -> Coroutine[Any, Any, None]: ...


async def invalid(update: Update, context: NewsbriefContext) -> None:
    """Any press no other handler's pattern accepted."""
    await refuse(update, "unknown")


def pressed(action: Action) -> Handler:
    """The PTB callback for ``action``: the press parsed again, answered, then acted on."""

    @wraps(action)
    async def handler(update: Update, context: NewsbriefContext) -> None:
        query = update.callback_query
        press = callbacks.parse(query.data if query else None)
        if query is None or press is None or update.effective_chat is None:
            await refuse(update, "unparsed")
            return
        message_id = query.message.message_id if query.message else None
        if press.action != "stop":  # stop answers once it knows whether the token holds
            await answer(query)
        await action(context.services, update, press, update.effective_chat.id, message_id)

    return handler


#: One handler per action of :data:`bot.telegram.callbacks.ACTIONS`.
HANDLERS: dict[str, Handler] = {
    "sub": pressed(on_subscribe),
    "unsub": pressed(on_unsubscribe),
    "subp": pressed(on_page),
    "brief": pressed(on_brief),
    "win": pressed(on_brief),
    "mq": pressed(on_story),
    "src": pressed(on_story),
    "ask": pressed(on_story),
    "more": pressed(fold.toggle_story),
    "less": pressed(fold.toggle_story),
    "stop": pressed(on_stop),
    "set": pressed(on_settings),
    "tz": pressed(on_zone),
}
