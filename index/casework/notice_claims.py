"""A post's claim by the open notice of each kind that covers it.

Elasticsearch has no multi-document transaction, so "a post is in at most one open notice of a kind"
is kept by a field on the post itself, `open_notices` = {kind: {"notice_id", "at"}}, written only
with optimistic concurrency (if_seq_no / if_primary_term): of two people drafting the same post at
once, one write wins and the other reads the winner's claim and is refused. A draft claims all its
posts before its notice exists (and before a reference number is taken); when one claim fails, the
claims already taken are released, so a refused draft leaves nothing behind.

A claim is stale, and may be taken over, when its notice is no longer open (closed, cancelled) or,
after CLAIM_GRACE, when its notice was never created (the drafting process died between the claim
and the notice). A warning and a removal request for the same post are different kinds: a warned
post can still be escalated to a removal request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from index.casework.permissions import NoticeError
from index.storage.repository import NoticeNotFound, Repository, StoredDoc, VersionConflict
from safewatch.statuses import CONFIRMED_STATUSES

OPEN_NOTICE_STATUSES = ("draft", "approved", "sent", "overdue")
CLAIM_GRACE = timedelta(minutes=2)
ATTEMPTS = 5


def holder(post: dict, kind: str) -> dict | None:
    return (post.get("open_notices") or {}).get(kind)


def held_by_other(repo: Repository, post: dict, kind: str, notice_id: str, now: datetime) -> dict | None:
    """The other open notice of `kind` that holds `post` ({"id", "reference", ...}), or None."""
    claim = holder(post, kind)
    if not claim or claim.get("notice_id") == notice_id:
        return None
    try:
        other = repo.get_notice(claim["notice_id"]).source
    except NoticeNotFound:
        at = datetime.fromisoformat(claim.get("at") or "1970-01-01T00:00:00+00:00")
        return {"reference": "…", "status": "draft"} if now - at < CLAIM_GRACE else None
    return other if other.get("status") in OPEN_NOTICE_STATUSES else None


def with_claim(post: dict, kind: str, notice_id: str, now: datetime) -> dict:
    return {**post, "open_notices": {**(post.get("open_notices") or {}),
                                     kind: {"notice_id": notice_id, "at": now.isoformat()}}}


def claim_all(repo: Repository, post_ids: list[str], kind: str, notice_id: str, *,
              now: datetime | None = None) -> list[dict]:
    """Claim every post for `notice_id` (each must be confirmed and free); all or none. Returns the posts."""
    now = now or datetime.now(UTC)
    taken: list[str] = []
    posts = []
    try:
        for post_id in post_ids:
            posts.append(_claim_one(repo, post_id, kind, notice_id, now))
            taken.append(post_id)
    except BaseException:
        release_all(repo, taken, kind, notice_id)
        raise
    return posts


def _claim_one(repo: Repository, post_id: str, kind: str, notice_id: str, now: datetime) -> dict:
    for _ in range(ATTEMPTS):
        stored = repo.get_post(post_id)
        post = stored.source
        if post.get("status") not in CONFIRMED_STATUSES:
            raise NoticeError("Only confirmed posts can be in a notice; not confirmed: %(posts)s.", posts=post_id)
        other = held_by_other(repo, post, kind, notice_id, now)
        if other is not None:
            raise NoticeError("Post %(post)s is already in the open notice %(reference)s.", post=post_id,
                               reference=other.get("reference", "?"))
        try:
            repo.replace_post(stored, with_claim(post, kind, notice_id, now))
        except VersionConflict:
            continue  # changed meanwhile (perhaps claimed by another draft): read it again
        return {"id": post_id, **post}
    raise NoticeError("Someone else changed post %(post)s at the same time; try again.", post=post_id)


def release_all(repo: Repository, post_ids: list[str], kind: str, notice_id: str) -> None:
    """Drop `notice_id`'s claim on each post (only its own claim; conditional writes, retried)."""
    for post_id in post_ids:
        for _ in range(ATTEMPTS):
            stored = repo.get_post(post_id)
            if (holder(stored.source, kind) or {}).get("notice_id") != notice_id:
                break
            claims = {k: v for k, v in (stored.source.get("open_notices") or {}).items() if k != kind}
            try:
                repo.replace_post(stored, {**stored.source, "open_notices": claims})
            except VersionConflict:
                continue
            break


def stored_posts(repo: Repository, post_ids: list[str]) -> list[StoredDoc]:
    return [repo.get_post(post_id) for post_id in post_ids]
