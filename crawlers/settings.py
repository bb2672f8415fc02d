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
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        "DOWNLOAD_MAXSIZE": config.max_page_bytes,  # also the limit on unpacked size (compression bombs)
        "DOWNLOAD_WARNSIZE": min(2 * 1024 * 1024, config.max_page_bytes),
        "REDIRECT_MAX_TIMES": 10,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "SAFEWATCH_MAX_RETRY_AFTER": config.max_retry_after,
        "SAFEWATCH_RETRY_BACK_OFF": config.retry_back_off,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "ITEM_PIPELINES": {
            "crawlers.pipelines.ValidatePipeline": 100,
            "crawlers.pipelines.IndexPipeline": 500,
        },
        # Only the public web (crawlers/address_guard.py): every host is resolved by a resolver that
        # hands the connection only allowed addresses; no proxy (it would resolve names itself); no
        # handlers for file:, data:, ftp:, s3:.
        "TWISTED_DNS_RESOLVER": "crawlers.address_guard.PublicAddressResolver",
        "HTTPPROXY_ENABLED": False,
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        "SPIDER_MIDDLEWARES": {"crawlers.middlewares.EvidenceMiddleware": 950},
        # Media of indexed posts into the evidence store, through the same politeness as pages.
        "EXTENSIONS": {"crawlers.media_fetch.MediaFetcher": 500},
        # Requests pass through these from the lowest number up; responses and exceptions from the
        # highest number down: validators and 304s first, then
        # redirect loops (before Scrapy's redirects, 600), decompression with bomb counting (590),
        # then charsets on the unpacked text (580).
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.address_guard.AddressPolicyMiddleware": 50,  # before robots.txt is asked for
            "crawlers.bounds.OffsiteMiddleware": 60,  # the source's own hosts: no robots.txt asked elsewhere
            "crawlers.address_guard.RefusedAddressMiddleware": 990,  # its exceptions first: before retries
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawlers.robots.Rfc9309RobotsTxtMiddleware": 100,
            "crawlers.bounds.PageLimitMiddleware": 120,  # pages robots.txt refuses do not count
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.retry_after.RetryAfterMiddleware": 550,  # Scrapy's place for retries
            "crawlers.middlewares.RegistryDelayMiddleware": 110,
            "crawlers.middlewares.ConditionalRequestsMiddleware": 650,
            "crawlers.middlewares.RedirectLoopMiddleware": 610,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
            "crawlers.middlewares.CountedHttpCompressionMiddleware": 590,
            "crawlers.middlewares.CharsetMiddleware": 580,
        },
        "SAFEWATCH_CONFIG": config,
    }
