"""Warnings and removal requests: drafted from confirmed posts, approved, sent with a deadline,
closed when the content is gone, overdue when the deadline passes with the content still online.

Each notice is its own document; the posts it covers move through the status lifecycle
(index.casework.lifecycle) as the notice does, and every step is an event in the audit trail. Who may do
each step is answered by index.casework.permissions, which every function here asks before changing anything.

Elasticsearch has no transaction across documents, so the rules that span a notice and its posts
are kept this way:
- Drafting claims each post for the notice with a conditional write (index.casework.notice_claims): of two
  drafts of one post (a double click, two reviewers), exactly one gets it; a refused draft releases
  the claims it took and never takes a reference number.
- Sending reads each post with its version, refuses unless every post is still confirmed (not
  reopened) and not held by another open notice, then writes the posts only if unchanged since read,
  and the notice last, only if unchanged since read. A failure at any step puts back the posts
  already written (lifecycle.transition_together), so a notice is never "sent" with a post that was
  reopened or dismissed meanwhile. Should the process die between the posts and the notice, the
  posts are ahead of the notice: sending again completes it (a post already in its new status is
  accepted as it is).
- A removal is recorded only against a sent (or overdue) notice, at a time between its sending and
  now (CLOCK_SKEW allowed for a fast clock).
- Sending again (an overdue notice, escalated) keeps the first sending in `sent_at` and adds the new
  one to `sendings`, with its own event (`notice_resent`); time to removal counts from the first.

Editing, returning and commenting on a draft live in index.casework.notice_revisions; the board (listing,
filters, progress, candidates) in index.casework.notice_board.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from index.casework import audit_reasons, lifecycle, notice_board, notice_claims, permissions
from index.casework.audit_reasons import Reason, event_fields
from index.casework.notice_board import candidates, listing, read_state
from index.casework.permissions import Actor, NoticeError
from index.casework.removal_timing import first_deadline, removal_timing
from index.storage.repository import Repository, StoredDoc, VersionConflict
from safewatch import platforms as platform_registry
from safewatch.platforms import PlatformRegistry
from safewatch.statuses import CONFIRMED_STATUSES, TRANSITIONS
from safewatch.taxonomy import BY_CODE

__all__ = ["NoticeError", "NoticeDraft", "draft", "approve", "send", "cancel", "record_removal",
           "record_removal_on_notice", "mark_overdue", "overdue", "listing", "candidates", "read_state"]

KINDS = ("warning", "takedown")
CHANNELS = ("phone", "letter", "electronic")
RECIPIENT_TYPES = ("platform", "poster")
# draft -> approved -> sent -> removed | overdue -> removed; a warning may be sent without approval.
NOTICE_TRANSITIONS = {
    "draft": {"approved", "sent", "cancelled", "draft"},  # draft -> draft: edited or returned
    "approved": {"sent", "cancelled"},
    "sent": {"removed", "overdue", "sent"},  # sent -> sent: re-sent once past its deadline (not yet marked)
    "overdue": {"removed", "sent"},  # re-sent: a new deadline
    "removed": set(),
    "cancelled": set(),
}
SENDABLE_POST_STATUSES = notice_board.SENDABLE_POST_STATUSES
OPEN_STATUSES = notice_claims.OPEN_NOTICE_STATUSES
DECREE_147 = "Nghị định 147/2024/NĐ-CP (gỡ bỏ trong 24 giờ)"
CLOCK_SKEW = timedelta(minutes=5)  # a time typed "now" on a slightly fast clock is not the future
EXCERPT_CHARS = 200  # of a post's own text, in the letter
CONFIRMED, GONE = audit_reasons.reason("removal_confirmed"), audit_reasons.reason("content_gone")


@dataclass(frozen=True)
class NoticeDraft:
    kind: str
    recipient_type: str
    recipient: str
    post_ids: tuple[str, ...]
    legal_basis: str | None = None  # default: from the taxonomy, for the posts' categories
    note: str = ""
    contact_officer: str = ""  # default: the drafter's name


def check_posts(repo: Repository, post_ids: list[str]) -> list[dict]:
    """The posts a notice may cover: known, confirmed, all on one platform."""
    if not post_ids:
        raise NoticeError("A notice covers at least one post.")
    posts = repo.posts_by_ids(post_ids)
    missing = set(post_ids) - {p["id"] for p in posts}
    if missing:
        raise NoticeError("Unknown post(s): %(posts)s.", posts=", ".join(sorted(missing)))
    not_ready = [p["id"] for p in posts if p.get("status") not in SENDABLE_POST_STATUSES]
    if not_ready:
        raise NoticeError("Only confirmed posts can be in a notice; not confirmed: %(posts)s.",
                          posts=", ".join(not_ready))
    platforms = {p.get("platform") for p in posts}
    if len(platforms) > 1:
        raise NoticeError("One notice goes to one platform; these posts are on several: %(platforms)s.",
                          platforms=", ".join(sorted(str(p) for p in platforms)))
    return posts


def recipient_for(recipient_type: str, typed: str, platform: str | None,
                  registry: PlatformRegistry | None = None) -> tuple[str, dict | None]:
    """(recipient, recipient_details): a platform in the registry is addressed by its legal name,
    address and contact channel; one missing from it needs its legal name typed, never its code."""
    _check_choice("recipient type", recipient_type, RECIPIENT_TYPES)
    typed = " ".join((typed or "").split())
    if recipient_type == "platform":
        entry = (registry or platform_registry.load()).get(platform)
        if entry is not None:
            return entry.legal_name, entry.as_recipient()
        if not typed or typed.lower() == (platform or "").lower():
            raise NoticeError("Platform '%(platform)s' is not in the platform registry: add its legal name, address "
                              "and contact channel there, or type its legal name.", platform=platform or "?")
    if not typed:
        raise NoticeError("A notice needs a recipient (the platform or the poster).")
    return typed, None

def draft(repo: Repository, request: NoticeDraft, *, actor: Actor | dict | str, reference_suffix: str = "SW",
          request_id: str | None = None, now: datetime | None = None,
          platforms: PlatformRegistry | None = None) -> dict:
    """Create a draft notice for confirmed posts that no other open notice of its kind holds;
    returns the notice. A platform recipient comes from `platforms` (default: the registry file)."""
    now = now or datetime.now(UTC)
    actor = permissions.require(actor, "draft")
    _check_choice("kind", request.kind, KINDS)
    _check_choice("recipient type", request.recipient_type, RECIPIENT_TYPES)
    post_ids = list(dict.fromkeys(request.post_ids))
    posts = check_posts(repo, post_ids)
    recipient, recipient_details = recipient_for(request.recipient_type, request.recipient,
                                                 posts[0].get("platform"), platforms)
    notice_id = str(uuid.uuid4())
    posts = notice_claims.claim_all(repo, post_ids, request.kind, notice_id, now=now)
    try:
        categories = sorted({c for p in posts for c in p.get("categories") or []})
        number = repo.next_in_sequence(f"notice-{now.year}")
        notice = {
            "notice_id": notice_id, "kind": request.kind,
            "reference": f"{number:04d}/{now.year}/{reference_suffix}",
            "recipient_type": request.recipient_type, "recipient": recipient,
            "recipient_details": recipient_details,
            "contact_officer": " ".join(request.contact_officer.split())[:200] or actor.name,
            "legal_basis": request.legal_basis or default_legal_basis(categories, request.kind),
            "categories": categories, "post_ids": [p["id"] for p in posts], "post_urls": [p["url"] for p in posts],
            "platform": posts[0].get("platform"), "source": posts[0].get("source"),
            "status": "draft", "created_by": actor.name, "created_at": now.isoformat(), "note": request.note,
            "evidence": [evidence_of(p) for p in posts], "comments": [], "needs_revision": False,
        }
        repo.create_notice(notice_id, notice)
    except BaseException:
        notice_claims.release_all(repo, post_ids, request.kind, notice_id)
        raise
    _event(repo, notice, "notice_draft", actor.name, None, "draft", request_id, now)
    return notice


def approve(repo: Repository, notice_id: str, *, actor: Actor | dict | str, request_id: str | None = None,
            now: datetime | None = None) -> dict:
    """A supervisor approves a draft removal request; never the person who drafted it (four eyes)."""
    now = now or datetime.now(UTC)
    stored = repo.get_notice(notice_id)
    actor = permissions.require(actor, "approve", stored.source, now)
    return _change(repo, notice_id, "approved", actor.name, request_id, now,
                   {"approved_by": actor.name, "approved_at": now.isoformat()}, stored=stored)


def cancel(repo: Repository, notice_id: str, *, actor: Actor | dict | str, reason: str,
           request_id: str | None = None, now: datetime | None = None) -> dict:
    """A notice not yet sent is withdrawn (e.g. a post of it was reopened); its posts are free again."""
    now = now or datetime.now(UTC)
    stored = repo.get_notice(notice_id)
    actor = permissions.require(actor, "cancel", stored.source, now)
    if not (reason or "").strip():
        raise NoticeError("Give the reason for cancelling the notice.")
    notice = _change(repo, notice_id, "cancelled", actor.name, request_id, now,
                     {"outcome": "cancelled", "outcome_at": now.isoformat(), "cancel_reason": reason.strip()},
                     stored=stored)
    notice_claims.release_all(repo, notice["post_ids"], notice["kind"], notice_id)
    return notice


def send(repo: Repository, notice_id: str, *, channel: str, actor: Actor | dict | str, deadline_hours: float = 24.0,
         sent_at: datetime | None = None, request_id: str | None = None, now: datetime | None = None) -> dict:
    """Record that a notice went out; its deadline starts at `sent_at`. All or none: the posts move
    to warning_issued / takedown_requested and the notice to sent together, only if every post is still
    confirmed (see the module's docstring). An overdue notice (past its deadline, marked or not) is sent
    again: the first sending is kept, the new one added with a new deadline (event `notice_resent`)."""
    now = now or datetime.now(UTC)
    sent_at = sent_at or now
    _check_choice("channel", channel, CHANNELS)
    stored = repo.get_notice(notice_id)
    notice = stored.source
    actor = permissions.require(actor, "send", notice, now)
    resend = notice["status"] in ("sent", "overdue")
    # Not in the future; it may be before the drafting (an urgent phone call recorded afterwards), but
    # a re-sending comes after the sending before it.
    last = notice.get("last_sent_at") or notice.get("sent_at")
    _check_time(sent_at, not_before=datetime.fromisoformat(last) if resend and last else None, now=now,
                too_early=NoticeError("A re-sending cannot be before the previous sending."))
    deadline = sent_at + timedelta(hours=deadline_hours)
    kind = notice["kind"]
    post_status = "takedown_requested" if kind == "takedown" else "warning_issued"
    changes = []
    for post in notice_claims.stored_posts(repo, notice["post_ids"]):
        status = post.source.get("status")
        if status not in CONFIRMED_STATUSES:
            raise NoticeError("Post %(post)s is no longer confirmed ('%(status)s'); the notice was not sent.",
                              post=post.id, status=status)
        other = notice_claims.held_by_other(repo, post.source, kind, notice_id, now)
        if other is not None:
            raise NoticeError("Post %(post)s is already in the open notice %(reference)s.", post=post.id,
                              reference=other.get("reference", "?"))
        if status == "removed":
            continue  # gone already (e.g. a re-send): nothing to ask for
        fields = {"notice_ids": sorted(set(post.source.get("notice_ids") or []) | {notice_id}),
                  "open_notices": notice_claims.with_claim(post.source, kind, notice_id, now)["open_notices"]}
        if kind == "takedown":
            fields.update(takedown_deadline=deadline.isoformat())
            if not resend:  # the first request's time stays: time to removal counts from it
                fields.update(takedown_requested_at=sent_at.isoformat())
        elif not resend:
            fields.update(warned_at=sent_at.isoformat())
        # A second warning, or a warning for a post already under a removal request: keep its status.
        target = post_status if post_status in TRANSITIONS.get(status, ()) else status
        changes.append(lifecycle.Change(post, target, fields))
    sending = {"at": sent_at.isoformat(), "channel": channel, "by": actor.name, "deadline": deadline.isoformat()}
    if resend:
        earlier = notice.get("sendings") or [{"at": notice["sent_at"], "channel": notice.get("channel"),
                                              "by": None, "deadline": notice.get("deadline")}]
        notice_fields = {"sendings": [*earlier, sending], "last_sent_at": sent_at.isoformat(),
                  "deadline": deadline.isoformat(), "resend_count": len(earlier)}
    else:
        notice_fields = {"channel": channel, "sent_at": sent_at.isoformat(), "deadline": deadline.isoformat(),
                  "sendings": [sending], "last_sent_at": sent_at.isoformat(), "resend_count": 0}
    return lifecycle.transition_together(
        repo, changes, actor=actor.name, reason=audit_reasons.reason(
            "notice_resent" if resend else "notice_sent", reference=notice["reference"], channel=channel),
        request_id=request_id, now=now,
        then=lambda: _change(repo, notice_id, "sent", actor.name, request_id, now, notice_fields,
                             stored=stored, action="notice_resent" if resend else None))


def record_removal_on_notice(repo: Repository, notice_id: str, post_ids: list[str], *, actor: Actor | dict | str,
                             removed_at: datetime | None = None, reason: Reason | str = CONFIRMED,
                             request_id: str | None = None, now: datetime | None = None) -> list[dict]:
    """The platform says posts of a sent notice are gone: each becomes `removed` at `removed_at`
    (between the sending and now). Returns the notices this closed."""
    now = now or datetime.now(UTC)
    stored = repo.get_notice(notice_id)
    notice = stored.source
    actor = permissions.require(actor, "record_removal", notice, now)
    removed_at = removed_at or now
    _check_time(removed_at, not_before=datetime.fromisoformat(notice["sent_at"]), now=now,
                too_early=NoticeError("Removal cannot be before sending."))
    unknown = [post_id for post_id in post_ids if post_id not in notice["post_ids"]]
    if unknown or not post_ids:
        raise NoticeError("Choose the posts of this notice that were removed.")
    closed: list[dict] = []
    for post in repo.posts_by_ids(list(post_ids)):
        if post.get("status") != "removed":
            closed += _remove(repo, post["id"], actor.name, removed_at, reason, request_id, now)
    return closed


def record_removal(repo: Repository, post_id: str, *, actor: Actor | dict | str, removed_at: datetime | None = None,
                   reason: Reason | str = GONE, request_id: str | None = None,
                   now: datetime | None = None) -> list[dict]:
    """A post under a sent notice is gone (the re-check found it so): the post becomes `removed`, and
    every notice whose posts are now all removed is closed with its time to removal. Refused for a
    post under no sent notice, and for a time before the latest sending or after now. Returns closed notices."""
    now = now or datetime.now(UTC)
    removed_at = removed_at or now
    sent = repo.find_notices(statuses=("sent", "overdue"), post_id=post_id)
    if not sent:
        raise NoticeError("A removal is recorded only on a notice that was sent; post %(post)s is in none.",
                          post=post_id)
    latest = max(sent, key=lambda n: n["sent_at"])
    actor = permissions.require(actor, "record_removal", latest, now)
    _check_time(removed_at, not_before=datetime.fromisoformat(latest["sent_at"]), now=now,
                too_early=NoticeError("Removal cannot be before sending."))
    return _remove(repo, post_id, actor.name, removed_at, reason, request_id, now)


def _remove(repo: Repository, post_id: str, actor: str, removed_at: datetime, reason: Reason | str,
            request_id: str | None, now: datetime) -> list[dict]:
    lifecycle.transition(repo, post_id, "removed", actor=actor, reason=reason, request_id=request_id, now=now,
                         fields={"removed_at": removed_at.isoformat()})
    closed = []
    for notice in repo.find_notices(statuses=("sent", "overdue"), post_id=post_id):
        statuses = {p.get("status") for p in repo.posts_by_ids(notice["post_ids"])}
        if statuses == {"removed"}:
            # From the first sending and against its deadline: a re-sending does not reset the clock.
            hours, within = removal_timing(notice["sent_at"], first_deadline(notice), removed_at)
            closed.append(_change(repo, notice["id"], "removed", actor, request_id, now, {
                "outcome": "removed", "outcome_at": removed_at.isoformat(),
                "removal_hours": hours, "within_deadline": within}))
    return closed


def _check_time(moment: datetime, *, not_before: datetime | None, now: datetime,
                too_early: NoticeError | None) -> None:
    """A time typed by a person: not after now (CLOCK_SKEW allowed), not before `not_before`."""
    if moment > now + CLOCK_SKEW:
        raise NoticeError("The time cannot be in the future.")
    if not_before is not None and too_early is not None and moment < not_before:
        raise too_early


def mark_overdue(repo: Repository, *, now: datetime | None = None, actor: str = "system") -> list[dict]:
    """Notices past their deadline with content still online become overdue, and so do their posts
    that are not removed. Safe to run repeatedly; returns the notices it changed."""
    now = now or datetime.now(UTC)
    changed = []
    for notice in repo.find_notices(statuses=("sent",), deadline_before=now.isoformat()):
        try:
            changed.append(_change(repo, notice["id"], "overdue", actor, None, now, {}))
        except VersionConflict:
            continue  # someone else closed or re-sent it meanwhile
        for post in repo.posts_by_ids(notice["post_ids"]):
            if post.get("status") in ("takedown_requested", "warning_issued", "reappeared"):
                try:
                    lifecycle.transition(repo, post["id"], "overdue", actor=actor, now=now,
                                         reason=audit_reasons.reason("deadline_passed", reference=notice["reference"],
                                                                     deadline=notice["deadline"]))
                except lifecycle.ConcurrentChange:
                    continue
    return changed


def overdue(repo: Repository, *, now: datetime | None = None) -> list[dict]:
    """Notices whose deadline has passed while their content is still online, oldest deadline first."""
    now = now or datetime.now(UTC)
    return [n for n in repo.find_notices(statuses=("sent", "overdue")) if n["deadline"] < now.isoformat()]


def default_legal_basis(categories: list[str], kind: str) -> str:
    bases = []
    for code in categories:
        for part in BY_CODE[code].legal_basis.split("; "):
            if part not in bases:
                bases.append(part)
    if kind == "takedown":
        bases.append(DECREE_147)
    return "; ".join(bases)


def evidence_of(post: dict) -> dict:
    """What the letter cites for a post: its capture (may be missing on posts collected before
    captures were kept), the hash of its text, an excerpt of its own text and the account."""
    capture = post.get("evidence") or {}
    text = " ".join((post.get("text") or "").split())
    excerpt = text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"
    return {"post_id": post["id"], "url": post.get("url"), "sha256": capture.get("sha256"),
            "captured_at": capture.get("captured_at"), "evidence_id": capture.get("id"),
            "content_hash": post.get("content_hash"), "excerpt": excerpt, "account": post.get("author")}


def _change(repo: Repository, notice_id: str, target: str, actor: str, request_id: str | None, now: datetime,
            fields: dict, *, stored: StoredDoc | None = None, action: str | None = None) -> dict:
    stored = stored or repo.get_notice(notice_id)
    current = stored.source["status"]
    if target not in NOTICE_TRANSITIONS[current]:
        raise NoticeError("A notice that is '%(current)s' cannot become '%(target)s'.", current=current, target=target)
    updated = {**stored.source, **fields, "status": target}
    repo.replace_notice(stored, updated)
    _event(repo, updated, action or f"notice_{target}", actor, current, target, request_id, now)
    return updated


def _event(repo: Repository, notice: dict, action: str, actor: str, from_status: str | None, to_status: str,
           request_id: str | None, now: datetime, **details) -> None:
    repo.append_event({"action": action, "notice_id": notice["notice_id"], "actor": actor, "at": now.isoformat(),
                       "from_status": from_status,
                       "to_status": to_status, "request_id": request_id,
                       **event_fields(audit_reasons.reason("notice_reference", reference=notice["reference"])),
                       "details": {"notice_id": notice["notice_id"], "post_ids": notice["post_ids"], **details}})


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise NoticeError("Unknown %(name)s '%(value)s'; use one of: %(allowed)s.", name=name, value=value,
                          allowed=", ".join(allowed))
