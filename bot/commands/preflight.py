"""Start-up checks: Telegram answers and takes the token, the database is there and not
from the future. Each failure becomes one line (:class:`~bot.ops.errors.StartupError`).

A service started at boot often comes up before the network or the database does, so
transient failures (connection refused, DNS, timeouts) are retried with exponential
backoff for ``STARTUP_RETRY_SECONDS`` before giving up; a rejected token or a schema
newer than the code is final at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from bot.ops.errors import CONFIG, SCHEMA, UNAVAILABLE, StartupError, reason

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger("newsbrief.preflight")
T = TypeVar("T")
TELEGRAM_API = "https://api.telegram.org/bot"
FIRST_DELAY = 0.5
MAX_DELAY = 15.0


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    transient: Callable[[BaseException], bool],
    budget: float,
    what: str,
) -> tuple[T, int]:
    """``attempt()`` until it succeeds, a non-transient error, or ``budget`` seconds pass.

    Returns the result and the number of attempts; re-raises the last error.
    """
    started = time.monotonic()
    delay = FIRST_DELAY
    attempts = 0
    while True:
        attempts += 1
        try:
            return await attempt(), attempts
        except Exception as exc:
            elapsed = time.monotonic() - started
            if not transient(exc) or elapsed + delay > budget:
                exc.add_note(f"{attempts} attempt(s) in {elapsed:.0f} s")
                raise
            log.debug(
                "event=startup_retry what=%s attempt=%d delay=%.1f error=%r",
                what,
                attempts,
                delay,
                reason(exc),
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)


def _attempts(exc: BaseException) -> str:
    notes = getattr(exc, "__notes__", None) or []
    return f" ({notes[-1]})" if notes else ""


def _network_transient(exc: BaseException) -> bool:
    from telegram.error import InvalidToken, NetworkError

    return isinstance(exc, NetworkError) and not isinstance(exc, InvalidToken)


async def check_telegram(settings: Settings, base_url: str | None, *, budget: float) -> str:
    """``getMe`` with the token; the bot's @username, or StartupError saying what is wrong."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    from bot.telegram.request import AiohttpRequest

    token = settings.bot_token
    if not token:
        raise StartupError(
            "TELEGRAM_BOT_TOKEN is not set (get one from @BotFather; put it in the "
            "environment or in .env)",
            CONFIG,
        )
    url = base_url or settings.telegram_api_base_url or TELEGRAM_API
    host = urlsplit(url.replace("{token}", "")).netloc or url
    request = AiohttpRequest(connection_pool_size=1, connect_timeout=5.0, read_timeout=10.0)
    await request.initialize()
    try:
        bot = Bot(token, base_url=url, request=request, get_updates_request=request)
        me, _ = await with_retries(
            bot.get_me, transient=_network_transient, budget=budget, what="telegram"
        )
    except InvalidToken as exc:
        raise StartupError(
            "Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN "
            "(@BotFather's /token shows it)",
            CONFIG,
        ) from exc  # the cause shows at --log-level DEBUG, redacted
    except TelegramError as exc:
        raise StartupError(
            f"cannot reach the Telegram Bot API at {host}{_attempts(exc)}: {reason(exc)}",
            UNAVAILABLE,
        ) from exc
    finally:
        await request.shutdown()
    return str(me.username)


def _database_transient(exc: BaseException) -> bool:
    current: BaseException | None = exc
    for _ in range(5):
        if current is None:
            return False
        if isinstance(current, OSError | TimeoutError) and not isinstance(
            current, PermissionError | FileNotFoundError
        ):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


async def check_database(settings: Settings, *, budget: float) -> tuple[str | None, str | None]:
    """Connect and read the schema revision: (current, head). StartupError when unreachable
    or when the database is at a revision this code does not know (a newer newsbrief)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from bot.settings import mask_url_password
    from bot.store.engine import make_engine
    from bot.store.migrate import alembic_config, current_revision

    shown = mask_url_password(settings.database_url)
    try:
        engine = make_engine(settings.database_url)
    except Exception as exc:  # a driver missing, an unparsable URL
        raise StartupError(f"cannot use DATABASE_URL {shown}: {reason(exc)}", CONFIG) from None
    try:
        current, _ = await with_retries(
            lambda: current_revision(engine),
            transient=_database_transient,
            budget=budget,
            what="database",
        )
    except Exception as exc:
        raise StartupError(
            f"cannot reach the database at {shown}{_attempts(exc)}: {reason(exc)}", UNAVAILABLE
        ) from exc
    finally:
        await engine.dispose()
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if current is not None:
        try:
            scripts.get_revision(current)
        except CommandError:
            raise StartupError(
                f"the database at {shown} has schema revision {current}, newer than this "
                f"newsbrief knows (up to {head}): upgrade newsbrief, or use another DATABASE_URL",
                SCHEMA,
            ) from None
    return current, head


#: Commands that open the store, and those that talk to Telegram (with their flag).
NEEDS_DATABASE = {"run", "ingest", "feeds", "brief", "digest"}


async def preflight(command: str, settings: Settings, args: object) -> None:
    """The checks ``command`` needs before it starts; long-running ones retry."""
    from bot.roles import needs_telegram, roles_of

    sends_due = bool(getattr(args, "send_due", False))
    service = command == "run" or sends_due
    budget = settings.startup_retry_seconds if service else 0.0
    # `run --role ingest` alone talks to no Telegram: it needs no token (bot.roles)
    if sends_due or (command == "run" and needs_telegram(roles_of(args))):
        await check_telegram(settings, getattr(args, "api_base_url", None), budget=budget)
    if command in NEEDS_DATABASE:
        await check_database(settings, budget=budget)
