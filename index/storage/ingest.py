"""Bulk ingest that loses nothing: documents Elasticsearch cannot take right now (it is down,
overloaded, or the index is blocked for a migration) are spooled to disk and replayed later.

Replay is idempotent: every spooled document is an upsert by its id, so sending it twice leaves one
document. Documents Elasticsearch rejects for good (a mapping error) are reported, never retried
forever and never silently dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from elasticsearch import ApiError, TransportError

from index.storage.repository import BulkResult, Repository

# Worth trying again later: throttled, blocked (migration, read-only disk), server errors.
RETRYABLE_STATUSES = {403, 408, 429, 500, 502, 503, 504}
# In-line retries for throttling and server errors before spooling; a blocked index or an
# unreachable node goes to the spool at once.
BACKOFF_SECONDS = (0.5, 1.0, 2.0)


@dataclass
class IngestResult:
    indexed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rescored: int = 0  # same text, scored anew (a new model)
    spooled: int = 0
    replayed: int = 0
    rejected: list[dict] = field(default_factory=list)  # permanent per-document errors
    indexed_ids: set[str] = field(default_factory=set)  # posts confirmed written (or unchanged) by this call
    waiting_because: str = ""  # why documents were spooled: one of WAITING_REASONS ("" when none were)
    stored_media: dict[str, list] = field(default_factory=dict)  # BulkResult.stored_media of the posts written

    def add_outcome(self, other: IngestResult) -> None:
        """Add what another write did to each post (created, updated, ...) to these figures; how many
        were written counts as indexed or replayed, and why some wait, are the caller's to add."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rescored += other.rescored
        self.rejected.extend(other.rejected)
        self.indexed_ids |= other.indexed_ids
        self.stored_media.update(other.stored_media)


# Why documents wait in the spool, as the crawl summary and `index replay` say it.
WAITING_REASONS = {
    "disk_full": "Elasticsearch's disk is nearly full (flood-stage watermark): it blocks writes until space is "
                 "freed, then lifts the block by itself",
    "blocked": "the index is blocked for writes (a migration in progress)",
    "busy": "Elasticsearch was overloaded or failing (HTTP 429/5xx) after retries",
    "unreachable": "Elasticsearch is not reachable",
}


def _waiting_reason(status: object, error: object) -> str:
    text = str(error)
    if "flood-stage" in text or "read-only-allow-delete" in text or "allow delete" in text:
        return "disk_full"
    if "cluster_block_exception" in text or status == 403:
        return "blocked"
    return "busy"


_SPOOL_NAME = re.compile(r"\d{20}-[0-9a-f]{8}\.jsonl")


class Ingestor:
    def __init__(self, repo: Repository, spool_dir: Path) -> None:
        self.repo = repo
        self.spool_dir = spool_dir

    def write(self, documents: list[dict]) -> IngestResult:
        """Bulk-upsert posts; what cannot be written now goes to the spool. While older documents
        wait in the spool, new ones queue behind them, so a post's versions arrive in order."""
        if self.pending_files():
            self._spool(documents)
            return self.replay()
        result, retry = self._send(documents)
        if retry:
            self._spool(retry)
            result.spooled = len(retry)
        return result

    def replay(self) -> IngestResult:
        """Send spooled documents again, oldest file first, removing each file once written. On the
        first failure the rest stays, in order, for the next replay."""
        total = IngestResult()
        for path in self.pending_files():
            documents = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
            result, retry = self._send(documents)
            total.replayed += result.indexed
            total.add_outcome(result)
            total.waiting_because = result.waiting_because or total.waiting_because
            if retry:
                self._write_file(path, retry)  # same name: keeps its place in the order
                total.spooled = self.pending()
                break
            path.unlink()
        return total

    def _send(self, documents: list[dict]) -> tuple[IngestResult, list[dict]]:
        """Send, retrying what was throttled (429) or hit a server error (5xx) with back-off;
        returns what is written and what is left for the spool."""
        total, pending = IngestResult(), documents
        for delay in (*BACKOFF_SECONDS, None):
            result, retry, transient = self._send_once(pending)
            total.indexed += result.indexed
            total.add_outcome(result)
            total.waiting_because = result.waiting_because
            if not retry or not transient or delay is None:
                return total, retry
            time.sleep(delay)
            pending = retry
        return total, pending

    def _send_once(self, documents: list[dict]) -> tuple[IngestResult, list[dict], bool]:
        result = IngestResult()
        try:
            outcome: BulkResult = self.repo.bulk_upsert_posts([dict(d) for d in documents])
        except ApiError as error:  # refusing the whole request
            result.waiting_because = _waiting_reason(error.meta.status, error)
            return result, list(documents), result.waiting_because == "busy" and (
                error.meta.status == 429 or error.meta.status >= 500)
        except TransportError:  # unreachable: no point waiting here, spool
            result.waiting_because = "unreachable"
            return result, list(documents), False
        result.indexed = outcome.ok
        result.indexed_ids = set(outcome.ok_ids)
        result.stored_media = outcome.stored_media
        result.created, result.updated, result.unchanged = outcome.created, outcome.updated, outcome.unchanged
        result.rescored = outcome.refreshed
        rejected_ids, transient = set(), False
        for failure in outcome.errors:
            detail = next(iter(failure.values()))
            status = detail.get("status")
            # A per-document refusal that retrying cannot fix (e.g. a mapping error) is reported.
            if isinstance(status, int) and status not in RETRYABLE_STATUSES and detail.get("_id"):
                rejected_ids.add(detail["_id"])
                result.rejected.append({k: v for k, v in detail.items() if k != "exception"})
            else:
                result.waiting_because = _waiting_reason(status, detail.get("error"))
                # Throttling and server errors are retried in line; a block (disk, migration) is not.
                transient = transient or (result.waiting_because == "busy" and (
                    status == 429 or (isinstance(status, int) and status >= 500)))
        # Everything else not confirmed written (throttled, blocked, a failed chunk) is kept.
        retry = [d for d in documents if d["id"] not in outcome.ok_ids and d["id"] not in rejected_ids]
        return result, retry, transient

    def pending_files(self) -> list[Path]:
        """The spool's files of posts, oldest first: only the names _spool() gives, so a file that
        is not a batch of posts (an audit spool of an older version) is never sent as posts."""
        if not self.spool_dir.is_dir():
            return []
        return sorted(p for p in self.spool_dir.glob("*.jsonl") if _SPOOL_NAME.fullmatch(p.name))

    def pending(self) -> int:
        return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in self.pending_files())

    def _spool(self, documents: list[dict]) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self._write_file(self.spool_dir / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl", documents)

    @staticmethod
    def _write_file(path: Path, documents: list[dict]) -> None:
        partial = path.with_suffix(".part")
        try:
            with partial.open("w", encoding="utf-8") as stream:
                for document in documents:
                    stream.write(json.dumps(document, ensure_ascii=False) + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(partial, path)  # the whole file or nothing, even after a crash
        except OSError:  # disk full, read-only: no half file left taking space; the caller stops the crawl
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise
