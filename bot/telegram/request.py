"""A python-telegram-bot transport on aiohttp, for the throughput digests need.

PTB's default transport (httpx) tops out at a few hundred requests a second on one
core here; a digest fan-out must outrun Telegram's limits (30/s, 1,000/s for paid
broadcasts) with room to spare, so the bot talks to the Bot API through aiohttp
(several thousand requests a second). PTB keeps doing the rest: building the request,
parsing the answer, turning error codes into ``RetryAfter``, ``Forbidden``...

Parameters go as one JSON body (``application/json``, which the Bot API accepts for
every method), not form-encoded: urlencoding each ~3 KB digest message in pure Python
cost more than the rest of a send (1,000 subscribers: 162 -> 196 msg/s, the bot's CPU
4.8 -> 3.7 s). The body is ASCII, other characters escaped: the standard library
encodes a ~3.5 KB digest with a few flags and curly quotes in 23 µs that way and in
39 µs as UTF-8, for 15% more bytes. Uploads, when a request carries
files, stay ``multipart/form-data``.

aiohttp does not log request URLs, which contain the bot token.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logging_setup import redact

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """:class:`telegram.request.BaseRequest` over one ``aiohttp.ClientSession``."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 10.0,
        write_timeout: float | None = 10.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 10.0,
        media_write_timeout: float | None = 30.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    @staticmethod
    def _pick(value: Any, default: float | None) -> float | None:
        return default if isinstance(value, DefaultValue) else value

    @staticmethod
    def _body(request_data: RequestData | None, files: Any) -> tuple[Any, dict | None]:
        """The request's body and its headers: JSON, or a multipart form with the files."""
        if request_data is None:
            return None, None
        if not files:
            values = request_data.parameters
            if not values:
                return None, None
            # the values as they are (a keyboard as an object, not JSON in a string)
            return json.dumps(values, separators=(",", ":")).encode(), _JSON
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, part in files.items():
            if isinstance(part, tuple):
                filename, content, *rest = part
                form.add_field(
                    name, content, filename=filename, content_type=rest[0] if rest else None
                )
            else:
                form.add_field(name, part)
        return form, None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        # ``contains_files`` is worked out once; ``multipart_data`` walks every parameter
        has_files = request_data is not None and request_data.contains_files
        files = request_data.multipart_data if request_data and has_files else None
        read = self._pick(read_timeout, self._read_timeout)
        write = self._pick(
            write_timeout, self._media_write_timeout if files else self._write_timeout
        )
        connect = self._pick(connect_timeout, self._connect_timeout)
        pool = self._pick(pool_timeout, self._pool_timeout)
        # aiohttp has no separate write timeout: the whole request gets read + write.
        total = None if read is None or write is None else read + write + (connect or 0)
        acquire = None if pool is None else pool + (connect or 0)
        key = (total, acquire, connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:  # a few kinds of request: each kind's timeouts made once
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=total, connect=acquire, sock_connect=connect, sock_read=read
            )
        body, headers = self._body(request_data, files)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as res:
                return res.status, await res.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # an error text may quote the URL, and the URL holds the token
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {redact(str(err))}") from err
