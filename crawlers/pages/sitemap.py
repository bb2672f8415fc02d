"""XML sitemaps (urlset, sitemap index, news sitemaps, gzip) and robots.txt `Sitemap:` lines -> the
sitemaps and pages to fetch; a fetched page -> its posts, read with the source's CSS rules.

Parsing is Scrapy's (`scrapy.utils.sitemap`: no entities, no network, tolerant of broken markup);
this module adds the news fields Scrapy skips, date and URL filters, and the options' validation.
"""

from __future__ import annotations

import logging
import re
import struct
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from urllib.parse import urlsplit

import lxml.etree
import scrapy
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawlers.pages.dates import VIETNAM, parse_datetime
from crawlers.pages.feed import parse_document, since_days_option
from crawlers.pages.forum import DEFAULT_RULES, ForumRules, thread_posts
from crawlers.pages.links import Links, web_links
from crawlers.pages.options import whole_number
from safewatch.records import PostRecord

log = logging.getLogger(__name__)

if not hasattr(Sitemap, "_process_sitemap_element"):  # the hook _NewsSitemap uses; bytes for robots.txt
    raise ImportError(f"kind 'sitemap' needs Scrapy 2.15 or later (installed: {scrapy.__version__}): "
                      "pip install -U 'scrapy>=2.15,<3'.")
DEFAULT_MAX_SIZE = 10 * 1024 * 1024  # unpacked bytes of one gzip sitemap (Scrapy's DOWNLOAD_MAXSIZE)
OPTION_DEFAULTS = {"since_days": None, "include": [], "exclude": [], "follow": [], "max_pages": 1000}


@dataclass(frozen=True)
class SitemapPage:
    url: str
    modified: datetime | None = None  # <lastmod>
    published: datetime | None = None  # <news:publication_date>
    title: str | None = None  # <news:title>

    @property
    def latest(self) -> datetime | None:
        dates = [d for d in (self.modified, self.published) if d]
        return max(dates) if dates else None


@dataclass
class SitemapLinks:
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps (index, robots.txt) to fetch
    pages: list[SitemapPage] = field(default_factory=list)  # newest first, undated last
    skipped: int = 0  # locations that are not web addresses (javascript:, mailto:, malformed…)
    listed: int = 0  # entries the document lists (child sitemaps or pages), before any filter
    filtered: int = 0  # of them, left out by the source's filters (include/exclude, follow, since_days)


class _NewsSitemap(Sitemap):
    """Scrapy's parser, also keeping <news:news> title and publication date (it reads only the
    direct children of <url>)."""

    def _process_sitemap_element(self, elem):
        news = {}
        for child in elem:
            if self._get_tag_name(child) == "news":
                for part in child.iter():
                    name = self._get_tag_name(part)
                    if name in ("title", "publication_date") and part.text and part.text.strip():
                        news[f"news_{name}"] = part.text.strip()
        entry = super()._process_sitemap_element(elem)
        if entry is not None:
            entry.update(news)
        return entry


def sitemap_links(response: Response, options: dict, *, now: datetime | None = None,
                  max_size: int = DEFAULT_MAX_SIZE) -> SitemapLinks:
    """What a robots.txt, sitemap index or urlset points to, filtered by the source's options."""
    options = validate_options(options)
    if urlsplit(response.url).path.endswith("/robots.txt"):
        found = _web_urls(response, _robots_sitemap_lines(response.body))
        if not found.urls and not found.skipped:
            log.warning("%s names no sitemap (no 'Sitemap:' line).", response.url)
        return SitemapLinks(sitemaps=found.urls, skipped=found.skipped)
    body = _unpacked(response.body, max_size)
    kind, entries = _parse(body) if body is not None else (None, [])
    cutoff = (now or datetime.now(VIETNAM)) - timedelta(days=options["since_days"]) if options["since_days"] else None
    if kind == "sitemapindex":
        follow = [re.compile(pattern) for pattern in options["follow"]]
        sitemaps = [e for e in entries if not _older(parse_datetime(e.get("lastmod")), cutoff)]
        found = _web_urls(response, [e["loc"] for e in sitemaps])
        kept = [url for url in found.urls if not follow or any(p.search(url) for p in follow)]
        return SitemapLinks(sitemaps=kept, skipped=found.skipped, listed=len(entries),
                            filtered=max(0, len(entries) - len(kept) - found.skipped))
    if kind == "urlset":
        located = _web_urls(response, [entry["loc"] for entry in entries])
        pages = [_page(response, entry) for entry in entries]
        kept = [p for p in pages if p and _wanted(p.url, options) and not _older(p.latest, cutoff)]
        kept.sort(key=lambda p: p.latest.timestamp() if p.latest else float("-inf"), reverse=True)
        return SitemapLinks(pages=kept, skipped=located.skipped, listed=len(entries),
                            filtered=max(0, len(entries) - len(kept) - located.skipped))
    what = "gzip data that does not unpack" if body is None else parse_document(body)[1]
    log.warning("%s is %s, not a sitemap: nothing read.", response.url, what)
    return SitemapLinks()


def sitemap_page_posts(response: Response, page: SitemapPage, *, source: str, platform: str = "news",
                       rules: ForumRules = DEFAULT_RULES, timezone: tzinfo | None = None) -> list[PostRecord]:
    """The posts of a page listed in a sitemap (an article and/or its reader comments, as the rules
    say); the page's title falls back to the sitemap's news title."""
    if not isinstance(response, TextResponse):  # an image, a PDF: nothing to read
        return []
    return [replace(record, kind="sitemap", title=record.title or page.title)
            for record in thread_posts(response, source=source, platform=platform, rules=rules, timezone=timezone)]


def _unpacked(body: bytes, max_size: int) -> bytes | None:
    """The XML of a sitemap, gunzipped when it is a .gz file (None when it does not unpack within max_size)."""
    if body[:3] != b"\x1f\x8b\x08":  # transport gzip (Content-Encoding) is already undone by Scrapy
        return body
    try:
        return gunzip(body, max_size=max_size)
    except (OSError, EOFError, ValueError, struct.error, zlib.error):  # ValueError: larger than max_size
        return None


def _parse(body: bytes) -> tuple[str | None, list[dict]]:
    if not body.strip():
        return None, []
    try:
        sitemap = _NewsSitemap(body)
        return sitemap.type, list(sitemap)
    except (lxml.etree.XMLSyntaxError, StopIteration):
        return None, []


def _page(response: Response, entry: dict) -> SitemapPage | None:
    urls = _web_urls(response, [entry["loc"]]).urls
    if not urls:
        return None
    return SitemapPage(urls[0], modified=parse_datetime(entry.get("lastmod")),
                       published=parse_datetime(entry.get("news_publication_date")),
                       title=entry.get("news_title") or None)


def _wanted(url: str, options: dict) -> bool:
    if options["include"] and not any(re.search(pattern, url) for pattern in options["include"]):
        return False
    return not any(re.search(pattern, url) for pattern in options["exclude"])


def _older(date: datetime | None, cutoff: datetime | None) -> bool:
    """Undated entries are kept: a sitemap without dates is still read."""
    return bool(cutoff and date and date < cutoff)


def _robots_sitemap_lines(body: bytes) -> list[str]:
    """The values of robots.txt's `Sitemap:` lines as written (Scrapy's sitemap_urls_from_robots
    resolves them itself and raises on a malformed one, losing the others)."""
    lines = body.decode("utf-8", errors="ignore").splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.lstrip().lower().startswith("sitemap:")]


def _web_urls(response: Response, candidates) -> Links:
    return web_links(response, candidates, keep_fragment=True)


def _patterns(name: str, value: object) -> list[str]:
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise ValueError(f"option '{name}': a regular expression or a list of them (got {value!r}).")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"option '{name}': '{pattern}' is not a valid regular expression ({error}).") from None
    return list(patterns)


def validate_options(options: dict) -> dict:
    """Options of kind sitemap: `since_days` (skip pages whose lastmod and news publication date are
    both older, and child sitemaps whose lastmod is; undated ones are kept), `include` / `exclude`
    (regexes searched in page URLs), `follow` (regexes: which child sitemaps of an index to fetch;
    default all), `max_pages` (pages fetched per crawl, default 1000)."""
    unknown = set(options) - set(OPTION_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}.")
    cleaned = {**OPTION_DEFAULTS, **options}
    cleaned["since_days"] = since_days_option(cleaned["since_days"])
    for name in ("include", "exclude", "follow"):
        cleaned[name] = _patterns(name, cleaned[name])
    whole_number(cleaned["max_pages"], "max_pages")
    return cleaned
