"""Mastodon instances through their public API: each start URL is an instance; the source's options
choose the timeline (public, local, a hashtag or an account); pages follow the Link header."""

from __future__ import annotations

import scrapy

from crawlers.pages import mastodon as api
from crawlers.spiders.base import SourceSpider


class MastodonSpider(SourceSpider):
    name = "mastodon"

    async def start(self):
        for request in self.start_requests():
            yield request

    def start_requests(self):
        for url in self.start_urls:
            base = api.instance_base(url)
            if self.options["timeline"] == "statuses":  # given posts, one API request each
                for status_id in self.options["statuses"]:
                    yield scrapy.Request(api.status_url(base, status_id), callback=self.parse_status, dont_filter=True)
            elif self.options["timeline"] == "account":  # the API wants the account's id: look it up first
                yield scrapy.Request(api.lookup_url(base, self.options["account"]), callback=self.parse_account,
                                     dont_filter=True)
            else:
                yield scrapy.Request(api.timeline_url(base, self.options), callback=self.parse, dont_filter=True)

    def parse_account(self, response):
        found = api.account_id(response)
        if found:
            statuses = api.timeline_url(api.instance_base(response.url), self.options, found)
            yield response.follow(statuses, callback=self.parse)

    def parse_one(self, response):
        """A timeline page, or one status (/api/v1/statuses/ID)."""
        if api.is_status_url(response.url):
            return self.parse_status(response)
        return self.parse(response)

    def parse_status(self, response):
        yield from api.single_status(response, source=self.source.id, platform=self.source.platform).records

    def parse(self, response, page: int = 1):
        result = api.timeline_posts(response, source=self.source.id, platform=self.source.platform,
                                    thread_url=api.timeline_page(api.instance_base(response.url), self.options))
        yield from result.records
        self.count_bad_links(result.skipped)
        if result.next_url and page < self.options["max_pages"]:
            yield from self.follow_link(response, result.next_url, callback=self.parse, cb_kwargs={"page": page + 1})
