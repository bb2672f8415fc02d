"""Runs a crawl in this process (Scrapy's reactor can run once per process)."""

from __future__ import annotations

from scrapy.crawler import CrawlerProcess

from crawlers.pipelines import CrawlTally
from crawlers.settings import scrapy_settings
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.forum import ForumSpider
from safewatch.config import Config

SPIDERS = {"forum": ForumSpider, "feed": FeedSpider}


def crawl(config: Config, jobs: list[tuple[str, str, str]]) -> tuple[CrawlTally, dict]:
    """jobs: (spider kind, start URL, source id). Returns the tally and Scrapy's stats."""
    tally = CrawlTally()
    settings = scrapy_settings(config)
    settings["SAFEWATCH_TALLY"] = tally
    settings["LOG_INSTALL_ROOT_HANDLER"] = False
    process = CrawlerProcess(settings)
    crawlers = []
    for kind, url, source in jobs:
        crawler = process.create_crawler(SPIDERS[kind])
        crawlers.append(crawler)
        process.crawl(crawler, start_url=url, source=source)
    process.start()
    stats: dict = {}
    for crawler in crawlers:
        for key, value in (crawler.stats.get_stats() or {}).items():
            if isinstance(value, int):
                stats[key] = stats.get(key, 0) + value
    return tally, stats
