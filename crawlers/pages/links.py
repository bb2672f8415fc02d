"""Links of a crawled page read safely: only absolute http(s) addresses come out; a `javascript:`,
`data:`, `mailto:` or malformed link is left out (and counted by the caller), never an exception
that would lose the rest of the page."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from scrapy.utils.response import get_base_url

from crawlers.address_policy import ALLOWED_SCHEMES


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
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range or not a number raises here
    except ValueError:
        return None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        return None
    return url if keep_fragment else url.split("#")[0]


def web_links(response, hrefs) -> Links:
    urls: dict[str, None] = {}
    skipped = 0
    for href in hrefs:
        url = web_url(response, href)
        if url is None:
            skipped += bool(href and href.strip() and not href.strip().startswith("#"))
        else:
            urls[url] = None
    return Links(list(urls), skipped)
