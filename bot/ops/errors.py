"""Exit statuses, and the one line an operator reads when something is wrong at start-up.

Every command ends with one of these statuses, documented in the README:

==  ===================================================================
0   done
1   the work failed (``doctor`` found a problem, no feed could be polled)
2   bad usage or a bad setting, including a token Telegram rejects
3   Telegram or the database could not be reached (after retries for ``run``)
4   the database's schema is newer than this version of newsbrief
130 interrupted (Ctrl-C)
==  ===================================================================
"""

from __future__ import annotations

import sys

from bot.logging_setup import redact

OK = 0
FAILED = 1
CONFIG = 2
UNAVAILABLE = 3
SCHEMA = 4
INTERRUPTED = 130


class StartupError(Exception):
    """A failure an operator can fix, with the one line that says how, and an exit status."""

    def __init__(self, message: str, status: int = UNAVAILABLE) -> None:
        super().__init__(message)
        self.status = status


def reason(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's text (or its cause's), redacted and shortened."""
    seen: set[int] = set()
    current: BaseException | None = exc
    text = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current).strip()
        if text:
            break
        current = current.__cause__ or current.__context__
    text = text.splitlines()[0] if text else type(exc).__name__
    text = redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(exc: BaseException) -> StartupError | None:
    """A known failure from deeper down (Telegram, the database) as a :class:`StartupError`.

    Only libraries already imported are consulted, so this costs nothing for commands
    that never loaded them.
    """
    if isinstance(exc, StartupError):
        return exc
    telegram_error = sys.modules.get("telegram.error")
    if telegram_error is not None:
        if isinstance(exc, telegram_error.InvalidToken):
            return StartupError(
                "Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN "
                "(@BotFather's /token shows it)",
                CONFIG,
            )
        if isinstance(exc, telegram_error.NetworkError):
            return StartupError(f"cannot reach the Telegram Bot API: {reason(exc)}", UNAVAILABLE)
    if "bot.store" in sys.modules:  # else no database was touched: nothing to ask
        from bot.store.errors import is_database_unavailable

        if is_database_unavailable(exc):
            return StartupError(f"cannot use the database: {reason(exc)}", UNAVAILABLE)
    return None
