"""Retries that do what the server asked: a 429 or 503 with `Retry-After` (seconds, or an HTTP date)
is retried once that time has passed, and the whole host backs off meanwhile (its download slot
waits, with no random shortening); asked to wait longer than SAFEWATCH_MAX_RETRY_AFTER, the crawl
gives up on that page until the next crawl (counted). A 429 or 503 that does not say how long is
retried after an exponential back-off (SAFEWATCH_RETRY_BACK_OFF seconds, then twice that), never at
once: a server that is overloaded or rate-limiting is not hammered. Other retries are Scrapy's."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest

log = logging.getLogger(__name__)

GAVE_UP_STAT = "safewatch/retry_after/too_long"
WAITED_STAT = "safewatch/retry_after/waited"
BACKED_OFF_STAT = "safewatch/retry_after/backed_off"
BACK_OFF_STATUSES = (429, 503)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date, RFC 9110 10.2.3), or
    None when there is none or it cannot be read. A date in the past means now (0)."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("SAFEWATCH_MAX_RETRY_AFTER", 120.0)
        self.back_off_base = settings.getfloat("SAFEWATCH_RETRY_BACK_OFF", 5.0)
        self.backing_off: dict[str, dict] = {}  # slot key -> the slot's own delay and jitter, and until when

    def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in BACK_OFF_STATUSES:
            return super().process_response(request, response)
        header = response.headers.get(b"Retry-After")
        wait = retry_after_seconds(header.decode("latin-1") if header else None)
        said = wait is not None
        if not said:  # not said how long: back off exponentially, within the cap
            wait = min(self.max_wait, self.back_off_base * 2 ** request.meta.get("retry_times", 0))
        if wait > self.max_wait:
            self.crawler.stats.inc_value(GAVE_UP_STAT)
            log.warning("%s asks to come back in %.0fs (over SAFEWATCH_MAX_RETRY_AFTER=%gs): left for the next crawl",
                        request.url, wait, self.max_wait)
            raise IgnoreRequest(f"Retry-After {wait:.0f}s is over the limit")
        reason = f"{response.status}, " + (f"Retry-After {wait:g}s" if said else f"backing off {wait:g}s")
        retry = self._retry(request, reason)
        if retry is None:  # retries used up: the answer goes on as an HTTP error
            return response
        self.crawler.stats.inc_value(WAITED_STAT if said else BACKED_OFF_STAT)
        self.back_off(request, wait)
        return retry

    def back_off(self, request, wait: float) -> None:
        """The host's download slot sends nothing for `wait` seconds from now (the retry included),
        then returns to its own delay."""
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None or wait <= 0:
            return
        until = time.monotonic() + wait
        backing_off = self.backing_off.get(key)
        if backing_off is None:
            self.backing_off[key] = backing_off = {"delay": slot.delay, "jitter": slot.jitter, "until": 0.0}
        backing_off["until"] = max(backing_off["until"], until)
        slot.delay, slot.jitter = max(slot.delay, wait), 0
        slot.lastseen = time.monotonic()

        def restore() -> None:
            if self.backing_off.get(key) is backing_off and time.monotonic() >= backing_off["until"] - 0.01:
                slot.delay, slot.jitter = backing_off["delay"], backing_off["jitter"]
                del self.backing_off[key]

        from twisted.internet import reactor
        reactor.callLater(wait, restore)
