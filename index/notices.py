"""Warnings and removal requests: drafted from confirmed posts, approved, sent with a deadline,
closed when the content is gone, overdue when the deadline passes with the content still online.

Each notice is its own document; the posts it covers move through the status lifecycle
(index.lifecycle) as the notice does, and every step is an event in the audit trail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from index import lifecycle
from index.repository import Repository, StoredDoc, VersionConflict
from safewatch.errors import SafeWatchError
from safewatch.taxonomy import BY_CODE

KINDS = ("warning", "takedown")
CHANNELS = ("phone", "letter", "electronic")
RECIPIENT_TYPES = ("platform", "poster")
# draft -> approved -> sent -> removed | overdue -> removed; a warning may be sent without approval.
NOTICE_TRANSITIONS = {
    "draft": {"approved", "sent", "cancelled"},
    "approved": {"sent", "cancelled"},
    "sent": {"removed", "overdue"},
    "overdue": {"removed", "sent"},  # re-sent: a new deadline
    "removed": set(),
    "cancelled": set(),
}
SENDABLE_POST_STATUSES = {"confirmed", "warning_issued", "overdue", "reappeared"}
OPEN_STATUSES = ("draft", "approved", "sent", "overdue")
DECREE_147 = "Nghị định 147/2024/NĐ-CP (gỡ bỏ trong 24 giờ)"


class NoticeError(SafeWatchError, ValueError):
    pass


@dataclass(frozen=True)
class NoticeDraft:
    kind: str
    recipient_type: str
    recipient: str
    post_ids: tuple[str, ...]
    legal_basis: str | None = None  # default: from the taxonomy, for the posts' categories
    note: str = ""


def draft(repo: Repository, request: NoticeDraft, *, actor: str, reference_suffix: str = "SW",
          request_id: str | None = None, now: datetime | None = None) -> dict:
    """Create a draft notice for confirmed posts; returns the notice."""
    now = now or datetime.now(UTC)
    _check_choice("kind", request.kind, KINDS)
    _check_choice("recipient type", request.recipient_type, RECIPIENT_TYPES)
    if not request.recipient.strip():
        raise NoticeError("A notice needs a recipient (the platform or the poster).")
    if not request.post_ids:
        raise NoticeError("A notice covers at least one post.")
    posts = repo.posts_by_ids(list(request.post_ids))
    missing = set(request.post_ids) - {p["id"] for p in posts}
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
    categories = sorted({c for p in posts for c in p.get("categories") or []})
    number = repo.next_in_sequence(f"notice-{now.year}")
    notice_id = str(uuid.uuid4())
    notice = {
        "notice_id": notice_id, "kind": request.kind, "reference": f"{number:04d}/{now.year}/{reference_suffix}",
        "recipient_type": request.recipient_type, "recipient": request.recipient.strip(),
        "legal_basis": request.legal_basis or default_legal_basis(categories, request.kind),
        "categories": categories, "post_ids": [p["id"] for p in posts], "post_urls": [p["url"] for p in posts],
        "platform": posts[0].get("platform"), "source": posts[0].get("source"),
        "status": "draft", "created_by": actor, "created_at": now.isoformat(), "note": request.note,
        "evidence": [_evidence(p) for p in posts],
    }
    repo.create_notice(notice_id, notice)
    _event(repo, notice, "notice_draft", actor, None, "draft", request_id, now)
    return notice


def approve(repo: Repository, notice_id: str, *, actor: str, request_id: str | None = None,
            now: datetime | None = None) -> dict:
    """A supervisor approves a draft; never the person who drafted it (four eyes)."""
    now = now or datetime.now(UTC)
    stored = repo.get_notice(notice_id)
    if stored.source.get("created_by") == actor:
        raise NoticeError("The person who drafted a notice cannot approve it; ask another supervisor.")
    return _change(repo, notice_id, "approved", actor, request_id, now,
                   {"approved_by": actor, "approved_at": now.isoformat()}, stored=stored)


def send(repo: Repository, notice_id: str, *, channel: str, actor: str, deadline_hours: float = 24.0,
         sent_at: datetime | None = None, request_id: str | None = None, now: datetime | None = None) -> dict:
    """Record that a notice went out; its deadline starts now. Removal requests must be approved
    first; the posts move to warning_issued / takedown_requested."""
    now = now or datetime.now(UTC)
    sent_at = sent_at or now
    _check_choice("channel", channel, CHANNELS)
    stored = repo.get_notice(notice_id)
    if stored.source["kind"] == "takedown" and stored.source["status"] == "draft":
        raise NoticeError("A removal request must be approved by a supervisor before it is sent.")
    deadline = sent_at + timedelta(hours=deadline_hours)
    notice = _change(repo, notice_id, "sent", actor, request_id, now,
                     {"channel": channel, "sent_at": sent_at.isoformat(), "deadline": deadline.isoformat()},
                     stored=stored)
    post_status = "takedown_requested" if notice["kind"] == "takedown" else "warning_issued"
    for post_id in notice["post_ids"]:
        post = repo.get_post(post_id)
        fields = {"notice_ids": sorted(set(post.source.get("notice_ids") or []) | {notice_id})}
        if notice["kind"] == "takedown":
            fields.update(takedown_requested_at=sent_at.isoformat(), takedown_deadline=deadline.isoformat())
        else:
            fields.update(warned_at=sent_at.isoformat())
        if post.source.get("status") == post_status:  # e.g. a second warning: keep status, record it
            repo.replace_post(post, {**post.source, **fields})
        else:
            lifecycle.transition(repo, post_id, post_status, actor=actor, expected=post, now=now,
                                 request_id=request_id, fields=fields,
                                 reason=f"{notice['reference']} sent by {channel}")
    return notice


def record_removal(repo: Repository, post_id: str, *, actor: str, removed_at: datetime | None = None,
                   reason: str = "content no longer online", request_id: str | None = None,
                   now: datetime | None = None) -> list[dict]:
    """A post is gone (re-check or the platform's answer): the post becomes `removed`, and every
    notice whose posts are now all removed is closed with its time to removal. Returns closed notices."""
    now = now or datetime.now(UTC)
    removed_at = removed_at or now
    lifecycle.transition(repo, post_id, "removed", actor=actor, reason=reason, request_id=request_id, now=now,
                         fields={"removed_at": removed_at.isoformat()})
    closed = []
    for notice in repo.find_notices(statuses=("sent", "overdue"), post_id=post_id):
        statuses = {p.get("status") for p in repo.posts_by_ids(notice["post_ids"])}
        if statuses == {"removed"}:
            sent_at = datetime.fromisoformat(notice["sent_at"])
            deadline = datetime.fromisoformat(notice["deadline"])
            closed.append(_change(repo, notice["id"], "removed", actor, request_id, now, {
                "outcome": "removed", "outcome_at": removed_at.isoformat(),
                "removal_hours": round((removed_at - sent_at).total_seconds() / 3600, 3),
                "within_deadline": removed_at <= deadline}))
    return closed


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
                                         reason=f"{notice['reference']}: deadline {notice['deadline']} passed")
                except lifecycle.ConcurrentChange:
                    continue
    return changed


def overdue(repo: Repository, *, now: datetime | None = None) -> list[dict]:
    """Notices whose deadline has passed while their content is still online, oldest deadline first."""
    now = now or datetime.now(UTC)
    return [n for n in repo.find_notices(statuses=("sent", "overdue")) if n["deadline"] < now.isoformat()]


def listing(repo: Repository, *, statuses: tuple[str, ...] = OPEN_STATUSES, post_id: str | None = None,
            now: datetime | None = None) -> list[dict]:
    """Notices for the notice board: overdue first (oldest deadline first; a sent notice whose deadline
    has passed counts even before mark_overdue runs), then sent by deadline, then the rest, newest first.
    Each notice gets `is_overdue`."""
    now_iso = (now or datetime.now(UTC)).isoformat()
    found = repo.find_notices(statuses=statuses, post_id=post_id)
    for notice in found:
        notice["is_overdue"] = notice["status"] == "overdue" or (
            notice["status"] == "sent" and notice.get("deadline", now_iso) < now_iso)
    late = sorted((n for n in found if n["is_overdue"]), key=lambda n: n.get("deadline") or "")
    running = sorted((n for n in found if not n["is_overdue"] and n["status"] == "sent"), key=lambda n: n["deadline"])
    rest = sorted((n for n in found if not n["is_overdue"] and n["status"] != "sent"),
                  key=lambda n: n["created_at"], reverse=True)
    return late + running + rest


def candidates(repo: Repository, platform: str | None, *, limit: int = 200) -> list[dict]:
    """Posts that may go on a notice to `platform` (confirmed, or under a notice and still online),
    most recently reviewed first."""
    filters: list[dict] = [{"terms": {"status": sorted(SENDABLE_POST_STATUSES)}}]
    if platform is None:
        query = {"bool": {"filter": filters, "must_not": [{"exists": {"field": "platform"}}]}}
    else:
        query = {"bool": {"filter": [*filters, {"term": {"platform": platform}}]}}
    return repo.scan_posts(query, fields=["url", "text", "title", "author", "platform", "source", "status",
                                          "categories", "evidence", "content_hash", "reviewed_at"],
                           sort=[{"reviewed_at": {"order": "desc", "missing": "_last"}}], limit=limit)


def default_legal_basis(categories: list[str], kind: str) -> str:
    bases = []
    for code in categories:
        for part in BY_CODE[code].legal_basis.split("; "):
            if part not in bases:
                bases.append(part)
    if kind == "takedown":
        bases.append(DECREE_147)
    return "; ".join(bases)


def _evidence(post: dict) -> dict:
    """What the letter cites for a post: its capture (may be missing on posts collected before
    captures were kept) and the hash of its text."""
    capture = post.get("evidence") or {}
    return {"post_id": post["id"], "url": post.get("url"), "sha256": capture.get("sha256"),
            "captured_at": capture.get("captured_at"), "evidence_id": capture.get("id"),
            "content_hash": post.get("content_hash")}


def _change(repo: Repository, notice_id: str, target: str, actor: str, request_id: str | None, now: datetime,
            fields: dict, *, stored: StoredDoc | None = None) -> dict:
    stored = stored or repo.get_notice(notice_id)
    current = stored.source["status"]
    if target not in NOTICE_TRANSITIONS[current]:
        raise NoticeError("A notice that is '%(current)s' cannot become '%(target)s'.", current=current, target=target)
    updated = {**stored.source, **fields, "status": target}
    repo.replace_notice(stored, updated)
    _event(repo, updated, f"notice_{target}", actor, current, target, request_id, now)
    return updated


def _event(repo: Repository, notice: dict, action: str, actor: str, from_status: str | None, to_status: str,
           request_id: str | None, now: datetime) -> None:
    repo.append_event({"action": action, "notice_id": notice["notice_id"], "actor": actor, "at": now.isoformat(),
                       "from_status": from_status,
                       "to_status": to_status, "request_id": request_id, "reason": notice["reference"],
                       "details": {"notice_id": notice["notice_id"], "post_ids": notice["post_ids"]}})


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise NoticeError("Unknown %(name)s '%(value)s'; use one of: %(allowed)s.", name=name, value=value,
                          allowed=", ".join(allowed))
