"""Re-checking posts under a warning or removal request: is the content still online?

Each check fetches the post again (through Scrapy, like every crawl), keeps the response as evidence,
and decides one of three outcomes:

    removed      404 or 410; a redirect to a login or home page; the post's element or text is gone
                 from the page; the kind's own test says so (e.g. Mastodon's deleted status)
    present      the post is still there (past its deadline it becomes `overdue`)
    unreachable  network error, time-out, 5xx, 429, robots.txt: nothing can be concluded, nothing
                 changes. A post is never marked removed on a network error.

Every check is recorded on the post (last_checked_at, last_check, check_count) and in the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from crawlers.pages.text import clean_text, text_found
from index.storage.repository import Repository
from safewatch.statuses import UNDER_NOTICE_STATUSES

CHECKED_STATUSES = UNDER_NOTICE_STATUSES
_LOGIN = re.compile(r"log-?in|sign-?in|dang-?nhap|checkpoint|/auth\b|/account/|/session", re.IGNORECASE)


@dataclass
class CheckResult:
    post_id: str
    outcome: str  # present | removed | unreachable
    reason: str
    http_status: int | None = None
    final_url: str | None = None
    evidence: dict | None = None
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def due_posts(repo: Repository, *, now: datetime, every_hours: float, post_ids: list[str] | None = None,
              everything: bool = False, limit: int = 10_000) -> list[dict]:
    """Posts under a notice whose last check is older than `every_hours` (or never checked)."""
    filters: list[dict] = [{"terms": {"status": sorted(CHECKED_STATUSES)}}]
    if post_ids:
        filters.append({"ids": {"values": post_ids}})
    elif not everything:
        before = (now - timedelta(hours=every_hours)).isoformat()
        filters.append({"bool": {"should": [{"bool": {"must_not": {"exists": {"field": "last_checked_at"}}}},
                                            {"range": {"last_checked_at": {"lte": before}}}]}})
    return repo.scan_posts({"bool": {"filter": filters}}, fields=["url", "kind", "text", "status", "check_count",
                                                                   "takedown_deadline", "source", "platform"],
                           sort=[], limit=limit)


def check_url(post: dict) -> str:
    """What to fetch: the kind's own address for checks (e.g. Mastodon's API), else the post's page."""
    recheck_url = _kind_function(post.get("kind"), "recheck_url")
    if recheck_url:
        return recheck_url(post)
    return post["url"].split("#")[0]


def decide(post: dict, response) -> tuple[str, str]:
    """(outcome, reason) for a response of any status. Pure: the tests feed it fixture responses."""
    status = response.status
    if status in (404, 410):
        return "removed", f"HTTP {status}: the page is gone"
    if status in (401, 403):
        return "unreachable", f"HTTP {status}: access refused, cannot tell"
    if status >= 300:  # 3xx here: a redirect that was not followed (a loop, too many, no Location)
        return "unreachable", f"HTTP {status}: cannot tell"
    redirects = response.meta.get("redirect_urls") if response.request else None
    if redirects:
        final = urlsplit(response.url)
        if _LOGIN.search(final.path + "?" + final.query):
            return "removed", f"redirected to a login page ({response.url})"
        if final.path in ("", "/") and urlsplit(redirects[0]).path not in ("", "/"):
            return "removed", f"redirected to the home page ({response.url})"
    still_there = _kind_function(post.get("kind"), "still_there")
    if still_there:
        verdict = still_there(response, post)
        if verdict is not None:
            return ("present", "the post is still online") if verdict else ("removed", "the platform shows it gone")
    return _page_verdict(post, response)


def _page_verdict(post: dict, response) -> tuple[str, str]:
    if not hasattr(response, "css"):
        return "unreachable", f"not a page that can be read ({response.headers.get(b'Content-Type', b'?').decode()})"
    fragment = urlsplit(post.get("url", "")).fragment
    if fragment:
        found = response.xpath("//*[@id=$id or @name=$id or @data-content=$id]", id=fragment)
        if found:
            return "present", f"element #{fragment} is on the page"
        return "removed", f"element #{fragment} is no longer on the page"
    found = text_found(str(post.get("text", "")), clean_text(response.text))
    if found is None:
        return "unreachable", "the stored post has no text to look for"
    seen, looked = found
    if seen * 2 >= looked:
        return "present", f"the post's text is on the page ({seen}/{looked} passages)"
    return "removed", f"the post's text is no longer on the page ({seen}/{looked} passages)"



def _kind_function(kind: str | None, name: str):
    from crawlers.kinds import ALIASES, KINDS
    found = KINDS.get(ALIASES.get(kind or "", kind or ""))
    return found.page_function(name) if found else None


def apply(repo: Repository, results: list[CheckResult], *, actor: str = "recheck",
          now: datetime | None = None) -> dict[str, int]:
    """Record every check; a removal moves the post to `removed` and closes its notices (as of `now`,
    by default the present: the demo's history passes its own)."""
    from index.casework import audit_reasons, notices
    from index.casework.permissions import Actor
    counts = {"present": 0, "removed": 0, "unreachable": 0}
    posts = {p["id"]: p for p in repo.posts_by_ids([r.post_id for r in results])} if results else {}
    updates = []
    for result in results:
        counts[result.outcome] += 1
        checks = int((posts.get(result.post_id) or {}).get("check_count") or 0) + 1
        updates.append((result.post_id, {"last_checked_at": result.checked_at.isoformat(),
                                         "last_check": result.outcome, "check_count": checks}))
    if updates:
        repo.bulk_update_posts(updates)
    for result in results:
        repo.append_event({"post_id": result.post_id, "action": "recheck", "actor": actor,
                           "at": result.checked_at.isoformat(), "reason": result.reason,
                           "details": {"outcome": result.outcome, "http_status": result.http_status,
                                       "final_url": result.final_url, "evidence": result.evidence}})
        if result.outcome == "removed":
            try:
                notices.record_removal(repo, result.post_id, actor=Actor.system(actor), removed_at=result.checked_at,
                                       reason=audit_reasons.reason("recheck_gone", detail=result.reason), now=now)
            except notices.NoticeError as error:  # under no sent notice (e.g. reappeared): seen, not recorded
                repo.append_event({"post_id": result.post_id, "action": "removal_not_recorded", "actor": actor,
                                   "at": result.checked_at.isoformat(), "reason": str(error)})
    return counts
