"""The review queue as a reviewer browses it: filtered by category, severity, platform, source and age,
sorted by urgency, age or severity, with the posts others hold (who, until when). Pure functions: the
repository sends the body (Repository.review_queue_page). "Next" (index.casework.lifecycle.claim_next) keeps
using queries.queue_body: the most urgent waiting post, whatever the reviewer is looking at."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from index.storage.queries import QueryError, queue_body
from safewatch.statuses import WAITING_STATUSES
from safewatch.taxonomy import BY_CODE, CODES

SORTS = ("urgency", "oldest", "newest", "severity")
AGES = {"day": ("gte", timedelta(days=1)), "week": ("gte", timedelta(days=7)), "older": ("lt", timedelta(days=7))}
MAX_VALUE_CHARS = 200



@dataclass(frozen=True)
class QueueRequest:
    """What the reviewer asked the queue page for; every field optional."""

    categories: tuple[str, ...] = ()
    min_severity: int | None = None
    platform: str = ""
    source: str = ""
    age: str = ""
    sort: str = "urgency"
    size: int = 100

    def __post_init__(self) -> None:
        unknown = [code for code in self.categories if code not in BY_CODE]
        if unknown:
            raise QueryError("Unknown category '%(category)s'.", category=unknown[0][:40])
        if self.min_severity is not None and not 1 <= self.min_severity <= 5:
            raise QueryError("Severity goes from 1 to 5.")
        if self.age and self.age not in AGES:
            raise QueryError("Unknown age '%(age)s'; use one of %(ages)s.", age=self.age[:40], ages=", ".join(AGES))
        if self.sort not in SORTS:
            raise QueryError("Unknown sort '%(sort)s'; use one of %(sorts)s.", sort=self.sort[:40],
                             sorts=", ".join(SORTS))

    @classmethod
    def from_args(cls, args) -> QueueRequest:
        """From the page's query string (a MultiDict); QueryError with a message when a value is wrong."""
        severity = (args.get("severity") or "").strip()
        if severity and not severity.isdigit():
            raise QueryError("Severity goes from 1 to 5.")
        return cls(categories=tuple(dict.fromkeys(c for c in args.getlist("category") if c)),
                   min_severity=int(severity) if severity else None,
                   platform=(args.get("platform") or "").strip()[:MAX_VALUE_CHARS],
                   source=(args.get("source") or "").strip()[:MAX_VALUE_CHARS],
                   age=(args.get("age") or "").strip(), sort=(args.get("sort") or "urgency").strip())

    def is_filtered(self) -> bool:
        return bool(self.categories or self.min_severity or self.platform or self.source or self.age)


def severity_codes(min_severity: int) -> list[str]:
    """The categories whose default severity is at least `min_severity`."""
    return [code for code in CODES if BY_CODE[code].severity >= min_severity]


def page_body(request: QueueRequest, *, now: datetime) -> dict:
    """Posts waiting for review and posts being reviewed (whoever holds them), filtered and sorted as
    asked; with the platforms and sources present, to choose from."""
    filters: list[dict] = [{"terms": {"status": [*WAITING_STATUSES, "in_review"]}}]
    if request.categories:
        filters.append({"terms": {"labels": list(request.categories)}})
    if request.min_severity:
        filters.append({"terms": {"labels": severity_codes(request.min_severity)}})
    for field, value in (("platform", request.platform), ("source", request.source)):
        if value:
            filters.append({"term": {field: value}})
    if request.age:
        operator, span = AGES[request.age]
        filters.append({"range": {"collected_at": {operator: (now - span).isoformat()}}})
    body = queue_body(now=now.isoformat(), reviewer=None, size=request.size)
    body["query"]["function_score"]["query"]["function_score"]["query"] = {"constant_score": {
        "filter": {"bool": {"filter": filters}}}}
    if request.sort == "oldest":
        body["sort"] = [{"collected_at": {"order": "asc", "unmapped_type": "date"}}, {"post_id": "asc"}]
    elif request.sort == "newest":
        body["sort"] = [{"collected_at": {"order": "desc", "unmapped_type": "date"}}, {"post_id": "asc"}]
    elif request.sort == "severity":  # the score is the highest default severity among the labels
        body["query"] = {"function_score": {
            "query": {"constant_score": {"filter": {"bool": {"filter": filters}}}},
            "functions": [{"filter": {"terms": {"labels": [code for code in CODES if BY_CODE[code].severity == level]}},
                           "weight": level} for level in range(1, 6)],
            "score_mode": "max", "boost_mode": "replace"}}
        body["sort"] = [{"_score": "desc"}, {"priority": {"order": "desc", "unmapped_type": "float"}},
                        {"post_id": "asc"}]
    body["aggs"] = {name: {"terms": {"field": name, "size": 50}} for name in ("platform", "source")}
    return body


def read_page(response: Mapping) -> tuple[list[dict], dict[str, list[str]]]:
    """(posts, {"platform": [...], "source": [...]}) from the search response."""
    posts = [{"id": hit["_id"], **hit["_source"]} for hit in response["hits"]["hits"]]
    facets = {name: sorted(bucket["key"] for bucket in response.get("aggregations", {}).get(name, {}).get(
        "buckets", [])) for name in ("platform", "source")}
    return posts, facets


REVIEW_FIELDS = ("status", "claimed_by", "claim_expires_at")


def as_stored_now(posts: list[dict], current: Mapping[str, Mapping]) -> list[dict]:
    """The page's posts with their review fields as stored now (`current`: post id -> those fields, read
    by id): claims and decisions reach the search a second late. Posts decided meanwhile leave the page."""
    fresh = []
    for post in posts:
        now = current.get(post["id"])
        if now is None:
            continue
        post = {**post, **{field: now.get(field) for field in REVIEW_FIELDS}}
        if post["status"] in WAITING_STATUSES or post["status"] == "in_review":
            fresh.append(post)
    return fresh


def max_label_severity(post: Mapping) -> int | None:
    levels = [BY_CODE[code].severity for code in post.get("labels") or [] if code in BY_CODE]
    return max(levels) if levels else None


def age_of(post: Mapping, now: datetime) -> timedelta | None:
    """How long ago the post was collected."""
    collected = post.get("collected_at")
    if not collected:
        return None
    try:
        return max(now - datetime.fromisoformat(collected), timedelta(0))
    except (TypeError, ValueError):
        return None
