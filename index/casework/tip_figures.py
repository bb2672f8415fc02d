"""The tips table of the period report (index/casework/reports.py): every tip received in the period [start, end).

  received               tips received in the period, by channel and by category
  triaged_in_time        of those, tips triaged before their triage deadline (default 24 h)
  resolved               of those, tips closed (resolved or forwarded) by the cutoff, by outcome
  share_processed        tips triaged (classified) by the cutoff / tips received    (plan target: 100%)
  resolution_rate        tips closed (resolved or forwarded) by the cutoff / tips received  (plan target: > 96%)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from index.storage.repository import Repository

DEFINITIONS = {
    "share_processed": "Tips received in the period that were triaged (classified) by the end of the period "
                       "(or now), divided by all tips received in the period. Target: 100%.",
    "resolution_rate": "Tips received in the period that were resolved or forwarded by the end of the period "
                       "(or now), divided by all tips received in the period. Target: above 96%.",
    "triaged_in_time": "Tips received in the period and triaged before their triage deadline.",
}


@dataclass
class TipFigures:
    received: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    triaged: int = 0
    triaged_in_time: int = 0
    resolved: int = 0  # resolved or forwarded
    by_outcome: dict[str, int] = field(default_factory=dict)  # outcome, or "forwarded"
    share_processed: float | None = None
    resolution_rate: float | None = None
    # One row per tip counted (oldest first), as of the cutoff: every figure above can be recomputed from them.
    rows: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {**{k: v for k, v in self.__dict__.items() if k != "rows"}, "definitions": DEFINITIONS}


def tip_figures(repo: Repository, start_iso: str, end_iso: str, cutoff: datetime) -> TipFigures:
    found = repo.search_documents("tips", {"range": {"received_at": {"gte": start_iso, "lt": end_iso}}},
                                  size=10_000, source_excludes=["code_hash", "description", "contact", "fetches"])
    result = TipFigures(received=len(found))
    for tip in sorted(found, key=lambda tip: (tip["received_at"], tip.get("reference") or "")):
        result.by_channel[tip["channel"]] = result.by_channel.get(tip["channel"], 0) + 1
        result.by_category[tip["category"]] = result.by_category.get(tip["category"], 0) + 1
        triaged_at = datetime.fromisoformat(tip["triaged_at"]) if tip.get("triaged_at") else None
        triaged_at = triaged_at if triaged_at is not None and triaged_at <= cutoff else None
        in_time = None
        if triaged_at is not None:
            result.triaged += 1
            in_time = triaged_at <= datetime.fromisoformat(tip["triage_deadline"])
            result.triaged_in_time += in_time
        closed_at = datetime.fromisoformat(tip["resolved_at"]) if tip.get("resolved_at") else None
        closed_at = closed_at if closed_at is not None and closed_at <= cutoff else None
        outcome = None
        if closed_at is not None:
            result.resolved += 1
            outcome = tip.get("outcome") or tip["status"]
            result.by_outcome[outcome] = result.by_outcome.get(outcome, 0) + 1
        result.rows.append({"reference": tip.get("reference"), "channel": tip["channel"], "category": tip["category"],
                            "received_at": tip["received_at"], "triage_deadline": tip.get("triage_deadline"),
                            "triaged_at": triaged_at.isoformat() if triaged_at else None,
                            "triaged_in_time": in_time, "closed_at": closed_at.isoformat() if closed_at else None,
                            "outcome": outcome, "disclosure": bool(tip.get("disclosure"))})
    if result.received:
        result.share_processed = result.triaged / result.received
        result.resolution_rate = result.resolved / result.received
    return result
