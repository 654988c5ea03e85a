"""One URL per article: strip what trackers add, normalise what servers ignore.

The same article reaches us as ``https://Site.com/a?utm_source=rss#top`` from one feed
and ``https://site.com/a`` from another; both must map to one key before we decide it
is new. A page's own ``<link rel=canonical>`` is the final word, but only when it
points at the same site (a page must not be able to claim another outlet's URL and so
hide a real article).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that identify the click, not the document.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "s_kwcid",
        "ncid",
        "ocid",
        "cmpid",
        "cmp",
        "ito",
        "intcmp",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "rss",
        "from_rss",
        "feedtype",
        "feedname",
        "ref_src",
        "ref_url",
        "smid",
        "smtyp",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__twitter", "_hs", "at_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_CANONICAL_RE = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_REL_RE = re.compile(rb"""\brel\s*=\s*["']?\s*canonical\s*["']?""", re.IGNORECASE)
_HREF_RE = re.compile(rb"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """The key two links to the same document share (tracking, fragment, case removed)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = host.lower()
    host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _normalise_path(parts.path) or "/"
    query_items = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    ]
    query = urlencode(sorted(query_items), quote_via=quote, safe="/:@!$'()*+,;=")
    return urlunsplit((scheme, netloc, path, query, ""))


def _normalise_path(path: str) -> str:
    # Decode then re-encode so %7E and ~ (and lower/upper case escapes) compare equal.
    return quote(unquote(path), safe="/:@!$&'()*+,;=~%")


def site_key(host: str) -> str:
    """The host without the prefixes sites use for the same content (www., m., amp.)."""
    host = host.lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on one site (same host, or one a subdomain of the other)."""
    ha, hb = site_key(urlsplit(a).hostname or ""), site_key(urlsplit(b).hostname or "")
    if not ha or not hb:
        return False
    return ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha)


def find_canonical_link(html: bytes | str, limit: int = 200_000) -> str | None:
    """The href of the first ``<link rel=canonical>`` in the page's head, if any.

    A regex over the first bytes is enough and far cheaper than a parse: the tag lives
    in ``<head>``.
    """
    data = html[:limit].encode("utf-8", "replace") if isinstance(html, str) else html[:limit]
    for tag in _CANONICAL_RE.finditer(data):
        text = tag.group(0)
        if not _REL_RE.search(text):
            continue
        href = _HREF_RE.search(text)
        if href:
            raw = next(g for g in href.groups() if g is not None)
            value = raw.decode("utf-8", "replace").strip()
            return _unescape(value) or None
    return None


def _unescape(value: str) -> str:
    return value.replace("&amp;", "&").replace("&#38;", "&")


def resolve_canonical(page_url: str, href: str | None) -> str:
    """The canonical URL of a page: its rel=canonical if on the same site, else its own."""
    own = canonicalize_url(page_url)
    if not href:
        return own
    target = urljoin(page_url, href)
    if urlsplit(target).scheme not in ("http", "https") or not same_site(page_url, target):
        return own
    return canonicalize_url(target)
