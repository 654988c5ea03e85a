"""Why a fetch gave no usable body, as types: one class per way it fails.

Callers tell failures apart by class (``except TooLarge``, ``isinstance(exc,
HTTPStatusError)``), never by parsing a string. Each class still has a short ``kind``,
the word stored as the start of a feed's ``last_error``, logged and shown by ``newsbrief
doctor``: ``str(exc)`` is ``"<kind>: <message>"``, as it has always been, so stored
errors and logs read the same across versions.

Permanent failures (asking again cannot help: a bad URL, a refused scheme or address)
derive from :class:`RefusedURL`; the rest may pass (timeouts, connections, statuses).
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "BadRedirect",
    "BadScheme",
    "BadURL",
    "ConnectFailed",
    "DecodeError",
    "FetchError",
    "FetchTimeout",
    "HTTPStatusError",
    "HostResting",
    "RedirectError",
    "RedirectLoop",
    "RefusedAddress",
    "RefusedURL",
    "TooLarge",
    "TooManyRedirects",
    "UnresolvedHost",
]


class FetchError(Exception):
    """A fetch that did not produce a usable body.

    ``kind`` names the class of failure (stored and logged); ``message`` the detail;
    ``url`` the URL asked for (not the hop that failed).
    """

    kind: ClassVar[str] = "fetch"

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{self.kind}: {message}")
        self.message = message
        self.url = url

    @property
    def status(self) -> int | None:
        """The HTTP status that refused us, if the server answered one."""
        return None

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait (``Retry-After``), if it did."""
        return None


class FetchTimeout(FetchError):
    """No complete answer in time: connect, read or the whole request's deadline."""

    kind = "timeout"


class ConnectFailed(FetchError):
    """The connection failed or broke (refused, reset, TLS, protocol error)."""

    kind = "connect"


class HostResting(FetchError):
    """The host failed several times in a row: not asked again until it has rested."""

    kind = "host_unavailable"


class UnresolvedHost(FetchError):
    """The host name does not resolve."""

    kind = "dns"


class TooLarge(FetchError):
    """The body, as received or once decompressed, is over its cap."""

    kind = "too_large"


class DecodeError(FetchError):
    """The body's Content-Encoding is unknown or its compressed bytes are broken."""

    kind = "decode"


class HTTPStatusError(FetchError):
    """The server answered with a status that is neither 2xx, 304 nor a redirect we
    follow (or a redirect without a Location)."""

    kind = "http_status"

    def __init__(
        self, message: str, *, url: str, status: int, retry_after: float | None = None
    ) -> None:
        super().__init__(message, url=url)
        self._status = status
        self._retry_after = retry_after

    @property
    def status(self) -> int:
        return self._status

    @property
    def retry_after(self) -> float | None:
        return self._retry_after


class RedirectError(FetchError):
    """Redirects that cannot be followed to an answer."""

    kind = "redirect"


class RedirectLoop(RedirectError):
    kind = "redirect_loop"


class TooManyRedirects(RedirectError):
    kind = "too_many_redirects"


class RefusedURL(FetchError):
    """A URL we do not fetch, whatever the server would say: asking again cannot help."""

    kind = "refused"


class BadURL(RefusedURL):
    """Not a URL we can parse (no host, a bad port, a bad IP literal...)."""

    kind = "bad_url"


class BadScheme(RefusedURL):
    """Not http(s)."""

    kind = "bad_scheme"


class BadRedirect(RefusedURL, RedirectError):
    """A redirect to a Location that is no URL."""

    kind = "bad_redirect"


class RefusedAddress(RefusedURL):
    """The host resolves to an address we do not connect to (private, loopback...)."""

    kind = "blocked_address"
