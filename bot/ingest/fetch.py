"""Fetching feeds and pages politely and safely: one shared httpx client, hard limits.

Everything that comes from the network is hostile until proven otherwise, so every
request here has a connect and a read timeout and a total deadline, a cap on the bytes
received *and* on the bytes once decompressed (gzip bombs), a cap on redirects with
each hop checked again, and only http(s) to public addresses (unless the settings allow
private ones, as the tests do): the address check is made by the network layer on the
address actually connected to (:mod:`bot.ingest.guard`), so DNS rebinding cannot slip
between a check and the connection. Concurrency is limited overall and per host, so one
slow site cannot hold up the others and no site is hammered.

Failures are raised as one of the :mod:`bot.ingest.fetch_errors` classes
(:class:`FetchTimeout`, :class:`TooLarge`, :class:`RefusedAddress`,
:class:`HTTPStatusError`...), all :class:`FetchError`, never as a bare httpx exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import importlib
import logging
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from bot.ingest.fetch_errors import (
    BadRedirect,
    BadScheme,
    BadURL,
    ConnectFailed,
    DecodeError,
    FetchError,
    FetchTimeout,
    HostResting,
    HTTPStatusError,
    RedirectLoop,
    RefusedAddress,
    TooLarge,
    TooManyRedirects,
    UnresolvedHost,
)
from bot.ingest.guard import (
    AddressRefused,
    HostNotFound,
    Resolver,
    guarded_client_transports,
    is_public_address,
    system_resolver,
)
from bot.settings import DEFAULTS, Settings

try:  # brotli is an httpx extra we depend on; tolerate its absence anyway
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

# gzip and deflate bodies are inflated with ISA-L when it is installed (the ``isal``
# package): the same streams, the same bounded API (``max_length``, ``unconsumed_tail``),
# 2.5 times faster than zlib on the 181 AEB pages (31 MB out: 75 -> 30 ms of CPU), and
# inflating is a quarter of what a page's fetch costs; zlib otherwise.
_inflate: Any = zlib
with contextlib.suppress(ImportError):
    _inflate = importlib.import_module("isal.isal_zlib")
_INFLATE_ERRORS: tuple[type[Exception], ...] = tuple(
    {zlib.error, _inflate.error, getattr(brotli, "error", zlib.error)}
)

__all__ = [
    "FEED_ACCEPT",
    "PAGE_ACCEPT",
    "FetchError",
    "FetchLimits",
    "FetchResult",
    "Fetcher",
    "check_url",
    "parse_retry_after",
]

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.3"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """The knobs of :class:`Fetcher`, built from the settings by :meth:`from_settings`.

    Each default is the setting's default (:data:`bot.settings.DEFAULTS`), so a
    ``FetchLimits(read_timeout=0.5)`` in a test differs from the service's only where it
    says so.
    """

    connect_timeout: float = DEFAULTS.http_connect_timeout
    read_timeout: float = DEFAULTS.http_read_timeout
    total_timeout: float = DEFAULTS.http_deadline
    max_body_bytes: int = DEFAULTS.http_max_body_bytes
    max_decoded_bytes: int = DEFAULTS.http_decoded_cap
    # an article page once decompressed: real news pages are under 1.5 MB, and what
    # extraction costs grows with the size (a 38 KB gzip page can decode to 20 MB)
    max_page_bytes: int = DEFAULTS.http_max_page_bytes
    max_redirects: int = DEFAULTS.http_max_redirects
    max_connections: int = DEFAULTS.http_max_concurrency
    max_per_host: int = DEFAULTS.http_per_host_concurrency
    allow_private_hosts: bool = DEFAULTS.allow_private_hosts
    user_agent: str = DEFAULTS.user_agent
    # Not settings, fixed policy (tests may change them): HTTP/2 where the server offers
    # it; a host that times out or refuses this many times in a row is not asked again
    # for ``host_cooldown`` seconds: its queued requests fail at once instead of each waiting
    http2: bool = True
    host_failure_threshold: int = 3
    host_cooldown: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchLimits:
        """The limits as the service is configured."""
        return cls(
            connect_timeout=settings.http_connect_timeout,
            read_timeout=settings.http_read_timeout,
            total_timeout=settings.http_deadline,
            max_body_bytes=settings.http_max_body_bytes,
            max_decoded_bytes=settings.http_decoded_cap,
            max_page_bytes=settings.http_max_page_bytes,
            max_redirects=settings.http_max_redirects,
            max_connections=settings.http_max_concurrency,
            max_per_host=settings.http_per_host_concurrency,
            allow_private_hosts=settings.allow_private_hosts,
            user_agent=settings.user_agent,
        )


@dataclass(slots=True)
class FetchResult:
    """A response we accepted: 2xx with its (decoded) body, or 304 with none."""

    url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes = b""
    permanent_url: str | None = None  # set when every redirect hop was permanent
    elapsed: float = 0.0
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now_ts = time.time() if now is None else now
    return max(0.0, when.timestamp() - now_ts)


def check_url(url: str) -> httpx.URL:
    """Refuse anything but http(s) URLs with a host; where they may connect is the
    network layer's check (:mod:`bot.ingest.guard`), made on the address it connects to.

    Returns the URL as httpx parsed it, for the request (httpx takes a ``URL`` as it is:
    its parse, a Python loop over every character, is made once, not twice)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BadURL(str(exc)[:200], url=url) from None
    if parts.scheme not in ("http", "https"):
        raise BadScheme(f"scheme {parts.scheme!r} not allowed", url=url)
    try:
        if not parts.hostname:
            raise BadURL("no host", url=url)
        parts.port  # noqa: B018 - raises on a bad port
        return httpx.URL(url)  # what httpx refuses (127.000.000.001, a bad IPv6 literal...)
    except (ValueError, httpx.InvalidURL) as exc:
        raise BadURL(str(exc)[:200], url=url) from None


class _Cookies(httpx.Cookies):
    """The client's cookie jar, read only for a response that sets a cookie.

    httpx hands every response to the jar, which builds urllib's request and response
    objects around it (the URL parsed again) to look for Set-Cookie headers: a fifth of
    the client's CPU per page here. A response without one changes nothing in the jar,
    so it is not handed over; cookies that are set are kept and sent as before.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class _BoundedDecoder:
    """Decompress a Content-Encoding chain chunk by chunk, never past ``limit`` bytes out.

    ``inflater`` is a module with zlib's bounded API (zlib itself, or ``isal.isal_zlib``);
    the faster one installed by default, either by choice so both stay tested.
    """

    def __init__(self, encodings: list[str], limit: int, url: str, *, inflater: Any = None) -> None:
        self._inflate = _inflate if inflater is None else inflater
        self.limit = limit
        self.url = url
        self.total = 0
        self.steps: list[str] = []
        for enc in reversed(encodings):  # the last encoding applied is undone first
            enc = enc.strip().lower()
            if enc in ("", "identity"):
                continue
            if enc in ("gzip", "x-gzip", "deflate") or (enc == "br" and brotli is not None):
                self.steps.append(enc)
            else:
                raise DecodeError(f"unsupported content-encoding {enc!r}", url=url)
        self._objs: list[Any] = []
        for enc in self.steps:
            if enc in ("gzip", "x-gzip"):
                self._objs.append(self._inflate.decompressobj(zlib.MAX_WBITS | 16))
            elif enc == "deflate":
                self._objs.append(None)  # zlib or raw deflate: decided on the first bytes
            else:
                self._objs.append(brotli.Decompressor())

    def _one(self, index: int, data: bytes, room: int) -> bytes:
        enc, obj = self.steps[index], self._objs[index]
        if enc == "deflate" and obj is None:
            # RFC says zlib-wrapped; some servers send raw deflate: sniff the header.
            wrapped = (
                len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0
            )
            obj = self._inflate.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            self._objs[index] = obj
        if enc == "br":
            out = obj.process(data, output_buffer_limit=room + 1)
            if len(out) > room or not obj.can_accept_more_data():
                raise TooLarge("decompressed body over the cap", url=self.url)
            return out
        out = obj.decompress(data, room + 1)
        if len(out) > room or obj.unconsumed_tail:
            raise TooLarge("decompressed body over the cap", url=self.url)
        return out

    def feed(self, data: bytes) -> bytes:
        try:
            for index in range(len(self.steps)):
                data = self._one(index, data, self.limit - self.total)
        except _INFLATE_ERRORS as exc:
            raise DecodeError(f"bad compressed body: {exc}", url=self.url) from None
        self.total += len(data)
        if self.total > self.limit:
            raise TooLarge("decompressed body over the cap", url=self.url)
        return data


class Fetcher:
    """A shared, polite HTTP client: one per process (or per cycle), closed with ``aclose``."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver = system_resolver,
        address_allowed: Callable[[str], bool] = is_public_address,
    ) -> None:
        """``transport`` replaces the guarded one (and the proxies from the environment);
        ``resolver`` and ``address_allowed`` replace the guard's DNS look-up and its
        address policy (public addresses only; all when private hosts are allowed)."""
        self.limits = limits or FetchLimits()
        lim = self.limits
        pool = httpx.Limits(
            max_connections=lim.max_connections,
            max_keepalive_connections=lim.max_connections,
        )
        mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
        if transport is None:
            transport, mounts = guarded_client_transports(
                allow_private=lim.allow_private_hosts,
                http2=lim.http2,
                limits=pool,
                resolver=resolver,
                allowed=address_allowed,
            )
        self._client = httpx.AsyncClient(
            http2=lim.http2,
            follow_redirects=False,  # we follow ourselves, checking every hop
            timeout=httpx.Timeout(
                connect=lim.connect_timeout,
                read=lim.read_timeout,
                write=lim.read_timeout,
                pool=lim.total_timeout,
            ),
            limits=pool,
            headers={"User-Agent": lim.user_agent, "Accept-Encoding": self._accept_encoding()},
            transport=transport,
            mounts=mounts,
        )
        # the client's own jar, replaced where it keeps it (its setter would wrap ours)
        self._client._cookies = _Cookies()
        self._overall = asyncio.Semaphore(lim.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._failures: dict[str, int] = {}  # consecutive timeouts/refusals per host
        self._down_until: dict[str, float] = {}

    @staticmethod
    def _accept_encoding() -> str:
        return "gzip, deflate, br" if brotli is not None else "gzip, deflate"

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(self.limits.max_per_host)
        return slot

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = PAGE_ACCEPT,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` following redirects; raise :class:`FetchError` unless 2xx or 304.

        ``max_bytes`` lowers the cap on the decoded body for this request (pages).
        """
        started = time.monotonic()
        budget = [self.limits.total_timeout]  # seconds left, spent only while connected
        cap = min(max_bytes or self.limits.max_decoded_bytes, self.limits.max_decoded_bytes)
        result = await self._follow(url, etag, last_modified, accept, budget, cap)
        result.elapsed = time.monotonic() - started
        return result

    async def _follow(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        accept: str,
        budget: list[float],
        cap: int,
    ) -> FetchResult:
        seen: list[str] = []
        all_permanent = True
        current = url
        while True:
            if current in seen:
                raise RedirectLoop(f"redirect loop via {current}", url=url)
            if len(seen) > self.limits.max_redirects:
                raise TooManyRedirects(f"more than {self.limits.max_redirects}", url=url)
            seen.append(current)
            target = check_url(current)
            headers = {"Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = await self._one(current, target, headers, budget, cap)
            if result.status in REDIRECT_STATUSES:
                location = result.headers.get("location")
                if not location:
                    raise HTTPStatusError(
                        "redirect without Location", url=url, status=result.status
                    )
                all_permanent = all_permanent and result.status in PERMANENT_REDIRECTS
                try:
                    current = urljoin(current, location.strip())
                except ValueError as exc:
                    raise BadRedirect(f"to {location[:100]!r}: {exc}", url=url) from None
                continue
            result.redirects = seen[1:]
            if seen[1:] and all_permanent:
                result.permanent_url = result.url
            return result

    async def _one(
        self,
        url: str,
        target: httpx.URL,
        headers: Mapping[str, str],
        budget: list[float],
        cap: int,
    ) -> FetchResult:
        # The total deadline runs only once we hold a connection slot: waiting our turn
        # behind other pages of the same host is politeness, not the server's slowness.
        host = (urlsplit(url).hostname or "").lower()
        async with self._overall, self._host_slot(url):
            started = time.monotonic()
            if self._down_until.get(host, 0.0) > started:
                raise HostResting(
                    f"{host} failed {self._failures.get(host, 0)} times in a row; resting",
                    url=url,
                )
            try:
                async with asyncio.timeout(max(budget[0], 0.001)):
                    result = await self._request(url, target, headers, cap)
            except TimeoutError:
                self._host_failed(host)
                raise FetchTimeout(
                    f"no complete answer within {self.limits.total_timeout:g}s", url=url
                ) from None
            except (FetchTimeout, ConnectFailed):
                self._host_failed(host)
                raise
            finally:
                budget[0] -= time.monotonic() - started
            self._failures.pop(host, None)
            return result

    def _host_failed(self, host: str) -> None:
        count = self._failures[host] = self._failures.get(host, 0) + 1
        if count >= self.limits.host_failure_threshold:
            self._down_until[host] = time.monotonic() + self.limits.host_cooldown
            log.warning("event=host_resting host=%s failures=%d", host, count)

    async def _request(
        self, url: str, target: httpx.URL, headers: Mapping[str, str], cap: int
    ) -> FetchResult:
        try:
            response, stream = await self._send(target, headers)
            try:
                status = response.status_code
                if status in REDIRECT_STATUSES or status == 304:
                    if status in REDIRECT_STATUSES and "location" in response.headers:
                        # what httpx made of every redirect (the next hop's request): a
                        # Location it cannot take raises here, as the client did
                        self._client._build_redirect_request(response.request, response)
                    return FetchResult(url=url, status=status, headers=response.headers)
                if not 200 <= status < 300:
                    raise HTTPStatusError(
                        f"HTTP {status}",
                        url=url,
                        status=status,
                        retry_after=parse_retry_after(response.headers.get("retry-after")),
                    )
                body = await self._read_body(response, stream, url, cap)
                return FetchResult(url=url, status=status, headers=response.headers, body=body)
            finally:
                await stream.aclose()
        except HostNotFound as exc:  # refused by the guard before connecting
            raise UnresolvedHost(exc.message, url=url) from None
        except AddressRefused as exc:
            raise RefusedAddress(exc.message, url=url) from None
        except (httpx.InvalidURL, ValueError) as exc:
            # httpx builds the next request of every redirect even when not following
            # it: a Location it cannot parse (javascript:..., a bad IPv6 literal) raises
            raise BadRedirect(str(exc)[:200], url=url) from None
        except httpx.TimeoutException as exc:
            raise FetchTimeout(type(exc).__name__, url=url) from None
        except httpx.RemoteProtocolError as exc:
            error = BadRedirect if "location header" in str(exc).lower() else ConnectFailed
            raise error(f"{type(exc).__name__}: {exc}", url=url) from None
        except httpx.TransportError as exc:
            raise ConnectFailed(f"{type(exc).__name__}: {exc}", url=url) from None

    async def _send(
        self, target: httpx.URL, headers: Mapping[str, str]
    ) -> tuple[httpx.Response, httpx.AsyncByteStream]:
        """The response's head and the stream of its raw body, to be closed by the caller.

        The request goes to the client's transport for the URL (ours, or a proxy's)
        without the client's ``send``: its layers (auth, redirects, event hooks, the
        response's timer and bound stream, ``aiter_raw``'s re-chunking) do nothing for
        us, who follow redirects ourselves, yet cost about 6% of a page's CPU here. What
        it did that we need is done the same way: the request built by the client
        (its headers, cookies and timeouts), cookies taken from the response, and the
        next hop's request built for a redirect (:meth:`_request`).
        """
        client = self._client
        if client.is_closed:
            raise RuntimeError("the fetcher is closed")
        request = client.build_request("GET", target, headers=headers)
        response = await client._transport_for_url(request.url).handle_async_request(request)
        response.request = request
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):  # pragma: no cover - a sync transport
            raise TypeError("the fetcher's transport must be asynchronous")
        try:
            client.cookies.extract_cookies(response)
        except BaseException:
            await stream.aclose()
            raise
        return response, stream

    async def _read_body(
        self, response: httpx.Response, stream: httpx.AsyncByteStream, url: str, cap: int
    ) -> bytes:
        lim = self.limits
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > lim.max_body_bytes:
            raise TooLarge(f"Content-Length {declared} over the cap", url=url)
        encodings = response.headers.get("content-encoding", "").split(",")
        decoder = _BoundedDecoder(encodings, cap, url)
        received = 0
        chunks: list[bytes] = []
        async for raw in stream:
            received += len(raw)
            if received > lim.max_body_bytes:
                raise TooLarge(f"body over {lim.max_body_bytes} bytes", url=url)
            chunks.append(decoder.feed(raw) if decoder.steps else raw)
        if not decoder.steps and received > cap:
            raise TooLarge(f"body over {cap} bytes", url=url)
        return b"".join(chunks)
