"""Logging for the service: one line per event, ``key=value`` or JSON, and never the bot token.

httpx logs every request URL at INFO, and Telegram API URLs contain the bot token,
so httpx/httpcore are held at WARNING and :func:`redact` scrubs anything shaped like a
token (and every secret :func:`register_secret` was given) from every line the root
handler writes: message, arguments, extras and tracebacks alike. Tracebacks that never
reach a logger (an exception escaping ``main``, a thread, an unraisable ``__del__``) go
through :func:`install_excepthooks`, which redacts them the same way; python-telegram-bot's
``InvalidToken`` quotes the token in its message, so this matters.

Events are logged as ``log.info("event=feed_polled feed_id=%s items=%s", 3, 12)`` or with
``extra={"feed_id": 3}``; either way the fields come out as real fields: in the key=value
format ``ts=... level=INFO logger=newsbrief.ingest event=feed_polled feed_id=3 items=12``, in
JSON (``LOG_FORMAT=json``) ``{"ts": ..., "event": "feed_polled", "feed_id": 3, ...}``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

#: A Telegram bot token: the bot id, a colon, then 35 url-safe characters.
TOKEN_PATTERN = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
REDACTED = "[REDACTED]"
QUIET_LOGGERS = ("httpx", "httpcore", "hpack")
FORMATS = ("text", "json")

# attributes every LogRecord has; anything else came in through `extra=`
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_BARE_VALUE = re.compile(r"[^\s=\"]+")
_PAIR = re.compile(r"""([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']\S*|)""")
_SECRETS: set[str] = set()
_state = {"format": "text"}


def register_secret(value: str | None) -> None:
    """Redact this exact value from now on (the configured token, webhook secret...).

    A token's part after the colon is registered too: it is the secret half.
    """
    if not value or len(value) < 6:
        return
    _SECRETS.add(value)
    if ":" in value and len(value.split(":", 1)[1]) >= 6:
        _SECRETS.add(value.split(":", 1)[1])


def redact(text: str) -> str:
    text = TOKEN_PATTERN.sub(REDACTED, text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def set_default_format(fmt: str) -> None:
    """``text`` (key=value) or ``json``: what :func:`configure_logging` uses when not told."""
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: use text or json")
    _state["format"] = fmt


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


def split_event(message: str) -> tuple[str | None, dict[str, str]]:
    """``event=x chat_id=5 error='a b'`` -> (None, {"event": "x", ...}); other text as is.

    Only a message starting with ``event=`` is split: its leading ``key=value`` pairs
    become fields, and whatever free text follows them stays the message
    (``event=cycle_done feeds polled 3`` -> ("feeds polled 3", {"event": "cycle_done"})).
    """
    if not message.startswith("event="):
        return message, {}
    fields: dict[str, str] = {}
    position = 0
    while position < len(message):
        match = _PAIR.match(message, position)
        end = match.end() if match else position
        if not match or (end < len(message) and message[end] != " "):
            break
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1].replace("\\" + value[0], value[0])
        fields[match.group(1)] = value
        position = end
        while position < len(message) and message[position] == " ":
            position += 1
    rest = message[position:].strip()
    return rest or None, fields


def _fields(record: logging.LogRecord) -> tuple[str | None, dict[str, Any]]:
    message, fields = split_event(record.getMessage())
    extras: dict[str, Any] = dict(fields)
    for key, value in record.__dict__.items():
        if key not in _STANDARD_ATTRS and not key.startswith("_"):
            extras[key] = value
    return message, extras


def _stamp(record: logging.LogRecord) -> str:
    stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _format_value(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    if text and _BARE_VALUE.fullmatch(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class KeyValueFormatter(logging.Formatter):
    """``ts=... level=... logger=... event=... key=value ...``: greppable, one line."""

    def format(self, record: logging.LogRecord) -> str:
        message, fields = _fields(record)
        parts = [f"ts={_stamp(record)}", f"level={record.levelname}", f"logger={record.name}"]
        if "event" in fields:  # the event first, then any free text, then its fields
            parts.append(f"event={_format_value(fields.pop('event'))}")
        if message is not None:
            parts.append(f"msg={_format_value(message)}")
        parts += [f"{key}={_format_value(value)}" for key, value in fields.items()]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            parts.append(f"exc={_format_value(record.exc_text)}")
        return redact(" ".join(parts))  # extras that are not strings, too


def _json_value(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``ts``, ``level``, ``logger``, ``msg`` or ``event``, fields."""

    def format(self, record: logging.LogRecord) -> str:
        message, fields = _fields(record)
        data: dict[str, Any] = {"ts": _stamp(record), "level": record.levelname}
        data["logger"] = record.name
        if message is not None:
            data["msg"] = message
        for key, value in fields.items():
            data[key if key not in data else f"field_{key}"] = _json_value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        return redact(json.dumps(data, ensure_ascii=False, default=str))


def configure_logging(
    level: str | int = "INFO", stream: TextIO | None = None, fmt: str | None = None
) -> logging.Handler:
    """Install the handler (key=value or JSON, with the token filter) on the root logger.

    Calling it again replaces the handler it installed before, so tests and the CLI
    can call it freely. ``fmt`` defaults to what :func:`set_default_format` was told
    (the CLI tells it ``LOG_FORMAT``). Returns the handler.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_newsbrief", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._newsbrief = True  # type: ignore[attr-defined]
    chosen = fmt or _state["format"]
    handler.setFormatter(JsonFormatter() if chosen == "json" else KeyValueFormatter())
    handler.addFilter(RedactTokenFilter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings.warn text goes through the filter too
    return handler


def format_exception(
    kind: type[BaseException] | None,
    value: BaseException | None,
    tb: TracebackType | None,
) -> str:
    """A traceback as the interpreter prints it, with every token and secret redacted."""
    return redact("".join(traceback.format_exception(kind, value, tb)))


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    sys.stderr.write(format_exception(kind, value, tb))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    sys.stderr.write(format_exception(args.exc_type, args.exc_value, args.exc_traceback))


def _unraisablehook(unraisable: Any) -> None:
    message = unraisable.err_msg or "Exception ignored in"
    sys.stderr.write(redact(f"{message}: {unraisable.object!r}\n"))
    if unraisable.exc_type is not None:
        sys.stderr.write(
            format_exception(unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback)
        )


def install_excepthooks() -> None:
    """Redact the tracebacks the interpreter prints itself (main thread, threads, ``__del__``)."""
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    sys.unraisablehook = _unraisablehook
