"""Item pipelines: validate -> score with the classifier and bulk-index, a batch at a time; after
each write, the posts written are announced (crawlers.media_fetch fetches their media)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.exceptions import DropItem

from classifier.backends import load_classifier
from classifier.predict import Classifier, Prediction
from crawlers.frontier import POSTS_STORED
from crawlers.media_fetch import POSTS_INDEXED
from crawlers.storage_failure import report_storage_failure
from index.casework.lifecycle import initial_status
from index.storage.connection import open_repository
from index.storage.ingest import WAITING_REASONS, Ingestor
from safewatch.config import Config
from safewatch.records import PostRecord

log = logging.getLogger(__name__)
MAX_TEXT_CHARS = 50_000
PROGRESS_EVERY = 100


@dataclass
class ScoredPost:
    record: PostRecord
    prediction: Prediction
    explanations: dict = field(default_factory=dict)  # only for flagged posts

    def to_document(self) -> dict:
        doc = self.record.to_document()
        doc.update(self.prediction.index_fields(self.explanations))
        doc.update(
            id=self.record.post_id,
            status=initial_status(self.prediction.flagged),
            status_changed_at=doc["collected_at"],
        )
        return doc


@dataclass
class CrawlTally:
    """What one crawl did, for its closing summary."""
    collected: int = 0  # items, including the same post seen twice (thread page and feed)
    distinct: set[str] = field(default_factory=set)
    flagged_ids: set[str] = field(default_factory=set)
    indexed: int = 0
    new: int = 0
    updated: int = 0  # edited since the last crawl (earlier text kept)
    unchanged: int = 0
    rescored: int = 0  # same text, new scores (the model changed since the last crawl)
    reappeared: int = 0  # removed content found again (index.casework.reappearance), by text
    spooled: int = 0  # kept on disk for later: Elasticsearch was down or busy
    replayed: int = 0  # written from the spool of an earlier run
    waiting_because: str = ""  # why posts wait in the spool (index.storage.ingest.WAITING_REASONS)
    errors: list[str] = field(default_factory=list)
    storage_failures: list[str] = field(default_factory=list)  # one line each (crawlers/storage_failure.py)
    unstored: int = 0  # posts neither indexed nor spooled because a write on disk failed
    finish_reasons: list[str] = field(default_factory=list)  # Scrapy's, one per source crawled
    # The frontier kept on disk (crawlers/frontier_scheduler.py): requests waiting in saved frontiers
    # this crawl resumed, requests left waiting when it stopped, and the job folders kept.
    resumed_waiting: int = 0
    left_waiting: int = 0
    frontiers: list[str] = field(default_factory=list)

    def __deepcopy__(self, memo: dict) -> CrawlTally:
        return self  # one tally for every crawler of the process (Scrapy deep-copies their settings)


class ValidatePipeline:
    """Only whole records move on: a post without text or address is dropped (and counted)."""

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, PostRecord) or not item.text.strip() or not item.url:
            self.stats.inc_value("safewatch/dropped/empty_post")
            raise DropItem("a post without text or address")
        if len(item.text) > MAX_TEXT_CHARS:
            self.stats.inc_value("safewatch/truncated_posts")
            item.text = item.text[:MAX_TEXT_CHARS]
        return item


class IndexPipeline:
    """Collects records, scores them with the classifier a batch at a time (batches are many times
    faster than single posts), explains the flagged ones, and bulk-writes them; what Elasticsearch
    cannot take now is spooled on disk and written by the next run."""

    def __init__(self, config: Config, tally: CrawlTally, batch_size: int = 200, crawler_signals=None,
                 crawler=None) -> None:
        self.config = config
        self.tally = tally
        self.batch_size = batch_size
        self.signals = crawler_signals
        self.crawler = crawler
        self.buffer: list[PostRecord] = []
        self.classifier: Classifier | None = None
        self.ingestor: Ingestor | None = None
        self.spool_announced = False  # the first post spooled is said at once, in one line

    @classmethod
    def from_crawler(cls, crawler):
        tally = crawler.settings.get("SAFEWATCH_TALLY") or CrawlTally()
        pipeline = cls(crawler.settings["SAFEWATCH_CONFIG"], tally, crawler_signals=crawler.signals, crawler=crawler)
        shared = crawler.settings.get("SAFEWATCH_CLASSIFIER")  # loaded once by crawlers.run.crawl
        pipeline.classifier = shared.value if shared is not None else None
        # The last, partial batch is written when the crawl runs out of pages (not only at the close),
        # so that the requests for its media can still be made.
        crawler.signals.connect(pipeline.idle, signal=signals.spider_idle)
        return pipeline

    def open_spider(self):
        self.classifier = self.classifier or load_classifier(self.config)
        repository = open_repository(self.config)
        self.ingestor = Ingestor(repository, self.config.spool_path)
        self._replay()

    def process_item(self, item: PostRecord):
        self.tally.collected += 1
        if self.tally.collected % PROGRESS_EVERY == 0:  # a live line for long crawls
            print(f"  … {len(self.tally.distinct):,} posts, {len(self.tally.flagged_ids):,} flagged, "
                  f"{self.tally.indexed:,} indexed", flush=True)
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self._flush()
        return item

    def idle(self, spider=None) -> None:
        self._flush()

    def close_spider(self):
        self.signals = None  # too late to fetch media: the next crawl fetches those of the last posts
        self._flush()
        self._replay()
        self.ingestor.repo.client.close()

    def _flush(self) -> None:
        """Writes the posts held; once every post received so far is written (indexed or spooled),
        says so (POSTS_STORED): the pages they came from count as done (crawlers/frontier_scheduler.py)."""
        if self.buffer and not self._write_buffer():
            return
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(signal=POSTS_STORED)

    def _write_buffer(self) -> bool:
        batch, self.buffer = self.buffer, []
        predictions = self.classifier.predict([record.text for record in batch])
        # Explanations of the flagged posts, all in one scoring call.
        explained = iter(self.classifier.explain_many([r.text for r, p in zip(batch, predictions, strict=True)
                                                       if p.flagged], [p for p in predictions if p.flagged]))
        documents = []
        for record, prediction in zip(batch, predictions, strict=True):
            explanations = next(explained) if prediction.flagged else {}
            self.tally.distinct.add(record.post_id)
            if prediction.flagged:
                self.tally.flagged_ids.add(record.post_id)
            documents.append(ScoredPost(record, prediction, explanations).to_document())
        try:
            result = self.ingestor.write(documents)
        except OSError as error:  # the spool cannot be written: these posts are not stored, stop
            self.tally.unstored += len(documents)
            if self.crawler is None:
                raise
            report_storage_failure(self.crawler, "the spool", self.config.spool_path, error)
            return False
        self._count(result)
        self._reappeared([doc for doc in documents if doc["id"] in result.indexed_ids])
        written = [{"id": doc["id"], "media_urls": doc["media_urls"], "media": result.stored_media.get(doc["id"])}
                   for doc in documents if doc.get("media_urls") and doc["id"] in result.indexed_ids]
        if written and self.signals is not None:
            self.signals.send_catch_log(signal=POSTS_INDEXED, posts=written)
        return True

    def _reappeared(self, documents: list[dict]) -> None:
        """Removed content found again becomes `reappeared`, at the top of the queue (index.casework.reappearance)."""
        from elasticsearch import ApiError, TransportError

        from index.casework import reappearance
        repo = self.ingestor.repo
        try:
            marked = reappearance.mark(repo, reappearance.find_by_text(repo, documents))
        except (ApiError, TransportError) as error:  # the next crawl of these posts checks them again
            log.warning("reappeared content not checked: %s", str(error)[:300])
            return
        self.tally.reappeared += len(marked)
        if self.crawler is not None and marked:
            self.crawler.stats.inc_value("safewatch/posts/reappeared", len(marked))

    def _replay(self) -> None:
        self.ingestor.repo.replay_events()
        if self.ingestor.pending_files():
            try:
                self._count(self.ingestor.replay())
            except OSError as error:  # what could not be rewritten stays in its file, as it was
                if self.crawler is None:
                    raise
                report_storage_failure(self.crawler, "the spool", self.config.spool_path, error)

    def _count(self, result) -> None:
        self.tally.new += result.created
        self.tally.updated += result.updated
        self.tally.unchanged += result.unchanged
        self.tally.rescored += result.rescored
        self.tally.indexed += result.indexed + result.replayed
        self.tally.replayed += result.replayed
        self.tally.spooled = self.ingestor.pending()
        waiting = result.waiting_because or self.tally.waiting_because
        self.tally.waiting_because = waiting if self.tally.spooled else ""
        if self.tally.spooled and not self.spool_announced:
            self.spool_announced = True
            log.warning("Elasticsearch cannot take posts now, they wait in the spool (%s), nothing is lost: %s",
                        self.config.spool_path, WAITING_REASONS.get(waiting, WAITING_REASONS["unreachable"]))
        for detail in result.rejected:
            message = f"{detail.get('_id')}: {detail.get('error')}"
            log.error("not indexed: %s", message)
            self.tally.errors.append(message)
