"""Fetches the media of indexed posts into the evidence store during the crawl (a Scrapy extension).

The index pipeline sends POSTS_INDEXED after each bulk write, with the posts it wrote that have
media_urls, each with what its stored `media` already recorded (the bulk write read it anyway, see
index.storage.repository.BulkResult.stored_media). The fetcher asks Scrapy for the rest: the same
scheduler, robots.txt, download slots and delays as pages, at a lower priority, capped at
SAFEWATCH_MAX_MEDIA_BYTES. Each answer is checked (index/storage/media.py), kept with
EvidenceStore.save like a page, and recorded on the post once all of that post's media are
settled: posts never wait for their media, and a post whose media cannot be fetched stays indexed
with the reason recorded. On a re-crawl only what was never recorded, or failed in a way worth
retrying, is fetched again; within one crawl an address shared by several posts is fetched once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import scrapy
from elasticsearch import ApiError, TransportError
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError

from crawlers.address_policy import NEUTRAL_REASON
from crawlers.middlewares import save_capture
from index.storage import media
from index.storage.evidence import EvidenceStore

log = logging.getLogger(__name__)

# Sent by crawlers.pipelines.IndexPipeline with posts=[{"id", "media_urls", "media"}] written to the index
# ("media": what the post had recorded before this write, None for a new post).
POSTS_INDEXED = object()
WRITE_EVERY = 100  # posts whose media are settled, written in one bulk update
PRIORITY = -10  # after the pages already waiting: posts first, their media next


@dataclass
class _PostMedia:
    media_urls: list[str]
    stored: list[dict] | None
    pending: set[str]
    new: list[dict] = field(default_factory=list)


class MediaFetcher:
    def __init__(self, crawler, config, store: EvidenceStore) -> None:
        self.crawler = crawler
        self.config = config
        self.store = store
        self.limit = config.max_media_per_post
        self.max_bytes = config.max_media_bytes
        self._repo = None
        self.posts: dict[str, _PostMedia] = {}  # posts seen in this crawl
        self.waiting: dict[str, set[str]] = {}  # address being fetched -> ids of the posts waiting for it
        self.settled: dict[str, dict] = {}  # address -> its entry, for other posts linking it in this crawl
        self.ready: list[tuple[str, dict]] = []  # (post id, {"media": [...]}) to write

    @classmethod
    def from_crawler(cls, crawler):
        config = crawler.settings["SAFEWATCH_CONFIG"]
        fetcher = cls(crawler, config, EvidenceStore(config.evidence_path))
        crawler.signals.connect(fetcher.posts_indexed, signal=POSTS_INDEXED)
        crawler.signals.connect(fetcher.write, signal=signals.spider_idle)
        crawler.signals.connect(fetcher.close, signal=signals.spider_closed)
        return fetcher

    @property
    def repo(self):
        if self._repo is None:
            from index.storage.connection import open_repository
            self._repo = open_repository(self.config)
        return self._repo

    def posts_indexed(self, posts: list[dict]) -> None:
        if self.limit <= 0:
            return
        for post in posts:
            if post.get("media_urls") and post["id"] not in self.posts:
                self._start(post["id"], post["media_urls"], post.get("media"))

    def _start(self, post_id: str, media_urls: list[str], stored: list[dict] | None) -> None:
        to_fetch, recorded = media.plan(media_urls, stored, self.limit)
        if not to_fetch and not recorded:
            return
        state = self.posts[post_id] = _PostMedia(media_urls, stored, set(to_fetch), recorded)
        for url in to_fetch:
            if url in self.settled:
                state.pending.discard(url)
                state.new.append(self.settled[url])
            elif url in self.waiting:
                self.waiting[url].add(post_id)
            else:
                self.waiting[url] = {post_id}
                self.crawler.engine.crawl(self._request(url))
        if not state.pending:
            self._done(post_id)

    def _request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self._fetched, errback=self._failed, dont_filter=True, priority=PRIORITY,
                              meta={"media_url": url, "download_maxsize": self.max_bytes,
                                    "download_warnsize": 0, "dont_condition": True})

    def _fetched(self, response):
        self.crawler.stats.inc_value("safewatch/media/responses")  # counted apart from pages in the summary
        url = response.meta["media_url"]
        declared = media.declared_type(_header(response, b"Content-Type"))
        reason = media.refusal(declared, response.body, self.max_bytes)
        if reason:
            self._settle(url, media.skipped(url, reason))
        else:
            capture = save_capture(self.store, response)
            self._settle(url, media.captured(url, capture, media.sniff(response.body)))
        return None

    def _failed(self, failure) -> None:
        url = failure.request.meta["media_url"]
        if failure.check(HttpError):
            status = failure.value.response.status
            entry = media.skipped(url, f"HTTP {status}", retry=status in (408, 429) or status >= 500)
        elif failure.check(DownloadCancelledError, CancelledError):
            entry = media.skipped(url, f"larger than {self.max_bytes:,} bytes")
        elif failure.check(IgnoreRequest):
            message = str(failure.value)
            if message == NEUTRAL_REASON:  # not a public address: the same words whatever answers there
                entry = media.skipped(url, NEUTRAL_REASON)
            elif "robots.txt unavailable" in message:  # the host did not answer (RFC 9309): try again later
                entry = media.skipped(url, f"not fetched ({message[:200]})", retry=True)
            else:
                entry = media.skipped(url, "disallowed by robots.txt" if "robots.txt" in message
                                      else f"not fetched ({message[:200]})")
        else:  # network errors, time-outs: worth another try on the next crawl
            entry = media.skipped(url, f"not fetched ({failure.type.__name__}: {failure.getErrorMessage()[:200]})",
                                  retry=True)
        self._settle(url, entry)

    def _settle(self, url: str, entry: dict) -> None:
        self.crawler.stats.inc_value("safewatch/media/skipped" if "skipped" in entry else "safewatch/media/captured")
        self.settled[url] = entry
        for post_id in self.waiting.pop(url, ()):
            state = self.posts[post_id]
            state.pending.discard(url)
            state.new.append(entry)
            if not state.pending:
                self._done(post_id)

    def _done(self, post_id: str) -> None:
        state = self.posts[post_id]
        self.ready.append((post_id, {"media": media.merged(state.media_urls, state.stored, state.new)}))
        if len(self.ready) >= WRITE_EVERY:
            self.write()

    def write(self, spider=None) -> None:
        """Record the settled media on their posts (also when the crawl is idle or closes)."""
        if not self.ready:
            return
        ready, self.ready = self.ready, []
        try:
            errors = self.repo.bulk_update_posts(ready).errors
        except (ApiError, TransportError) as error:
            errors = [error]
        if errors:  # the captures are kept; the next crawl records them again
            log.warning("media of %d post(s) not recorded: %s", len(errors), str(errors[0])[:300])
        self._reappeared(ready)

    def _reappeared(self, ready: list[tuple[str, dict]]) -> None:
        """Posts whose captured media are a removed post's (same SHA-256) become `reappeared`."""
        from index.casework import reappearance
        hashes = {post_id: [item["sha256"] for item in fields["media"] if isinstance(item, dict) and item.get("sha256")]
                  for post_id, fields in ready}
        try:
            marked = reappearance.mark(self.repo, reappearance.find_by_media(self.repo, hashes))
        except (ApiError, TransportError) as error:  # the next crawl's media check finds them
            log.warning("reappeared media not checked: %s", str(error)[:300])
            return
        if marked:
            self.crawler.stats.inc_value("safewatch/posts/reappeared", len(marked))

    def close(self, spider=None) -> None:
        # A crawl stopped early: what was settled is recorded; the rest is fetched by the next crawl.
        for post_id, state in self.posts.items():
            if state.pending and state.new:
                self.ready.append((post_id, {"media": media.merged(state.media_urls, state.stored, state.new)}))
        self.write()
        if self._repo is not None:
            self._repo.client.close()


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
