"""The figures supervisors report to the steering committee, for a period and the one before.

Every figure counts one population, named in UNITS (posts, notices, links, or a share of one of them);
times are in the period [start, end) in Vietnam time, `cutoff` is the earlier of the period's end and now.

  collected              posts first collected in the period;  flagged: of those, posts flagged
  share_flagged_reviewed of the flagged ones, posts a reviewer has decided (plan target: 100%)
  reviewed               posts decided in the period (confirmed + dismissed, as they stand now)
  warnings, removal_requests  notices sent in the period;  removal_request_links: the posts they cover
  removed                posts removed in the period: exactly the rows of `removed` (removed_items)
  removed_within_deadline, share_removed_within_deadline, median/p90_hours_to_removal
                         over those rows: hours from the sending of the notice that covered the post to
                         its removal (index.casework.removal_timing), and whether it met that notice's deadline
  removal_rate           removal requests (notices) sent in the period whose content is now all removed
  overdue                posts under a removal request past its deadline at the cutoff, still online
  overdue_notices        warnings and removal requests past their deadline at the cutoff, still open
  referred, reappeared   posts referred to investigation / found again after removal, in the period
  resolution_rate        of the posts confirmed in the period, those closed: removed, referred to
                         investigation, or warned (plan target: above 96%)
The committee's table (`table`) gives the same columns per reviewer category and per platform. Only
posts a reviewer confirmed carry categories: dismissed and unreviewed posts never count as harmful.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from index.casework.periods import Period
from index.casework.removal_timing import covering_notice, first_deadline, removal_timing
from index.casework.tip_figures import TipFigures, tip_figures
from index.storage.repository import Repository
from safewatch.statuses import CONFIRMED_STATUSES
from safewatch.timezones import VIETNAM_NAME

UNITS = {
    "collected": "posts", "flagged": "posts", "share_flagged_reviewed": "share of flagged posts",
    "reviewed": "posts", "confirmed": "posts", "dismissed": "posts",
    "warnings": "notices", "removal_requests": "notices", "removal_request_links": "links",
    "removed": "posts", "removed_within_deadline": "posts",
    "share_removed_within_deadline": "share of removed posts",
    "median_hours_to_removal": "hours per removed post", "p90_hours_to_removal": "hours per removed post",
    "removal_rate": "share of removal requests (notices)", "overdue": "posts", "overdue_notices": "notices",
    "referred": "posts", "reappeared": "posts", "resolution_rate": "share of confirmed posts",
}
# The plan's indicators: (figure, target, whether it must be above the target rather than reach it).
INDICATORS = (("share_flagged_reviewed", 1.0, False), ("resolution_rate", 0.96, True))
TABLES = ("categories", "platform")  # the committee's table, per reviewer category and per platform
TABLE_COLUMNS = ("collected", "flagged", "reviewed", "confirmed", "warnings", "removal_requests",
                 "removal_request_links", "removed", "removed_within_deadline", "share_removed_within_deadline",
                 "median_hours_to_removal",
                 "p90_hours_to_removal", "overdue", "referred", "reappeared")
TIMED = ("share_removed_within_deadline", "median_hours_to_removal", "p90_hours_to_removal")
BREAKDOWNS = ("source", "status")  # posts collected and removed per source and per current status
NO_PLATFORM = "—"
UNDECIDED = ("collected", "flagged", "in_review")
POST_FIELDS = ["url", "platform", "source", "categories", "status", "reviewed_at", "removed_at", "referred_at",
               "takedown_requested_at", "takedown_deadline", "content_hash", "evidence"]


@dataclass
class Figures:
    collected: int = 0
    flagged: int = 0
    share_flagged_reviewed: float | None = None
    reviewed: int = 0
    confirmed: int = 0
    dismissed: int = 0
    warnings: int = 0
    removal_requests: int = 0
    removal_request_links: int = 0
    removed: int = 0
    removed_within_deadline: int = 0
    share_removed_within_deadline: float | None = None
    median_hours_to_removal: float | None = None
    p90_hours_to_removal: float | None = None
    removal_rate: float | None = None
    overdue: int = 0
    overdue_notices: int = 0
    referred: int = 0
    reappeared: int = 0
    resolution_rate: float | None = None
    table: dict[str, dict[str, dict[str, float | int | None]]] = field(default_factory=dict)  # TABLES -> key -> col
    by: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # BREAKDOWNS -> key -> figure -> n
    collected_per_month: list[tuple[str, int]] = field(default_factory=list)  # ("2026-07", n)
    removed_rows: list[dict] = field(default_factory=list)

    def values(self) -> dict[str, float | int | None]:
        """Every summary figure, name -> value, in the order of UNITS."""
        return {name: getattr(self, name) for name in UNITS}


@dataclass
class Report:
    period: Period
    figures: Figures
    previous: Figures
    tips: TipFigures | None = None  # the tips table (index/casework/tip_figures.py)

    @property
    def removed_items(self) -> list[dict]:
        return self.figures.removed_rows

    def change(self, name: str) -> float | None:
        """Relative change against the previous period (None when there is nothing to compare)."""
        now, before = getattr(self.figures, name), getattr(self.previous, name)
        if now is None or before in (None, 0):
            return None
        return (now - before) / before

    def indicators(self) -> list[dict]:
        """The plan's indicators with their targets and whether this period met them."""
        found = []
        for name, target, strictly in INDICATORS:
            value = getattr(self.figures, name)
            met = None if value is None else (value > target if strictly else value >= target)
            found.append({"name": name, "value": value, "target": target, "above": strictly, "met": met})
        return found

    def as_json(self) -> dict:
        """Every figure and the rows behind them, so that anyone can recompute the figures."""
        def one(figures: Figures, period: Period) -> dict:
            return {"period": {"start": period.start.isoformat(), "end_exclusive": period.end.isoformat()},
                    "figures": figures.values(), "table": figures.table, "removed": figures.removed_rows}
        return {**one(self.figures, self.period), "units": UNITS, "indicators": self.indicators(),
                "previous": one(self.previous, self.period.previous()),
                "tips": self.tips.as_json() if self.tips else None}


def build_report(repo: Repository, period: Period, *, now: datetime | None = None) -> Report:
    now = now or datetime.now(UTC)
    tips = tip_figures(repo, period.start_iso, period.end_iso, min(now, datetime.fromisoformat(period.end_iso)))
    return Report(period, figures(repo, period, now), figures(repo, period.previous(), now), tips)


def percentile(values: list[float], percent: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); the median is percentile 50."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * percent / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 3)


def figures(repo: Repository, period: Period, now: datetime) -> Figures:
    repo.catch_up()  # a decision made a moment ago counts (decisions are not refreshed at once)
    start, end = datetime.fromisoformat(period.start_iso), datetime.fromisoformat(period.end_iso)
    cutoff = min(now, end)
    window = {"gte": period.start_iso, "lt": period.end_iso}
    result = Figures()
    collected = _collected(repo, window)
    result.collected = collected["hits"]["total"]["value"]
    aggregations = collected["aggregations"]
    result.flagged = aggregations["flagged"]["doc_count"]
    if result.flagged:
        result.share_flagged_reviewed = aggregations["flagged"]["decided"]["doc_count"] / result.flagged
    result.collected_per_month = [(b["key_as_string"], b["doc_count"]) for b in aggregations["per_month"]["buckets"]]

    sent = repo.scan_notices({"bool": {"filter": [{"range": {"sent_at": window}},
                                                  {"terms": {"kind": ["warning", "takedown"]}}]}})
    reappeared = _reappeared(repo, window)
    posts = _posts(repo, window, period.end_iso, cutoff, reappeared, sent)
    facts = {post["id"]: _facts(post, start, end, cutoff, reappeared) for post in posts}
    requested = {pid for n in sent if n["kind"] == "takedown" for pid in n["post_ids"]}
    removed_ids = [pid for pid, fact in facts.items() if fact["removed"]]
    covering = repo.scan_notices({"terms": {"post_ids": removed_ids}}) if removed_ids else []
    by_id = {post["id"]: post for post in posts}
    result.removed_rows = sorted((_removed_row(by_id[pid], covering) for pid in removed_ids),
                                 key=lambda row: (row["removed_at"], row["id"]))
    timing = {row["id"]: row for row in result.removed_rows}

    for name in ("reviewed", "confirmed", "dismissed", "overdue", "referred", "reappeared"):
        setattr(result, name, sum(1 for fact in facts.values() if fact[name]))
    result.warnings = sum(1 for n in sent if n["kind"] == "warning")
    takedowns = [n for n in sent if n["kind"] == "takedown"]
    result.removal_requests, result.removal_request_links = len(takedowns), len(requested)
    if takedowns:
        result.removal_rate = sum(1 for n in takedowns if n.get("outcome") == "removed") / len(takedowns)
    _time_figures(result, result.removed_rows)
    result.removed = len(result.removed_rows)
    confirmed = [fact for fact in facts.values() if fact["confirmed"]]
    if confirmed:
        result.resolution_rate = sum(1 for fact in confirmed if fact["resolved"]) / len(confirmed)
    result.overdue_notices = _overdue_notices(repo, period, cutoff)

    for name in TABLES:
        result.table[name] = _table(name, collected, posts, facts, sent, requested, timing)
    for name in BREAKDOWNS:
        table: dict[str, dict[str, int]] = {}
        for bucket in aggregations[name]["buckets"]:
            table.setdefault(bucket["key"], {})["collected"] = bucket["doc_count"]
        for row in result.removed_rows:
            counts = table.setdefault(row.get(name) or NO_PLATFORM, {})
            counts["removed"] = counts.get("removed", 0) + 1
        result.by[name] = table
    return result


def _time_figures(result, rows: list[dict]) -> None:
    """removed_within_deadline, the share, median and p90 over removed rows (a dict or Figures)."""
    hours = [row["hours_to_removal"] for row in rows if row["hours_to_removal"] is not None]
    timed = [row for row in rows if row["within_deadline"] is not None]
    within = sum(1 for row in timed if row["within_deadline"])
    values = {"removed_within_deadline": within,
              "share_removed_within_deadline": within / len(timed) if timed else None,
              "median_hours_to_removal": percentile(hours, 50), "p90_hours_to_removal": percentile(hours, 90)}
    for name, value in values.items():
        if isinstance(result, dict):
            result[name] = value
        else:
            setattr(result, name, value)


def _collected(repo: Repository, window: dict) -> dict:
    flagged = {"filter": {"exists": {"field": "labels"}},
               "aggs": {"decided": {"filter": {"bool": {"must_not": {"terms": {"status": list(UNDECIDED)}}}}}}}
    return repo.aggregate(repo.posts, {"range": {"collected_at": window}}, {
        "flagged": flagged,
        "per_month": {"date_histogram": {"field": "collected_at", "calendar_interval": "month",
                                         "time_zone": VIETNAM_NAME, "format": "yyyy-MM"}},
        "platform": {"terms": {"field": "platform", "size": 1000, "missing": NO_PLATFORM},
                     "aggs": {"flagged": flagged}},
        "categories": {"filter": {"terms": {"status": sorted(CONFIRMED_STATUSES)}},
                       "aggs": {"keys": {"terms": {"field": "categories", "size": 100}, "aggs": {"flagged": flagged}}}},
        **{name: {"terms": {"field": name, "size": 1000, "missing": NO_PLATFORM}} for name in BREAKDOWNS},
    })


def _reappeared(repo: Repository, window: dict) -> set[str]:
    found = repo.aggregate(repo.events, {"bool": {"filter": [{"range": {"at": window}},
                                                             {"term": {"to_status": "reappeared"}}]}},
                           {"posts": {"terms": {"field": "post_id", "size": 10_000}}})
    return {b["key"] for b in found["aggregations"]["posts"]["buckets"]}


def _posts(repo: Repository, window: dict, end_iso: str, cutoff: datetime, reappeared: set[str],
           sent: list[dict]) -> list[dict]:
    """Every post that did something in the period: decided, removed, referred, reappeared, under a
    notice sent in it, or past a removal deadline at the cutoff."""
    ids = sorted(reappeared | {pid for notice in sent for pid in notice["post_ids"]})
    late = {"bool": {"filter": [{"range": {"takedown_requested_at": {"lt": end_iso}}},
                                {"range": {"takedown_deadline": {"lt": cutoff.isoformat()}}}],
                     "must_not": [{"range": {"removed_at": {"lt": cutoff.isoformat()}}}]}}
    should = [{"range": {"reviewed_at": window}}, {"range": {"removed_at": window}},
              {"range": {"referred_at": window}}, late, *([{"ids": {"values": ids}}] if ids else [])]
    return repo.scan_posts({"bool": {"should": should, "minimum_should_match": 1}}, fields=POST_FIELDS,
                           sort=[], limit=1_000_000)


def _facts(post: dict, start: datetime, end: datetime, cutoff: datetime, reappeared: set[str]) -> dict:
    def inside(name: str) -> bool:
        return bool(post.get(name)) and start <= datetime.fromisoformat(post[name]) < end

    status = post.get("status")
    reviewed = inside("reviewed_at") and status not in UNDECIDED
    confirmed = reviewed and status in CONFIRMED_STATUSES
    removed_at = post.get("removed_at")
    still_online = not removed_at or datetime.fromisoformat(removed_at) >= cutoff
    late = bool(post.get("takedown_deadline") and post.get("takedown_requested_at")) and still_online and \
        datetime.fromisoformat(post["takedown_requested_at"]) < end and \
        datetime.fromisoformat(post["takedown_deadline"]) < cutoff
    return {"reviewed": reviewed, "confirmed": confirmed, "dismissed": reviewed and status == "dismissed",
            "removed": inside("removed_at"), "referred": inside("referred_at"), "overdue": late,
            "reappeared": post["id"] in reappeared,
            "resolved": status in ("removed", "warning_issued") or bool(post.get("referred_at"))}


def _removed_row(post: dict, notices: list[dict]) -> dict:
    """A removed post with the notice its removal is timed from, `hours_to_removal` and `within_deadline`
    (None when no notice sent before the removal covered it)."""
    notice = covering_notice(notices, post["id"], post["removed_at"])
    hours, within = removal_timing(notice["sent_at"], first_deadline(notice), post["removed_at"]) if notice \
        else (None, None)
    return {**post, "notice_reference": notice and notice.get("reference"),
            "notice_sent_at": notice and notice["sent_at"], "notice_deadline": notice and first_deadline(notice),
            "hours_to_removal": hours, "within_deadline": within}


def keys_of(post: dict, table: str) -> list[str]:
    """The rows of the committee's table a post counts in: its platform; its reviewer's categories only
    while it stands confirmed (a dismissed or unreviewed post is never counted as harmful)."""
    if table == "platform":
        return [post.get("platform") or NO_PLATFORM]
    return list(post.get("categories") or []) if post.get("status") in CONFIRMED_STATUSES else []


def _table(name: str, collected: dict, posts: list[dict], facts: dict, sent: list[dict], requested: set[str],
           timing: dict) -> dict[str, dict]:
    rows: dict[str, dict] = {}

    def row(key: str) -> dict:
        return rows.setdefault(key, {column: None if column in TIMED else 0 for column in TABLE_COLUMNS})

    buckets = collected["aggregations"]["platform"]["buckets"] if name == "platform" else \
        collected["aggregations"]["categories"]["keys"]["buckets"]
    for bucket in buckets:
        row(bucket["key"]).update(collected=bucket["doc_count"], flagged=bucket["flagged"]["doc_count"])
    keys = {post["id"]: keys_of(post, name) for post in posts}
    for post_id, fact in facts.items():
        for key in keys[post_id]:
            for column in ("reviewed", "confirmed", "removed", "overdue", "referred", "reappeared"):
                row(key)[column] += int(fact[column])
            row(key)["removal_request_links"] += int(post_id in requested)
    for notice in sent:
        column = "warnings" if notice["kind"] == "warning" else "removal_requests"
        for key in {key for pid in notice["post_ids"] for key in keys.get(pid, [])}:
            row(key)[column] += 1
    for key, counts in rows.items():
        _time_figures(counts, [timing[pid] for pid, post_keys in keys.items() if key in post_keys and pid in timing])
    return dict(sorted(rows.items(), key=lambda item: (-item[1]["collected"], -item[1]["removed"], item[0])))


def _overdue_notices(repo: Repository, period: Period, cutoff: datetime) -> int:
    late = repo.aggregate(repo.notices, {"bool": {
        "filter": [{"terms": {"kind": ["takedown", "warning"]}}, {"range": {"deadline": {"lt": cutoff.isoformat()}}},
                   {"range": {"sent_at": {"lt": period.end_iso}}}],
        "should": [{"bool": {"must_not": {"exists": {"field": "outcome_at"}}}},
                   {"range": {"outcome_at": {"gte": cutoff.isoformat()}}}], "minimum_should_match": 1}}, {})
    return late["hits"]["total"]["value"]



def removed_items(repo: Repository, period: Period, *, now: datetime | None = None) -> list[dict]:
    """Every post removed in the period, with `hours_to_removal` and `within_deadline`: the rows the
    time figures are computed from."""
    return figures(repo, period, now or datetime.now(UTC)).removed_rows
