"""Runs crawls in this process (Scrapy's reactor can run once per process)."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess

from crawlers.address_policy import AddressPolicy
from crawlers.kinds import get_kind
from crawlers.pipelines import CrawlTally
from crawlers.registry import Source
from crawlers.settings import scrapy_settings
from safewatch.config import Config


class Shared:
    """A value every crawler of the process uses as is: Scrapy deep-copies the settings of each
    crawler, which for a classifier would copy the whole model once per source."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __deepcopy__(self, memo: dict) -> Shared:
        return self


def crawl(config: Config, sources: list[Source], *, demo_base: str | None = None,
          fresh: bool = False) -> tuple[CrawlTally, dict]:
    """Crawl the sources (their start URLs, "{demo}" replaced by demo_base); returns the tally and
    Scrapy's stats summed over them. Each source's frontier is kept on disk while it runs
    (crawlers/frontier_scheduler.py): an interrupted crawl resumes, unless `fresh`. The demo site,
    on this machine, is allowed explicitly. The classifier is loaded first, once for every source: a
    model that cannot load stops the crawl (ArtefactError) before anything is fetched."""
    from classifier.backends import load_classifier
    if demo_base:
        config = allow_demo_site(config, demo_base)
    AddressPolicy.from_config(config)  # a SAFEWATCH_CRAWL_ALLOW_PRIVATE that cannot be read stops here
    tally = CrawlTally()
    settings = scrapy_settings(config)
    settings["SAFEWATCH_CLASSIFIER"] = Shared(load_classifier(config))
    settings["SAFEWATCH_TALLY"] = tally
    settings["LOG_INSTALL_ROOT_HANDLER"] = False
    settings["SCHEDULER"] = "crawlers.frontier_scheduler.FrontierScheduler"
    settings["SAFEWATCH_FRESH_CRAWL"] = fresh
    # Per-host politeness from the registry: the strictest source on a host sets its limits.
    slots: dict[str, dict] = {}
    for source in sources:
        for url in source.urls(demo_base):
            host = urlsplit(url).hostname or ""  # Scrapy's download slots are keyed by host name, port left out
            slot = slots.setdefault(host, {"concurrency": source.rate_limit.concurrency,
                                           "delay": source.rate_limit.delay})
            slot["concurrency"] = min(slot["concurrency"], source.rate_limit.concurrency)
            slot["delay"] = max(slot["delay"], source.rate_limit.delay)
    settings["DOWNLOAD_SLOTS"] = slots
    process = CrawlerProcess(settings)
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(get_kind(source.kind).spider_class())
        bound(crawler.settings, source, demo_base)
        crawlers.append(crawler)
        process.crawl(crawler, source=source, start_urls=source.urls(demo_base))
    process.start()
    stats: dict = {}
    for crawler in crawlers:
        tally.finish_reasons.append(crawler.stats.get_value("finish_reason") or "not started")
        for key, value in (crawler.stats.get_stats() or {}).items():
            if isinstance(value, int):
                stats[key] = stats.get(key, 0) + value
    return tally, stats


def bound(settings, source: Source, demo_base: str | None) -> None:
    """The bounds of the source on its own crawler (crawlers/bounds.py): Scrapy's custom_settings
    are per class, these are per source."""
    hosts = source.hosts(demo_base)
    settings.set("SAFEWATCH_ALLOWED_HOSTS", list(hosts) if hosts is not None else None)
    settings.set("SAFEWATCH_MAX_PAGES", source.max_pages)
    settings.set("DEPTH_LIMIT", source.depth_limit())


def allow_demo_site(config: Config, demo_base: str) -> Config:
    """The config with the demo site's own host:port allowed (and nothing else added)."""
    parts = urlsplit(demo_base)
    return config.with_overrides(crawl_allow_private=(*config.crawl_allow_private, parts.netloc))


def recheck(config: Config, posts: list[dict]) -> list:
    """Fetch each post again (politely, robots.txt obeyed); returns one CheckResult per post."""
    AddressPolicy.from_config(config)
    from crawlers.middlewares import EvidenceMiddleware
    from crawlers.spiders.recheck import RecheckSpider
    from index.storage.evidence import EvidenceStore
    settings = scrapy_settings(config)
    settings.update({"ITEM_PIPELINES": {}, "LOG_INSTALL_ROOT_HANDLER": False, "HTTPERROR_ALLOW_ALL": True})
    evidence = EvidenceMiddleware(EvidenceStore(config.evidence_path))
    results: list = []
    process = CrawlerProcess(settings)
    process.crawl(RecheckSpider, posts=posts, results=results, capture=evidence.capture)
    process.start()
    return results
