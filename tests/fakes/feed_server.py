"""A local HTTP server for ingestion tests: feeds, pages, and the ways real sites fail.

It listens on 127.0.0.1 (or another loopback address) on a random port in a background
thread, so the code under test talks real HTTP over a real socket. Each path is a
:class:`Route`: a body with headers, or a fault (never answer, a 50 MB body, a gzip
bomb, a redirect loop...). Routes can be changed while the server runs, and every
request is logged so tests can assert what the fetcher sent (conditional headers) and
what it did not fetch again.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "hang"  # accept the connection, never answer
SLOW_BODY = "slow_body"  # send headers, then trickle the body forever
HUGE = "huge"  # stream ``size`` bytes (default 50 MB) without Content-Length
GZIP_BOMB = "gzip_bomb"  # a small gzip body that inflates to ``size`` bytes


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = False  # answer with an ETag and honour If-None-Match (304)
    last_modified: str | None = None  # send it and honour If-Modified-Since (304)
    behaviour: str | None = None
    size: int = 50 * 1024 * 1024
    gzip: bool = False  # Content-Encoding: gzip
    delay: float = 0.0

    def payload(self) -> bytes:
        return self.body() if callable(self.body) else self.body


@dataclass(frozen=True)
class Hit:
    """One request the server saw."""

    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    """Serve :class:`Route` objects over real HTTP on loopback; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host  # a loopback address (any of 127.0.0.0/8 on Linux)
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.sent: dict[str, int] = {}  # body bytes written so far per path, for HUGE routes
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- setup -------------------------------------------------------------------
    def add(self, path: str, body: bytes | str | Callable[[], bytes] = b"", **kw: Any) -> str:
        """Register (or replace) the route at ``path``; return its full URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **kw)
        if kw.get("behaviour") == GZIP_BOMB:
            _bomb(self.routes[path].size)  # compressed now, not while a client's clock runs
        return self.url(path)

    def url(self, path: str) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    @property
    def base_url(self) -> str:
        return self.url("")

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for hit in self.hits if hit.path == path)

    def requests_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def reset_hits(self) -> None:
        with self._lock:
            self.hits.clear()

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> FeedServer:
        server = ThreadingHTTPServer((self.host, 0), _make_handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ---------------------------------------------------------
    def _record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.hits.append(Hit(path, headers, time.monotonic()))


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeFeedServer/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            path = self.path
            server._record(path, {k.lower(): v for k, v in self.headers.items()})
            route = server.routes.get(path) or server.routes.get(path.split("?", 1)[0])
            try:
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.delay:
                    server._stopping.wait(route.delay)
                if route.behaviour == HANG:
                    server._stopping.wait(60)
                    return
                if route.behaviour == SLOW_BODY:
                    self._slow_body(route)
                    return
                if route.behaviour == HUGE:
                    self._huge(route)
                    return
                if route.behaviour == GZIP_BOMB:
                    self._gzip_bomb(route)
                    return
                self._normal(route)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should past its caps

        def _normal(self, route: Route) -> None:
            body = route.payload()
            headers = dict(route.headers)
            if route.etag:
                tag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                headers["ETag"] = tag
                if self.headers.get("If-None-Match") == tag:
                    self._send(304, b"", None, headers)
                    return
            if route.last_modified:
                headers["Last-Modified"] = route.last_modified
                if self.headers.get("If-Modified-Since") == route.last_modified and not (
                    route.etag and self.headers.get("If-None-Match")
                ):
                    self._send(304, b"", None, headers)
                    return
            if route.gzip:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            self._send(route.status, body, route.content_type, headers)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str | None,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            if content_type and status != 304:
                self.send_header("Content-Type", content_type)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Date", formatdate(usegmt=True))
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and status != 304:
                self.wfile.write(body)

        def _slow_body(self, route: Route) -> None:
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            while not server._stopping.wait(0.2):
                self.wfile.write(b" ")
                self.wfile.flush()

        def _huge(self, route: Route) -> None:
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"<p>" + b"x" * 65_530 + b"</p>"
            sent = 0
            while sent < route.size and not server._stopping.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
                server.sent[self.path] = sent

        def _gzip_bomb(self, route: Route) -> None:
            body = _bomb(route.size)
            self._send(200, body, route.content_type, {"Content-Encoding": "gzip", **route.headers})

    return Handler


@functools.lru_cache(maxsize=4)
def _bomb(size: int) -> bytes:
    """``size`` zero bytes, gzipped (about a thousandth of the size)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = b"\0" * (1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(size // len(zeros))]
    return b"".join(parts) + compressor.flush()


def rss(items: list[dict[str, str]], *, title: str = "Test feed", ttl: int | None = None) -> str:
    """A small RSS 2.0 document; each item may have title, link, guid, description, pubDate."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{_esc(title)}</title><link>http://example.invalid/</link>",
        "<description>test</description>",
    ]
    if ttl is not None:
        out.append(f"<ttl>{ttl}</ttl>")
    for item in items:
        out.append("<item>")
        for key in ("title", "link", "guid", "description", "pubDate", "author"):
            if key in item:
                out.append(f"<{key}>{_esc(item[key])}</{key}>")
        if "content" in item:
            out.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "\n".join(out)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def article_page(title: str, paragraphs: list[str], *, canonical: str | None = None) -> str:
    """A plausible news page: navigation and boilerplate around the article body."""
    head = f"<title>{_esc(title)}</title>"
    if canonical:
        head += f'<link rel="canonical" href="{_esc(canonical)}">'
    body = "".join(f"<p>{_esc(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        f"<main><article><h1>{_esc(title)}</h1>{body}</article></main>"
        "<footer><p>Copyright The Test Times. All rights reserved.</p></footer>"
        "</body></html>"
    )
