"""Removed content found again: a collected post whose text (same content hash, or a near-duplicate:
safewatch.near_duplicates) or media (same SHA-256) matches a removed post becomes `reappeared`, at the
top of the review queue, linked to the removed original and its notices. A removed post that a crawl
collects again at its own address is back too, and is marked the same way (linked to itself).

The status changes through index.casework.lifecycle, like every other; the link is kept on the post:
`reappeared_of` (the removed post), `reappeared_notice_ids` (its notices), `reappeared_at` and
`reappeared_match` (same_post | text | near_duplicate | media). Reports count posts by `reappeared_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from index.casework import audit_reasons, lifecycle
from index.storage.repository import PostNotFound, Repository
from safewatch import near_duplicates

REAPPEARED_PRIORITY = 1000.0  # the queue's urgency multiplies this; a flagged post's is severity x score <= 5
WAITING = ("collected", "flagged")  # statuses a match moves to reappeared (never one a reviewer decided)
_FIELDS = ["status", "status_changed_at", "content_hash"]


@dataclass(frozen=True)
class Reappearance:
    post_id: str
    original_id: str
    match: str  # same_post | text | near_duplicate | media
    similarity: float = 1.0


def find_by_text(repo: Repository, documents: list[dict]) -> list[Reappearance]:
    """The posts among `documents` (as written: id, content_hash, minhash) that are removed content
    found again, by their text; one match each (the most similar removed post)."""
    if not documents or not repo.count_posts(status="removed"):
        return []
    documents = [dict(doc) for doc in documents]
    near_duplicates.add_fields(documents)  # as bulk_upsert_posts stores them
    found = []
    stored = {post["id"]: post for post in repo.posts_by_ids([doc["id"] for doc in documents])}
    for doc in documents:
        if (stored.get(doc["id"]) or {}).get("status") == "removed":  # collected again where it was removed
            found.append(Reappearance(doc["id"], doc["id"], "same_post"))
    candidates = [doc for doc in documents if (stored.get(doc["id"]) or {}).get("status") in WAITING]
    for doc, removed in zip(candidates, repo.removed_like(candidates, _FIELDS), strict=True):
        same = [post for post in removed if doc.get("content_hash") and post.get("content_hash") == doc["content_hash"]]
        if same:
            found.append(Reappearance(doc["id"], same[0]["id"], "text"))
            continue
        signature = near_duplicates.decode(doc.get(near_duplicates.SIGNATURE_FIELD))
        close = near_duplicates.confirmed(signature, removed, 1) if signature is not None else []
        if close:
            found.append(Reappearance(doc["id"], close[0]["id"], "near_duplicate", close[0]["similarity"]))
    return found


def find_by_media(repo: Repository, media_by_post: dict[str, list[str]]) -> list[Reappearance]:
    """The posts whose media (SHA-256 of what was captured) match a removed post's media."""
    hashes = {sha for shas in media_by_post.values() for sha in shas}
    if not hashes or not repo.count_posts(status="removed"):
        return []
    removed = repo.scan_posts({"term": {"status": "removed"}}, fields=["media"], sort=[], limit=100_000)
    owner: dict[str, str] = {}
    for post in removed:
        for item in post.get("media") or []:
            if isinstance(item, dict) and item.get("sha256") in hashes:
                owner.setdefault(item["sha256"], post["id"])
    found = []
    for post_id, shas in media_by_post.items():
        original = next((owner[sha] for sha in shas if sha in owner and owner[sha] != post_id), None)
        if original:
            found.append(Reappearance(post_id, original, "media"))
    return found


def mark(repo: Repository, found: list[Reappearance], *, actor: str = "crawler",
         now: datetime | None = None) -> list[str]:
    """Move each matched post to `reappeared` (if it still waits for review, or was removed) with its
    link to the original and the original's notices; returns the ids marked."""
    now = now or datetime.now(UTC)
    marked = []
    for item in found:
        try:
            stored = repo.get_post(item.post_id)
        except PostNotFound:
            continue
        status = stored.source.get("status", "collected")
        if status not in (*WAITING, "removed") or (status == "removed") != (item.match == "same_post"):
            continue
        notices = [notice["id"] for notice in repo.find_notices(post_id=item.original_id)]
        try:
            lifecycle.transition(
                repo, item.post_id, "reappeared", actor=actor, expected=stored, now=now,
                reason=audit_reasons.reason("reappeared", how=audit_reasons.REAPPEARED_HOW[item.match],
                                            match=item.match, original=item.original_id),
                fields={"priority": REAPPEARED_PRIORITY, "reappeared_of": item.original_id,
                        "reappeared_notice_ids": notices, "reappeared_at": now.isoformat(),
                        "reappeared_match": item.match})
        except (lifecycle.ConcurrentChange, lifecycle.TransitionError):  # someone acted on it meanwhile
            continue
        marked.append(item.post_id)
    return marked
