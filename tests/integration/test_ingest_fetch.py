"""The fetcher against a real HTTP server on loopback: limits, faults, conditional GET."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import zlib
from dataclasses import replace

import brotli
import pytest

from bot.ingest.fetch import Fetcher, FetchLimits
from bot.ingest.fetch_errors import (
    BadRedirect,
    BadScheme,
    BadURL,
    DecodeError,
    FetchTimeout,
    HostResting,
    HTTPStatusError,
    RedirectLoop,
    RefusedAddress,
    TooLarge,
    TooManyRedirects,
    UnresolvedHost,
)
from tests.fakes.feed_server import GZIP_BOMB, HANG, HUGE, SLOW_BODY, FeedServer

FAST = FetchLimits(
    connect_timeout=0.5,
    read_timeout=0.5,
    total_timeout=1.5,
    max_body_bytes=1_000_000,
    max_decoded_bytes=2_000_000,
    max_redirects=3,
    allow_private_hosts=True,
)


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


@pytest.fixture
async def fetcher():
    async with Fetcher(FAST) as f:
        yield f


@pytest.fixture
async def patient():
    """FAST's caps with timeouts no loaded machine reaches: a cap test cannot end in a timeout."""
    async with Fetcher(replace(FAST, read_timeout=30.0, total_timeout=60.0)) as f:
        yield f


async def test_plain_page_with_user_agent(server, fetcher):
    url = server.add("/page", "<html><body><p>hello</p></body></html>")
    result = await fetcher.fetch(url)
    assert result.status == 200
    assert result.body == b"<html><body><p>hello</p></body></html>"
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    sent = server.requests_for("/page")[0].headers
    assert sent["user-agent"].startswith("newsbrief/")
    assert "gzip" in sent["accept-encoding"]


async def test_gzip_body_is_decoded(server, fetcher):
    url = server.add("/gz", "<p>" + "compressed " * 1000 + "</p>", gzip=True)
    result = await fetcher.fetch(url)
    assert result.body.startswith(b"<p>compressed ")
    assert len(result.body) == len("<p>" + "compressed " * 1000 + "</p>")


async def test_brotli_body_is_decoded(server, fetcher):
    raw = b"<p>" + b"brotli text " * 500 + b"</p>"
    url = server.add("/br", brotli.compress(raw), headers={"Content-Encoding": "br"})
    assert (await fetcher.fetch(url)).body == raw


async def test_conditional_get_with_etag_and_last_modified(server, fetcher):
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    url = server.add("/feed", "<rss/>", etag=True, last_modified=stamp)
    first = await fetcher.fetch(url)
    assert first.status == 200 and first.etag and first.last_modified == stamp
    second = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.body == b""
    headers = server.requests_for("/feed")[1].headers
    assert headers["if-none-match"] == first.etag
    assert headers["if-modified-since"] == stamp


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_statuses_raise_with_status(server, fetcher, status):
    url = server.add("/err", "nope", status=status)
    with pytest.raises(HTTPStatusError) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "http_status" and info.value.status == status


@pytest.mark.parametrize("status", [429, 503])
async def test_busy_statuses_carry_retry_after(server, fetcher, status):
    url = server.add("/busy", "busy", status=status, headers={"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as info:
        await fetcher.fetch(url)
    assert info.value.status == status and info.value.retry_after == 120


async def test_server_that_never_answers_times_out(server, fetcher):
    url = server.add("/hang", behaviour=HANG)
    with pytest.raises(FetchTimeout) as info:
        await fetcher.fetch(url)
    # our timeout, not the server giving up (it holds the connection for 60 s), asked once
    assert info.value.kind == "timeout"
    assert server.count("/hang") == 1


async def test_body_that_trickles_forever_hits_total_deadline(server, fetcher):
    url = server.add("/slow", behaviour=SLOW_BODY)
    with pytest.raises(FetchTimeout) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "timeout"
    # the total deadline ended it: the read timeout alone would never fire (a byte every 0.2 s)
    assert f"within {FAST.total_timeout:g}s" in info.value.message


async def test_hanging_host_does_not_hold_up_another(server):
    hang = server.add("/hang", behaviour=HANG)
    fine = server.add("/fine", "ok")
    # timeouts far longer than the test: the hanging request is still waiting when "fine" is
    # answered, however loaded the machine
    async with Fetcher(replace(FAST, read_timeout=60.0, total_timeout=120.0)) as fetcher:
        slow_task = asyncio.create_task(fetcher.fetch(hang))
        while server.count("/hang") == 0:  # the hanging request is in flight
            await asyncio.sleep(0.01)
        result = await fetcher.fetch(fine)
        assert result.body == b"ok"
        assert not slow_task.done()  # answered while the other request was still waiting
        slow_task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow_task


async def test_fifty_megabyte_body_is_cut_off(server, patient):
    size = 50 * 1024 * 1024
    url = server.add("/huge", behaviour=HUGE, size=size)
    with pytest.raises(TooLarge) as info:
        await patient.fetch(url)
    assert info.value.kind == "too_large"
    # cut off past the 1 MB cap: the server could write only the cap and the socket buffers
    assert server.sent["/huge"] < size // 2


async def test_declared_content_length_over_cap_is_refused_before_reading(server, fetcher):
    url = server.add("/big", b"x" * 1_500_000)
    with pytest.raises(TooLarge) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "too_large" and "Content-Length" in info.value.message


async def test_gzip_bomb_is_stopped_at_decoded_cap(server, patient):
    url = server.add("/bomb", behaviour=GZIP_BOMB, size=200 * 1024 * 1024)
    with pytest.raises(TooLarge) as info:
        await patient.fetch(url)
    assert info.value.kind == "too_large"


async def test_corrupt_gzip_is_a_decode_error(server, fetcher):
    body = gzip.compress(b"<p>hello</p>" * 100)[:40] + b"garbage" * 20
    url = server.add("/corrupt", body, headers={"Content-Encoding": "gzip"})
    with pytest.raises(DecodeError) as info:
        await fetcher.fetch(url)
    assert info.value.kind == "decode"


async def test_deflate_body_is_decoded_wrapped_or_raw(server, fetcher):
    """RFC 9110's deflate is zlib-wrapped; some servers send raw deflate: both decode."""
    raw = b"<p>" + b"deflated text " * 500 + b"</p>"
    bare = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    bodies = {"/zlib": zlib.compress(raw), "/raw": bare.compress(raw) + bare.flush()}
    for path, body in bodies.items():
        url = server.add(path, body, headers={"Content-Encoding": "deflate"})
        assert (await fetcher.fetch(url)).body == raw, path


async def test_deflate_bomb_and_corrupt_deflate(server, patient):
    url = server.add(
        "/deflate-bomb", zlib.compress(b"\0" * 5_000_000), headers={"Content-Encoding": "deflate"}
    )
    with pytest.raises(TooLarge):
        await patient.fetch(url)
    url = server.add(
        "/bad-deflate", b"\x78\x9c" + b"\xff" * 40, headers={"Content-Encoding": "deflate"}
    )  # a zlib header, then a block of the reserved type
    with pytest.raises(DecodeError) as info:
        await patient.fetch(url)
    assert info.value.kind == "decode"


async def test_redirects_are_followed_and_permanent_ones_reported(server, fetcher):
    target = server.add("/new", "moved here")
    server.add("/old", status=301, headers={"Location": "/new"})
    result = await fetcher.fetch(server.url("/old"))
    assert result.body == b"moved here"
    assert result.url == target and result.permanent_url == target
    server.add("/temp", status=302, headers={"Location": "/new"})
    assert (await fetcher.fetch(server.url("/temp"))).permanent_url is None


async def test_redirect_loop_is_detected(server, fetcher):
    server.add("/a", status=302, headers={"Location": "/b"})
    server.add("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(RedirectLoop) as info:
        await fetcher.fetch(server.url("/a"))
    assert info.value.kind == "redirect_loop"
    assert server.count("/a") == 1 and server.count("/b") == 1


async def test_too_many_redirects(server, fetcher):
    for i in range(6):
        server.add(f"/r{i}", status=307, headers={"Location": f"/r{i + 1}"})
    server.add("/r6", "end")
    with pytest.raises(TooManyRedirects) as info:
        await fetcher.fetch(server.url("/r0"))
    assert info.value.kind == "too_many_redirects"


async def test_private_address_refused_unless_allowed(server):
    url = server.add("/page", "secret")
    async with Fetcher(FetchLimits(allow_private_hosts=False)) as strict:
        with pytest.raises(RefusedAddress) as info:
            await strict.fetch(url)
        assert info.value.kind == "blocked_address"
        with pytest.raises(RefusedAddress) as info:
            await strict.fetch("http://localhost:1/")
        assert info.value.kind == "blocked_address"
        with pytest.raises(BadScheme) as info:
            await strict.fetch("file:///etc/passwd")
        assert info.value.kind == "bad_scheme"
    assert server.count("/page") == 0


async def test_redirect_to_private_address_is_refused_at_the_hop(server):
    """A public-looking first hop must not smuggle us onto the loopback."""
    server.add("/page", "secret")
    async with Fetcher(FetchLimits(allow_private_hosts=False)) as strict:
        with pytest.raises(RefusedAddress) as info:
            # 169.254.169.254 is the cloud metadata address: link-local, refused
            await strict.fetch("http://169.254.169.254/latest/meta-data/")
        assert info.value.kind == "blocked_address"
    # and with private hosts allowed, a redirect hop to a non-http scheme is refused
    server.add("/to-file", status=302, headers={"Location": "file:///etc/passwd"})
    async with Fetcher(FAST) as loose:
        with pytest.raises(BadScheme) as info:
            await loose.fetch(server.url("/to-file"))
        assert info.value.kind == "bad_scheme"
    assert server.count("/page") == 0


async def test_per_host_limit_queues_without_timing_out(server):
    """Waiting for a host slot is not the server's slowness: no spurious timeouts."""
    server.add("/slowish", "ok", delay=0.3)
    limits = FetchLimits(
        connect_timeout=0.5,
        read_timeout=0.5,
        total_timeout=0.6,
        max_per_host=1,
        allow_private_hosts=True,
    )
    async with Fetcher(limits) as f:
        results = await asyncio.gather(*(f.fetch(server.url("/slowish")) for _ in range(4)))
    assert [r.body for r in results] == [b"ok"] * 4
    hits = server.requests_for("/slowish")
    # one at a time: each request started after the previous one was answered
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    assert all(gap >= 0.25 for gap in gaps)


async def test_host_that_keeps_timing_out_rests_and_others_do_not(server, fetcher):
    hang = server.add("/hang", behaviour=HANG)
    server.add("/fine", "ok")
    for _ in range(3):
        with pytest.raises(FetchTimeout) as info:
            await fetcher.fetch(hang)
        assert info.value.kind == "timeout"
    with pytest.raises(HostResting) as info:
        await fetcher.fetch(server.url("/fine"))  # same host: not asked while it rests
    assert info.value.kind == "host_unavailable" and server.count("/fine") == 0
    other_host = server.url("/fine").replace("127.0.0.1", "localhost")
    assert (await fetcher.fetch(other_host)).body == b"ok"
    assert server.count("/hang") == 3


# -- the address guard: checked on the address connected to, not on an earlier look-up --

STRICT = FetchLimits(connect_timeout=0.5, read_timeout=0.5, total_timeout=1.5)


def only_ipv4_loopback(address: str) -> bool:
    """A test policy: 127.0.0.1 stands in for a public address, everything else private."""
    return address == "127.0.0.1"


class ScriptedResolver:
    """DNS answers given in turn, recording every look-up (a rebinding name server)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers[min(len(self.asked), len(self.answers)) - 1]


async def test_name_resolving_to_loopback_is_refused_unless_allowed(server):
    url = server.add("/page", "secret").replace("127.0.0.1", "localhost")
    async with Fetcher(STRICT) as strict:
        with pytest.raises(RefusedAddress) as info:
            await strict.fetch(url)
    assert info.value.kind == "blocked_address" and "localhost" in info.value.message
    assert server.count("/page") == 0
    async with Fetcher(FAST) as loose:  # ALLOW_PRIVATE_HOSTS
        assert (await loose.fetch(url)).body == b"secret"
    assert server.requests_for("/page")[0].headers["host"].startswith("localhost:")


@pytest.mark.parametrize("host", ["[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0"])
async def test_ipv6_loopback_and_ipv4_mapped_loopback_are_refused(server, host):
    url = server.add("/page", "secret").replace("127.0.0.1", host)
    async with Fetcher(STRICT) as strict:
        with pytest.raises(RefusedAddress) as info:
            await strict.fetch(url)
    assert info.value.kind == "blocked_address"
    assert server.count("/page") == 0


async def test_redirect_to_a_private_address_is_refused_at_the_hop(server):
    port = server.url("/").split(":")[2].split("/")[0]
    server.add("/page", "secret")
    server.add("/to-v6", status=302, headers={"Location": f"http://[::1]:{port}/page"})
    server.add("/to-metadata", status=301, headers={"Location": "http://169.254.169.254/"})
    server.add("/to-name", status=302, headers={"Location": f"http://intranet.test:{port}/page"})
    resolver = ScriptedResolver(["10.1.2.3"])  # intranet.test is a private host
    async with Fetcher(STRICT, address_allowed=only_ipv4_loopback, resolver=resolver) as f:
        for path in ("/to-v6", "/to-metadata", "/to-name"):
            with pytest.raises(RefusedAddress) as info:
                await f.fetch(server.url(path))
            assert info.value.kind == "blocked_address", path
            assert server.count(path) == 1  # the first hop was fetched, the next refused
    assert resolver.asked == ["intranet.test"]
    assert server.count("/page") == 0


async def test_the_address_checked_is_the_address_connected_to(server):
    """One look-up per connection: a name server that rebinds between a check and the
    connection has no second question to answer differently."""
    url = server.add("/page", "public").replace("127.0.0.1", "news.test")
    resolver = ScriptedResolver(["127.0.0.1"], ["10.0.0.7"])  # then rebinds to private
    async with Fetcher(STRICT, address_allowed=only_ipv4_loopback, resolver=resolver) as f:
        result = await f.fetch(url)
    assert result.body == b"public" and resolver.asked == ["news.test"]
    # the socket went to the checked address; the name stayed in the Host header
    assert server.requests_for("/page")[0].headers["host"].startswith("news.test:")
    rebound = ScriptedResolver(["10.0.0.7"], ["127.0.0.1"])
    async with Fetcher(STRICT, address_allowed=only_ipv4_loopback, resolver=rebound) as f:
        with pytest.raises(RefusedAddress) as info:
            await f.fetch(url)
    assert info.value.kind == "blocked_address" and rebound.asked == ["news.test"]
    assert server.count("/page") == 1


async def test_a_name_that_does_not_resolve_is_a_dns_error():
    async def nowhere(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    async with Fetcher(STRICT, resolver=nowhere) as f:
        with pytest.raises(UnresolvedHost) as info:
            await f.fetch("http://no-such-host.test/feed.xml")
    assert info.value.kind == "dns"


async def test_proxies_from_the_environment_are_used(server, monkeypatch):
    """HTTP_PROXY is honoured (the proxy, not the guard, resolves the name); NO_PROXY too."""
    server.add("http://news.test/feed.xml", "via the proxy")  # the absolute form a proxy gets
    direct = server.add("/direct", "direct")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url(""))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with Fetcher(FAST) as f:
        assert (await f.fetch("http://news.test/feed.xml")).body == b"via the proxy"
        assert (await f.fetch(direct)).body == b"direct"
    assert server.count("/direct") == 1
    # not allowed private hosts: the proxied name is checked before asking the proxy
    resolver = ScriptedResolver(["10.0.0.7"])
    async with Fetcher(STRICT, resolver=resolver) as f:
        with pytest.raises(RefusedAddress) as info:
            await f.fetch("http://news.test/feed.xml")
    assert info.value.kind == "blocked_address" and resolver.asked == ["news.test"]
    assert server.count("http://news.test/feed.xml") == 1


async def test_redirect_to_javascript_is_a_fetch_error(server, fetcher):
    """httpx raised a bare InvalidURL building the next hop (issue 7, #7)."""
    url = server.add("/to-js", status=302, headers={"Location": "javascript:alert(1)"})
    server.add("/to-v6", status=301, headers={"Location": "http://[::1/x"})
    for path in ("/to-js", "/to-v6"):
        with pytest.raises(BadRedirect) as info:
            await fetcher.fetch(url.replace("/to-js", path))
        assert info.value.kind == "bad_redirect", path


async def test_an_invalid_ipv4_literal_is_a_fetch_error(fetcher):
    with pytest.raises(BadURL) as info:
        await fetcher.fetch("http://127.000.000.001/x")
    assert info.value.kind == "bad_url"


async def test_6to4_of_loopback_is_refused_before_connecting(server):
    """``http://[2002:7f00:1::]/`` is 127.0.0.1 inside 6to4: it was attempted (issue 7, #9)."""
    guarded = FetchLimits(connect_timeout=0.5, read_timeout=0.5, allow_private_hosts=False)
    async with Fetcher(guarded) as fetcher:
        for url in (
            "http://[2002:7f00:1::]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
            "http://[::ffff:7f00:1]/",
        ):
            with pytest.raises(RefusedAddress) as info:
                await fetcher.fetch(url)
            assert info.value.kind == "blocked_address", url


async def test_a_page_that_decodes_past_the_page_cap_is_refused(server):
    """38 KB of gzip decoding to 19.6 MB was accepted for extraction (issue 7, #2)."""
    from bot.settings import make_settings

    limits = FetchLimits.from_settings(make_settings(allow_private_hosts=True))
    url = server.add("/page-bomb", behaviour=GZIP_BOMB, size=19_600_000)
    async with Fetcher(limits) as fetcher:
        with pytest.raises(TooLarge) as info:
            await fetcher.fetch(url, max_bytes=limits.max_page_bytes)
        assert info.value.kind == "too_large"
        with pytest.raises(TooLarge) as info:  # and as a feed, past the decoded cap
            await fetcher.fetch(url)
        assert info.value.kind == "too_large"


async def test_a_cookie_set_on_the_way_is_sent_on_the_next_hop(server, fetcher):
    """The jar is read only for responses that set a cookie: those are still kept."""
    server.add("/plain", "no cookie here")
    server.add("/consent", status=302, headers={"Location": "/article", "Set-Cookie": "ok=1"})
    server.add("/article", "the article")
    assert (await fetcher.fetch(server.url("/plain"))).body == b"no cookie here"
    assert (await fetcher.fetch(server.url("/consent"))).body == b"the article"
    [plain] = server.requests_for("/plain")
    [hop] = server.requests_for("/article")
    assert "cookie" not in plain.headers and hop.headers.get("cookie") == "ok=1"
