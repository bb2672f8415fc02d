"""Fetches posts under a notice again (redirects followed); every response, whatever its status
(HTTPERROR_ALLOW_ALL), goes to
crawlers.recheck.decide, every network failure becomes `unreachable`."""

from __future__ import annotations

import scrapy
from scrapy.exceptions import IgnoreRequest

from crawlers.address_policy import NEUTRAL_REASON
from crawlers.recheck import CheckResult, check_url, decide


class RecheckSpider(scrapy.Spider):
    name = "recheck"

    def __init__(self, posts: list[dict], results: list[CheckResult], capture, **kwargs) -> None:
        super().__init__(**kwargs)
        self.posts = posts
        self.results = results
        self.capture = capture  # response -> evidence reference (crawlers.middlewares.EvidenceMiddleware)

    async def start(self):
        for post in self.posts:
            yield scrapy.Request(check_url(post), callback=self.checked, errback=self.failed, dont_filter=True,
                                 meta={"post": post, "dont_condition": True})

    def checked(self, response):
        post = response.meta["post"]
        outcome, reason = decide(post, response)
        self.results.append(CheckResult(post["id"], outcome, reason, response.status, response.url,
                                        self.capture(response)))

    def failed(self, failure):
        post = failure.request.meta["post"]
        if failure.check(IgnoreRequest) and failure.getErrorMessage() == NEUTRAL_REASON:
            reason = NEUTRAL_REASON  # not a public address: nothing was sent there
        else:
            reason = "not fetched (" + f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300] + ")"
        self.results.append(CheckResult(post["id"], "unreachable", reason))
