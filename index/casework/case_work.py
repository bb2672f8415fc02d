"""Work across a case's items: deciding its posts together, and its timeline.

Deciding together uses the mechanism of index.casework.lifecycle.decide_related: each post waiting for review
is taken for review ("claimed with case …") and decided on its own through lifecycle.decide, so each
has its own events in the audit trail; a post held by someone else, already decided, not waiting for
review or changed meanwhile is left alone and reported. The case records one event naming both lists.

The timeline is every audit event of the case itself and of the posts, notices and tips it holds
(index.casework.cases.EVENT_FIELDS), in time order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from index.casework import cases, lifecycle
from index.casework.lifecycle import CLAIM_DURATION, ConcurrentChange, TransitionError
from index.casework.permissions import Actor
from index.storage.repository import PostNotFound, Repository
from safewatch.statuses import WAITING_STATUSES

MAX_TIMELINE = 5000


def post_ids(case: dict) -> list[str]:
    return [item["id"] for item in case.get("items", []) if item["kind"] == "post"]


def decide_posts(repo: Repository, case_id: str, *, actor, confirm: bool, categories: list[str],
                 chosen: Iterable[str] | None = None, note: str = "", severity: int | None = None,
                 follow_up: str = "none", request_id: str | None = None,
                 now: datetime | None = None) -> tuple[list[str], list[str]]:
    """The same decision for the case's posts (those in `chosen`, default all) that wait for review or
    that `actor` holds; returns (decided ids, left-alone ids)."""
    now = now or datetime.now(UTC)
    case = cases.get_case(repo, case_id)
    actor = cases.require(actor, "decide", case)
    if confirm and not categories:
        raise TransitionError("Choose at least one category to confirm a post.")
    in_case = post_ids(case)
    wanted = [p for p in dict.fromkeys(chosen)] if chosen is not None else in_case
    if not wanted:
        raise cases.CaseError("Choose at least one post of the case.")
    outside = [p for p in wanted if p not in in_case]
    if outside:
        raise cases.CaseError("Not in this case: %(items)s.", items=", ".join(p[:60] for p in outside[:10]))
    decided, left = [], []
    for post_id in wanted:
        try:
            _decide_one(repo, post_id, case, actor, confirm=confirm, categories=categories, note=note,
                        severity=severity, follow_up=follow_up, request_id=request_id, now=now)
            decided.append(post_id)
        except (ConcurrentChange, TransitionError, PostNotFound):
            left.append(post_id)
    cases._audit(repo, case_id, "case_posts_decided", actor.name, now.isoformat(), request_id, reason=note,
                 details={"decision": "confirmed" if confirm else "dismissed", "categories": categories,
                          "decided": decided, "left_alone": left})
    return decided, left


def _decide_one(repo: Repository, post_id: str, case: dict, actor: Actor, *, now: datetime, **decision) -> None:
    stored = repo.get_post(post_id)
    source = stored.source
    status = source.get("status")
    held = status == "in_review" and (source.get("claim_expires_at") or "") > now.isoformat()
    if held and source.get("claimed_by") != actor.name:
        raise ConcurrentChange("Post is being reviewed by %(reviewer)s.", reviewer=source.get("claimed_by"))
    if not held:
        if status not in (*WAITING_STATUSES, "in_review"):
            raise TransitionError("This post is not waiting for review (%(status)s).", status=status)
        lifecycle.transition(repo, post_id, "in_review", actor=actor.name,
                             reason=f"claimed with case {case.get('reference', case['id'])}",
                             request_id=decision["request_id"], expected=stored, now=now,
                             fields={"claimed_by": actor.name, "claim_expires_at": (now + CLAIM_DURATION).isoformat()})
    lifecycle.decide(repo, post_id, reviewer=actor.name, now=now, **decision)


def timeline(repo: Repository, case: dict, *, limit: int = MAX_TIMELINE) -> list[dict]:
    """The audit events of the case and of everything in it, oldest first (a decision made a moment
    ago included: decisions are not refreshed at once)."""
    repo.catch_up()
    should: list[dict] = [{"term": {"case_id": case["id"]}}]
    for kind, field in cases.EVENT_FIELDS.items():
        ids = [item["id"] for item in case.get("items", []) if item["kind"] == kind]
        if ids:
            should.append({"terms": {field: ids}})
    events = []
    for event in repo.scan_events({"bool": {"should": should, "minimum_should_match": 1}}, sort=[{"at": "asc"}]):
        events.append(event)
        if len(events) >= limit:
            break
    return events
