"""The fetcher's pure parts: Retry-After, public addresses, bounded decompression, limits;
and the polling schedule rules."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from datetime import UTC, datetime, timedelta

import brotli
import pytest

from bot.ingest import schedule
from bot.ingest.fetch import (
    FetchError,
    FetchLimits,
    _BoundedDecoder,
    check_url,
    parse_retry_after,
)
from bot.ingest.fetch_errors import DecodeError, RefusedURL, TooLarge
from bot.ingest.guard import embedded_ipv4, environment_proxies, is_public_address
from bot.settings import make_settings


def _inflaters() -> list[object]:
    """zlib, and ISA-L where it is installed: the fetcher uses the one, falls back to the other."""
    found: list[object] = [pytest.param(zlib, id="zlib")]
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - no wheel for this machine
        return found
    return [*found, pytest.param(isal_zlib, id="isal")]


INFLATERS = _inflaters()


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("Mon, 02 Mar 2026 12:05:00 GMT", now=now) == 300
    assert parse_retry_after("Mon, 02 Mar 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("224.0.0.1", False),
        ("not an ip", False),
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("address", "inner", "public"),
    [
        ("2002:7f00:1::", "127.0.0.1", False),  # 6to4 of loopback (issue 7, #9)
        ("2002:a9fe:a9fe::1", "169.254.169.254", False),  # 6to4 of cloud metadata
        ("2002:808:808::", "8.8.8.8", True),  # 6to4 of a public address
        ("64:ff9b::7f00:1", "127.0.0.1", False),  # NAT64 well-known prefix
        ("64:ff9b::a00:1", "10.0.0.1", False),
        ("64:ff9b:1::c0a8:101", "192.168.1.1", False),  # NAT64 local-use prefix
        # Teredo: the client is the bitwise NOT of the last 32 bits (80ff:fffe -> 127.0.0.1)
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1", False),
        ("::ffff:127.0.0.1", "127.0.0.1", False),  # IPv4-mapped
        ("::ffff:8.8.8.8", "8.8.8.8", True),
        ("::ffff:0:7f00:1", "127.0.0.1", False),  # IPv4-translated
        ("::127.0.0.1", "127.0.0.1", False),  # IPv4-compatible (deprecated)
        ("::a9fe:a9fe", "169.254.169.254", False),
        ("2606:4700:4700::1111", None, True),  # no IPv4 inside
    ],
)
def test_ipv6_forms_embedding_ipv4_are_judged_by_the_embedded_address(address, inner, public):
    import ipaddress

    found = embedded_ipv4(ipaddress.IPv6Address(address))
    assert (str(found) if found else None) == inner
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.000.000.001/x", "bad_url"),  # httpx: invalid IPv4 (issue 7, #7)
        ("http://[::1/x", "bad_url"),  # unclosed IPv6 literal
        ("http://example.org:99999/", "bad_url"),
        ("javascript:alert(1)", "bad_scheme"),
        ("ftp://example.org/feed", "bad_scheme"),
        ("http:///no-host", "bad_url"),
    ],
)
def test_urls_httpx_would_refuse_are_fetch_errors_of_a_permanent_kind(url, kind):
    with pytest.raises(RefusedURL) as info:  # permanent: asking again cannot help
        check_url(url)
    assert info.value.kind == kind
    assert str(info.value).startswith(f"{kind}: ")  # what a feed's last_error starts with


@pytest.mark.parametrize("inflater", INFLATERS)
def test_bounded_gzip_decoder_stops_a_bomb_early(inflater):
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=1)
    decoder = _BoundedDecoder(["gzip"], 1_000_000, "http://x/", inflater=inflater)
    with pytest.raises(TooLarge) as info:
        for start in range(0, len(bomb), 16_384):
            decoder.feed(bomb[start : start + 16_384])
    assert info.value.kind == "too_large"
    assert decoder.total <= 1_000_000


@pytest.mark.parametrize("inflater", INFLATERS)
def test_bounded_decoders_round_trip(inflater):
    data = b"<p>news</p>" * 1000
    for encodings, payload in [
        (["gzip"], gzip.compress(data)),
        (["deflate"], zlib.compress(data)),
        (["deflate"], zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        (["br"], brotli.compress(data)),
        (["identity"], data),
    ]:
        decoder = _BoundedDecoder(encodings, 1_000_000, "http://x/", inflater=inflater)
        out = b"".join(decoder.feed(payload[i : i + 100]) for i in range(0, len(payload), 100))
        assert out == data if decoder.steps else payload == data


def test_brotli_bomb_is_stopped():
    bomb = brotli.compress(b"\0" * 20_000_000)
    decoder = _BoundedDecoder(["br"], 1_000_000, "http://x/")
    with pytest.raises(FetchError):
        decoder.feed(bomb)


@pytest.mark.parametrize("inflater", INFLATERS)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_corrupt_stream_is_a_decode_error(inflater, encoding):
    # a well-formed header, then a deflate block of the reserved type (BFINAL=1, BTYPE=11)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" if encoding == "gzip" else b"\x78\x9c"
    corrupt = header + b"\x07" + b"\x00" * 16
    decoder = _BoundedDecoder([encoding], 1_000_000, "http://x/", inflater=inflater)
    with pytest.raises(DecodeError) as info:
        decoder.feed(corrupt)
    assert info.value.kind == "decode"


def test_unknown_encoding_is_refused():
    with pytest.raises(DecodeError) as info:
        _BoundedDecoder(["compress"], 10, "http://x/")
    assert info.value.kind == "decode"


def test_limits_from_settings():
    limits = FetchLimits.from_settings(
        make_settings(
            http_connect_timeout=1,
            http_read_timeout=2,
            http_max_body_bytes=1000,
            http_per_host_concurrency=3,
            http_max_concurrency=7,
            allow_private_hosts=True,
        )
    )
    assert (limits.connect_timeout, limits.read_timeout, limits.total_timeout) == (1, 2, 5)
    assert limits.max_body_bytes == 1000 and limits.max_decoded_bytes >= 2000
    assert limits.max_per_host == 3 and limits.max_connections == 7
    assert limits.allow_private_hosts and limits.user_agent.startswith("newsbrief/")


def test_success_delay_honours_ttl_cache_control_and_floor():
    assert schedule.success_delay(900, floor=300) == 900
    assert schedule.success_delay(900, floor=300, ttl_minutes=60) == 3600
    assert schedule.success_delay(900, floor=300, ttl_minutes=5) == 900
    assert schedule.success_delay(900, floor=300, max_age=1800) == 1800
    assert schedule.success_delay(900, floor=300, ttl_minutes=60 * 24 * 30) == 86400
    assert schedule.success_delay(60, floor=300) == 300  # never more often than the floor


def test_failure_delay_backs_off_to_a_day_and_honours_retry_after():
    delays = [schedule.failure_delay(900, n, floor=300) for n in range(1, 10)]
    assert delays[:4] == [900, 1800, 3600, 7200] and delays[-1] == 86400
    assert schedule.failure_delay(900, 1, floor=300, retry_after=7200) == 7200
    assert schedule.failure_delay(900, 1, floor=300, retry_after=10) == 900
    assert schedule.failure_delay(900, 1, floor=300, retry_after=10**9) == 86400
    assert schedule.failure_delay(10, 1, floor=300) == 300


def test_parse_max_age_and_due():
    assert schedule.parse_max_age("public, max-age=600") == 600
    assert schedule.parse_max_age("max-age=600, s-maxage=60") == 60
    assert schedule.parse_max_age("no-cache") is None and schedule.parse_max_age(None) is None
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert schedule.is_due(None, now) and schedule.is_due(now, now)
    assert not schedule.is_due(now + timedelta(seconds=1), now)


def test_environment_proxies_read_like_httpx(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", "proxy.internal:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost, .example.org,10.0.0.1,::1,example.net")
    assert environment_proxies() == {
        "http://": "http://proxy.internal:3128",
        "https://": "http://proxy.internal:3128",
        "all://localhost": None,
        "all://*.example.org": None,
        "all://10.0.0.1": None,
        "all://[::1]": None,
        "all://*example.net": None,
    }
    monkeypatch.setenv("NO_PROXY", "*")
    assert environment_proxies() == {}


def test_decoded_bodies_are_capped_well_below_a_gzip_page_of_20_mb():
    """A 38 KB gzip page decoded to 19.6 MB (issue 7, #2): the default caps refuse it."""
    limits = FetchLimits.from_settings(make_settings())
    assert limits.max_decoded_bytes < 19_600_000
    assert limits.max_page_bytes < 19_600_000 and limits.max_page_bytes >= 1_500_000


def test_every_fetch_failure_is_a_fetch_error_with_its_own_kind():
    """Callers tell failures apart by class; the kind, stored in a feed's last_error and
    in logs, stays one word per class and ``str()`` keeps its "kind: message" form."""
    from bot.ingest import fetch_errors

    classes = [getattr(fetch_errors, name) for name in fetch_errors.__all__]
    assert all(issubclass(cls, FetchError) for cls in classes)
    kinds = [cls.kind for cls in classes]
    assert len(set(kinds)) == len(kinds)
    error = fetch_errors.HTTPStatusError("HTTP 503", url="http://x/", status=503, retry_after=5)
    assert str(error) == "http_status: HTTP 503" and error.message == "HTTP 503"
    assert (error.status, error.retry_after, error.url) == (503, 5, "http://x/")
    assert fetch_errors.TooLarge("big", url="http://x/").status is None
    permanent = {cls.kind for cls in classes if issubclass(cls, fetch_errors.RefusedURL)}
    assert permanent == {"refused", "bad_url", "bad_scheme", "bad_redirect", "blocked_address"}


def test_httpcore_learns_its_async_library_from_sniffio():
    """httpcore imports sniffio on every request; a missing one was searched for on
    sys.path each time (a failed import is not remembered: 7% of the loop's CPU in an
    ingest cycle). It is a dependency, so the import is a dictionary lookup."""
    import sys

    import httpcore._synchronization as sync

    async def ask() -> str:
        return sync.current_async_library()

    assert asyncio.run(ask()) == "asyncio"
    assert sys.modules.get("sniffio") is not None  # found, not searched for and missed


def test_fetchers_share_one_ssl_context_per_alpn_setting():
    """Loading the CA bundle costs 0.1-0.2 s of CPU: made once per process, not per
    fetcher (a cycle without a kept fetcher makes one)."""
    from bot.ingest.guard import guarded_client_transports

    def context(http2: bool):
        direct, _ = guarded_client_transports(allow_private=False, http2=http2, trust_env=False)
        return direct._pool._ssl_context  # type: ignore[attr-defined]

    assert context(True) is context(True)
    assert context(False) is context(False)
    assert context(True) is not context(False)  # httpcore sets ALPN on the context
