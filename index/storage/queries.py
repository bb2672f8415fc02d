"""Query bodies for the review queue and for search, as pure functions (no I/O): the repository
sends them, tests read them."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from classifier.normalize import fold, normalize
from safewatch.errors import SafeWatchError
from safewatch.near_duplicates import BANDS_FIELD, SIGNATURE_FIELD
from safewatch.statuses import STATUSES, WAITING_STATUSES
from safewatch.timezones import VIETNAM_NAME

# Highlight markers: private-use characters, removed from crawled text when it is cleaned, and not
# whitespace (Elasticsearch trims control characters at fragment ends). The UI escapes a fragment,
# then turns them into <mark>.
HIGHLIGHT_START, HIGHLIGHT_END = "\ue000", "\ue001"

# "newest"/"oldest" sort by collection time (the names saved searches already use); "posted_*" by the
# time the post says it was written, posts that do not say last.
SORTS: dict[str, list[dict]] = {
    "relevance": [{"_score": "desc"}, {"collected_at": "desc"}, {"post_id": "asc"}],
    "posted_newest": [{"published_at": {"order": "desc", "missing": "_last"}}, {"collected_at": "desc"},
                      {"post_id": "asc"}],
    "posted_oldest": [{"published_at": {"order": "asc", "missing": "_last"}}, {"collected_at": "asc"},
                      {"post_id": "asc"}],
    "newest": [{"collected_at": "desc"}, {"post_id": "asc"}],
    "oldest": [{"collected_at": "asc"}, {"post_id": "asc"}],
    "priority": [{"priority": "desc"}, {"collected_at": "desc"}, {"post_id": "asc"}],
}
# Days are the unit's days: a date filter or a day of the chart runs from 00:00 to 24:00 in Vietnam.
TIME_ZONE = VIETNAM_NAME
# The field written with the classifier's normaliser, then folded (index/storage/search_text.py).
NORMALIZED_FIELD = "text_normalized"
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's index.max_result_window: pages reach this far
CHART_BUCKETS = 62
# Derived fields no page shows: left out of search and queue hits.
HIDDEN_FIELDS = [BANDS_FIELD, SIGNATURE_FIELD, NORMALIZED_FIELD]
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
    date_to: str | None = None  # inclusive; both are days in Vietnam (TIME_ZONE)
    sort: str = "relevance"
    size: int = 20
    search_after: tuple = field(default=())
    facets: bool = True  # facets and the hits-per-day chart
    page: int = 1  # ignored when search_after is given

    @property
    def normalized_text(self) -> str:
        """The text as the classifier reads it, folded: teencode expanded, "m.a t.u.y" joined, "z@lo"
        undone, no diacritics; matched against NORMALIZED_FIELD."""
        return fold(normalize(self.text)) if self.text.strip() else ""

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QueryError("Unknown sort '%(sort)s'; use one of %(sorts)s.", sort=str(self.sort)[:40],
                             sorts=", ".join(SORTS))
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise QueryError("Unknown status '%(status)s'.", status=unknown[0][:40])
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise QueryError("Page size must be between 1 and %(size)d.", size=MAX_PAGE_SIZE)
        check_day_range(self.date_from, self.date_to)
        if not isinstance(self.page, int) or self.page < 1:
            raise QueryError("The page must be a whole number from 1.")
        if not self.search_after and self.page * self.size > MAX_RESULT_WINDOW:
            raise QueryError("Only the first %(count)d results can be paged through; narrow the search or "
                             "download the CSV.", count=MAX_RESULT_WINDOW)
        fields = [next(iter(key)) for key in SORTS[self.sort]]
        if self.search_after and (len(self.search_after) != len(fields) or not all(
                _fits(value, name) for value, name in zip(self.search_after, fields, strict=False))):
            raise QueryError("The page position ('after') is not one a search gave; start again from the first page.")


def search_body(request: SearchRequest) -> dict:
    filters: list[dict] = []
    for name, values in (("status", request.statuses), ("categories", request.categories)):
        if values:
            filters.append({"terms": {name: list(values)}})
    # Names people type: "Forum" finds "forum" (a terms query has no case_insensitive).
    for name, values in (("platform", request.platforms), ("source", request.sources),
                         ("reviewer", (request.reviewer,) if request.reviewer else ())):
        if values:
            filters.append({"bool": {"should": [{"term": {name: {"value": value, "case_insensitive": True}}}
                                                for value in values], "minimum_should_match": 1}})
    if request.date_from or request.date_to:
        window = {key: value for key, value in (("gte", request.date_from), ("lte", request.date_to)) if value}
        # Dates without a time cover the whole day ("lte": "2026-11-30" includes that day), in Vietnam.
        window["format"] = "strict_date_optional_time||yyyy-MM-dd"
        window["time_zone"] = TIME_ZONE
        filters.append({"bool": {"should": [
            {"range": {"published_at": window}},
            {"bool": {"must_not": {"exists": {"field": "published_at"}},
                      "filter": {"range": {"collected_at": window}}}},
        ], "minimum_should_match": 1}})
    query: dict = {"bool": {"filter": filters}}
    if request.text.strip():
        # Every word must occur, with or without diacritics; the words as a phrase and the exact
        # spelling rank higher. match queries parse no syntax: "a AND (b" is just text.
        # The normalised field also finds teencode and obfuscation written either way ("ko can bo me"
        # finds "không cần bố mẹ", "m.a t.u.y" finds "ma túy").
        query["bool"]["must"] = [{"bool": {"should": [
            {"match": {"text": {"query": request.text, "operator": "and"}}},
            {"match": {NORMALIZED_FIELD: {"query": request.normalized_text or request.text, "operator": "and"}}},
        ], "minimum_should_match": 1}}]
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
    elif request.page > 1:
        body["from"] = (request.page - 1) * request.size
    if request.facets:
        body["aggs"] = {name: {"terms": {"field": path, "size": 50}} for name, path in FACETS.items()}
        # A post counts on the day it was posted, or collected when it does not say (as the date filter).
        def per_day(date_field: str) -> dict:
            return {"date_histogram": {"field": date_field, "calendar_interval": "day", "time_zone": TIME_ZONE,
                                       "format": "yyyy-MM-dd"}}
        body["aggs"]["posted_per_day"] = per_day("published_at")
        body["aggs"]["collected_per_day"] = {"filter": {"bool": {"must_not": {"exists": {"field": "published_at"}}}},
                                             "aggs": {"days": per_day("collected_at")}}
    return body


def chart_bars(aggregations: dict, *, most: int = CHART_BUCKETS) -> tuple[list[tuple[str, int]], int]:
    """Hits per day (search_body's aggregations) as at most `most` bars, every day from the first to
    the last, consecutive days summed in groups of n days when there are more; returns the bars (each
    named by its first day) and n."""
    counts: dict[date, int] = {}
    for buckets in (aggregations.get("posted_per_day", {}).get("buckets", []),
                    aggregations.get("collected_per_day", {}).get("days", {}).get("buckets", [])):
        for bucket in buckets:
            day = date.fromisoformat(bucket["key_as_string"])
            counts[day] = counts.get(day, 0) + bucket["doc_count"]
    if not counts:
        return [], 1
    first, last = min(counts), max(counts)
    days = [((first + timedelta(days=n)).isoformat(), counts.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)]
    group = max(1, math.ceil(len(days) / most))
    bars = [(days[start][0], sum(count for _, count in days[start:start + group]))
            for start in range(0, len(days), group)]
    return bars, group


def queue_body(*, now: str, reviewer: str | None, size: int, exclude: list[str] | None = None) -> dict:
    """Flagged and reappeared posts and expired claims (and the reviewer's own claims), most urgent first.

    Urgency = priority (category severity × model score, set at classification) × recency, where
    recency = 0.5 + 0.5 × 0.5^(age / 7 days): a fresh post counts up to twice an old one, and an old
    post never drops below half its weight, so nothing severe sinks out of sight.
    """
    waiting: list[dict] = [
        {"terms": {"status": list(WAITING_STATUSES)}},  # reappeared: at the top (index.casework.reappearance)
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


def removed_like_body(post_id: str, content_hash: str | None, band_keys: list[str], fields: list[str], *,
                      size: int) -> dict:
    """Removed posts (other than this one) with the same text or sharing one of its band keys, those
    sharing the most first, with their signatures to confirm them (index.casework.reappearance)."""
    same: list[dict] = [{"constant_score": {"filter": {"term": {BANDS_FIELD: key}}}} for key in band_keys]
    if content_hash:
        same.append({"constant_score": {"filter": {"term": {"content_hash": content_hash}}, "boost": 1000}})
    return {"query": {"bool": {"filter": [{"term": {"status": "removed"}}], "should": same,
                               "minimum_should_match": 1, "must_not": [{"ids": {"values": [post_id]}}]}},
            "size": size, "_source": [*fields, SIGNATURE_FIELD],
            "sort": [{"_score": "desc"}, {"status_changed_at": {"order": "desc", "unmapped_type": "date"}}]}


def check_day_range(date_from: str | None, date_to: str | None) -> None:
    """Days typed as YYYY-MM-DD, 'from' not after 'to' (the search page, saved searches, the audit log)."""
    for name, value in (("from", date_from), ("to", date_to)):
        if value is not None and not is_day(value):
            raise QueryError("'%(name)s' must be a date written YYYY-MM-DD, not '%(value)s'.", name=name,
                             value=str(value)[:40])
    if date_from and date_to and date_from > date_to:
        raise QueryError("The dates are reversed: 'from' (%(start)s) is after 'to' (%(end)s).",
                         start=date_from, end=date_to)
