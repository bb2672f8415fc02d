"""Post statuses (DOMAIN.md) and the transitions allowed between them: defined once, here."""

STATUSES = ("collected", "flagged", "in_review", "dismissed", "confirmed", "warning_issued",
            "takedown_requested", "removed", "overdue", "reappeared")

TRANSITIONS: dict[str, frozenset[str]] = {
    # -> reappeared: the content of a removed post found again (index.casework.reappearance), ahead of all review.
    "collected": frozenset({"flagged", "reappeared"}),
    "flagged": frozenset({"in_review", "collected", "reappeared"}),
    # in_review -> in_review: another reviewer takes over an expired claim.
    "in_review": frozenset({"confirmed", "dismissed", "flagged", "in_review"}),
    # -> in_review: a supervisor reopens the decision (index.casework.lifecycle.reopen), never a plain re-decision.
    "dismissed": frozenset({"flagged", "in_review"}),
    # A removal is recorded only on a sent notice (index.casework.notices.record_removal): not from confirmed.
    "confirmed": frozenset({"warning_issued", "takedown_requested", "in_review"}),
    "warning_issued": frozenset({"takedown_requested", "removed", "overdue"}),
    "takedown_requested": frozenset({"removed", "overdue"}),
    "overdue": frozenset({"removed", "takedown_requested"}),
    "removed": frozenset({"reappeared"}),
    # -> in_review: a reviewer takes it from the queue to confirm the match (then a notice as usual).
    "reappeared": frozenset({"takedown_requested", "removed", "overdue", "in_review"}),
}

# A reviewer confirmed the post, and it has not been reopened since: the posts a notice may be sent for.
CONFIRMED_STATUSES = frozenset({"confirmed", "warning_issued", "takedown_requested", "removed", "overdue",
                                "reappeared"})
# Decisions that only a supervisor's reopen changes.
DECIDED_STATUSES = frozenset({"confirmed", "dismissed"})
# Every post a reviewer has decided (confirmed or dismissed, and wherever a confirmed one went since): what
# retraining learns from (index.casework.retraining).
REVIEWED_STATUSES = CONFIRMED_STATUSES | {"dismissed"}
# Under a warning or removal request and not yet removed: what a re-check visits (crawlers.recheck).
UNDER_NOTICE_STATUSES = frozenset({"warning_issued", "takedown_requested", "overdue", "reappeared"})
# Not yet seen by a reviewer: what a rescoring may flag or unflag (index.casework.rescoring).
UNREVIEWED_STATUSES = ("collected", "flagged")
# Waiting for a reviewer: flagged by the classifier, or removed content found again (index.casework.reappearance).
WAITING_STATUSES = ("flagged", "reappeared")
