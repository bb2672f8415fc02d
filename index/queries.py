"""Query bodies for the review queue and for search, as pure functions (no I/O): the repository
sends them, tests read them."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date

from index.statuses import STATUSES
from safewatch.errors import SafeWatchError
from safewatch.near_duplicates import BANDS_FIELD, SIGNATURE_FIELD

# Highlight markers: private-use characters, removed from crawled text when it is cleaned, and not
# whitespace (Elasticsearch trims control characters at fragment ends). The UI escapes a fragment,
# then turns them into <mark>.
HIGHLIGHT_START, HIGHLIGHT_END = "\ue000", "\ue001"

SORTS: dict[str, list[dict]] = {
    "relevance": [{"_score": "desc"}, {"collected_at": "desc"}, {"post_id": "asc"}],
    "newest": [{"collected_at": "desc"}, {"post_id": "asc"}],
    "oldest": [{"collected_at": "asc"}, {"post_id": "asc"}],
    "priority": [{"priority": "desc"}, {"collected_at": "desc"}, {"post_id": "asc"}],
}

# Derived fields no page shows: left out of search and queue hits.
HIDDEN_FIELDS = [BANDS_FIELD, SIGNATURE_FIELD]
FACETS = {"status": "status", "category": "categories", "platform": "platform", "source": "source",
          "reviewer": "reviewer"}
MAX_PAGE_SIZE = 500


class QueryError(SafeWatchError, ValueError):
    pass


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_LONG = 2 ** 63
_TEXT_FIELDS = {"post_id"}  # sort fields whose values are strings; the others are numbers (dates as millis)
MAX_AFTER_CHARS = 1000


def is_day(value: str) -> bool:
    """A real calendar date written YYYY-MM-DD."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def parse_search_after(text: str | None, sort: str) -> tuple:
    """A page position as the search page carries it (the JSON of a hit's sort values) -> the tuple
    SearchRequest takes; () (the first page) when absent or made for another sort. QueryError when
    it is not one a search could have given."""
    if not text:
        return ()
    try:
        values = json.loads(text) if len(text) <= MAX_AFTER_CHARS else None
    except (ValueError, RecursionError):
        values = None
    if not isinstance(values, list) or not all(isinstance(v, str | int | float) and not isinstance(v, bool)
                                               for v in values):
        raise QueryError("The page position ('after') is not one a search gave; start again from the first page.")
    if sort in SORTS and len(values) != len(SORTS[sort]):
        return ()  # the sort changed since the position was given: the first page
    return tuple(values)


def _fits(value, sort_field: str) -> bool:
    if sort_field in _TEXT_FIELDS:
        return isinstance(value, str) and len(value) <= 200
    if isinstance(value, str):  # Elasticsearch's own spelling of a missing number
        return value in ("Infinity", "-Infinity")
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
        and -_LONG <= value < _LONG


@dataclass(frozen=True)
class SearchRequest:
    """What an analyst asked for. Every field is optional; lists filter with OR inside a field and
    AND between fields."""

    text: str = ""
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    reviewer: str | None = None
    date_from: str | None = None  # inclusive, on published_at (collected_at when unknown)
    date_to: str | None = None  # inclusive
    sort: str = "relevance"
    size: int = 20
    search_after: tuple = field(default=())
    facets: bool = True

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QueryError("Unknown sort '%(sort)s'; use one of %(sorts)s.", sort=str(self.sort)[:40],
                             sorts=", ".join(SORTS))
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise QueryError("Unknown status '%(status)s'.", status=unknown[0][:40])
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise QueryError("Page size must be between 1 and %(size)d.", size=MAX_PAGE_SIZE)
        for name, value in (("from", self.date_from), ("to", self.date_to)):
            if value is not None and not is_day(value):
                raise QueryError("'%(name)s' must be a date written YYYY-MM-DD, not '%(value)s'.", name=name,
                                 value=str(value)[:40])
        fields = [next(iter(key)) for key in SORTS[self.sort]]
        if self.search_after and (len(self.search_after) != len(fields) or not all(
                _fits(value, name) for value, name in zip(self.search_after, fields, strict=False))):
            raise QueryError("The page position ('after') is not one a search gave; start again from the first page.")


def search_body(request: SearchRequest) -> dict:
    filters: list[dict] = []
    for name, values in (("status", request.statuses), ("categories", request.categories),
                         ("platform", request.platforms), ("source", request.sources)):
        if values:
            filters.append({"terms": {name: list(values)}})
    if request.reviewer:
        filters.append({"term": {"reviewer": request.reviewer}})
    if request.date_from or request.date_to:
        window = {key: value for key, value in (("gte", request.date_from), ("lte", request.date_to)) if value}
        # Dates without a time cover the whole day ("lte": "2026-11-30" includes that day).
        window["format"] = "strict_date_optional_time||yyyy-MM-dd"
        filters.append({"bool": {"should": [
            {"range": {"published_at": window}},
            {"bool": {"must_not": {"exists": {"field": "published_at"}},
                      "filter": {"range": {"collected_at": window}}}},
        ], "minimum_should_match": 1}})
    query: dict = {"bool": {"filter": filters}}
    if request.text.strip():
        # Every word must occur, with or without diacritics; the words as a phrase and the exact
        # spelling rank higher. match queries parse no syntax: "a AND (b" is just text.
        query["bool"]["must"] = [{"match": {"text": {"query": request.text, "operator": "and"}}}]
        query["bool"]["should"] = [
            {"match_phrase": {"text.exact": {"query": request.text, "boost": 4}}},
            {"match_phrase": {"text": {"query": request.text, "boost": 2}}},
            {"match": {"text.exact": {"query": request.text, "operator": "and", "boost": 2}}},
            {"match": {"title": {"query": request.text, "boost": 0.5}}},
        ]
    body: dict = {
        "query": query,
        "_source": {"excludes": HIDDEN_FIELDS},
        "size": request.size,
        "sort": SORTS[request.sort],
        "track_total_hits": True,
        "highlight": {"fields": {"text.exact": {}, "text": {}}, "pre_tags": [HIGHLIGHT_START],
                      "post_tags": [HIGHLIGHT_END], "number_of_fragments": 2, "fragment_size": 160},
    }
    if request.search_after:
        body["search_after"] = list(request.search_after)
    if request.facets:
        body["aggs"] = {name: {"terms": {"field": path, "size": 50}} for name, path in FACETS.items()}
    return body


def queue_body(*, now: str, reviewer: str | None, size: int, exclude: list[str] | None = None) -> dict:
    """Flagged posts and expired claims (and the reviewer's own claims), most urgent first.

    Urgency = priority (category severity × model score, set at classification) × recency, where
    recency = 0.5 + 0.5 × 0.5^(age / 7 days): a fresh post counts up to twice an old one, and an old
    post never drops below half its weight, so nothing severe sinks out of sight.
    """
    waiting: list[dict] = [
        {"term": {"status": "flagged"}},
        {"bool": {"filter": [{"term": {"status": "in_review"}}, {"range": {"claim_expires_at": {"lt": now}}}]}},
    ]
    if reviewer:
        waiting.append({"bool": {"filter": [{"term": {"status": "in_review"}}, {"term": {"claimed_by": reviewer}}]}})
    waiting_filter: dict = {"bool": {"should": waiting, "minimum_should_match": 1}}
    if exclude:
        waiting_filter["bool"]["must_not"] = [{"ids": {"values": list(exclude)}}]
    recency = {"function_score": {
        "query": {"constant_score": {"filter": waiting_filter}},
        "functions": [{"weight": 0.5},
                      {"exp": {"collected_at": {"origin": now, "scale": "7d", "decay": 0.5}}, "weight": 0.5}],
        "score_mode": "sum", "boost_mode": "replace",
    }}
    return {
        "query": {"function_score": {
            "query": recency,
            "functions": [{"field_value_factor": {"field": "priority", "missing": 0.01}}],
            "boost_mode": "multiply",
        }},
        "_source": {"excludes": HIDDEN_FIELDS},
        "size": size,
        "sort": [{"_score": "desc"}, {"collected_at": "desc"}, {"post_id": "asc"}],
    }


def near_duplicates_body(post_id: str, content_hash: str | None, band_keys: list[str], fields: list[str], *,
                         size: int) -> dict:
    """Candidate near-duplicates of a post: posts sharing one of its band keys, those sharing the most
    first, with their signatures to confirm them (safewatch.near_duplicates.confirmed); neither the
    post itself nor its exact copies (same content hash)."""
    excluded: list[dict] = [{"ids": {"values": [post_id]}}]
    if content_hash:
        excluded.append({"term": {"content_hash": content_hash}})
    shared = [{"constant_score": {"filter": {"term": {BANDS_FIELD: key}}}} for key in band_keys]
    return {"query": {"bool": {"should": shared, "minimum_should_match": 1, "must_not": excluded}},
            "size": size, "_source": [*fields, SIGNATURE_FIELD],
            "sort": [{"_score": "desc"}, {"collected_at": {"order": "desc", "unmapped_type": "date"}}]}
