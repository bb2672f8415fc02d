"""RSS feed spider: one request per feed, one record per entry."""

from __future__ import annotations

import scrapy

from crawlers.pages.feed import feed_posts


class FeedSpider(scrapy.Spider):
    name = "feed"

    def __init__(self, start_url: str, source: str, platform: str = "forum", **kwargs) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.source = source
        self.platform = platform

    def parse(self, response):
        yield from feed_posts(response, source=self.source, platform=self.platform)
