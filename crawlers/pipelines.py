"""Item pipelines: validate -> score with the classifier -> bulk-index into Elasticsearch."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy.exceptions import DropItem

from classifier.backends import load_classifier
from classifier.predict import Classifier, Prediction
from index.connection import open_repository
from index.ingest import Ingestor
from index.lifecycle import initial_status
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
    spooled: int = 0  # kept on disk for later: Elasticsearch was down or busy
    replayed: int = 0  # written from the spool of an earlier run
    errors: list[str] = field(default_factory=list)


class ValidatePipeline:
    def process_item(self, item, spider):
        if not isinstance(item, PostRecord) or not item.text.strip():
            raise DropItem("empty post")
        if len(item.text) > MAX_TEXT_CHARS:
            item.text = item.text[:MAX_TEXT_CHARS]
        return item


class ScorePipeline:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.classifier: Classifier | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings["SAFEWATCH_CONFIG"])

    def open_spider(self, spider):
        self.classifier = load_classifier(self.config)

    def process_item(self, item: PostRecord, spider):
        [prediction] = self.classifier.predict([item.text])
        explanations = self.classifier.explain(item.text, prediction) if prediction.flagged else {}
        return ScoredPost(item, prediction, explanations)


class IndexPipeline:
    def __init__(self, config: Config, tally: CrawlTally, batch_size: int = 200) -> None:
        self.config = config
        self.tally = tally
        self.batch_size = batch_size
        self.buffer: list[dict] = []
        self.ingestor: Ingestor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        tally = crawler.settings.get("SAFEWATCH_TALLY") or CrawlTally()
        return cls(crawler.settings["SAFEWATCH_CONFIG"], tally)

    def open_spider(self, spider):
        repository = open_repository(self.config)
        self.ingestor = Ingestor(repository, self.config.var_dir / "spool" / self.config.index_prefix)
        self._replay()

    def process_item(self, item: ScoredPost, spider):
        self.tally.collected += 1
        if self.tally.collected % PROGRESS_EVERY == 0:  # a live line for long crawls
            print(f"  … {len(self.tally.distinct):,} posts, {len(self.tally.flagged_ids):,} flagged, "
                  f"{self.tally.indexed:,} indexed", flush=True)
        self.tally.distinct.add(item.record.post_id)
        if item.prediction.flagged:
            self.tally.flagged_ids.add(item.record.post_id)
        self.buffer.append(item.to_document())
        if len(self.buffer) >= self.batch_size:
            self._flush()
        return item

    def close_spider(self, spider):
        self._flush()
        self._replay()
        self.ingestor.repo.client.close()

    def _flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        self._count(self.ingestor.write(batch))

    def _replay(self) -> None:
        self.ingestor.repo.replay_events()
        if self.ingestor.pending_files():
            self._count(self.ingestor.replay())

    def _count(self, result) -> None:
        self.tally.new += result.created
        self.tally.updated += result.updated
        self.tally.unchanged += result.unchanged
        self.tally.indexed += result.indexed + result.replayed
        self.tally.replayed += result.replayed
        self.tally.spooled = self.ingestor.pending()
        for detail in result.rejected:
            message = f"{detail.get('_id')}: {detail.get('error')}"
            log.error("not indexed: %s", message)
            self.tally.errors.append(message)
