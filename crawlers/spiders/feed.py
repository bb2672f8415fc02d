"""RSS and Atom feeds: one request per feed, one record per entry; with `follow_links`, also each
entry's page, whose posts (reader comments) are read with the source's CSS rules."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawlers.pages.feed import feed_entries, linked_page_posts
from crawlers.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    name = "rss"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # An unchanged feed can be skipped, unless its entries' pages are read: they gain comments
        # while the feed stays the same (the pages themselves are still fetched only if changed).
        self.conditional_start = not self.options["follow_links"]

    def parse(self, response):
        entries, bad_links = feed_entries(response, source=self.source.id, platform=self.source.platform,
                                          since_days=self.options["since_days"])
        self.count_bad_links(bad_links)
        if not entries:  # empty, not a feed, or nothing recent: the page module logged which
            self.crawler.stats.inc_value("safewatch/problems/feed_without_entries")
        for entry in entries:
            yield entry
            if self.options["follow_links"]:
                yield from self.follow_link(response, entry.url, listed=True, callback=self.parse_linked_page,
                                            cb_kwargs={"article_url": entry.url})

    def parse_one(self, response):
        """A feed, or (an HTML page that is not one) an entry's page read with the source's rules."""
        if isinstance(response, HtmlResponse) and not _looks_like_feed(response.body):
            return self.parse_linked_page(response, article_url=response.url)
        return self.parse(response)

    def parse_linked_page(self, response, article_url: str):
        yield from linked_page_posts(response, article_url=article_url, source=self.source.id,
                                     platform=self.source.platform, rules=self.source.forum_rules,
                                     timezone=self.source.zone)


def _looks_like_feed(body: bytes) -> bool:
    start = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(b"<?xml") or start.startswith((b"<rss", b"<feed", b"<rdf"))
