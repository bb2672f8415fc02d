"""Scrapy middlewares of SafeWatch: evidence of every response posts are read from; conditional
requests from the validators of the last crawl."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawlers.storage_failure import failed as storage_failed
from crawlers.storage_failure import report_storage_failure
from index.storage.evidence import Capture, EvidenceStore
from safewatch.records import PostRecord

log = logging.getLogger(__name__)


def _headers(response) -> dict[str, str]:
    return {name.decode("latin-1"): b", ".join(values).decode("latin-1") for name, values in response.headers.items()}


def save_capture(store: EvidenceStore, response) -> Capture:
    """Keeps a response in the evidence store as received: addresses (redirects included), status,
    headers, body, the server's IP address."""
    redirects = list(response.request.meta.get("redirect_urls", [])) if response.request else []
    requested = redirects[0] if redirects else (response.request.url if response.request else response.url)
    ip_address = str(response.ip_address) if getattr(response, "ip_address", None) else None
    return store.save(requested_url=requested, final_url=response.url, status=response.status,
                      headers=_headers(response), body=response.body, redirects=redirects, ip_address=ip_address)


class EvidenceMiddleware:
    """Stores the raw response of every page that yields posts (once per response, before any of its
    posts moves on) and gives each post the reference of its capture. A capture that cannot be written
    (disk full, read-only) stops the crawl (crawlers/storage_failure.py) and the page's posts go no
    further: posts without their evidence are never indexed."""

    def __init__(self, store: EvidenceStore, stats=None, crawler=None) -> None:
        self.store = store
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(EvidenceStore(crawler.settings["SAFEWATCH_CONFIG"].evidence_path), crawler.stats, crawler)

    def capture(self, response) -> dict:
        capture = save_capture(self.store, response)
        if self.stats:
            self.stats.inc_value("safewatch/evidence_captures")
        return capture.reference()

    def _with_evidence(self, response, item, reference: list):
        """The item with its evidence, or None when the capture could not be written."""
        if isinstance(item, PostRecord):
            if not reference:
                try:
                    reference.append(self.capture(response))
                except OSError as error:
                    if self.crawler is None:
                        raise
                    reference.append(None)
                    report_storage_failure(self.crawler, "evidence", self.store.root, error)
            if reference[0] is None:
                tally = self.crawler.settings.get("SAFEWATCH_TALLY")
                if tally is not None:
                    tally.unstored += 1
                return None
            item.evidence = reference[0]
        return item

    def process_spider_output(self, response, result, spider=None):
        reference: list = []
        for item in result:
            item = self._with_evidence(response, item, reference)
            if item is not None:
                yield item

    async def process_spider_output_async(self, response, result, spider=None):
        reference: list = []
        async for item in result:
            item = self._with_evidence(response, item, reference)
            if item is not None:
                yield item


class ConditionalRequestsMiddleware:
    """Asks servers for a page only if it changed since the last crawl (If-None-Match with the ETag,
    If-Modified-Since with Last-Modified). A 304 answer ends that request quietly and is counted.
    Requests with meta `dont_condition` (start pages of listings, re-checks) are always full.

    The validators of this crawl's pages are only kept in memory until the crawl ends cleanly (reason
    "finished": every page fetched, every post indexed or spooled by the pipeline's last flush, no
    storage failure); only then are they written to the crawl state. A crawl killed, interrupted or
    stopped by a storage failure records none, so the next crawl fetches every page in full again
    (nothing is skipped whose posts may not have been stored; posts are upserts, so none is doubled)."""

    def __init__(self, state, stats, crawler=None) -> None:
        self.state = state
        self.stats = stats
        self.crawler = crawler
        self.pending: dict[str, tuple[str | None, str | None, str]] = {}  # url -> (etag, last_modified, seen_at)

    @classmethod
    def from_crawler(cls, crawler):
        from crawlers.state import CrawlState
        from index.storage.connection import open_repository
        config = crawler.settings["SAFEWATCH_CONFIG"]
        instance = cls(None, crawler.stats, crawler)
        try:
            instance.state = CrawlState.for_repository(config.var_dir, open_repository(config))
        except Exception as error:  # Elasticsearch down: crawl in full, the spool keeps the posts
            log.warning("conditional requests off for this crawl (crawl state unavailable: %s)", error)
        crawler.signals.connect(instance.close, signal=signals.spider_closed)
        return instance

    def close(self, spider=None, reason: str = "finished") -> None:
        """At the spider's close (after the pipelines' close: the last posts are written by then)."""
        if not self.state:
            return
        try:
            if reason == "finished" and not storage_failed(self.crawler):
                self.commit()
            elif self.pending:
                log.warning("crawl %s: the validators of %d page(s) are not recorded, the next crawl fetches "
                            "them in full", reason, len(self.pending))
        finally:
            self.state.close()

    def commit(self) -> None:
        pending, self.pending = self.pending, {}
        self.state.remember_many((url, *validators) for url, validators in pending.items())

    def process_request(self, request, spider=None):
        if not self.state or request.method != "GET" or request.meta.get("dont_condition"):
            return None
        etag, last_modified = self.state.validators(request.url)
        if etag:
            request.headers.setdefault(b"If-None-Match", etag.encode("latin-1"))
        if last_modified:
            request.headers.setdefault(b"If-Modified-Since", last_modified.encode("latin-1"))
        return None

    def process_response(self, request, response, spider=None):
        if not self.state or request.meta.get("dont_condition"):
            return response
        if response.status == 304:
            self.stats.inc_value("safewatch/not_modified")
            raise IgnoreRequest(f"not modified since the last crawl: {request.url}")
        if response.status == 200:
            header = response.headers.get
            self.pending[request.url] = (_text(header(b"ETag")), _text(header(b"Last-Modified")),
                                         datetime.now(UTC).isoformat())
        return response


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None


class _Counting:
    """A middleware that counts what it sees in the crawl's stats (for the closing summary)."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)


class CharsetMiddleware(_Counting):
    """Pages whose declared charset is wrong or missing: when the bytes are valid UTF-8 with
    non-ASCII text but the page says (or is guessed as) something else, they are read as UTF-8 (the
    usual case: an old server's default header). Invalid UTF-8 is read with replacement characters.
    Both are logged and counted."""

    def process_response(self, request, response, spider=None):
        if not isinstance(response, TextResponse) or response.encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            if isinstance(response, TextResponse) and not _decodes(response.body):
                self.stats.inc_value("safewatch/problems/invalid_utf8")
                log.warning("invalid UTF-8 in %s: unreadable bytes replaced", response.url)
            return response
        if response.body.isascii() or not _decodes(response.body):
            return response
        self.stats.inc_value("safewatch/problems/charset_corrected")
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        declared = content_type.partition("charset=")[2].strip() or f"no charset (guessed {response.encoding})"
        log.warning("%s declares %s but is UTF-8: read as UTF-8", response.url, declared)
        return response.replace(encoding="utf-8")


def _decodes(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class CountedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, which refuses bodies that unpack beyond DOWNLOAD_MAXSIZE (compression
    bombs); the refusals are counted for the crawl summary."""

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            self.stats.inc_value("safewatch/problems/oversized_when_unpacked")
            raise


class RedirectLoopMiddleware(_Counting):
    """A redirect back to an address already passed through is a loop: dropped, logged, counted
    (instead of going round until the redirect limit). A redirect to an address no URL parser accepts
    is dropped, logged and counted too (instead of an error in the middle of the crawl)."""

    def process_response(self, request, response, spider=None):
        location = response.headers.get(b"Location")
        if response.status in (301, 302, 303, 307, 308) and location:
            try:
                target = response.urljoin(location.decode("latin-1"))
            except ValueError as error:  # e.g. "http://[::1": no URL parser accepts it
                self.stats.inc_value("safewatch/problems/malformed_redirect")
                log.warning("redirect to a malformed address: %s -> %r (%s)", request.url, location[:200], error)
                raise IgnoreRequest(f"malformed redirect at {request.url}") from None
            seen = [*request.meta.get("redirect_urls", []), request.url]
            if target in seen:
                self.stats.inc_value("safewatch/problems/redirect_loop")
                log.warning("redirect loop: %s -> %s (passed through %s)", request.url, target, " -> ".join(seen))
                raise IgnoreRequest(f"redirect loop at {request.url}")
        return response


class RegistryDelayMiddleware:
    """Keeps the delay a source's registry entry asks for: AutoThrottle may slow a host down further,
    but never below it (left alone, it lowers every delay towards zero on a fast server)."""

    def __init__(self, slots: dict) -> None:
        self.hosts = {host for host, slot in slots.items() if slot.get("delay", 0) > 0}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getdict("DOWNLOAD_SLOTS"))

    def process_request(self, request, spider=None):
        if self.hosts and urlsplit(request.url).hostname in self.hosts:
            request.meta["autothrottle_dont_adjust_delay"] = True
        return None


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, fixed for requests that wait together for a host's robots.txt.

    In Scrapy 2.19 every request arriving while robots.txt is being fetched awaits the same Deferred,
    and turning a Deferred into an asyncio future consumes its result: the first waiter gets the
    parser, the others get None, which means "allowed". Disallowed pages were then fetched whenever
    several requests to a new host started at once (found by tests/crawlers/test_recheck.py). Here
    each waiter gets its own Deferred, fed without consuming the shared one."""

    async def robot_parser(self, request):
        netloc = urlsplit(request.url).netloc
        pending = self._parsers.get(netloc)
        if isinstance(pending, Deferred):
            own: Deferred = Deferred()

            def share(result):
                own.callback(result)
                return result
            pending.addBoth(share)
            return await maybe_deferred_to_future(own)
        return await super().robot_parser(request)
