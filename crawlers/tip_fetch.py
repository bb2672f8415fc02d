"""Addresses reported in tips, each fetched once by the crawl machinery: the address policy (public web
only), robots.txt, size limits and politeness of every crawl; the page kept as evidence; its text scored
by the classifier and indexed as a post (crawlers/pipelines.py), with its images fetched like crawled
media. index.casework.tips.record_fetches then links each post to its tip. An address that cannot be fetched is
recorded as such (unreachable or refused): the tip stays a tip.

Scrapy's reactor runs once per process: `safewatch tips fetch` runs this, and the scheduler runs that
command as a child when tips wait for their fetch."""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest

from crawlers.address_policy import NEUTRAL_REASON, AddressPolicy
from crawlers.pages.language import detect_language
from crawlers.pages.text import clean_text
from safewatch.config import Config
from safewatch.records import PostRecord, post_id_for

SOURCE = "tips"  # the source id of posts collected from tips
KIND = "reported"
MAX_TEXT = 20_000
ROBOTS_REFUSAL = "Forbidden by robots.txt"  # Scrapy's RobotsTxtMiddleware


def page_record(response, reported_url: str) -> PostRecord | None:
    """The post a reported page gives: its title and readable text (scripts and markup dropped). Pure."""
    if not hasattr(response, "css") or response.status >= 400:
        return None
    title = clean_text(response.css("title").get() or "")[:500] or None
    body = response.css("body").get() or response.text
    text = clean_text(body)[:MAX_TEXT]
    if not text.strip():
        return None
    images = [response.urljoin(src) for src in response.css("img::attr(src)").getall()[:20]
              if src and not src.startswith("data:")]
    host = (urlsplit(response.url).hostname or "").lower()
    return PostRecord(url=reported_url, source=SOURCE, platform=host or "web", kind=KIND, text=text, title=title,
                      language=detect_language(text), media_urls=images, thread_url=response.url)


class TipPageSpider(scrapy.Spider):
    """One request per reported address; the page becomes a post (through the pipelines), every
    outcome is collected in `results` ({url: (state, reason, post_id)})."""
    name = "tip_pages"

    def __init__(self, urls: list[str], results: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.results = results

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parsed, errback=self.failed, dont_filter=True,
                                 meta={"reported": url, "dont_condition": True})

    def parsed(self, response):
        reported = response.meta["reported"]
        record = page_record(response, reported)
        if record is None:
            self.results[reported] = ("unreachable", f"HTTP {response.status}: no readable page", None)
            return
        self.results[reported] = ("fetched", f"HTTP {response.status}", post_id_for(reported))
        yield record

    def failed(self, failure):
        reported = failure.request.meta["reported"]
        if failure.check(IgnoreRequest) and failure.getErrorMessage() == NEUTRAL_REASON:
            self.results[reported] = ("refused", NEUTRAL_REASON, None)
        elif failure.check(IgnoreRequest) and failure.getErrorMessage() == ROBOTS_REFUSAL:
            self.results[reported] = ("refused", "the site's robots.txt forbids fetching it", None)
        elif getattr(failure.value, "response", None) is not None:  # HttpError: the site answered 4xx/5xx
            self.results[reported] = ("unreachable", f"HTTP {failure.value.response.status}", None)
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]
            self.results[reported] = ("unreachable", f"not fetched ({reason})", None)


def fetch(config: Config, urls: list[str]) -> dict[str, tuple[str, str, str | None]]:
    """Fetch each address once; {url: (state, reason, post_id)}, every address answered."""
    from scrapy.crawler import CrawlerProcess

    from classifier.backends import load_classifier
    from crawlers.pipelines import CrawlTally
    from crawlers.run import Shared
    from crawlers.settings import scrapy_settings
    policy = AddressPolicy.from_config(config)
    results: dict[str, tuple[str, str, str | None]] = {}
    allowed = []
    for url in dict.fromkeys(urls):
        refusal = policy.refusal(url)
        if refusal:
            results[url] = ("refused", NEUTRAL_REASON, None)
        else:
            allowed.append(url)
    if not allowed:
        return results
    settings = scrapy_settings(config)
    settings.update({"LOG_INSTALL_ROOT_HANDLER": False, "SAFEWATCH_TALLY": CrawlTally(),
                     "SAFEWATCH_CLASSIFIER": Shared(load_classifier(config)),
                     "SAFEWATCH_ALLOWED_HOSTS": None, "SAFEWATCH_MAX_PAGES": len(allowed), "DEPTH_LIMIT": 1})
    process = CrawlerProcess(settings)
    process.crawl(TipPageSpider, urls=allowed, results=results)
    process.start()
    for url in allowed:
        results.setdefault(url, ("unreachable", "not fetched", None))
    return results
