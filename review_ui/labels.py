"""What the UI calls statuses, roles, watch-rule contexts and the words of notices, in the UI's language:
one home for the labels every page, filter and message uses (review_ui.filters, review_ui.notices,
review_ui.language and review_ui.audit_text all read them from here)."""

from __future__ import annotations

from flask_babel import lazy_gettext

# Post statuses (safewatch/statuses.py) as the UI shows them, in the UI's language. The official documents
# keep their own Vietnamese names (report_exports.STATUS_NAMES).
STATUS_LABELS = {
    "collected": lazy_gettext("Collected"), "flagged": lazy_gettext("Flagged"), "in_review": lazy_gettext("In review"),
    "dismissed": lazy_gettext("Dismissed"), "confirmed": lazy_gettext("Confirmed"),
    "warning_issued": lazy_gettext("Warning issued"), "takedown_requested": lazy_gettext("Removal requested"),
    "removed": lazy_gettext("Removed"), "overdue": lazy_gettext("Overdue"), "reappeared": lazy_gettext("Reappeared"),
}
# Context frames of the watch rules (classifier/rules/watch_rules.yml `context:`); others as named.
CONTEXT_LABELS = {
    "reporting": lazy_gettext("news or police report"), "prevention": lazy_gettext("warning or prevention"),
    "education": lazy_gettext("education"), "help_seeking": lazy_gettext("a parent or teacher asking"),
    "solicitation": lazy_gettext("contact, price or link"), "disclosure": lazy_gettext("a child telling of harm"),
}
ROLE_LABELS = {"reviewer": lazy_gettext("Reviewer"), "analyst": lazy_gettext("Analyst"),
               "supervisor": lazy_gettext("Supervisor"), "admin": lazy_gettext("Admin")}
# Notices: kinds, recipients, channels, statuses and the notice board's filters.
LABELS = {
    "warning": lazy_gettext("Warning"), "takedown": lazy_gettext("Removal request"),
    "platform": lazy_gettext("Platform"), "poster": lazy_gettext("Poster"),
    "phone": lazy_gettext("Phone"), "letter": lazy_gettext("Letter"), "electronic": lazy_gettext("Electronic"),
    "open": lazy_gettext("Open"), "all": lazy_gettext("All"), "draft": lazy_gettext("Draft"),
    "approved": lazy_gettext("Approved"), "sent": lazy_gettext("Sent"), "overdue": lazy_gettext("Overdue"),
    "removed": lazy_gettext("Removed"), "cancelled": lazy_gettext("Cancelled"),
    "mine": lazy_gettext("Mine"), "awaiting": lazy_gettext("Waiting for my approval"),
    "email": lazy_gettext("Email"), "web_form": lazy_gettext("Web form"),
}


def notice_label(key: str | None) -> str:
    label = LABELS.get(key or "")
    return str(label) if label is not None else key or ""
