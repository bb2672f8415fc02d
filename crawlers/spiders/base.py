"""What every kind's spider shares: it is built from a registry Source and its start URLs."""

from __future__ import annotations

import scrapy

from crawlers.pages.links import Links, web_url
from crawlers.registry import Source

BAD_LINK_STAT = "safewatch/skipped/bad_link"


class SourceSpider(scrapy.Spider):
    """Base of the generic spiders: `self.source` (the registry entry, with `rules` and `options`)
    and `self.start_urls` ("{demo}" already replaced). Spiders stay thin: they route responses to the
    pure extraction functions in crawlers/pages/ and yield PostRecord items and Requests."""

    # Start pages fetched only if changed since the last crawl: documents that list everything
    # (feeds, sitemaps). A forum's front page is always fetched in full, since what changed lies below.
    conditional_start = False

    def __init__(self, source: Source, start_urls: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.start_urls = list(start_urls)
        self.options = dict(source.options)

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, dont_filter=True, meta={"dont_condition": not self.conditional_start})

    def follow_links(self, response, links: Links, **kwargs):
        """Requests for a page's web links; the links that are not (javascript:, mailto:,
        malformed) are counted for the crawl summary."""
        if links.skipped:
            self.crawler.stats.inc_value(BAD_LINK_STAT, links.skipped)
        for url in links.urls:
            yield response.follow(url, **kwargs)

    def follow_link(self, response, href: str | None, **kwargs):
        """One link (a feed entry, a next page): a request, or nothing (counted) when it is not a web address."""
        url = web_url(response, href)
        if url is None:
            self.crawler.stats.inc_value(BAD_LINK_STAT)
            return
        yield response.follow(url, **kwargs)
