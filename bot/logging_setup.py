"""Logging for the service: one ``key=value`` line per event, and never the bot token.

httpx logs every request URL at INFO, and Telegram API URLs contain the bot token,
so httpx/httpcore are held at WARNING and :class:`RedactTokenFilter` scrubs anything
shaped like a token from every line the root handler writes (message, arguments and
tracebacks alike).

Usage: ``configure_logging("INFO")`` once at start; then
``log.info("feed polled", extra={"feed_id": 3, "items": 12})`` renders as
``ts=... level=INFO logger=bot.ingest msg="feed polled" feed_id=3 items=12``.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

#: A Telegram bot token: the bot id, a colon, then 35 url-safe characters.
TOKEN_PATTERN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
REDACTED = "[REDACTED]"
QUIET_LOGGERS = ("httpx", "httpcore", "hpack")

# attributes every LogRecord has; anything else came in through `extra=`
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_BARE_VALUE = re.compile(r"[^\s=\"]+")


def redact(text: str) -> str:
    return TOKEN_PATTERN.sub(REDACTED, text)


class RedactTokenFilter(logging.Filter):
    """Replace bot tokens in a record's message, extras and traceback before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw parts, still scrubbed
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                record.__dict__[key] = redact(value)
        return True


def _format_value(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    if text and _BARE_VALUE.fullmatch(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class KeyValueFormatter(logging.Formatter):
    """``ts=... level=... logger=... msg="..." key=value ...``: greppable, one line."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        parts = [
            f"ts={stamp.replace('+00:00', 'Z')}",
            f"level={record.levelname}",
            f"logger={record.name}",
            f"msg={_format_value(record.getMessage())}",
        ]
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                parts.append(f"{key}={_format_value(value)}")
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            parts.append(f"exc={_format_value(record.exc_text)}")
        return redact(" ".join(parts))  # extras that are not strings, too


def configure_logging(level: str | int = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Install the key=value handler (with the token filter) on the root logger.

    Calling it again replaces the handler it installed before, so tests and the CLI
    can call it freely. Returns the handler.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_newsbrief", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._newsbrief = True  # type: ignore[attr-defined]
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(RedactTokenFilter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
