"""Who may do what to a notice or a decision: answered here, once.

The domain functions (index.casework.notices, index.casework.lifecycle) call `require()` before they change anything,
whoever calls them (a view, a command, the re-check); the views call `allowed_actions()` to show only
the buttons that would succeed. A refusal says why: a role the actor lacks (PermissionDenied) or a
notice that is not in the state the action needs (NoticeStateError).

Roles (index.casework.accounts.ROLES): an admin holds every role. The machine actors (the re-check, the
scheduler) hold the role "system", which may only record a removal on a sent notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from safewatch.errors import SafeWatchError

SYSTEM_ROLE = "system"
ACTIONS = ("draft", "approve", "send", "record_removal", "cancel", "reopen", "edit", "return", "comment")
# The notice statuses from which each action on a notice is possible (index.casework.notices.NOTICE_TRANSITIONS),
# "overdue" read from the deadline (effective_status), not only once the background job has marked it.
NOTICE_STATES = {
    "approve": ("draft",),
    "send": ("draft", "approved", "overdue"),  # a draft only for a warning (removal requests need approval)
    "record_removal": ("sent", "overdue"),
    "cancel": ("draft", "approved"),
    "edit": ("draft",),
    "return": ("draft",),
    "comment": ("draft", "approved", "sent", "overdue", "removed", "cancelled"),
}


class PermissionDenied(SafeWatchError, PermissionError):
    """The acting user's roles do not allow this action."""


class NoticeError(SafeWatchError, ValueError):
    """A notice cannot be drafted or changed as asked (index.casework.notices re-exports it)."""


class NoticeStateError(NoticeError):
    """The notice is not in a state where this action is possible."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a name for the audit trail and the roles that decide what they may do."""
    name: str
    roles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, user: Actor | Mapping | str) -> Actor:
        """An Actor from a user document ({"username", "roles"}); a bare name holds no role."""
        if isinstance(user, Actor):
            return user
        if isinstance(user, str):
            return cls(user)
        return cls(user["username"], frozenset(user.get("roles") or ()))

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(name, frozenset({SYSTEM_ROLE}))

    def holds(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles & set(roles))


def effective_status(notice: Mapping, now: datetime | None = None) -> str:
    """The notice's status as of `now`: a sent notice whose deadline has passed is overdue, whether or
    not the background job (index.casework.notices.mark_overdue) has marked it yet."""
    status = notice.get("status") or ""
    if status == "sent" and notice.get("deadline"):
        if datetime.fromisoformat(notice["deadline"]) < (now or datetime.now(UTC)):
            return "overdue"
    return status


def refusal(actor: Actor | Mapping | str, action: str, notice: Mapping | None = None,
            now: datetime | None = None) -> SafeWatchError | None:
    """Why `actor` may not do `action` (on `notice`, as of `now`), or None when they may."""
    actor = Actor.of(actor)
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action == "draft":
        return None if actor.holds("reviewer", "supervisor") else PermissionDenied(
            "Only reviewers and supervisors draft notices.")
    if action == "reopen":
        return None if actor.holds("supervisor") else PermissionDenied(
            "Only a supervisor can reopen a decision.")
    assert notice is not None, "an action on a notice needs the notice"
    return _role_refusal(actor, action, notice) or _state_refusal(action, notice, effective_status(notice, now))


def _role_refusal(actor: Actor, action: str, notice: Mapping) -> SafeWatchError | None:
    if action == "edit":
        drafter = notice.get("created_by") == actor.name and actor.holds("reviewer", "supervisor")
        return None if drafter else PermissionDenied("Only the person who drafted this notice can edit it.")
    if action == "comment":
        return None if actor.holds("reviewer", "supervisor") else PermissionDenied(
            "Only reviewers and supervisors comment on notices.")
    if action in ("approve", "return"):
        if not actor.holds("supervisor"):
            return PermissionDenied("Only a supervisor can approve a removal request.")
        if notice.get("created_by") == actor.name:
            if action == "return":
                return PermissionDenied("The person who drafted a notice cannot return it; edit or cancel it.")
            return PermissionDenied("The person who drafted a notice cannot approve it; ask another supervisor.")
        return None
    drafter = notice.get("created_by") == actor.name and actor.holds("reviewer")
    if actor.holds("supervisor") or drafter or (action == "record_removal" and SYSTEM_ROLE in actor.roles):
        return None
    return PermissionDenied("Only a supervisor or the person who drafted this notice can do this.")


def _state_refusal(action: str, notice: Mapping, status: str) -> SafeWatchError | None:
    if status not in NOTICE_STATES[action]:
        if action == "record_removal":
            return NoticeStateError("A removal is recorded only on a notice that was sent (this one is '%(status)s').",
                                    status=status)
        if action == "approve":
            return NoticeStateError("A notice that is '%(status)s' cannot be approved.", status=status)
        if action == "cancel":
            return NoticeStateError("A notice that is '%(status)s' cannot be cancelled.", status=status)
        if action in ("edit", "return"):
            return NoticeStateError("Only a draft can be edited or returned; this notice is '%(status)s'.",
                                    status=status)
        if status == "sent":
            return NoticeStateError("This notice was sent and its deadline has not passed; it can be sent "
                                    "again once it is overdue.")
        return NoticeStateError("A notice that is '%(status)s' cannot be sent.", status=status)
    if action in ("approve", "return") and notice.get("kind") != "takedown":
        return NoticeStateError("Only removal requests need approval; a warning can be sent as it is.")
    if action in ("approve", "return") and notice.get("needs_revision"):
        return NoticeStateError("This draft was returned to its drafter; it can be approved once they have "
                                "revised it.")
    if action == "send" and status == "draft" and notice.get("kind") == "takedown":
        return NoticeStateError("A removal request must be approved by a supervisor before it is sent.")
    return None


def can(actor: Actor | Mapping | str, action: str, notice: Mapping | None = None,
        now: datetime | None = None) -> bool:
    return refusal(actor, action, notice, now) is None


def require(actor: Actor | Mapping | str, action: str, notice: Mapping | None = None,
            now: datetime | None = None) -> Actor:
    """The actor, when they may do `action`; raises the refusal otherwise."""
    error = refusal(actor, action, notice, now)
    if error is not None:
        raise error
    return Actor.of(actor)


def allowed_actions(actor: Actor | Mapping | str, notice: Mapping, now: datetime | None = None) -> frozenset[str]:
    """The actions on `notice` that `actor` may do now (for showing buttons)."""
    return frozenset(action for action in NOTICE_STATES if can(actor, action, notice, now))
