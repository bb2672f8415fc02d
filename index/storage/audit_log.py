"""The audit trail as admins read it: filtered by actor, action and days (in Vietnam), newest first,
a page at a time or whole (the CSV export); and each account's last sign-in.

Events are only read here; they are written by Repository.append_event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from index.storage.queries import TIME_ZONE, QueryError, check_day_range
from index.storage.repository import Repository

PAGE_SIZE = 50
MAX_PAGES = 200  # 10,000 events: Elasticsearch's result window
EXPORT_LIMIT = 100_000
MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class AuditQuery:
    """Which events: every field optional; actor compared without case."""

    actor: str | None = None
    action: str | None = None
    date_from: str | None = None  # inclusive days in Vietnam, YYYY-MM-DD
    date_to: str | None = None
    page: int = 1

    def __post_init__(self) -> None:
        check_day_range(self.date_from, self.date_to)
        if not isinstance(self.page, int) or not 1 <= self.page <= MAX_PAGES:
            raise QueryError("The page must be a whole number from 1 to %(pages)d.", pages=MAX_PAGES)

    @classmethod
    def from_args(cls, args) -> AuditQuery:
        """From a query string (a Flask MultiDict or a dict of single values)."""
        def one(name: str) -> str | None:
            return (args.get(name) or "").strip()[:MAX_VALUE_CHARS] or None

        page = one("page") or "1"
        if not (page.isascii() and page.isdigit()) or len(page) > 6:
            raise QueryError("The page must be a whole number from 1 to %(pages)d.", pages=MAX_PAGES)
        return cls(actor=one("actor"), action=one("action"), date_from=one("from"), date_to=one("to"),
                   page=int(page))

    def elasticsearch_query(self) -> dict:
        filters: list[dict] = []
        if self.actor:
            filters.append({"term": {"actor": {"value": self.actor, "case_insensitive": True}}})
        if self.action:
            filters.append({"term": {"action": self.action}})
        if self.date_from or self.date_to:
            window = {key: value for key, value in (("gte", self.date_from), ("lte", self.date_to)) if value}
            filters.append({"range": {"at": {**window, "format": "strict_date_optional_time||yyyy-MM-dd",
                                             "time_zone": TIME_ZONE}}})
        return {"bool": {"filter": filters}}


@dataclass
class AuditPage:
    total: int
    events: list[dict]
    actions: list[str]  # every action in the trail, for the filter's choices
    pages: int


def read(repo: Repository, query: AuditQuery, *, size: int = PAGE_SIZE) -> AuditPage:
    """One page of the events `query` selects, newest first (what happened a moment ago included)."""
    repo.catch_up()
    actions = {"terms": {"field": "action", "size": 200, "order": {"_key": "asc"}}}
    response = repo.search_events(query.elasticsearch_query(), sort=[{"at": "desc"}], size=size,
                                  offset=(query.page - 1) * size,
                                  aggs={"trail": {"global": {}, "aggs": {"actions": actions}}})  # not only these
    total = response["hits"]["total"]["value"]
    names = [bucket["key"] for bucket in response["aggregations"]["trail"]["actions"]["buckets"]]
    pages = max(1, min(-(-total // size), MAX_PAGES * PAGE_SIZE // size))
    return AuditPage(total, [hit["_source"] for hit in response["hits"]["hits"]], names, pages)


def export(repo: Repository, query: AuditQuery, *, limit: int = EXPORT_LIMIT) -> Iterator[dict]:
    """Every event `query` selects (up to `limit`), newest first, beyond the page window."""
    repo.catch_up()
    for sent, event in enumerate(repo.scan_events(query.elasticsearch_query(), sort=[{"at": "desc"}])):
        if sent >= limit:
            return
        yield event


def last_logins(repo: Repository) -> dict[str, str]:
    """username -> when it last signed in (its latest "login" event)."""
    response = repo.aggregate(repo.events, {"term": {"action": "login"}}, {"users": {
        "terms": {"field": "actor", "size": 10_000}, "aggs": {"last": {"max": {"field": "at"}}}}})
    return {bucket["key"]: bucket["last"]["value_as_string"]
            for bucket in response["aggregations"]["users"]["buckets"] if bucket["last"].get("value_as_string")}
