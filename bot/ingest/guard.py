"""Where a request may go: the address check, made on the address actually connected to.

Checking a URL's host by resolving it and then letting httpx resolve it again to connect
leaves a gap: a DNS answer that changes in between (DNS rebinding) passes the check with
a public address and connects to a private one. Here the check sits in the network layer
itself: :class:`GuardedBackend` (an httpcore network backend) resolves the name once,
refuses the connection if any address is private, loopback, link-local, multicast or
reserved (unless private hosts are allowed), and connects to the very address it checked.
TLS still uses the name for SNI and certificate checks, and the Host header is the
request's, because httpcore takes both from the URL, not from the socket.

:func:`guarded_transport` builds the httpx transport on that backend and keeps what
httpx would do by itself: HTTP/2, the connection limits, and proxies from the
environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``). Through a
proxy the proxy resolves the target, so there the check can only be made on the name
(resolved here, best effort): the proxy's own connection is the operator's choice.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import urllib.request
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
import anyio._backends._asyncio  # the backend anyio imports at the first connection
import httpcore
import httpx

# anyio imports its backend, and with it most of its modules, when the first connection
# is made: imported here, with this module, that is not the first ingest cycle's work
# (14 ms of its CPU).

#: Resolves ``(host, port)`` to IP address strings; the default asks the system resolver.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class DestinationError(Exception):
    """A connection refused before any byte was sent (the fetcher says for which URL)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HostNotFound(DestinationError):
    """The name does not resolve, or to no address."""


class AddressRefused(DestinationError):
    """The name resolves to an address we do not connect to (or it is a unix socket)."""


_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, for the forms that route to it.

    IPv4-mapped (``::ffff:a.b.c.d``), IPv4-translated (``::ffff:0:a.b.c.d``),
    IPv4-compatible (``::a.b.c.d``), 6to4 (``2002:AABB:CCDD::/48``), NAT64
    (``64:ff9b::/96`` and the local-use ``64:ff9b:1::/48``: the last 32 bits) and Teredo
    (``2001::/32``: the client is the bitwise NOT of the last 32 bits).
    """
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # (server, client): the client is where packets go
    last32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in net for net in _NAT64) or ip in _IPV4_TRANSLATED:
        return last32
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # "::" and "::1" are IPv6's own
        return last32
    return None


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local...).

    An IPv6 address that embeds an IPv4 one (6to4, NAT64, Teredo, mapped, compatible)
    is public only if both are: ``2002:7f00:1::`` reaches 127.0.0.1 through a 6to4 relay.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not _public(inner):
            return False
        if ip.ipv4_mapped is not None:
            return True  # the mapped form is the IPv4 address itself
    return _public(ip)


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (TCP), in its preferred order."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve_checked(
    host: str,
    port: int,
    *,
    allow_private: bool,
    resolver: Resolver = system_resolver,
    allowed: Callable[[str], bool] = is_public_address,
) -> list[str]:
    """The addresses to connect to for ``host``; refused if any is not ``allowed`` (public).

    A name with one private address among public ones is refused whole: which one a
    client picks is not ours to predict, and that mix is what rebinding attacks serve.
    """
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        addresses = [host]
    except ValueError:
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise HostNotFound(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise HostNotFound(f"{host} resolves to no address")
    if not allow_private:
        blocked = [a for a in addresses if not allowed(a)]
        if blocked:
            raise AddressRefused(f"{host} resolves to a non-public address ({', '.join(blocked)})")
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses it has checked.

    ``allowed`` is the address policy (public addresses only, by default), ignored when
    ``allow_private`` is set; ``resolver`` the DNS look-up.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver = system_resolver,
        allowed: Callable[[str], bool] = is_public_address,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self.allowed = allowed
        self._backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve once, check every address, connect to the first that answers."""
        deadline = None if timeout is None else anyio.current_time() + timeout
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve_checked(
                    host,
                    port,
                    allow_private=self.allow_private,
                    resolver=self.resolver,
                    allowed=self.allowed,
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        error: Exception | None = None
        for address in addresses:
            left = None if deadline is None else max(deadline - anyio.current_time(), 0.0)
            try:
                return await self._backend.connect_tcp(
                    address,
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:  # try the next address, like a browser
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, on a connection pool whose backend is :class:`GuardedBackend`.

    httpx's transport (0.27, 0.28) does not take a network backend, so the pool is built
    here with the arguments httpx would give it and set where httpx keeps it (``_pool``);
    request handling, response streaming and the mapping of httpcore's exceptions are
    httpx's own (inherited). The guard tests fail loudly should httpx move it.
    """

    def __init__(
        self,
        backend: GuardedBackend,
        *,
        http2: bool = True,
        limits: httpx.Limits = httpx.Limits(),  # noqa: B008 - immutable
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or default_ssl_context(http2),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=backend,
        )


@functools.cache
def default_ssl_context(http2: bool) -> ssl.SSLContext:
    """httpx's default SSL context, made once per process (per ALPN setting: httpcore
    sets the protocols on the context it is given). Making one loads the CA bundle,
    0.1-0.2 s of CPU, which every ingest cycle without a kept fetcher paid again."""
    return httpx.create_ssl_context()


class ProxiedGuard(httpx.AsyncBaseTransport):
    """A proxy transport that refuses targets whose *name* resolves to a private address.

    The proxy resolves the name again and connects itself; this is the best that can be
    done from here, and the proxy's own policy is the real guard on that path.
    """

    def __init__(
        self,
        proxied: httpx.AsyncBaseTransport,
        *,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        allowed: Callable[[str], bool] = is_public_address,
    ) -> None:
        self._proxied = proxied
        self.allow_private = allow_private
        self.resolver = resolver
        self.allowed = allowed

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.allow_private:
            port = request.url.port or (443 if request.url.scheme == "https" else 80)
            await resolve_checked(
                request.url.host,
                port,
                allow_private=False,
                resolver=self.resolver,
                allowed=self.allowed,
            )
        return await self._proxied.handle_async_request(request)

    async def aclose(self) -> None:
        await self._proxied.aclose()


def environment_proxies() -> dict[str, str | None]:
    """URL patterns to proxy URLs (None: go direct) from the environment, as httpx reads them.

    ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` become ``http://``, ``https://`` and
    ``all://`` mounts; each ``NO_PROXY`` entry a direct route (``*`` disables proxies).
    """
    found = urllib.request.getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            url = found[scheme]
            mounts[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for entry in (e.strip() for e in found.get("no", "").split(",")):
        if entry == "*":
            return {}
        if not entry:
            continue
        if "://" in entry:
            mounts[entry] = None
            continue
        try:
            ip = ipaddress.ip_address(entry)
        except ValueError:
            ip = None
        if ip is not None and ip.version == 6:
            mounts[f"all://[{entry}]"] = None
        elif ip is not None or entry.lower() == "localhost" or "/" in entry:
            mounts[f"all://{entry}"] = None
        else:
            # "example.com" covers it and its subdomains; ".example.com" the subdomains
            mounts[f"all://*{entry}"] = None
    return mounts


def guarded_client_transports(
    *,
    allow_private: bool,
    http2: bool = True,
    limits: httpx.Limits = httpx.Limits(),  # noqa: B008 - immutable
    resolver: Resolver = system_resolver,
    allowed: Callable[[str], bool] = is_public_address,
    trust_env: bool = True,
) -> tuple[httpx.AsyncBaseTransport, dict[str, httpx.AsyncBaseTransport | None]]:
    """The direct transport and the proxy mounts for an ``httpx.AsyncClient``.

    Give both to the client (``transport=``, ``mounts=``): a client given a transport of
    its own no longer reads proxies from the environment, so they are read here.
    """
    backend = GuardedBackend(allow_private=allow_private, resolver=resolver, allowed=allowed)
    direct = GuardedTransport(backend, http2=http2, limits=limits)
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for pattern, proxy in (environment_proxies() if trust_env else {}).items():
        if proxy is None:
            mounts[pattern] = None  # NO_PROXY: the client's (guarded) transport
            continue
        proxied = httpx.AsyncHTTPTransport(proxy=proxy, http2=http2, limits=limits)
        mounts[pattern] = ProxiedGuard(
            proxied, allow_private=allow_private, resolver=resolver, allowed=allowed
        )
    return direct, mounts


__all__ = [
    "AddressRefused",
    "DestinationError",
    "GuardedBackend",
    "GuardedTransport",
    "HostNotFound",
    "ProxiedGuard",
    "Resolver",
    "embedded_ipv4",
    "environment_proxies",
    "guarded_client_transports",
    "is_public_address",
    "resolve_checked",
    "system_resolver",
]
