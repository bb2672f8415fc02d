"""The figures supervisors report to the steering committee, for a period and the one before.

What each figure counts (all times in the period, Vietnam time):
  collected          posts first collected
  flagged            of those, posts the classifier or rules flagged
  reviewed           review decisions (confirmed + dismissed events)
  confirmed          confirm decisions
  warnings           warnings sent;  removal_requests: removal requests sent
  removed            posts recorded as removed
  removal_rate       removal requests sent in the period whose content is now removed / requests sent
  time to removal    median and p90 hours from request to removal, over requests closed in the period
  within_deadline    share of those closed within their deadline
  overdue            requests and warnings past their deadline at the period's end, content still online
Breakdowns by category, platform, source and (current) status give collected and removed per key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from index.periods import Period
from index.repository import Repository

BREAKDOWNS = ("categories", "platform", "source", "status")


@dataclass
class Figures:
    collected: int = 0
    flagged: int = 0
    reviewed: int = 0
    confirmed: int = 0
    dismissed: int = 0
    warnings: int = 0
    removal_requests: int = 0
    removed: int = 0
    removal_rate: float | None = None
    median_hours_to_removal: float | None = None
    p90_hours_to_removal: float | None = None
    within_deadline: float | None = None
    overdue: int = 0
    by: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # breakdown -> key -> figure -> n
    collected_per_month: list[tuple[str, int]] = field(default_factory=list)  # ("2026-07", n)

    @property
    def reviewed_share(self) -> float | None:
        return self.reviewed / self.flagged if self.flagged else None


@dataclass
class Report:
    period: Period
    figures: Figures
    previous: Figures
    removed_items: list[dict]

    def change(self, name: str) -> float | None:
        """Relative change against the previous period (None when there is nothing to compare)."""
        now, before = getattr(self.figures, name), getattr(self.previous, name)
        if now is None or before in (None, 0):
            return None
        return (now - before) / before


def build_report(repo: Repository, period: Period, *, now: datetime | None = None) -> Report:
    now = now or datetime.now(UTC)
    return Report(period, figures(repo, period, now), figures(repo, period.previous(), now),
                  removed_items(repo, period))


def figures(repo: Repository, period: Period, now: datetime) -> Figures:
    window = {"gte": period.start_iso, "lt": period.end_iso}
    result = Figures()

    posts = repo.aggregate(repo.posts, {"range": {"collected_at": window}}, {
        "flagged": {"filter": {"exists": {"field": "labels"}}},
        "per_month": {"date_histogram": {"field": "collected_at", "calendar_interval": "month",
                                         "time_zone": "Asia/Ho_Chi_Minh", "format": "yyyy-MM"}},
        **{name: {"terms": {"field": name, "size": 100}} for name in BREAKDOWNS},
    })
    result.collected = posts["hits"]["total"]["value"]
    result.flagged = posts["aggregations"]["flagged"]["doc_count"]
    result.collected_per_month = [(b["key_as_string"], b["doc_count"])
                                  for b in posts["aggregations"]["per_month"]["buckets"]]

    decisions = repo.aggregate(repo.events, {"bool": {"filter": [
        {"range": {"at": window}}, {"term": {"action": "status_change"}}]}},
        {"to": {"terms": {"field": "to_status", "size": 20}}})
    moves = {b["key"]: b["doc_count"] for b in decisions["aggregations"]["to"]["buckets"]}
    result.confirmed, result.dismissed = moves.get("confirmed", 0), moves.get("dismissed", 0)
    result.reviewed = result.confirmed + result.dismissed

    sent = repo.aggregate(repo.notices, {"range": {"sent_at": window}}, {
        "kind": {"terms": {"field": "kind"}},
        "requests_removed": {"filter": {"bool": {"filter": [{"term": {"kind": "takedown"}},
                                                            {"term": {"outcome": "removed"}}]}}},
    })
    kinds = {b["key"]: b["doc_count"] for b in sent["aggregations"]["kind"]["buckets"]}
    result.warnings, result.removal_requests = kinds.get("warning", 0), kinds.get("takedown", 0)
    if result.removal_requests:
        result.removal_rate = sent["aggregations"]["requests_removed"]["doc_count"] / result.removal_requests

    closed = repo.aggregate(repo.notices, {"bool": {"filter": [{"range": {"outcome_at": window}},
                                                               {"term": {"outcome": "removed"}}]}}, {
        "hours": {"percentiles": {"field": "removal_hours", "percents": [50, 90]}},
        "in_time": {"filter": {"term": {"within_deadline": True}}},
    })
    closed_count = closed["hits"]["total"]["value"]
    if closed_count:
        values = closed["aggregations"]["hours"]["values"]
        result.median_hours_to_removal, result.p90_hours_to_removal = values["50.0"], values["90.0"]
        result.within_deadline = closed["aggregations"]["in_time"]["doc_count"] / closed_count

    removed = repo.aggregate(repo.posts, {"range": {"removed_at": window}},
                             {name: {"terms": {"field": name, "size": 100}} for name in BREAKDOWNS})
    result.removed = removed["hits"]["total"]["value"]

    cutoff = min(now.isoformat(), period.end_iso)
    late = repo.aggregate(repo.notices, {"bool": {
        "filter": [{"terms": {"kind": ["takedown", "warning"]}}, {"range": {"deadline": {"lt": cutoff}}},
                   {"range": {"sent_at": {"lt": period.end_iso}}}],
        "should": [{"bool": {"must_not": {"exists": {"field": "outcome_at"}}}},
                   {"range": {"outcome_at": {"gte": cutoff}}}], "minimum_should_match": 1}}, {})
    result.overdue = late["hits"]["total"]["value"]

    for name in BREAKDOWNS:
        table: dict[str, dict[str, int]] = {}
        for source, figure in ((posts, "collected"), (removed, "removed")):
            for bucket in source["aggregations"][name]["buckets"]:
                table.setdefault(bucket["key"], {})[figure] = bucket["doc_count"]
        result.by[name] = table
    return result


def removed_items(repo: Repository, period: Period, *, limit: int = 10_000) -> list[dict]:
    """Every post removed in the period: URL, categories, request and removal times, evidence hash,
    and `hours_to_removal` / `within_deadline` (None when no removal request was sent for it)."""
    rows = repo.scan_posts({"range": {"removed_at": {"gte": period.start_iso, "lt": period.end_iso}}},
                           fields=["url", "categories", "platform", "source", "takedown_requested_at",
                                   "takedown_deadline", "removed_at", "content_hash", "evidence"],
                           sort=[{"removed_at": "asc"}], limit=limit)
    for row in rows:
        row["hours_to_removal"], row["within_deadline"] = _timing(row)
    return rows


def _timing(row: dict) -> tuple[float | None, bool | None]:
    """Hours from the removal request to the removal, and whether the removal met the deadline,
    counted as index.notices.record_removal counts them for the notice."""
    if not row.get("takedown_requested_at") or not row.get("removed_at"):
        return None, None
    removed_at = datetime.fromisoformat(row["removed_at"])
    hours = round((removed_at - datetime.fromisoformat(row["takedown_requested_at"])).total_seconds() / 3600, 3)
    deadline = row.get("takedown_deadline")
    return hours, (removed_at <= datetime.fromisoformat(deadline)) if deadline else None
