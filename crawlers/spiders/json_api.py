"""Public JSON APIs: each start URL is a first page; records come through the source's field mapping,
and the next page (a field of the response or the Link header) is followed up to max_pages."""

from __future__ import annotations

from crawlers.pages.json_api import read_page
from crawlers.spiders.base import SourceSpider


class JsonApiSpider(SourceSpider):
    name = "json_api"

    def parse(self, response, page: int = 1):
        result = read_page(response, source=self.source.id, platform=self.source.platform, options=self.options)
        yield from result.records
        self.count_bad_links(result.skipped)
        if result.next_url and page < self.options["max_pages"]:
            yield from self.follow_link(response, result.next_url, callback=self.parse, cb_kwargs={"page": page + 1})
