"""Scrapy settings: polite, bounded, identified. Crawled content is hostile input."""

from __future__ import annotations

from safewatch.config import Config


def scrapy_settings(config: Config) -> dict:
    return {
        "BOT_NAME": "safewatch",
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.1,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 4.0,
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 2 * 1024 * 1024,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "ITEM_PIPELINES": {
            "crawlers.pipelines.ValidatePipeline": 100,
            "crawlers.pipelines.ScorePipeline": 300,
            "crawlers.pipelines.IndexPipeline": 500,
        },
        "SAFEWATCH_CONFIG": config,
    }
