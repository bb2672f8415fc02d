"""Post statuses (DOMAIN.md) and the transitions allowed between them: defined once, here."""

STATUSES = ("collected", "flagged", "in_review", "dismissed", "confirmed", "warning_issued",
            "takedown_requested", "removed", "overdue", "reappeared")

TRANSITIONS: dict[str, frozenset[str]] = {
    "collected": frozenset({"flagged"}),
    "flagged": frozenset({"in_review", "collected"}),
    # in_review -> in_review: another reviewer takes over an expired claim.
    "in_review": frozenset({"confirmed", "dismissed", "flagged", "in_review"}),
    "dismissed": frozenset({"flagged"}),
    # confirmed -> removed: the content can vanish before any notice is sent.
    "confirmed": frozenset({"warning_issued", "takedown_requested", "dismissed", "removed"}),
    "warning_issued": frozenset({"takedown_requested", "removed", "overdue"}),
    "takedown_requested": frozenset({"removed", "overdue"}),
    "overdue": frozenset({"removed", "takedown_requested"}),
    "removed": frozenset({"reappeared"}),
    "reappeared": frozenset({"takedown_requested", "removed", "overdue"}),
}
