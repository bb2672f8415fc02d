"""A draft's way to approval without dead ends: its drafter edits it (posts, recipient, legal basis,
note, contact officer) or cancels it (index.casework.notices.cancel); an approver returns it with a comment,
and it cannot be approved until its drafter has edited it; anyone working on notices comments. The
thread of comments stays on the notice, and every step is an event in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from index.casework import notice_claims, permissions
from index.casework.notices import (
    NoticeError,
    _change,
    _event,
    check_posts,
    default_legal_basis,
    evidence_of,
    recipient_for,
)
from index.casework.permissions import Actor
from index.storage.repository import Repository
from safewatch.platforms import PlatformRegistry

MAX_COMMENT = 2000
COMMENT_KINDS = ("comment", "return", "edit")


@dataclass(frozen=True)
class NoticeEdit:
    """The whole of a draft as its drafter now wants it."""
    recipient_type: str
    recipient: str
    post_ids: tuple[str, ...]
    legal_basis: str | None = None  # None: from the taxonomy, for the posts finally chosen
    note: str = ""
    contact_officer: str = ""
    comment: str = ""  # optional: what was changed, for the approver


def _comment(actor: str, now: datetime, text: str, kind: str) -> dict:
    return {"by": actor, "at": now.isoformat(), "text": text, "kind": kind}


def _text(text: str | None, *, required: NoticeError | None) -> str:
    text = (text or "").strip()
    if not text and required is not None:
        raise required
    if len(text) > MAX_COMMENT:
        raise NoticeError("A comment is at most %(limit)s characters.", limit=MAX_COMMENT)
    return text


def comment(repo: Repository, notice_id: str, text: str, *, actor: Actor | dict | str,
            request_id: str | None = None, now: datetime | None = None) -> dict:
    """Add a comment to the notice's thread (any status); returns the notice."""
    now = now or datetime.now(UTC)
    stored = repo.get_notice(notice_id)
    actor = permissions.require(actor, "comment", stored.source, now)
    text = _text(text, required=NoticeError("Write the comment first."))
    notice = stored.source
    updated = {**notice, "comments": [*(notice.get("comments") or []), _comment(actor.name, now, text, "comment")]}
    repo.replace_notice(stored, updated)
    _event(repo, updated, "notice_commented", actor.name, notice["status"], notice["status"], request_id, now,
           comment=text)
    return updated


def return_draft(repo: Repository, notice_id: str, text: str, *, actor: Actor | dict | str,
                 request_id: str | None = None, now: datetime | None = None) -> dict:
    """An approver sends a draft removal request back to its drafter with a comment saying why; it
    stays a draft, and cannot be approved until its drafter has edited it."""
    now = now or datetime.now(UTC)
    stored = repo.get_notice(notice_id)
    actor = permissions.require(actor, "return", stored.source, now)
    text = _text(text, required=NoticeError("Say what should change before the notice can be approved."))
    notice = stored.source
    return _change(repo, notice_id, "draft", actor.name, request_id, now, {
        "needs_revision": True, "returned_by": actor.name, "returned_at": now.isoformat(),
        "comments": [*(notice.get("comments") or []), _comment(actor.name, now, text, "return")]},
        stored=stored, action="notice_returned")


def edit_draft(repo: Repository, notice_id: str, edit: NoticeEdit, *, actor: Actor | dict | str,
               request_id: str | None = None, now: datetime | None = None,
               platforms: PlatformRegistry | None = None) -> dict:
    """The drafter changes their draft: the same rules as drafting (confirmed posts of one platform,
    none held by another open notice of the kind, a recipient from the registry); posts added are
    claimed, posts taken out released. A returned draft is ready for approval again."""
    now = now or datetime.now(UTC)
    stored = repo.get_notice(notice_id)
    notice = stored.source
    actor = permissions.require(actor, "edit", notice, now)
    post_ids = list(dict.fromkeys(edit.post_ids))
    posts = check_posts(repo, post_ids)
    recipient, recipient_details = recipient_for(edit.recipient_type, edit.recipient, posts[0].get("platform"),
                                                 platforms)
    note = _text(edit.comment, required=None)
    added = [post_id for post_id in post_ids if post_id not in notice["post_ids"]]
    dropped = [post_id for post_id in notice["post_ids"] if post_id not in post_ids]
    kind = notice["kind"]
    notice_claims.claim_all(repo, added, kind, notice_id, now=now)
    by_id = {p["id"]: p for p in posts}
    recorded = {item["post_id"]: item for item in notice.get("evidence") or []}
    categories = sorted({c for p in posts for c in p.get("categories") or []})
    comments = list(notice.get("comments") or [])
    if note:
        comments.append(_comment(actor.name, now, note, "edit"))
    fields = {
        "recipient_type": edit.recipient_type, "recipient": recipient, "recipient_details": recipient_details,
        "legal_basis": (edit.legal_basis or "").strip() or default_legal_basis(categories, kind),
        "categories": categories, "post_ids": post_ids, "post_urls": [by_id[i]["url"] for i in post_ids],
        "platform": posts[0].get("platform"), "source": posts[0].get("source"),
        "note": edit.note.strip(), "contact_officer": " ".join(edit.contact_officer.split())[:200] or actor.name,
        "evidence": [recorded.get(i) or evidence_of(by_id[i]) for i in post_ids],
        "needs_revision": False, "edited_at": now.isoformat(), "comments": comments,
    }
    try:
        updated = _change(repo, notice_id, "draft", actor.name, request_id, now, fields, stored=stored,
                          action="notice_edited")
    except BaseException:
        notice_claims.release_all(repo, added, kind, notice_id)
        raise
    notice_claims.release_all(repo, dropped, kind, notice_id)
    return updated
