"""The frontier of one source's crawl, kept on disk while it runs, so that a crawl killed or
interrupted resumes where it stopped (crawlers/frontier_scheduler.py uses it).

One SQLite file per source and index prefix: var/crawl_jobs/<prefix>/<source id>/frontier.sqlite.
Every page request is recorded, serialised as Scrapy's disk queues do (request_to_dict, pickled),
as soon as it is scheduled; it is marked done only once every post read from its page is durably
written (indexed or spooled) and the requests it led to are recorded. A page left "waiting" is
fetched again by the next run; a page done is not. The file holds only what this project wrote
(requests of its own spiders), in the operator's var folder, like Scrapy's JOBDIR.

Why not Scrapy's JOBDIR: its disk queues write their state only when the crawl closes (a SIGKILL
leaves them unreadable), its duplicate filter counts a request as seen when it is scheduled (not
when its posts are stored), and it keeps requests it cannot serialise in memory without a word."""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request
from scrapy.utils.request import request_from_dict

JOBS_FOLDER = "crawl_jobs"
DATABASE = "frontier.sqlite"
# Sent by crawlers.pipelines.IndexPipeline when every post it has received so far is durably written
# (after a batch is indexed or spooled, or when it holds none): pages processed by then are done.
POSTS_STORED = object()
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class UnserialisableRequest(ValueError):
    """A request that cannot be kept on disk (its callback is not the spider's, or its meta or
    cb_kwargs cannot be pickled)."""


def job_folder(var_dir: Path, index_prefix: str, source_id: str) -> Path:
    return var_dir / JOBS_FOLDER / _folder_name(index_prefix) / _folder_name(source_id)


def _folder_name(name: str) -> str:
    if _SAFE_NAME.fullmatch(name):
        return name
    return "id-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]  # never a path of its own


def definition(kind: str, start_urls: Iterable[str]) -> str:
    """What makes a saved frontier belong to a source: its kind and start URLs (a changed definition
    discards the frontier; CSS rules or options may change without that)."""
    return json.dumps({"kind": kind, "start_urls": sorted(start_urls)}, sort_keys=True)


def serialise(request: Request, spider) -> bytes:
    """The request as Scrapy's disk queues keep it (request_to_dict with the spider, pickled)."""
    try:
        return pickle.dumps(request.to_dict(spider=spider), protocol=4)
    except (ValueError, TypeError, AttributeError, pickle.PicklingError) as error:
        raise UnserialisableRequest(f"{request.url}: {error}") from error


def deserialise(data: bytes, spider) -> Request:
    return request_from_dict(pickle.loads(data), spider=spider)  # noqa: S301 (written by serialise() only)


class Frontier:
    """The saved frontier of one source: requests (key, fingerprint, serialised request, done)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(folder / DATABASE, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # durable when the process dies (not the machine)
        self.db.execute("CREATE TABLE IF NOT EXISTS job (name TEXT PRIMARY KEY, value TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS requests (key INTEGER PRIMARY KEY, fingerprint TEXT, "
                        "url TEXT, request BLOB, done INTEGER NOT NULL DEFAULT 0)")

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder / DATABASE).exists()

    def definition(self) -> str | None:
        row = self.db.execute("SELECT value FROM job WHERE name = 'definition'").fetchone()
        return row[0] if row else None

    def start(self, definition: str) -> None:
        """Records what the frontier belongs to, when a crawl starts afresh."""
        self.db.executemany("INSERT OR REPLACE INTO job VALUES (?, ?)",
                            [("definition", definition), ("started_at", datetime.now(UTC).isoformat())])

    def add(self, fingerprint: str, url: str, data: bytes) -> int:
        """Records a request as waiting; returns its key."""
        return self.db.execute("INSERT INTO requests (fingerprint, url, request) VALUES (?, ?, ?)",
                               (fingerprint, url, data)).lastrowid

    def mark_done(self, keys: Iterable[int]) -> None:
        """In one transaction: these requests are done (their serialised form is no longer needed)."""
        keys = list(keys)
        if not keys:
            return
        self.db.execute("BEGIN")
        try:
            self.db.executemany("UPDATE requests SET done = 1, request = NULL WHERE key = ?", ((k,) for k in keys))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def fingerprints(self) -> Iterator[str]:
        """Of every request recorded, done or waiting (the next run does not schedule them again)."""
        for (fingerprint,) in self.db.execute("SELECT fingerprint FROM requests"):
            yield fingerprint

    def waiting(self) -> Iterator[tuple[int, bytes]]:
        yield from self.db.execute("SELECT key, request FROM requests WHERE done = 0 ORDER BY key").fetchall()

    def urls(self, *, done: bool) -> list[str]:
        """The addresses of the requests done (or waiting), for operators and tests."""
        return [url for (url,) in self.db.execute("SELECT url FROM requests WHERE done = ? ORDER BY key", (int(done),))]

    def count_waiting(self) -> int:
        return self.db.execute("SELECT count(*) FROM requests WHERE done = 0").fetchone()[0]

    def close(self) -> None:
        self.db.close()


def discard(folder: Path) -> None:
    """Removes a job folder (a crawl that ended cleanly, --fresh, a changed source)."""
    shutil.rmtree(folder, ignore_errors=True)
