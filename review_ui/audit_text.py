"""The audit trail in the reader's language: what an event did (its action) and why (its reason code
and values, index/casework/audit_reasons.py). Old events that hold only an English sentence are shown
translated when the sentence is one this project wrote, otherwise as written (a person's own text).
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from index.casework import audit_reasons
from review_ui.filters import in_ui_language, status_label, vn_time
from review_ui.labels import notice_label

# Each reason code's sentence: the English template of index/audit_reasons.TEMPLATES, translated.
REASONS = {
    "claimed_for_review": lazy_gettext("claimed for review"),
    "claimed_with": lazy_gettext("claimed together with post %(post)s"),
    "released": lazy_gettext("released"),
    "released_other_claim": lazy_gettext("released: another post was claimed at the same time"),
    "reopened": lazy_gettext("decision reopened: %(note)s"),
    "undo_failed": lazy_gettext("changed again before a failed change could be undone"),
    "notice_sent": lazy_gettext("%(reference)s sent by %(channel)s"),
    "notice_resent": lazy_gettext("%(reference)s sent again by %(channel)s"),
    "notice_reference": lazy_gettext("notice %(reference)s"),
    "deadline_passed": lazy_gettext("%(reference)s: the deadline %(deadline)s passed"),
    "removal_confirmed": lazy_gettext("the platform confirmed the removal"),
    "removal_confirmed_on_notice": lazy_gettext("%(reference)s: the platform confirmed the removal"),
    "content_gone": lazy_gettext("the content is no longer online"),
    "recheck_gone": lazy_gettext("re-check: the content is no longer online"),
    "reappeared": lazy_gettext("removed content found again (%(how)s) as removed post %(original)s"),
    "rescored": lazy_gettext("scored again with model %(version)s"),
}
REAPPEARED_HOW = {
    "same_post": lazy_gettext("collected again at its own address"), "text": lazy_gettext("the same text"),
    "near_duplicate": lazy_gettext("nearly the same text"), "media": lazy_gettext("the same media (SHA-256)"),
}
CHANNELS = {"phone": lazy_gettext("by phone"), "letter": lazy_gettext("by letter"),
            "electronic": lazy_gettext("electronically")}
# Every action the trail records (index/, review_ui/, crawlers/), in the UI's language.
ACTIONS = {
    "status_change": lazy_gettext("Status changed"), "login": lazy_gettext("Signed in"),
    "login_failed": lazy_gettext("Sign-in failed"), "login_refused_locked": lazy_gettext("Sign-in refused (locked)"),
    "logout": lazy_gettext("Signed out"), "password_changed": lazy_gettext("Password changed"),
    "language_changed": lazy_gettext("Language changed"), "break_taken": lazy_gettext("Break taken"),
    "decision_reopened": lazy_gettext("Decision reopened"),
    "referred_to_investigation": lazy_gettext("Referred to investigation"),
    "recheck": lazy_gettext("Re-checked online"), "removal_not_recorded": lazy_gettext("Removal not recorded"),
    "undo_failed": lazy_gettext("Undo failed"), "audit_exported": lazy_gettext("Audit log exported"),
    "search_exported": lazy_gettext("Search results exported"), "evidence_exported": lazy_gettext("Evidence exported"),
    "search_saved": lazy_gettext("Search saved"), "saved_search_deleted": lazy_gettext("Saved search deleted"),
    "notice_draft": lazy_gettext("Notice drafted"), "notice_approved": lazy_gettext("Notice approved"),
    "notice_sent": lazy_gettext("Notice sent"), "notice_resent": lazy_gettext("Notice sent again"),
    "notice_overdue": lazy_gettext("Notice overdue"), "notice_removed": lazy_gettext("Notice closed: removed"),
    "notice_cancelled": lazy_gettext("Notice cancelled"),
    "notice_returned": lazy_gettext("Notice returned for changes"),
    "notice_edited": lazy_gettext("Notice draft edited"), "notice_commented": lazy_gettext("Notice comment added"),
    "user_created": lazy_gettext("Account created"), "user_disabled": lazy_gettext("Account disabled"),
    "user_enabled": lazy_gettext("Account enabled"), "roles_changed": lazy_gettext("Roles changed"),
    "password_reset": lazy_gettext("Password reset"),
}


def action_label(action: str | None) -> str:
    """The action's name in the UI's language; an action this list does not know yet as it is."""
    label = ACTIONS.get(action or "")
    return str(label) if label is not None else action or ""


def _values(why: audit_reasons.Reason) -> dict:
    values = {name: str(value) for name, value in why.values.items()}
    if why.code == "reappeared":
        how = REAPPEARED_HOW.get(values.get("match", "")) or next(
            (REAPPEARED_HOW[code] for code, english in audit_reasons.REAPPEARED_HOW.items()
             if values.get("how", "").startswith(english)), None)
        values["how"] = str(how) if how is not None else values.get("how", "")
    if "channel" in values:
        channel = CHANNELS.get(values["channel"])
        values["channel"] = str(channel) if channel is not None else values["channel"]
    if "deadline" in values:
        values["deadline"] = vn_time(values["deadline"])
    for name in ("post", "original"):
        if name in values:
            values[name] = values[name][:12]
    return values


def reason_text(event: dict) -> str:
    """Why the event happened, in the UI's language ("" when it says nothing)."""
    why = audit_reasons.of_event(event)
    if why is None:
        return event.get("reason") or ""
    try:
        return str(REASONS[why.code]) % _values(why)
    except (KeyError, ValueError, TypeError):  # values that do not fit the sentence: the English one
        return why.text


def change_text(event: dict) -> str:
    """"Flagged → In review" for a post's status change; notice statuses by the notices' labels."""
    if not (event.get("from_status") or event.get("to_status")):
        return ""
    label = _notice_label if event.get("notice_id") and not event.get("post_id") else status_label
    return f"{label(event.get('from_status')) or '—'} → {label(event.get('to_status')) or '—'}"


def _notice_label(status: str | None) -> str:
    return notice_label(status)


def init_app(app) -> None:
    app.add_template_filter(in_ui_language(action_label), "action_label")
    app.add_template_filter(in_ui_language(reason_text), "reason_text")
    app.add_template_filter(in_ui_language(change_text), "change_text")
