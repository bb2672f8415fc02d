"""Forum spider: follows sub-forums, thread lists and pages; hands every post on."""

from __future__ import annotations

import scrapy

from crawlers.pages.forum import DEFAULT_RULES, listing_links, thread_posts


class ForumSpider(scrapy.Spider):
    name = "forum"

    def __init__(self, start_url: str, source: str, platform: str = "forum", **kwargs) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.source = source
        self.platform = platform
        self.rules = DEFAULT_RULES

    def parse(self, response):
        if not hasattr(response, "css"):  # not HTML (an image, a binary): nothing to read
            return
        yield from thread_posts(response, source=self.source, platform=self.platform, rules=self.rules)
        for url in listing_links(response, self.rules):
            yield response.follow(url, callback=self.parse)
