"""The typed context every handler gets: ``context.services`` instead of ``bot_data[...]``.

python-telegram-bot builds one :class:`NewsbriefContext` per update (``ContextTypes``,
:data:`CONTEXT_TYPES`); its ``bot_data`` is a :class:`BotData`, which holds the
:class:`Services` that :func:`bot.telegram.app.build_application` wires, the options of
this run, and the scheduler when the caller supplied one (:class:`Jobs`). Nothing here
imports the jobs module: the caller that wants periodic jobs passes them in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.briefing import Briefs, Digests
from bot.delivery import Delivery, DeliveryOptions
from bot.settings import Settings
from bot.store import Store
from bot.store.subscribers import BotStore
from bot.telegram.updates import SeenUpdates
from bot.telegram.waiting import Waiters


@dataclass
class Services:
    """What every handler needs: the store, the briefing service and the way out."""

    settings: Settings
    store: Store
    bot_store: BotStore
    briefs: Briefs
    digests: Digests
    delivery: Delivery | None = None  # set up in post_init (it needs the started bot)
    waiters: Waiters = field(default_factory=Waiters)
    # /stop questions being sent: a Yes pressed at once waits until its token is stored
    # (updates are handled concurrently, so the press can overtake the question's handler).
    confirmations_pending: dict[int, asyncio.Event] = field(default_factory=dict)

    @property
    def out(self) -> Delivery:
        """The delivery every message leaves through."""
        assert self.delivery is not None, "delivery is set up in post_init"
        return self.delivery

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


class Scheduler(Protocol):
    """What the application needs of a scheduler (APScheduler's ``AsyncIOScheduler``)."""

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


@dataclass(frozen=True)
class Jobs:
    """The periodic jobs this process runs, built once the services are up (the caller,
    ``bot.commands.run``, wires the scheduler in)."""

    build: Callable[[Services], Scheduler]
    polls_feeds: bool = True


@dataclass(frozen=True)
class RunOptions:
    """How this application runs: set by build_application, read at start-up."""

    delivery: DeliveryOptions = field(default_factory=DeliveryOptions)
    jobs: Jobs | None = None
    migrate: bool = False


class BotData:
    """``application.bot_data``: the services, the run's options and its scheduler.

    python-telegram-bot creates it without arguments; build_application fills it in.
    """

    services: Services
    options: RunOptions

    def __init__(self) -> None:
        self.seen_updates = SeenUpdates()
        self.scheduler: Scheduler | None = None


class NewsbriefContext(CallbackContext[ExtBot, dict, dict, BotData]):
    """The context of every handler, with the services typed."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


#: ``Application`` with our context and bot_data (``ApplicationBuilder().context_types``).
CONTEXT_TYPES = ContextTypes(context=NewsbriefContext, bot_data=BotData)

NewsbriefApp = Application[ExtBot, NewsbriefContext, dict, dict, BotData, Any]
