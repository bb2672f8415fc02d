"""`safewatch sources try`: what a source's rules extract from one page, without indexing anything.

The page is fetched like any crawled page (address policy, robots.txt, size limits, retries, the
source's politeness) but no pipeline, evidence capture or media fetch runs; or it is read from a saved
file. It is then handed to the source's own spider (`SourceSpider.parse_one`), so what is printed is
exactly what a crawl would extract from it: the same page functions, the same rules and options.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field, replace
from pathlib import Path

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import Settings

from crawlers.kinds import get_kind
from crawlers.registry import Source
from crawlers.settings import scrapy_settings
from safewatch.config import Config
from safewatch.errors import SafeWatchError
from safewatch.records import PostRecord

MAX_FILE_BYTES = 20 * 1024 * 1024


class TryError(SafeWatchError):
    """The page could not be fetched or read: nothing to try the rules on."""


@dataclass
class Extracted:
    """What the source's spider made of one page: its posts, and the links a crawl would follow."""

    url: str
    records: list[PostRecord] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # the spider's counters (links skipped, …)


def extract(config: Config, source: Source, response: Response) -> Extracted:
    """Hand one response to the source's spider; collect the posts and requests it yields."""
    spider = _spider(config, source, response.url)
    found = Extracted(response.url)
    for output in spider.parse_one(response) or ():
        if isinstance(output, PostRecord):
            found.records.append(output)
        elif isinstance(output, Request):
            found.links.append(output.url)
    found.counts = dict(spider.crawler.stats.values)
    return found


def read_file(path: Path, url: str) -> Response:
    """A saved page as the response it was (its type from its content and file name)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TryError(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB; not a page.")
        body = path.read_bytes()
    except OSError as error:
        raise TryError(f"Cannot read {path}: {error.strerror}.") from None
    content_type = mimetypes.guess_type(path.name)[0] or ""
    headers = {"Content-Type": content_type} if content_type else {}
    cls = responsetypes.from_args(headers=headers, url=url, filename=path.name, body=body)
    return cls(url=url, body=body, headers=headers, request=Request(url))


def fetch(config: Config, source: Source, url: str) -> Response:
    """One page fetched as a crawl fetches it (address policy, robots.txt, limits), nothing stored."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.address_policy import AddressPolicy
    AddressPolicy.from_config(config)
    settings = scrapy_settings(config)
    downloader = dict(settings["DOWNLOADER_MIDDLEWARES"])
    for name in ("crawlers.middlewares.ConditionalRequestsMiddleware",  # always the whole page
                 "crawlers.bounds.PageLimitMiddleware", "crawlers.bounds.OffsiteMiddleware"):  # one page, given
        downloader[name] = None
    settings.update({"ITEM_PIPELINES": {}, "SPIDER_MIDDLEWARES": {}, "EXTENSIONS": {}, "HTTPERROR_ALLOW_ALL": True,
                     "LOG_INSTALL_ROOT_HANDLER": False, "DOWNLOADER_MIDDLEWARES": downloader,
                     "DOWNLOAD_DELAY": source.rate_limit.delay})
    fetched: list[Response] = []
    failures: list[str] = []
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(_FetchOne)
    process.crawl(crawler, url=url, fetched=fetched, failures=failures)
    process.start()
    if fetched:
        return fetched[0]
    refused = {key.rsplit("/", 1)[-1]: count for key, count in (crawler.stats.get_stats() or {}).items()
               if key.startswith(("safewatch/refused/", "robotstxt/forbidden"))}
    if refused:
        reasons = ", ".join(sorted("robots.txt" if key == "robotstxt/forbidden" else key for key in refused))
        raise TryError(f"{url}: not fetched ({reasons}); only the public web is fetched, and robots.txt is obeyed.")
    raise TryError(f"{url}: not fetched ({failures[0] if failures else 'no answer'}).")


class _FetchOne(Spider):
    name = "sources-try"

    def __init__(self, url: str, fetched: list, failures: list, **kwargs) -> None:
        super().__init__(**kwargs)
        self.url, self.fetched, self.failures = url, fetched, failures

    async def start(self):
        yield Request(self.url, callback=self.keep, errback=self.failed, dont_filter=True,
                      meta={"dont_condition": True})

    def keep(self, response):
        self.fetched.append(response)

    def failed(self, failure):
        self.failures.append(failure.getErrorMessage() or failure.type.__name__)


def with_url(source: Source, url: str) -> Source:
    """The source with `url` as its only start URL (a spider builds its first requests from them)."""
    return replace(source, start_urls=(url,))


class _Stats:
    """The counters a spider keeps (links not followed, …), without Scrapy's engine."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def get_value(self, key: str, default=None):
        return self.values.get(key, default)

    def set_value(self, key: str, value) -> None:
        self.values[key] = value


class _Crawler:
    def __init__(self, config: Config) -> None:
        self.settings = Settings(scrapy_settings(config))
        self.stats = _Stats()


def _spider(config: Config, source: Source, url: str):
    spider = get_kind(source.kind).spider_class()(source=with_url(source, url), start_urls=[url])
    spider.crawler = _Crawler(config)
    spider.settings = spider.crawler.settings
    return spider
