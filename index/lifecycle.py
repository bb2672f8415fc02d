"""The status lifecycle of a post, in one place.

Every status change (UI, command line, re-check) goes through `transition()` (or, for the posts of a
notice that change together, `transition_together()`): the change must be allowed by TRANSITIONS, it
is written with optimistic concurrency (so two reviewers deciding one post cannot both win), and it
appends an event to the audit trail.

A decision is made once, on a post the reviewer holds (`decide`); changing it afterwards is a
supervisor's explicit, audited `reopen` with a reason, which hands the post back for review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from index import permissions
from index.permissions import Actor
from index.repository import Repository, StoredDoc, VersionConflict
from index.statuses import DECIDED_STATUSES, STATUSES, TRANSITIONS  # noqa: F401  (re-exported)
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import max_severity

CLAIM_DURATION = timedelta(minutes=15)


class TransitionError(SafeWatchError, ValueError):
    """The requested status change is not allowed from the post's current status."""


class ConcurrentChange(SafeWatchError):
    """Another person changed the post first; nothing was overwritten."""


def initial_status(flagged: bool) -> str:
    return "flagged" if flagged else "collected"


def check_allowed(current: str, target: str) -> None:
    if target not in STATUSES:
        raise TransitionError("Unknown status '%(status)s'.", status=target)
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        raise TransitionError("Cannot change a post from '%(current)s' to '%(target)s' (allowed from "
                              "'%(current)s': %(allowed)s).", current=current, target=target, allowed=allowed)


def transition(repo: Repository, post_id: str, target: str, *, actor: str, reason: str = "",
               request_id: str | None = None, fields: dict | None = None,
               expected: StoredDoc | None = None, now: datetime | None = None) -> dict:
    """Move one post to `target`; returns the new document. Raises TransitionError when the change
    is not allowed and ConcurrentChange when someone else changed the post since it was read."""
    now = now or datetime.now(UTC)
    stored = expected or repo.get_post(post_id)
    current = stored.source.get("status", "collected")
    check_allowed(current, target)
    if current == target == "in_review" and not _claim_expired(stored.source, now):
        raise ConcurrentChange("Post is being reviewed by %(reviewer)s.", reviewer=stored.source.get("claimed_by"))
    updated = {**stored.source, **(fields or {}), "status": target, "status_changed_at": now.isoformat()}
    try:
        repo.replace_post(stored, updated)
    except VersionConflict:
        raise ConcurrentChange("Someone else changed this post at the same time; reload and try again.") from None
    repo.append_event({"post_id": post_id, "action": "status_change", "actor": actor,
                       "at": now.isoformat(), "from_status": current, "to_status": target,
                       "reason": reason, "request_id": request_id})
    return updated


def claim(repo: Repository, post_id: str, *, reviewer: str, request_id: str | None = None,
          now: datetime | None = None) -> dict:
    """A reviewer takes a flagged post (or one whose claim expired) for CLAIM_DURATION."""
    now = now or datetime.now(UTC)
    stored = repo.get_post(post_id)
    if stored.source.get("status") == "in_review" and stored.source.get("claimed_by") == reviewer \
            and not _claim_expired(stored.source, now):
        return stored.source
    return transition(repo, post_id, "in_review", actor=reviewer, reason="claimed for review",
                      request_id=request_id, expected=stored, now=now,
                      fields={"claimed_by": reviewer,
                              "claim_expires_at": (now + CLAIM_DURATION).isoformat()})


def claim_next(repo: Repository, *, reviewer: str, request_id: str | None = None,
               now: datetime | None = None, candidates: int = 20, max_attempts: int = 500) -> dict | None:
    """Claim the most urgent waiting post for `reviewer`; None only when no post is waiting. When
    other reviewers take posts a moment earlier (or the search has not caught up with their claims
    yet), the next candidates are fetched without the ones already tried, however contested the top
    of the queue is: no two reviewers get one post, and nobody is told "empty" while posts wait.
    After `max_attempts` contested posts in a row, ConcurrentChange asks the reviewer to try again."""
    now = now or datetime.now(UTC)
    tried: list[str] = []
    while len(tried) < max_attempts:
        batch = repo.review_queue(now=now.isoformat(), size=candidates, exclude=tried)
        if not batch:
            return None
        for post in batch:
            tried.append(post["id"])
            try:
                return {"id": post["id"], **claim(repo, post["id"], reviewer=reviewer, request_id=request_id, now=now)}
            except ConcurrentChange:
                continue
    raise ConcurrentChange("The queue is very busy: other reviewers took every post tried. Try again.")


FOLLOW_UPS = ("none", "warning", "takedown", "investigation")  # what the reviewer asks for next


def decide(repo: Repository, post_id: str, *, reviewer: str, confirm: bool, categories: list[str],
           note: str = "", severity: int | None = None, follow_up: str = "none", request_id: str | None = None,
           now: datetime | None = None) -> dict:
    """A reviewer confirms (with categories, a severity — by default the highest of the categories' —
    and the next step: a warning, a removal request, a referral to investigation) or dismisses a post
    they hold. A referral to investigation is also an event of its own in the audit trail."""
    now = now or datetime.now(UTC)
    stored = repo.get_post(post_id)
    source = stored.source
    if source.get("status") in DECIDED_STATUSES:
        raise TransitionError("This post was already decided (%(status)s); only a supervisor can reopen the "
                              "decision, with a reason.", status=source.get("status"))
    if source.get("status") == "in_review" and source.get("claimed_by") != reviewer \
            and not _claim_expired(source, now):
        raise ConcurrentChange("Post is being reviewed by %(reviewer)s.", reviewer=source.get("claimed_by"))
    if confirm and not categories:
        raise TransitionError("Choose at least one category to confirm a post.")
    if follow_up not in FOLLOW_UPS or (follow_up != "none" and not confirm):
        raise TransitionError("Unknown or impossible next step '%(step)s'.", step=follow_up)
    if severity is not None and not 1 <= severity <= 5:
        raise TransitionError("Severity goes from 1 to 5.")
    target = "confirmed" if confirm else "dismissed"
    fields = {"reviewer": reviewer, "reviewed_at": now.isoformat(), "categories": categories if confirm else [],
              "decision_note": note, "claimed_by": None, "claim_expires_at": None,
              "severity": (severity or max_severity(categories)) if confirm else None,
              "follow_up": follow_up if confirm else None}
    if follow_up == "investigation":
        fields["referred_at"] = now.isoformat()
    updated = transition(repo, post_id, target, actor=reviewer, reason=note, request_id=request_id,
                         expected=stored, now=now, fields=fields)
    if follow_up == "investigation":
        repo.append_event({"post_id": post_id, "action": "referred_to_investigation", "actor": reviewer,
                           "at": now.isoformat(), "reason": note, "request_id": request_id,
                           "details": {"categories": categories, "severity": fields["severity"]}})
    return updated


def reopen(repo: Repository, post_id: str, *, actor: Actor | dict | str, reason: str,
           request_id: str | None = None, now: datetime | None = None) -> dict:
    """A supervisor reopens a decision (confirmed or dismissed) with a reason: the post goes back to
    review, held by that supervisor for CLAIM_DURATION (then back in the queue). Audited with the
    decision it undoes. A post already under a sent notice cannot be reopened (its status moved on),
    and a notice drafted for a reopened post cannot be sent (index.notices.send)."""
    now = now or datetime.now(UTC)
    actor = permissions.require(actor, "reopen")
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError("Give the reason for reopening the decision.")
    stored = repo.get_post(post_id)
    source = stored.source
    if source.get("status") not in DECIDED_STATUSES:
        raise TransitionError("Only a confirmed or dismissed post can be reopened (this one is '%(status)s').",
                              status=source.get("status"))
    updated = transition(repo, post_id, "in_review", actor=actor.name, reason=f"reopened: {reason}",
                         request_id=request_id, expected=stored, now=now,
                         fields={"claimed_by": actor.name, "claim_expires_at": (now + CLAIM_DURATION).isoformat()})
    repo.append_event({"post_id": post_id, "action": "decision_reopened", "actor": actor.name, "at": now.isoformat(),
                       "from_status": source.get("status"), "to_status": "in_review", "reason": reason,
                       "request_id": request_id,
                       "details": {"reviewer": source.get("reviewer"), "reviewed_at": source.get("reviewed_at"),
                                   "categories": source.get("categories") or [], "severity": source.get("severity")}})
    return updated


@dataclass(frozen=True)
class Change:
    """One post's part in a change of several posts together: as read, its new status, new fields."""
    stored: StoredDoc
    target: str
    fields: dict


def transition_together(repo: Repository, changes: list[Change], *, actor: str, reason: str,
                        request_id: str | None = None, now: datetime | None = None,
                        then: Callable[[], object] | None = None):
    """Change several posts all or none, then run `then` (e.g. the notice's own write); returns its result.

    Each post is written only if unchanged since it was read. If one write fails (someone changed the
    post), or `then` fails, the posts already written are put back as they were, and the error is
    raised: nothing is left half-done. Audit events are appended only once everything succeeded.
    A target equal to the current status keeps the status and writes the fields (no event)."""
    now = now or datetime.now(UTC)
    prepared = []
    for change in changes:
        current = change.stored.source.get("status", "collected")
        if change.target != current:
            check_allowed(current, change.target)
        moved = {"status": change.target, "status_changed_at": now.isoformat()} if change.target != current else {}
        prepared.append((change.stored, {**change.stored.source, **change.fields, **moved}))
    written: list[tuple[StoredDoc, StoredDoc]] = []
    try:
        for stored, updated in prepared:
            written.append((stored, repo.replace_post(stored, updated)))
        result = then() if then is not None else None
    except VersionConflict:
        _undo(repo, written, actor, now)
        raise ConcurrentChange("Someone else changed a post of this notice at the same time; nothing was "
                               "changed. Reload and try again.") from None
    except BaseException:
        _undo(repo, written, actor, now)
        raise
    for before, after in written:
        if before.source.get("status") != after.source.get("status"):
            repo.append_event({"post_id": before.id, "action": "status_change", "actor": actor, "at": now.isoformat(),
                               "from_status": before.source.get("status"), "to_status": after.source["status"],
                               "reason": reason, "request_id": request_id})
    return result


def _undo(repo: Repository, written: list[tuple[StoredDoc, StoredDoc]], actor: str, now: datetime) -> None:
    """Put back the posts written by a change that failed later (compensation), newest first. A post
    changed again meanwhile is left as it is and the failure is recorded in the audit trail."""
    for before, after in reversed(written):
        try:
            repo.replace_post(after, before.source)
        except VersionConflict:
            repo.append_event({"post_id": before.id, "action": "undo_failed", "actor": actor, "at": now.isoformat(),
                               "reason": "changed again before a failed change could be undone",
                               "details": {"status_before": before.source.get("status")}})


def _claim_expired(source: dict, now: datetime) -> bool:
    expires = source.get("claim_expires_at")
    return not expires or datetime.fromisoformat(expires) <= now
