"""The notice board's reading of notices: overdue read from the deadline at read time, the filters
"mine" and "waiting for my approval", the progress "removed x of y", and the posts that may go on a
new notice (each with the open notices already holding it)."""

from __future__ import annotations

from datetime import UTC, datetime

from index.casework import notice_claims
from index.casework.permissions import Actor, effective_status
from index.storage.repository import NoticeNotFound, Repository

SENDABLE_POST_STATUSES = {"confirmed", "warning_issued", "overdue", "reappeared"}
VIEWS = ("mine", "awaiting")  # the board's personal filters


def read_state(notice: dict, now: datetime, posts: dict[str, dict] | None = None) -> dict:
    """`notice` with what is true as of `now`: `is_overdue` (a sent notice past its deadline counts
    before mark_overdue runs), `shown_status`, and with `posts` (id -> post) `removed_count` and
    `post_count`."""
    shown = effective_status(notice, now)
    notice = {**notice, "is_overdue": shown == "overdue", "shown_status": shown}
    if posts is not None:
        notice["post_count"] = len(notice.get("post_ids") or [])
        notice["removed_count"] = sum(1 for post_id in notice.get("post_ids") or []
                                      if (posts.get(post_id) or {}).get("status") == "removed")
    return notice


def awaits_approval_by(notice: dict, actor: Actor) -> bool:
    """A removal request drafted by someone else, not returned for revision, that `actor` may approve."""
    return (notice.get("status") == "draft" and notice.get("kind") == "takedown"
            and not notice.get("needs_revision") and notice.get("created_by") != actor.name
            and actor.holds("supervisor"))


def listing(repo: Repository, *, statuses: tuple[str, ...] = notice_claims.OPEN_NOTICE_STATUSES,
            post_id: str | None = None, now: datetime | None = None, view: str | None = None,
            actor: Actor | None = None) -> list[dict]:
    """Notices for the notice board: overdue first (oldest deadline first), then sent by deadline, then
    the rest, newest first; each with its read_state and progress. `view` "mine": drafted by `actor`;
    "awaiting": waiting for `actor`'s approval."""
    now = now or datetime.now(UTC)
    found = repo.find_notices(statuses=statuses, post_id=post_id)
    if view == "mine":
        found = [n for n in found if actor is not None and n.get("created_by") == actor.name]
    elif view == "awaiting":
        found = [n for n in found if actor is not None and awaits_approval_by(n, actor)]
    post_ids = sorted({post_id for n in found for post_id in n.get("post_ids") or []})
    posts = {p["id"]: p for p in repo.posts_by_ids(post_ids)} if post_ids else {}
    found = [read_state(n, now, posts) for n in found]
    late = sorted((n for n in found if n["is_overdue"]), key=lambda n: n.get("deadline") or "")
    running = sorted((n for n in found if not n["is_overdue"] and n["status"] == "sent"), key=lambda n: n["deadline"])
    rest = sorted((n for n in found if not n["is_overdue"] and n["status"] != "sent"),
                  key=lambda n: n["created_at"], reverse=True)
    return late + running + rest


def candidates(repo: Repository, platform: str | None, *, limit: int = 200, now: datetime | None = None) -> list[dict]:
    """Posts that may go on a notice to `platform` (confirmed, or under a notice and still online),
    most recently reviewed first; each with `held_by`: the open notices already covering it
    ({kind, notice_id, reference, status})."""
    repo.catch_up()  # a post confirmed a moment ago is a candidate (decisions are not refreshed at once)
    filters: list[dict] = [{"terms": {"status": sorted(SENDABLE_POST_STATUSES)}}]
    if platform is None:
        query = {"bool": {"filter": filters, "must_not": [{"exists": {"field": "platform"}}]}}
    else:
        query = {"bool": {"filter": [*filters, {"term": {"platform": platform}}]}}
    posts = repo.scan_posts(query, fields=["url", "text", "title", "author", "platform", "source", "status",
                                           "categories", "evidence", "content_hash", "reviewed_at", "open_notices"],
                            sort=[{"reviewed_at": {"order": "desc", "missing": "_last"}}], limit=limit)
    return with_holders(repo, posts, now=now)


def with_holders(repo: Repository, posts: list[dict], *, now: datetime | None = None) -> list[dict]:
    """Each post with `held_by`: the open notices (any kind) that hold it."""
    now = now or datetime.now(UTC)
    notices: dict[str, dict | None] = {}
    annotated = []
    for post in posts:
        held = []
        for kind, claim in sorted((post.get("open_notices") or {}).items()):
            notice_id = (claim or {}).get("notice_id")
            if not notice_id:
                continue
            if notice_id not in notices:
                try:
                    notices[notice_id] = repo.get_notice(notice_id).source
                except NoticeNotFound:
                    notices[notice_id] = None
            notice = notices[notice_id]
            if notice is not None and notice.get("status") in notice_claims.OPEN_NOTICE_STATUSES:
                held.append({"kind": kind, "notice_id": notice_id, "reference": notice.get("reference"),
                             "status": effective_status(notice, now)})
        annotated.append({**post, "held_by": held})
    return annotated
