"""XenForo forums: forum index -> forums (and their pages) -> threads (and their pages) -> posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawlers.pages.xenforo import DEFAULT_MAX_PAGES, is_thread_page, listing_links, thread_page, thread_page_links
from crawlers.spiders.base import SourceSpider, count_unaccounted


class XenForoSpider(SourceSpider):
    name = "xenforo"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = self.options.get("max_pages", DEFAULT_MAX_PAGES)
        since_days = self.options.get("since_days")
        self.since = datetime.now(UTC) - timedelta(days=since_days) if since_days else None

    def parse(self, response):
        if is_thread_page(response):
            page = thread_page(response, source=self.source.id, platform=self.source.platform, since=self.since,
                               timezone=self.source.zone)
            count_unaccounted(self.crawler.stats, page.unaccounted)
            yield from page.records
            links = thread_page_links(response, max_pages=self.max_pages)
        else:
            links = listing_links(response, max_pages=self.max_pages, since=self.since, timezone=self.source.zone)
        yield from self.follow_links(response, links, callback=self.parse)
