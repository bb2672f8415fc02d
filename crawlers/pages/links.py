"""Links of a crawled page read safely: only absolute http(s) addresses come out; a `javascript:`,
`data:`, `mailto:` or malformed link is left out (and counted by the caller), never an exception
that would lose the rest of the page."""

from __future__ import annotations

import unicodedata
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from scrapy.utils.response import get_base_url

from crawlers.address_policy import ALLOWED_SCHEMES

# What a browser never accepts in a host name (the WHATWG URL standard's "forbidden domain code points";
# "%" as well, since a percent-encoded host would be looked up as written): "http://exa mple.com" is a
# malformed link, not a host to look up.
_FORBIDDEN_IN_HOST = frozenset(" #%/:<>?@[\\]^|\x7f")


class Links(NamedTuple):
    urls: list[str]  # absolute http(s) addresses, without fragments, each once, in page order
    skipped: int  # links that are not web addresses (javascript:, data:, mailto:, malformed)


def web_url(response, href: str | None, *, keep_fragment: bool = False) -> str | None:
    """`href` resolved against the page (its <base> included) if that makes an http(s) address with a
    host, else None."""
    if not href or not href.strip():
        return None
    try:
        base = get_base_url(response) if hasattr(response, "text") else response.url
    except ValueError:
        return None
    return resolved_web_url(base, href, keep_fragment=keep_fragment)


def resolved_web_url(base: str, href: str | None, *, keep_fragment: bool = False) -> str | None:
    """web_url for a link found outside a page (a JSON field, a Link header), resolved against `base`."""
    if not href or not href.strip():
        return None
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range or not a number raises here
    except ValueError:
        return None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not _readable_host(parts):
        return None
    return url if keep_fragment else url.split("#")[0]


def web_links(response, hrefs, *, keep_fragment: bool = False) -> Links:
    """The web addresses among `hrefs`, and how many were links but not web addresses (a blank or
    "#…" link is no link and is not counted)."""
    urls: dict[str, None] = {}
    skipped = 0
    for href in hrefs:
        url = web_url(response, href, keep_fragment=keep_fragment)
        if url is None:
            skipped += bool(href and href.strip() and not href.strip().startswith("#"))
        else:
            urls[url] = None
    return Links(list(urls), skipped)


def _readable_host(parts) -> bool:
    """A host is there and is one a browser would read: an IPv6 literal in brackets (checked by the
    address policy), or a name without spaces, control characters or URL delimiters."""
    host = parts.hostname
    if not host:
        return False
    if "[" in parts.netloc:
        return True
    return not any(char in _FORBIDDEN_IN_HOST or char.isspace() or unicodedata.category(char) == "Cc"
                   for char in host)


def first_web_urls(response, candidates: list[list[str]]) -> list[str]:
    """For each list of alternative addresses of one item (a proxied image's original first), the first
    that is a web address; each address once, in order."""
    urls: list[str] = []
    for choices in candidates:
        url = next((u for u in (web_url(response, c, keep_fragment=True) for c in choices) if u), None)
        if url and url not in urls:
            urls.append(url)
    return urls
