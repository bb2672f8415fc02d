"""Kind `html`: listing and detail pages read with the source's CSS rules (forums, news comments,
any page of posts): follows sub-forums, thread lists and pages; hands every post on."""

from __future__ import annotations

from crawlers.pages.forum import page_links, thread_page
from crawlers.spiders.base import SourceSpider, count_unaccounted


class HtmlSpider(SourceSpider):
    name = "html"

    def parse(self, response):
        if not hasattr(response, "css"):  # not HTML (an image, a binary): nothing to read
            return
        rules = self.source.forum_rules
        page = thread_page(response, source=self.source.id, platform=self.source.platform, rules=rules,
                           timezone=self.source.zone)
        count_unaccounted(self.crawler.stats, page.unaccounted)
        yield from page.records
        yield from self.follow_links(response, page_links(response, rules), callback=self.parse)
