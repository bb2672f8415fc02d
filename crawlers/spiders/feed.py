"""RSS feeds: one request per feed, one record per entry."""

from __future__ import annotations

import scrapy

from crawlers.pages.feed import feed_posts
from crawlers.registry import Source


class FeedSpider(scrapy.Spider):
    name = "rss"

    def __init__(self, source: Source, start_urls: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.start_urls = start_urls

    def parse(self, response):
        yield from feed_posts(response, source=self.source.id, platform=self.source.platform)
