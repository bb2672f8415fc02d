"""RSS feeds: one request per feed, one record per entry."""

from __future__ import annotations

from crawlers.pages.feed import feed_posts
from crawlers.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    name = "rss"

    def parse(self, response):
        yield from feed_posts(response, source=self.source.id, platform=self.source.platform)
