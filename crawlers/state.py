"""Crawl state kept between runs: the validators (ETag, Last-Modified) of every page fetched, for
conditional requests. One SQLite file per lineage of the posts index (index.storage.schema.lineage): a
migrated index, which holds every page's posts, keeps its validators; a fresh or rebuilt index never
inherits validators of pages it does not hold."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.storage.repository import Repository


class CrawlState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)  # autocommit: a crash loses nothing
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS validators (url TEXT PRIMARY KEY, etag TEXT, "
                        "last_modified TEXT, seen_at TEXT)")

    @classmethod
    def for_repository(cls, var_dir: Path, repo: Repository) -> CrawlState:
        from index.storage.schema import SPECS, current_index, lineage
        concrete = current_index(repo, next(spec for spec in SPECS if spec.name == "posts"))
        return cls(var_dir / "crawl_state" / f"{lineage(repo, concrete)}.sqlite")

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.db.execute("SELECT etag, last_modified FROM validators WHERE url = ?", (url,)).fetchone()
        return row if row else (None, None)

    def remember(self, url: str, etag: str | None, last_modified: str | None, seen_at: str) -> None:
        if etag or last_modified:
            self.db.execute("INSERT OR REPLACE INTO validators VALUES (?, ?, ?, ?)",
                            (url, etag, last_modified, seen_at))
        else:
            self.db.execute("DELETE FROM validators WHERE url = ?", (url,))

    def remember_many(self, pages) -> None:
        """remember() for each (url, etag, last_modified, seen_at), in one transaction."""
        self.db.execute("BEGIN")
        try:
            for page in pages:
                self.remember(*page)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def forget(self, url: str) -> None:
        self.db.execute("DELETE FROM validators WHERE url = ?", (url,))

    def close(self) -> None:
        self.db.close()
