"""What every kind's spider shares: it is built from a registry Source and its start URLs."""

from __future__ import annotations

import scrapy

from crawlers.pages.links import Links, web_url
from crawlers.registry import Source

BAD_LINK_STAT = "safewatch/skipped/bad_link"
UNACCOUNTED_STAT = "safewatch/unaccounted/"  # + reason (crawlers/pages/forum.py ThreadPage)


def count_unaccounted(stats, unaccounted: dict[str, int]) -> None:
    """Post blocks that gave no record, or another address, by reason: for the crawl summary."""
    for reason, count in unaccounted.items():
        stats.inc_value(UNACCOUNTED_STAT + reason, count)
FOLLOW_OFF_STAT = "safewatch/skipped/follow_off"  # links not followed: the source says follow: false


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

    def parse_one(self, response):
        """What the spider makes of one page given by hand (`safewatch sources try`): by default what
        it makes of a start page. Kinds whose pages differ (a feed and its articles) choose here."""
        return self.parse(response)

    def follow_links(self, response, links: Links, **kwargs):
        """Requests for a page's web links; the links that are not (javascript:, mailto:,
        malformed) are counted for the crawl summary. A source with `follow: false` follows none."""
        self.count_bad_links(links.skipped)
        if not self.source.follow:
            if links.urls:
                self.crawler.stats.inc_value(FOLLOW_OFF_STAT, len(links.urls))
            return
        for url in links.urls:
            yield response.follow(url, **kwargs)

    def count_bad_links(self, count: int) -> None:
        """Links a page module left out because they are not web addresses: counted for the crawl summary."""
        if count:
            self.crawler.stats.inc_value(BAD_LINK_STAT, count)

    def follow_link(self, response, href: str | None, *, listed: bool = False, **kwargs):
        """One link (a feed entry, a next page): a request, or nothing (counted) when it is not a web
        address. A link found on a page (`listed` False: a next page) is not followed when the source
        says `follow: false`; content a document lists (`listed`: a feed's entry) always is."""
        url = web_url(response, href)
        if url is None:
            self.crawler.stats.inc_value(BAD_LINK_STAT)
            return
        if not listed and not self.source.follow:
            self.crawler.stats.inc_value(FOLLOW_OFF_STAT)
            return
        yield response.follow(url, **kwargs)
