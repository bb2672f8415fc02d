"""A write that fails on disk (the spool, the evidence store: disk full, read-only, no permission)
stops the crawl: recorded once for the closing summary, the spider closed with reason
"storage_failed". The crawl state then records nothing (crawlers/middlewares.py), so the next crawl
fetches again every page whose posts were not stored."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.utils.defer import deferred_from_coro

REASON = "storage_failed"
STAT = "safewatch/storage_failed"

log = logging.getLogger(__name__)


def describe(what: str, folder: Path, error: OSError) -> str:
    """One line: what could not be written, where, and the system's reason."""
    return f"cannot write {what} in {folder}: {error.strerror or error}"


def report_storage_failure(crawler, what: str, folder: Path, error: OSError) -> None:
    """Records the failure (once per message) in the crawl's tally and stats, and closes the spider."""
    message = describe(what, folder, error)
    crawler.stats.set_value(STAT, 1)
    tally = crawler.settings.get("SAFEWATCH_TALLY")
    if tally is not None and message not in tally.storage_failures:
        tally.storage_failures.append(message)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:  # when already closing, this waits for the close
        deferred_from_coro(engine.close_spider_async(reason=REASON)).addErrback(
            lambda failure: log.debug("crawl already closed: %s", failure.value))


def failed(crawler) -> bool:
    return bool(crawler is not None and crawler.stats.get_value(STAT))
