"""Bounds of one source's crawl, so a link trap (an endless calendar, session ids in links) ends:
its hosts (links elsewhere are not followed) and its number of pages. Depth is Scrapy's own
DEPTH_LIMIT. crawlers/run.py sets the three on each source's crawler (one crawler per source):
SAFEWATCH_ALLOWED_HOSTS, SAFEWATCH_MAX_PAGES and DEPTH_LIMIT."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

log = logging.getLogger(__name__)

OFFSITE_STAT = "safewatch/bounds/offsite"
PAGE_LIMIT_STAT = "safewatch/bounds/page_limit"
TOO_DEEP_STAT = "depth/request_ignored_count"  # Scrapy's DepthMiddleware counts these


def _is_page(request) -> bool:
    """A page of the source, not robots.txt nor a post's media (crawlers/media_fetch.py), which
    keep to their own rules; a retry or a redirect hop is the same page again."""
    meta = request.meta
    return not (meta.get("dont_obey_robotstxt") or meta.get("media_url")
                or meta.get("retry_times") or meta.get("redirect_times"))


class OffsiteMiddleware:
    """Refuses requests to hosts the source does not allow (before robots.txt is asked for there);
    redirects to another host are refused too, since each hop passes here again."""

    def __init__(self, hosts: list[str] | None, stats) -> None:
        self.hosts = {host.lower() for host in hosts} if hosts is not None else None
        self.stats = stats
        self.warned = False

    @classmethod
    def from_crawler(cls, crawler):
        hosts = crawler.settings.get("SAFEWATCH_ALLOWED_HOSTS")
        return cls(list(hosts) if hosts is not None else None, crawler.stats)

    def process_request(self, request, spider=None):
        if self.hosts is None or request.meta.get("media_url") or request.meta.get("dont_obey_robotstxt"):
            return None
        host = (urlsplit(request.url).hostname or "").lower()
        if host in self.hosts:
            return None
        self.stats.inc_value(OFFSITE_STAT)
        if not self.warned:
            self.warned = True
            log.warning("links to other hosts are not followed (%s; the source's allowed_hosts: %s)",
                        host, ", ".join(sorted(self.hosts)))
        raise IgnoreRequest(f"offsite: {host} is not among the source's hosts")


class PageLimitMiddleware:
    """Fetches at most SAFEWATCH_MAX_PAGES pages per crawl of a source; every request beyond is
    refused and counted, so the crawl ends with what it has."""

    def __init__(self, max_pages: int, stats) -> None:
        self.max_pages = max_pages
        self.stats = stats
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("SAFEWATCH_MAX_PAGES", 0), crawler.stats)

    def process_request(self, request, spider=None):
        if not self.max_pages or not _is_page(request):
            return None
        if self.sent < self.max_pages:
            self.sent += 1
            return None
        if not self.stats.get_value(PAGE_LIMIT_STAT):
            log.warning("max_pages (%d) reached: %s and any later page are left for the next crawl",
                        self.max_pages, request.url)
        self.stats.inc_value(PAGE_LIMIT_STAT)
        raise IgnoreRequest(f"max_pages ({self.max_pages}) reached")
