"""The status lifecycle of a post, in one place.

Every status change (UI, command line, re-check) goes through `transition()` (or, for the posts of a
notice that change together, `transition_together()`): the change must be allowed by TRANSITIONS, it
is written with optimistic concurrency (so two reviewers deciding one post cannot both win), and it
appends an event to the audit trail.

A reviewer holds at most one post (`claim`, `claim_next` gives back the post already held, `release`
puts it back in the queue). A decision is made once, on a post the reviewer holds (`decide`), and may
cover related posts waiting for review (`decide_related`, each decided and audited on its own);
changing it afterwards is a supervisor's explicit, audited `reopen` with a reason, which hands the post
back for review.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from index.casework import audit_reasons, permissions
from index.casework.audit_reasons import Reason, event_fields
from index.casework.permissions import Actor
from index.storage.repository import PostNotFound, Repository, StoredDoc, VersionConflict, new_event_id
from safewatch.errors import SafeWatchError
from safewatch.statuses import DECIDED_STATUSES, STATUSES, TRANSITIONS, WAITING_STATUSES  # noqa: F401  (re-exported)
from safewatch.taxonomy import max_severity

CLAIM_DURATION = timedelta(minutes=15)
RELEASED = audit_reasons.reason("released")


class TransitionError(SafeWatchError, ValueError):
    """The requested status change is not allowed from the post's current status."""


class ConcurrentChange(SafeWatchError):
    """Another person changed the post first; nothing was overwritten."""


class AlreadyHolding(SafeWatchError):
    """The reviewer already holds another post: decide it or release it first."""

    def __init__(self, message: str, *, post_id: str, **values) -> None:
        super().__init__(message, **values)
        self.post_id = post_id


def initial_status(flagged: bool) -> str:
    return "flagged" if flagged else "collected"


def check_allowed(current: str, target: str) -> None:
    if target not in STATUSES:
        raise TransitionError("Unknown status '%(status)s'.", status=target)
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        raise TransitionError("Cannot change a post from '%(current)s' to '%(target)s' (allowed from "
                              "'%(current)s': %(allowed)s).", current=current, target=target, allowed=allowed)


def transition(repo: Repository, post_id: str, target: str, *, actor: str, reason: Reason | str = "",
               request_id: str | None = None, fields: dict | None = None,
               expected: StoredDoc | None = None, now: datetime | None = None, refresh: bool = True) -> dict:
    """Move one post to `target`; returns the new document. Raises TransitionError when the change
    is not allowed and ConcurrentChange when someone else changed the post since it was read.
    `refresh` False (a claim, a decision): searches see the change and its event within a second,
    not at once (index.storage.repository.Repository's note)."""
    now = now or datetime.now(UTC)
    stored = expected or repo.get_post(post_id)
    current = stored.source.get("status", "collected")
    check_allowed(current, target)
    if current == target == "in_review" and not _claim_expired(stored.source, now):
        raise ConcurrentChange("Post is being reviewed by %(reviewer)s.", reviewer=stored.source.get("claimed_by"))
    event_id = new_event_id()  # named in the post, so its page reads the event by id before a search sees it
    updated = {**stored.source, **(fields or {}), "status": target, "status_changed_at": now.isoformat(),
               "status_event_id": event_id}
    try:
        repo.replace_post(stored, updated, refresh=refresh)
    except VersionConflict:
        raise ConcurrentChange("Someone else changed this post at the same time; reload and try again.") from None
    repo.append_event({"post_id": post_id, "action": "status_change", "actor": actor,
                       "at": now.isoformat(), "from_status": current, "to_status": target,
                       **event_fields(reason), "request_id": request_id}, refresh=refresh, event_id=event_id)
    return updated


def held_post(repo: Repository, reviewer: str, *, now: datetime | None = None,
              other_than: str | None = None) -> dict | None:
    """The post `reviewer` holds (claimed, claim not expired), or None; a reviewer holds at most one.
    Read by id (the reviewer's hold record, then the post), so a claim made a moment ago counts."""
    now = now or datetime.now(UTC)
    return _held(repo, reviewer, repo.get_hold(reviewer), now, other_than)


def _held(repo: Repository, reviewer: str, hold: StoredDoc | None, now: datetime,
          other_than: str | None) -> dict | None:
    if hold is None:  # never held a post since holds were recorded: look for a claim made before
        return _held_before_holds(repo, reviewer, now, other_than)
    post_id = hold.source.get("post_id")
    if not post_id or post_id == other_than:
        return None
    try:
        current = repo.get_post(post_id).source
    except PostNotFound:
        return None
    return {**current, "id": post_id} if _holds(current, reviewer, now) else None


def _held_before_holds(repo: Repository, reviewer: str, now: datetime, other_than: str | None) -> dict | None:
    for post in repo.posts_held_by(reviewer, now=now.isoformat()):
        if post["id"] != other_than:
            current = repo.get_post(post["id"]).source
            if _holds(current, reviewer, now):
                return {**current, "id": post["id"]}
    return None


def _holds(post: dict, reviewer: str, now: datetime) -> bool:
    return post.get("status") == "in_review" and post.get("claimed_by") == reviewer and not _claim_expired(post, now)


def claim(repo: Repository, post_id: str, *, reviewer: str, request_id: str | None = None,
          now: datetime | None = None) -> dict:
    """A reviewer takes a flagged post (or one whose claim expired) for CLAIM_DURATION. A reviewer holds
    at most one post: while they hold another, AlreadyHolding names it.

    The claim is not refreshed at once (every reviewer makes one a minute): who holds what is read by id.
    Each reviewer's hold record points at the post they hold and is moved only from the version read
    before the claim, so of two claims at the same instant by one reviewer (two tabs) one moves it and
    the other gives its post back."""
    now = now or datetime.now(UTC)
    stored = repo.get_post(post_id)
    if _holds(stored.source, reviewer, now):
        return stored.source
    status = stored.source.get("status")
    if status not in WAITING_STATUSES and status != "in_review":
        # Decided by someone else since the queue was read (or never flagged): reopening a decision is
        # index.casework.lifecycle.reopen, never a claim.
        raise ConcurrentChange("This post is not waiting for review (%(status)s).", status=status)
    return _take(repo, stored, reviewer=reviewer, now=now, request_id=request_id, refresh=False,
                 reason=audit_reasons.reason("claimed_for_review"))


class _HoldMoved(ConcurrentChange):
    """Another claim of the same reviewer (a second tab) moved their hold record first."""


_UNREAD = object()


def _take(repo: Repository, stored: StoredDoc, *, reviewer: str, now: datetime, request_id: str | None,
          refresh: bool, reason: Reason, hold=_UNREAD) -> dict:
    """The post goes to review held by `reviewer` (a claim, a reopened decision): refused while they hold
    another; the hold record is then moved from the version read before the post was written. `hold`:
    the hold record as the caller read it and found holding nothing."""
    if hold is _UNREAD:
        hold = repo.get_hold(reviewer)
        _refuse_second_claim(repo, reviewer, stored.id, now, hold)
    updated = transition(repo, stored.id, "in_review", actor=reviewer, reason=reason, request_id=request_id,
                         expected=stored, now=now, refresh=refresh,
                         fields={"claimed_by": reviewer, "claim_expires_at": (now + CLAIM_DURATION).isoformat()})
    try:
        repo.put_hold(reviewer, stored.id, claimed_at=now.isoformat(), expected=hold)
    except VersionConflict:  # another claim of this reviewer moved it first: that one stands
        release(repo, stored.id, reviewer=reviewer, request_id=request_id, now=now,
                reason=audit_reasons.reason("released_other_claim"))
        _refuse_second_claim(repo, reviewer, stored.id, now, repo.get_hold(reviewer))
        raise _HoldMoved("Another of your tabs took a post at the same moment; try again.") from None
    return updated


def _refuse_second_claim(repo: Repository, reviewer: str, post_id: str, now: datetime,
                         hold: StoredDoc | None) -> None:
    other = _held(repo, reviewer, hold, now, post_id)
    if other is not None:
        raise AlreadyHolding("You already hold another post: decide it or release it before taking a new one.",
                             post_id=other["id"])


def release(repo: Repository, post_id: str, *, reviewer: str, request_id: str | None = None,
            now: datetime | None = None, reason: Reason | str = RELEASED) -> dict:
    """The reviewer gives back the post they hold, undecided: it waits in the queue again (flagged)."""
    now = now or datetime.now(UTC)
    stored = repo.get_post(post_id)
    source = stored.source
    if source.get("status") != "in_review" or source.get("claimed_by") != reviewer:
        raise TransitionError("You do not hold this post, so there is nothing to release.")
    return transition(repo, post_id, "flagged", actor=reviewer, reason=reason, request_id=request_id,
                      expected=stored, now=now, fields={"claimed_by": None, "claim_expires_at": None})


def claim_next(repo: Repository, *, reviewer: str, request_id: str | None = None,
               now: datetime | None = None, candidates: int = 20, max_attempts: int = 500) -> dict | None:
    """Claim the most urgent waiting post for `reviewer` (the post they already hold, if any); None only
    when no post is waiting. When
    other reviewers take posts a moment earlier (or the search has not caught up with their claims
    yet), the next candidates are fetched without the ones already tried, however contested the top
    of the queue is: no two reviewers get one post, and nobody is told "empty" while posts wait.
    After `max_attempts` contested posts in a row, ConcurrentChange asks the reviewer to try again."""
    now = now or datetime.now(UTC)
    hold = repo.get_hold(reviewer)
    held = _held(repo, reviewer, hold, now, None)
    if held is not None:  # "next" while holding a post: that post, not a second one
        return held
    tried: list[str] = []
    while len(tried) < max_attempts:
        order = repo.review_queue(now=now.isoformat(), size=candidates, exclude=tried)
        if not order:
            return None
        tried.extend(post["id"] for post in order)
        # The search lags up to a second behind claims and decisions: each candidate is read again by id.
        stored = repo.stored_posts([post["id"] for post in order])
        waiting = [stored[post["id"]] for post in order
                   if post["id"] in stored and _claimable(stored[post["id"]].source, now)]
        while waiting:
            candidate = waiting.pop(0)
            try:
                return {"id": candidate.id, **_take(repo, candidate, reviewer=reviewer, now=now, request_id=request_id,
                                                    refresh=False, reason=audit_reasons.reason("claimed_for_review"),
                                                    hold=hold)}
            except _HoldMoved:
                hold = repo.get_hold(reviewer)
            except ConcurrentChange:
                # Someone took it a moment earlier: everyone who lost it would now write to the same next
                # post, and all but one lose again. Each loser goes on from a place of their own instead.
                waiting = _spread(waiting, reviewer, len(tried))
    raise ConcurrentChange("The queue is very busy: other reviewers took every post tried. Try again.")


def _claimable(post: dict, now: datetime) -> bool:
    status = post.get("status")
    return status in WAITING_STATUSES or (status == "in_review" and _claim_expired(post, now))


def _spread(order: list[StoredDoc], reviewer: str, attempt: int) -> list[StoredDoc]:
    """`order` rotated to start at a place fixed by the reviewer and the attempt: reviewers who lost the
    same post spread over the next candidates instead of racing for each in turn. Only after a lost
    race: a reviewer alone at the queue always takes the most urgent post."""
    if len(order) < 2:
        return order
    start = zlib.crc32(f"{reviewer}:{attempt}".encode()) % len(order)
    return order[start:] + order[:start]


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
    # The busiest write of all (every reviewer, every minute or two): not refreshed at once. The queue
    # reads each candidate again by id; reports and timelines catch up before they read.
    updated = transition(repo, post_id, target, actor=reviewer, reason=note, request_id=request_id,
                         expected=stored, now=now, fields=fields, refresh=False)
    if follow_up == "investigation":
        repo.append_event({"post_id": post_id, "action": "referred_to_investigation", "actor": reviewer,
                           "at": now.isoformat(), "reason": note, "request_id": request_id,
                           "details": {"categories": categories, "severity": fields["severity"]}}, refresh=False)
    return updated


def decide_related(repo: Repository, post_id: str, related_ids: list[str], *, reviewer: str, confirm: bool,
                   categories: list[str], note: str = "", severity: int | None = None, follow_up: str = "none",
                   request_id: str | None = None, now: datetime | None = None) -> tuple[list[str], list[str]]:
    """After deciding `post_id`, the same decision for posts related to it (same text, near-duplicates,
    same author) that wait for review: each is taken for review ("claimed with" the decided post) and
    decided on its own, so each has its own events in the audit trail. A post that is held by someone
    else, already decided, or changed meanwhile is left alone. Returns (decided ids, left-alone ids)."""
    now = now or datetime.now(UTC)
    decided_post = repo.get_post(post_id).source
    if decided_post.get("reviewer") != reviewer or decided_post.get("status") not in DECIDED_STATUSES:
        raise TransitionError("Decide this post first; related posts then take the same decision.")
    decided, left = [], []
    for other_id in dict.fromkeys(related_ids):
        if other_id == post_id:
            continue
        try:
            stored = repo.get_post(other_id)
            waiting = stored.source.get("status") == "flagged" or (
                stored.source.get("status") == "in_review" and _claim_expired(stored.source, now))
            if not waiting:
                left.append(other_id)
                continue
            transition(repo, other_id, "in_review", actor=reviewer,
                       reason=audit_reasons.reason("claimed_with", post=post_id),
                       request_id=request_id, expected=stored, now=now,
                       fields={"claimed_by": reviewer, "claim_expires_at": (now + CLAIM_DURATION).isoformat()})
            decide(repo, other_id, reviewer=reviewer, confirm=confirm, categories=categories, note=note,
                   severity=severity, follow_up=follow_up, request_id=request_id, now=now)
            decided.append(other_id)
        except (ConcurrentChange, TransitionError, PostNotFound):
            left.append(other_id)
    return decided, left


def reopen(repo: Repository, post_id: str, *, actor: Actor | dict | str, reason: str,
           request_id: str | None = None, now: datetime | None = None) -> dict:
    """A supervisor reopens a decision (confirmed or dismissed) with a reason: the post goes back to
    review, held by that supervisor for CLAIM_DURATION (then back in the queue). Audited with the
    decision it undoes. A post already under a sent notice cannot be reopened (its status moved on),
    and a notice drafted for a reopened post cannot be sent (index.casework.notices.send)."""
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
    # The reopened post is held by the supervisor: one at a time, as a claim.
    updated = _take(repo, stored, reviewer=actor.name, now=now, request_id=request_id, refresh=True,
                    reason=audit_reasons.reason("reopened", note=reason))
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


def transition_together(repo: Repository, changes: list[Change], *, actor: str, reason: Reason | str,
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
                               **event_fields(reason), "request_id": request_id})
    return result


def _undo(repo: Repository, written: list[tuple[StoredDoc, StoredDoc]], actor: str, now: datetime) -> None:
    """Put back the posts written by a change that failed later (compensation), newest first. A post
    changed again meanwhile is left as it is and the failure is recorded in the audit trail."""
    for before, after in reversed(written):
        try:
            repo.replace_post(after, before.source)
        except VersionConflict:
            repo.append_event({"post_id": before.id, "action": "undo_failed", "actor": actor, "at": now.isoformat(),
                               **event_fields(audit_reasons.reason("undo_failed")),
                               "details": {"status_before": before.source.get("status")}})


def _claim_expired(source: dict, now: datetime) -> bool:
    expires = source.get("claim_expires_at")
    return not expires or datetime.fromisoformat(expires) <= now
