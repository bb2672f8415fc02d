"""index.casework.permissions: every role against every action, on a notice in each state. The domain
functions raise what `refusal` returns and the views show the buttons `allowed_actions` lists, so
this table is the rule for both."""

from datetime import UTC, datetime

import pytest

from index.casework.permissions import (
    Actor,
    NoticeStateError,
    PermissionDenied,
    allowed_actions,
    can,
    effective_status,
    refusal,
)

DRAFTER = "lan"
ACTORS = {
    "drafter (reviewer)": Actor(DRAFTER, frozenset({"reviewer"})),
    "other reviewer": Actor("minh", frozenset({"reviewer"})),
    "analyst": Actor("an", frozenset({"analyst"})),
    "supervisor": Actor("chief", frozenset({"supervisor"})),
    "admin": Actor("root", frozenset({"admin"})),
    "drafter who is a supervisor": Actor(DRAFTER, frozenset({"reviewer", "supervisor"})),
    "re-check": Actor.system("recheck"),
    "bare name": Actor(DRAFTER),
}

# (kind, status) -> actor -> the actions allowed
EXPECTED = {
    ("takedown", "draft"): {
        "drafter (reviewer)": {"cancel"}, "other reviewer": set(), "analyst": set(), "re-check": set(),
        "supervisor": {"approve", "cancel"}, "admin": {"approve", "cancel"},
        "drafter who is a supervisor": {"cancel"}, "bare name": set()},
    ("takedown", "approved"): {
        "drafter (reviewer)": {"send", "cancel"}, "other reviewer": set(), "analyst": set(), "re-check": set(),
        "supervisor": {"send", "cancel"}, "admin": {"send", "cancel"},
        "drafter who is a supervisor": {"send", "cancel"}, "bare name": set()},
    ("warning", "draft"): {
        "drafter (reviewer)": {"send", "cancel"}, "other reviewer": set(), "analyst": set(), "re-check": set(),
        "supervisor": {"send", "cancel"}, "admin": {"send", "cancel"},
        "drafter who is a supervisor": {"send", "cancel"}, "bare name": set()},
    ("takedown", "sent"): {
        "drafter (reviewer)": {"record_removal"}, "other reviewer": set(), "analyst": set(),
        "re-check": {"record_removal"}, "supervisor": {"record_removal"}, "admin": {"record_removal"},
        "drafter who is a supervisor": {"record_removal"}, "bare name": set()},
    ("takedown", "overdue"): {
        "drafter (reviewer)": {"send", "record_removal"}, "other reviewer": set(), "analyst": set(),
        "re-check": {"record_removal"}, "supervisor": {"send", "record_removal"},
        "admin": {"send", "record_removal"}, "drafter who is a supervisor": {"send", "record_removal"},
        "bare name": set()},
    ("takedown", "removed"): {name: set() for name in ACTORS},
    ("takedown", "cancelled"): {name: set() for name in ACTORS},
}

# A draft: its drafter edits it, another supervisor returns it; anyone who works on notices comments.
COMMENTERS = {"drafter (reviewer)", "other reviewer", "supervisor", "admin", "drafter who is a supervisor"}
for (kind, status), allowed in EXPECTED.items():
    for who in COMMENTERS:
        allowed[who] = allowed[who] | {"comment"}
    if status == "draft":
        for who in ("drafter (reviewer)", "drafter who is a supervisor"):
            allowed[who] = allowed[who] | {"edit"}
    if (kind, status) == ("takedown", "draft"):
        for who in ("supervisor", "admin"):
            allowed[who] = allowed[who] | {"return"}


@pytest.mark.parametrize(("kind", "status"), list(EXPECTED))
@pytest.mark.parametrize("who", list(ACTORS))
def test_each_role_and_notice_state(kind, status, who):
    notice = {"kind": kind, "status": status, "created_by": DRAFTER}
    assert allowed_actions(ACTORS[who], notice) == EXPECTED[(kind, status)][who]


@pytest.mark.parametrize(("who", "allowed"), [("supervisor", True), ("admin", True), ("drafter (reviewer)", False),
                                              ("analyst", False), ("re-check", False), ("bare name", False)])
def test_only_supervisors_reopen(who, allowed):
    assert can(ACTORS[who], "reopen") is allowed


def test_a_sent_notice_past_its_deadline_is_overdue_at_read_time():
    notice = {"kind": "takedown", "status": "sent", "created_by": DRAFTER, "deadline": "2026-11-21T08:00:00+00:00"}
    before, after = datetime(2026, 11, 21, 7, tzinfo=UTC), datetime(2026, 11, 21, 9, tzinfo=UTC)
    assert "send" not in allowed_actions(ACTORS["supervisor"], notice, before)
    assert "send" in allowed_actions(ACTORS["supervisor"], notice, after)  # re-send before the job marks it
    assert effective_status(notice, after) == "overdue" and effective_status(notice, before) == "sent"


def test_a_returned_draft_is_not_approved_before_its_drafter_revises_it():
    notice = {"kind": "takedown", "status": "draft", "created_by": DRAFTER, "needs_revision": True}
    assert isinstance(refusal(ACTORS["supervisor"], "approve", notice), NoticeStateError)
    assert allowed_actions(ACTORS["drafter (reviewer)"], notice) == {"edit", "cancel", "comment"}


@pytest.mark.parametrize(("who", "allowed"), [("drafter (reviewer)", True), ("supervisor", True), ("admin", True),
                                              ("analyst", False), ("re-check", False), ("bare name", False)])
def test_reviewers_supervisors_and_admins_draft_notices_others_do_not(who, allowed):
    assert can(ACTORS[who], "draft") is allowed


def test_refusals_say_why():
    draft = {"kind": "takedown", "status": "draft", "created_by": DRAFTER}
    assert isinstance(refusal(ACTORS["other reviewer"], "send", draft), PermissionDenied)
    assert "approved by a supervisor" in str(refusal(ACTORS["drafter (reviewer)"], "send", draft))
    assert isinstance(refusal(ACTORS["supervisor"], "record_removal", draft), NoticeStateError)
    assert "drafted a notice cannot approve" in str(refusal(ACTORS["drafter who is a supervisor"], "approve", draft))
    assert Actor.of({"username": "x", "roles": ["supervisor"]}).holds("supervisor")
    with pytest.raises(ValueError):
        can(ACTORS["admin"], "delete", draft)
