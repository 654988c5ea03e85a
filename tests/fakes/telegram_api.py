"""A fake Telegram Bot API on loopback, for running the real bot in tests and benchmarks.

It speaks enough of the Bot API over real HTTP for python-telegram-bot's ``Application``
(pointed at it with ``ApplicationBuilder().base_url(...)``): ``getMe``, ``getUpdates``
with offsets and long polling, ``sendMessage`` (rejecting texts over 4096 characters and
HTML Telegram cannot parse, with Telegram's own error texts), ``editMessageText``,
``answerCallbackQuery``, ``setMyCommands``, ``deleteWebhook`` and friends.

Tests push user updates (:meth:`FakeBotAPI.push_message`, :meth:`push_callback`), inject
failures (429 with ``retry_after``, 403 for blocked users, dropped connections) and read
what the bot sent from :attr:`FakeBotAPI.sent`.

It can also run on its own event loop in a thread or in a child process
(:func:`serve_forever`, used by the benchmarks), exposing counters at ``GET /_fake/stats``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 7_000_000_001
BOT_USERNAME = "newsbrief_test_bot"
MAX_TEXT = 4096

# Telegram's HTML: these tags, and nothing else (https://core.telegram.org/bots/api#html-style).
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR_RE = re.compile(r'([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'>]+))')
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
# every piece of markup, checked one by one: something tag-shaped (``_TAG_RE`` also ends
# at the first ">"), something entity-shaped, or a "<" or ">" that starts neither
_TOKEN_RE = re.compile(r"<[^<>]*>|&[^&<>;\s]*;?|[<>]")
_ANY_TAG_RE = re.compile(r"<[^<>]*>")
# tags already checked (the same few dozen recur in every message): whether they close, name
_TAGS_SEEN: dict[str, tuple[bool, str]] = {}


class EntityParseError(ValueError):
    """The text is not HTML that Telegram would accept."""


def parse_telegram_html(text: str) -> str:
    """Return the visible text of a Telegram-HTML message, or raise like Telegram does.

    Unknown or unclosed tags, a stray ``<`` and a ``&`` that starts no entity are all
    rejected with "can't parse entities" by the real API; so here.
    """
    stack: list[str] = []
    # one C-level scan for the markup (a digest message is ~3 KB of plain text around a
    # few dozen tags: a character at a time in Python made the fake the benchmark's
    # bottleneck); the plain text between the tokens is never looked at again
    for m in _TOKEN_RE.finditer(text):
        token = m.group(0)
        first = token[0]
        if first == "<":
            _tag(token, m.start(), stack)
        elif first == "&":
            if not _ENTITY_RE.fullmatch(token):
                raise EntityParseError(f"Unsupported entity at byte offset {m.start()}")
        else:
            # Telegram tolerates a bare ">", but well-escaped output never has one.
            raise EntityParseError(f"Unescaped '>' at byte offset {m.start()}")
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    plain = _ANY_TAG_RE.sub("", text)  # every tag was checked above
    return html.unescape(plain) if "&" in plain else plain


def _tag(token: str, i: int, stack: list[str]) -> None:
    """Check one tag (at byte offset ``i``) against the open ``stack``, which it updates."""
    known = _TAGS_SEEN.get(token)
    if known is None:
        known = _check_tag(token, i)
        if len(_TAGS_SEEN) < 10_000:
            _TAGS_SEEN[token] = known
    closing, name = known
    if closing:
        if not stack or stack[-1] != name:
            expected = stack[-1] if stack else ""
            raise EntityParseError(
                f'Unmatched end tag at byte offset {i}, expected "</{expected}>"'
            )
        stack.pop()
    else:
        stack.append(name)


def _check_tag(token: str, i: int) -> tuple[bool, str]:
    """Whether a tag closes and its name, or raise if Telegram would refuse it anywhere."""
    m = _TAG_RE.fullmatch(token)
    if not m:
        raise EntityParseError(f"Unsupported start tag at byte offset {i}")
    closing, name, attrs = bool(m.group(1)), m.group(2).lower(), m.group(3)
    if name not in _ALLOWED_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {i}')
    if name == "a" and not closing:
        found = {
            a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) or ""
            for a in _ATTR_RE.finditer(attrs or "")
        }
        href = html.unescape(found.get("href", ""))
        if not href or "<" in href or ">" in href:
            raise EntityParseError(f"Bad href at byte offset {i}")
    return closing, name


@dataclass
class Fault:
    """A failure to inject into the next matching requests."""

    kind: str  # "429" | "403" | "drop" | "400" | "500"
    method: str | None = None  # None: any send/edit method
    chat_id: int | None = None
    count: int = 1
    retry_after: int = 1
    skip: int = 0  # let this many matching requests through first


@dataclass
class SentMessage:
    message_id: int
    chat_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict | None
    reply_to_message_id: int | None
    at: float
    method: str = "sendMessage"
    #: the visible text, when the fake already parsed it checking the message
    plain_text: str | None = field(default=None, repr=False, compare=False)

    def buttons(self) -> list[dict]:
        """Every inline button, row by row, flattened."""
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def button(self, text_contains: str) -> dict:
        for b in self.buttons():
            if text_contains.lower() in b.get("text", "").lower():
                return b
        raise KeyError(f"no button containing {text_contains!r} in {self.buttons()}")

    @property
    def plain(self) -> str:
        if self.plain_text is not None:
            return self.plain_text
        return parse_telegram_html(self.text) if self.parse_mode == "HTML" else self.text


def _inline(markup: dict | None) -> bool:
    return bool(markup) and "inline_keyboard" in markup  # type: ignore[operator]


@dataclass
class FakeBotAPI:
    """The fake server. ``await start()``, point the bot at :attr:`base_url`, ``await stop()``."""

    token: str = "123456:TEST-token-that-must-never-be-logged"
    host: str = "127.0.0.1"
    port: int = 0
    record: bool = True
    long_poll_cap: float = 0.5  # getUpdates waits at most this long, whatever timeout it asks
    sent: list[SentMessage] = field(default_factory=list)
    edits: list[SentMessage] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)
    callback_answers: list[dict] = field(default_factory=list)
    commands: list[dict] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    faults: deque[Fault] = field(default_factory=deque)
    webhook_url: str = ""
    errors: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._server: asyncio.base_events.Server | None = None
        self._new_update: asyncio.Event | None = None
        self._sent_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.accepted = 0
        self.per_chat_accepted: Counter = Counter()
        # (chat, hash of the text) of every accepted message: the same text twice to one
        # chat is a duplicate, whatever the number of messages a digest is split into
        self._accepted_texts: set[tuple[int, int]] = set()
        self.duplicate_messages = 0
        self.first_accept_at: float | None = None
        self.last_accept_at: float | None = None

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        self._loop = asyncio.get_running_loop()
        self._new_update = asyncio.Event()
        self._sent_event = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)
            self._server = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # -- what tests do -----------------------------------------------------------------

    def _user(self, user_id: int, first_name: str = "Test") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        reply_to: SentMessage | None = None,
        first_name: str = "Test",
    ) -> dict:
        """A user writes ``text`` in a private chat (optionally replying to a bot message)."""
        message_id = self._next_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._user(chat_id, first_name),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            message["reply_to_message"] = self._bot_message_dict(reply_to)
        return self._push({"message": message})

    def push_callback(self, chat_id: int, message: SentMessage, data: str) -> dict:
        """A user presses an inline button with ``data`` under ``message``."""
        query = {
            "id": str(next(self._update_ids) * 1000 + 7),
            "from": self._user(chat_id),
            "message": self._bot_message_dict(message),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self._push({"callback_query": query})

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: every send to them gets 403 from now on."""
        self.blocked.add(chat_id)

    def inject(
        self,
        kind: str,
        *,
        count: int = 1,
        method: str | None = None,
        chat_id: int | None = None,
        retry_after: int = 1,
        skip: int = 0,
    ) -> None:
        """Fail ``count`` matching send requests with ``kind`` (429, 403, 400, 500, drop),
        after letting the first ``skip`` of them through (e.g. a digest's second message)."""
        self.faults.append(Fault(kind, method, chat_id, count, retry_after, skip))

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def last_to(self, chat_id: int) -> SentMessage:
        msgs = self.messages_to(chat_id)
        if not msgs:
            raise AssertionError(f"nothing sent to chat {chat_id}")
        return msgs[-1]

    async def wait_for(
        self, chat_id: int, count: int = 1, *, after: int = 0, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Wait until at least ``count`` messages beyond the first ``after`` reached a chat."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.messages_to(chat_id)[after:]
            if len(msgs) >= count:
                return msgs
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"chat {chat_id}: expected {count} new message(s), got {len(msgs)}: "
                    f"{[m.text[:80] for m in msgs]}"
                )
            assert self._sent_event is not None
            self._sent_event.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), min(remaining, 0.2))

    async def ask(
        self,
        chat_id: int,
        text: str,
        *,
        reply_to: SentMessage | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[SentMessage]:
        """Push a message and wait for the bot's ``count`` answers to it."""
        before = len(self.messages_to(chat_id))
        self.push_message(chat_id, text, reply_to=reply_to)
        return await self.wait_for(chat_id, count, after=before, timeout=timeout)

    async def press(
        self,
        chat_id: int,
        message: SentMessage,
        data: str,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[SentMessage]:
        before = len(self.messages_to(chat_id))
        self.push_callback(chat_id, message, data)
        if count == 0:
            return []
        return await self.wait_for(chat_id, count, after=before, timeout=timeout)

    async def press_for_answer(
        self, chat_id: int, message: SentMessage, data: str, *, timeout: float = 10.0
    ) -> dict:
        """Press a button and return the bot's ``answerCallbackQuery`` for that press."""
        update = self.push_callback(chat_id, message, data)
        query_id = update["callback_query"]["id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for answer in self.callback_answers:
                if str(answer.get("callback_query_id")) == query_id:
                    return answer
            await asyncio.sleep(0.02)
        raise AssertionError(f"press {data!r} in chat {chat_id} was never answered")

    def replay(self, update: dict, times: int = 1) -> None:
        """Deliver an update already pushed again, with the same ``update_id``."""
        for _ in range(times):
            self._updates.append(update)
        if self._new_update is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    def pending_updates(self) -> int:
        return len(self._updates)

    # -- internals -------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _push(self, payload: dict) -> dict:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        if self._new_update is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update

    def _bot_message_dict(self, m: SentMessage) -> dict:
        return {
            "message_id": m.message_id,
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "newsbrief",
                "username": BOT_USERNAME,
            },
            "chat": {"id": m.chat_id, "type": "private"},
            "date": int(m.at),
            "text": m.plain,
            # Telegram echoes inline keyboards only (never a ForceReply) in a message
            **({"reply_markup": m.reply_markup} if _inline(m.reply_markup) else {}),
        }

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in list(self.faults):
            if fault.method not in (None, method):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            if fault.skip > 0:
                fault.skip -= 1
                return None
            fault.count -= 1
            if fault.count <= 0:
                self.faults.remove(fault)
            return fault
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                verb, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                status, payload = await self._dispatch(verb, path, headers, body)
                if status is None:  # injected network failure: drop the connection
                    writer.transport.abort()
                    return
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # server stopping: drop the connection quietly
            writer.transport.abort()
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    def _params(headers: dict, body: bytes) -> dict[str, Any]:
        ctype = headers.get("content-type", "")
        if not body:
            return {}
        if ctype.startswith("application/json"):
            return json.loads(body)
        if ctype.startswith("multipart/form-data"):
            boundary = ctype.split("boundary=", 1)[1].strip('"').encode()
            params: dict[str, Any] = {}
            for part in body.split(b"--" + boundary):
                if b"\r\n\r\n" not in part:
                    continue
                head, value = part.split(b"\r\n\r\n", 1)
                m = re.search(rb'name="([^"]+)"', head)
                if m:
                    params[m.group(1).decode()] = value.rstrip(b"\r\n").decode()
            return params
        return dict(parse_qsl(body.decode(), keep_blank_values=True))

    async def _dispatch(
        self, verb: str, path: str, headers: dict, body: bytes
    ) -> tuple[int | None, dict]:
        if path == "/_fake/stats":
            return 200, self.stats()
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        params = self._params(headers, body)
        self.calls[method] += 1
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    @staticmethod
    def _ok(result: Any) -> tuple[int, dict]:
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _err(code: int, description: str, **parameters: Any) -> tuple[int, dict]:
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return code, payload

    def _api_getMe(self, params: dict) -> tuple[int, dict]:
        return self._ok(
            {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "newsbrief",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _api_getUpdates(self, params: dict) -> tuple[int, dict]:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = min(float(params.get("timeout") or 0), self.long_poll_cap)
        if not self._updates and timeout > 0:
            assert self._new_update is not None
            self._new_update.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit") or 100)
        return self._ok(self._updates[:limit])

    def _check_send(self, method: str, params: dict) -> tuple[int | None, dict] | str:
        """The error Telegram would answer, or the message's visible text if none."""
        try:
            chat_id = int(params.get("chat_id", 0))
        except ValueError:
            return self._err(400, "Bad Request: chat not found")
        fault = self._take_fault(method, chat_id)
        if fault is not None:
            self.errors[fault.kind] += 1
            if fault.kind == "drop":
                return None, {}
            if fault.kind == "429":
                return self._err(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    retry_after=fault.retry_after,
                )
            if fault.kind == "403":
                return self._err(403, "Forbidden: bot was blocked by the user")
            if fault.kind == "500":
                return self._err(500, "Internal Server Error")
            return self._err(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            self.errors["403"] += 1
            return self._err(403, "Forbidden: bot was blocked by the user")
        text = params.get("text", "")
        if not text.strip():
            return self._err(400, "Bad Request: message text is empty")
        plain = text
        if (params.get("parse_mode") or "").upper() == "HTML":
            try:
                plain = parse_telegram_html(text)
            except EntityParseError as exc:
                self.errors["400"] += 1
                return self._err(400, f"Bad Request: can't parse entities: {exc}")
        if len(plain) > MAX_TEXT or len(text) > MAX_TEXT * 4:
            self.errors["400"] += 1
            return self._err(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if markup:
            markup = json.loads(markup) if isinstance(markup, str) else markup
            for row in markup.get("inline_keyboard", []):
                for b in row:
                    if "callback_data" in b and len(b["callback_data"].encode()) > 64:
                        return self._err(400, "Bad Request: BUTTON_DATA_INVALID")
        return plain

    def _record(self, method: str, params: dict, message_id: int, plain: str) -> SentMessage:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        reply_to = params.get("reply_to_message_id")
        if not reply_to and params.get("reply_parameters"):
            rp = params["reply_parameters"]
            rp = json.loads(rp) if isinstance(rp, str) else rp
            reply_to = rp.get("message_id")
        now = time.time()
        msg = SentMessage(
            message_id,
            chat_id,
            params.get("text", ""),
            params.get("parse_mode"),
            markup or None,
            int(reply_to) if reply_to else None,
            now,
            method,
            plain,
        )
        self.accepted += 1
        self.per_chat_accepted[chat_id] += 1
        if method == "sendMessage":
            key = (chat_id, hash(msg.text))
            self.duplicate_messages += key in self._accepted_texts
            self._accepted_texts.add(key)
        if self.first_accept_at is None:
            self.first_accept_at = now
        self.last_accept_at = now
        if self.record:
            if method == "sendMessage":
                self.sent.append(msg)
            else:
                self.edits.append(msg)
            self._messages[(chat_id, message_id)] = {"text": msg.text}
        if self._sent_event is not None:
            self._sent_event.set()
        return msg

    def _message_result(self, msg: SentMessage) -> dict:
        result = self._bot_message_dict(msg)
        result["date"] = int(msg.at)
        return result

    def _api_sendMessage(self, params: dict) -> tuple[int | None, dict]:
        plain = self._check_send("sendMessage", params)
        if not isinstance(plain, str):
            return plain
        chat_id = int(params["chat_id"])
        msg = self._record("sendMessage", params, self._next_message_id(chat_id), plain)
        return self._ok(self._message_result(msg))

    def _api_editMessageText(self, params: dict) -> tuple[int | None, dict]:
        plain = self._check_send("editMessageText", params)
        if not isinstance(plain, str):
            return plain
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        if self.record and (chat_id, message_id) not in self._messages:
            return self._err(400, "Bad Request: message to edit not found")
        msg = self._record("editMessageText", params, message_id, plain)
        return self._ok(self._message_result(msg))

    def _api_editMessageReplyMarkup(self, params: dict) -> tuple[int, dict]:
        return self._ok(True)

    def _api_answerCallbackQuery(self, params: dict) -> tuple[int, dict]:
        self.callback_answers.append(params)
        return self._ok(True)

    def _api_setMyCommands(self, params: dict) -> tuple[int, dict]:
        cmds = params.get("commands", "[]")
        self.commands = json.loads(cmds) if isinstance(cmds, str) else cmds
        return self._ok(True)

    def _api_getMyCommands(self, params: dict) -> tuple[int, dict]:
        return self._ok(self.commands)

    def _api_deleteWebhook(self, params: dict) -> tuple[int, dict]:
        self.webhook_url = ""
        return self._ok(True)

    def _api_setWebhook(self, params: dict) -> tuple[int, dict]:
        self.webhook_url = params.get("url", "")
        self.webhook_secret = params.get("secret_token")
        return self._ok(True)

    def _api_getWebhookInfo(self, params: dict) -> tuple[int, dict]:
        return self._ok(
            {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        )

    def _api_deleteMessage(self, params: dict) -> tuple[int, dict]:
        return self._ok(True)

    def _api_close(self, params: dict) -> tuple[int, dict]:
        return self._ok(True)

    def stats(self) -> dict:
        """Counters for the benchmarks (also served at ``GET /_fake/stats``)."""
        duplicated = sum(1 for c in self.per_chat_accepted.values() if c > 1)
        return {
            "accepted": self.accepted,
            "chats": len(self.per_chat_accepted),
            "chats_with_more_than_one": duplicated,
            "duplicate_messages": self.duplicate_messages,
            "first_accept_at": self.first_accept_at,
            "last_accept_at": self.last_accept_at,
            "errors": dict(self.errors),
        }


def serve_forever(port: int, token: str, ready: Any = None, record: bool = False) -> None:
    """Run a fake API on its own loop until killed (target for a benchmark child process)."""

    async def main() -> None:
        fake = FakeBotAPI(token=token, port=port, record=record)
        await fake.start()
        if ready is not None:
            ready.put(fake.port)
        await asyncio.Event().wait()

    asyncio.run(main())


class ThreadedFakeBotAPI:
    """A :class:`FakeBotAPI` on its own event loop in a daemon thread."""

    def __init__(self, **kwargs: Any) -> None:
        self.fake = FakeBotAPI(**kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FakeBotAPI:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self._loop).result(5)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
