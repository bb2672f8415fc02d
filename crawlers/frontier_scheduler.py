"""Scrapy's scheduler with the source's frontier kept on disk (crawlers/frontier.py): a crawl
killed (SIGKILL) or interrupted (Ctrl-C, SIGTERM) resumes where it stopped.

- A page request is recorded as waiting when it is scheduled, before the page that led to it can
  count as done (its children are recorded while it is being processed).
- A page is done once it is processed (the engine no longer holds it: its posts are in the index
  pipeline, its links scheduled) AND the index pipeline has since written every post it holds
  (POSTS_STORED). Retries and redirects of a page carry its key: the page is done when the last of
  them is. Until then it stays waiting, and the next run fetches it again (posts are upserts: a post
  written twice is still one post).
- The next run loads the waiting requests and the fingerprints of every recorded request (done
  pages are not fetched again, nor scheduled again when a waiting page links to them); a start page
  already recorded is not asked for again.
- A crawl that ends cleanly ("finished", no storage failure) removes the job folder: the next crawl
  starts afresh (with its conditional requests). Any other end keeps it. SAFEWATCH_FRESH_CRAWL
  (`safewatch crawl --fresh`) discards a saved frontier; so does a change of the source's kind or
  start URLs, with a warning.

Media requests (crawlers/media_fetch.py) are not pages: their posts are stored already, and their
callbacks belong to an extension, not the spider. A spider without a registry source (re-checks)
gets Scrapy's scheduler as it is."""

from __future__ import annotations

import logging
import sqlite3

from scrapy.core.scheduler import Scheduler

from crawlers.frontier import (
    POSTS_STORED,
    Frontier,
    UnserialisableRequest,
    definition,
    deserialise,
    discard,
    job_folder,
    serialise,
)
from crawlers.storage_failure import failed as storage_failed

log = logging.getLogger(__name__)

KEY = "safewatch_frontier"  # request meta: the key of the page's record in the frontier
RESUMED_STAT = "safewatch/frontier/resumed"  # requests waiting in a saved frontier when the crawl resumed it
WAITING_STAT = "safewatch/frontier/waiting"  # requests left waiting when the crawl stopped
NOT_KEPT_STAT = "safewatch/frontier/not_kept"  # requests the frontier could not record


class FrontierScheduler(Scheduler):

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        crawler.signals.connect(scheduler.posts_stored, signal=POSTS_STORED)
        return scheduler

    def open(self, spider):
        opened = super().open(spider)
        self.frontier: Frontier | None = None
        self.seen: set[str] = set()  # fingerprints of the pages recorded (this run and the saved ones)
        self.live: dict[int, int] = {}  # key -> requests of that page scheduled and not yet processed
        self.popped: list = []  # requests handed to the engine, not yet seen processed
        self.recording = True  # False once a request could not be recorded: no page counts as done any more
        source = getattr(spider, "source", None)
        if source is not None:
            try:
                self._open_frontier(spider, source)
            except (sqlite3.Error, OSError) as error:
                log.warning("%s: the crawl cannot be resumed if stopped (frontier not writable: %s)", source.id, error)
                self.frontier = None
        return opened

    def _open_frontier(self, spider, source) -> None:
        config = self.crawler.settings["SAFEWATCH_CONFIG"]
        folder = job_folder(config.var_dir, config.index_prefix, source.id)
        wanted = definition(source.kind, spider.start_urls)
        if Frontier.exists(folder):
            saved = Frontier(folder)
            waiting, saved_definition = saved.count_waiting(), saved.definition()
            if self.crawler.settings.getbool("SAFEWATCH_FRESH_CRAWL"):
                saved.close()
                discard(folder)
                log.warning("%s: fresh crawl asked for: the interrupted crawl's frontier (%d requests waiting) "
                            "is discarded", source.id, waiting)
            elif saved_definition != wanted:
                saved.close()
                discard(folder)
                log.warning("%s: the source's kind or start URLs changed since the interrupted crawl: its frontier "
                            "(%d requests waiting) is discarded, the crawl starts afresh", source.id, waiting)
            else:
                self.frontier = saved
                self._resume(spider, waiting)
                return
        self.frontier = Frontier(folder)
        self.frontier.start(wanted)

    def _resume(self, spider, waiting: int) -> None:
        self.seen.update(self.frontier.fingerprints())
        for key, data in self.frontier.waiting():
            request = deserialise(data, spider)
            request.meta[KEY] = key
            self.live[key] = 1
            self._mqpush(request)
        self.stats.set_value(RESUMED_STAT, waiting)
        tally = self.crawler.settings.get("SAFEWATCH_TALLY")
        if tally is not None:
            tally.resumed_waiting += waiting

    def enqueue_request(self, request) -> bool:
        if self.frontier is None or request.meta.get("media_url"):
            return super().enqueue_request(request)
        key = request.meta.get(KEY)
        if key is not None:  # a retry or a redirect of a recorded page: the same page, done when this is
            if not super().enqueue_request(request):
                return False
            self.live[key] += 1
            return True
        fingerprint = self.crawler.request_fingerprinter.fingerprint(request).hex()
        if fingerprint in self.seen and (not request.dont_filter or request.meta.get("is_start_request")):
            self.df.log(request, self.spider)  # done, or waiting in the frontier already
            return False
        self.seen.add(fingerprint)
        try:
            request.meta[KEY] = key = self.frontier.add(fingerprint, request.url, serialise(request, self.spider))
        except (UnserialisableRequest, sqlite3.Error) as error:
            self._not_kept(request, error)
        else:
            self.live[key] = 1
        self._mqpush(request)
        self.stats.inc_value("scheduler/enqueued/memory")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def _not_kept(self, request, error: Exception) -> None:
        """Scheduled in memory only. The page that led to it must not count as done (a stopped crawl
        would lose it), so from now on no page does: a stopped crawl fetches them again."""
        self.stats.inc_value(NOT_KEPT_STAT)
        if self.recording:
            log.warning("%s cannot be kept in the crawl's frontier (%s): pages processed from now on are fetched "
                        "again if this crawl is stopped", request.url, error)
        self.recording = False

    def next_request(self):
        request = super().next_request()
        if request is not None and self.frontier is not None and KEY in request.meta:
            self.popped.append(request)
        return request

    def posts_stored(self) -> None:
        """Every post received so far is written: pages processed by now are done."""
        if self.frontier is None or not self.recording or storage_failed(self.crawler):
            return
        engine_slot = getattr(self.crawler.engine, "_slot", None)
        in_progress = getattr(engine_slot, "inprogress", None)
        if in_progress is None:  # not Scrapy's engine as known: nothing can be said done
            return
        still, done = [], []
        for request in self.popped:
            if request in in_progress:
                still.append(request)
                continue
            key = request.meta[KEY]
            self.live[key] -= 1
            if not self.live[key]:
                del self.live[key]
                done.append(key)
        self.popped = still
        try:
            self.frontier.mark_done(done)
        except sqlite3.Error as error:  # nothing marked: those pages are fetched again if the crawl stops
            log.warning("the crawl's frontier cannot be updated (%s)", error)
            self.recording = False

    def close(self, reason: str):
        closed = super().close(reason)
        if self.frontier is not None:
            folder = self.frontier.folder
            waiting = self.frontier.count_waiting()
            self.frontier.close()
            if reason == "finished" and not storage_failed(self.crawler):
                discard(folder)
            else:
                self.stats.set_value(WAITING_STAT, waiting)
                tally = self.crawler.settings.get("SAFEWATCH_TALLY")
                if tally is not None:
                    tally.left_waiting += waiting
                    tally.frontiers.append(str(folder))
        return closed
