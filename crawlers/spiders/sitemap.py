"""XML sitemaps: robots.txt -> sitemap index -> sitemaps -> pages, each page read with the source's
CSS rules (e.g. a news article and its reader comments)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawlers.pages.sitemap import SitemapPage, sitemap_links, sitemap_page_posts
from crawlers.spiders.base import SourceSpider

MAX_SITEMAPS = 500  # sitemap documents per crawl: a hostile index cannot send the crawl round forever


class SitemapSpider(SourceSpider):
    name = "sitemap"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sitemaps_left = MAX_SITEMAPS
        self.pages_queued: set[str] = set()

    def parse(self, response):
        """A start URL or a child sitemap: robots.txt, sitemap index or urlset."""
        found = sitemap_links(response, self.options, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        self.count_bad_links(found.skipped)
        stats = self.crawler.stats
        stats.inc_value("safewatch/sitemap/listed", found.listed)
        stats.inc_value("safewatch/sitemap/filtered", found.filtered)
        for url in found.sitemaps:
            self.sitemaps_left -= 1
            if self.sitemaps_left < 0:
                self.logger.warning("more than %d sitemaps: the rest are left out.", MAX_SITEMAPS)
                break
            # Sitemaps are read in full: a page gains comments without its sitemap changing (the
            # pages themselves are fetched only if changed).
            stats.inc_value("safewatch/sitemap/followed")
            yield Request(url, callback=self.parse, meta={"dont_condition": True})
        for page in found.pages:
            if page.url in self.pages_queued:
                continue
            if len(self.pages_queued) >= self.options["max_pages"]:
                stats.inc_value("safewatch/sitemap/over_max_pages", len(found.pages) - found.pages.index(page))
                self.logger.warning("max_pages (%d) reached: %s and later pages are left out.",
                                    self.options["max_pages"], page.url)
                break
            self.pages_queued.add(page.url)
            stats.inc_value("safewatch/sitemap/followed")
            yield Request(page.url, callback=self.parse_page, cb_kwargs={"page": page})

    def parse_one(self, response):
        """A sitemap (or robots.txt), or (an HTML page) a page it lists, read with the source's rules."""
        if isinstance(response, HtmlResponse) and b"<urlset" not in response.body[:4096].lower():
            return self.parse_page(response, SitemapPage(response.url))
        return self.parse(response)

    def parse_page(self, response, page: SitemapPage):
        yield from sitemap_page_posts(response, page, source=self.source.id, platform=self.source.platform,
                                      rules=self.source.forum_rules, timezone=self.source.zone)
