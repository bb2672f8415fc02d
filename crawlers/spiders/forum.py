"""HTML listing + detail pages (forums): follows sub-forums, thread lists and pages with the
source's CSS rules; hands every post on."""

from __future__ import annotations

import scrapy

from crawlers.pages.forum import listing_links, thread_posts
from crawlers.registry import Source


class ForumSpider(scrapy.Spider):
    name = "html"

    def __init__(self, source: Source, start_urls: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.start_urls = start_urls
        self.rules = source.forum_rules

    def parse(self, response):
        if not hasattr(response, "css"):  # not HTML (an image, a binary): nothing to read
            return
        yield from thread_posts(response, source=self.source.id, platform=self.source.platform, rules=self.rules)
        for url in listing_links(response, self.rules):
            yield response.follow(url, callback=self.parse)
