"""Fixtures for the page-wide checks (languages, accessibility): one small site with every kind of
page filled in (a flagged post claimed by its reviewer, a confirmed one, a sent removal request, a
removed item for the report), users for every role, and the main pages of each role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle, notices
from index.casework.accounts import create_user
from index.casework.notices import NoticeDraft
from review_ui.language import COOKIE as LANGUAGE_COOKIE
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN

SITE_PASSWORD = "correct-horse-battery"
SITE_USERS = {"lan": ["reviewer"], "an": ["analyst"], "chief": ["supervisor"], "root": ["admin"]}


@dataclass(frozen=True)
class Site:
    flagged: str  # claimed by lan, so lan sees the decision form
    confirmed: str
    notice: str  # a removal request drafted by lan, approved by chief, sent, one post removed
    media: str  # a flagged post with media addresses


def _post(repo, n: int, **fields) -> str:
    url = f"https://forum.example/t/{n}"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "thread_url": "https://forum.example/t",
                             "text": f"bán kẹo cho học sinh số {n}", "author": "kiet9x", "platform": "forum",
                             "source": "demo", "status": "flagged", "priority": 4.0 - n / 10, "labels": ["drugs"],
                             "scores": {"drugs": 0.91, "gambling": 0.2}, "content_hash": f"{n:064x}",
                             "collected_at": datetime.now(UTC).isoformat(),
                             "explanations": {"drugs": [{"start": 4, "end": 7}]}, **fields}])
    repo.refresh()
    return post_id_for(url)


@pytest.fixture
def site(repo) -> Site:
    for name, roles in SITE_USERS.items():
        create_user(repo, name, SITE_PASSWORD, roles, display_name=f"Cán bộ {name.title()}", actor="test")
    flagged = _post(repo, 1)
    media = _post(repo, 2, media_urls=["https://cdn.example/a.jpg"])
    removed, confirmed = _post(repo, 3), _post(repo, 4)
    for post_id in (removed, confirmed):
        lifecycle.claim(repo, post_id, reviewer="lan")
        lifecycle.decide(repo, post_id, reviewer="lan", confirm=True, categories=["drugs"])
    lifecycle.claim(repo, flagged, reviewer="lan")  # last: a reviewer holds one post at a time
    notice = notices.draft(repo, NoticeDraft("takedown", "platform", "Forum", (removed,)), actor=LAN)
    notices.approve(repo, notice["notice_id"], actor=CHIEF)
    now = datetime.now(UTC)
    notices.send(repo, notice["notice_id"], channel="letter", actor=LAN, sent_at=now - timedelta(hours=2))
    notices.record_removal(repo, removed, actor=CHIEF, removed_at=now - timedelta(hours=1))
    repo.refresh()
    return Site(flagged=flagged, confirmed=confirmed, notice=notice["notice_id"], media=media)


def main_pages(site: Site) -> dict[str, list[str]]:
    """username (None: signed out) -> the pages that user works on."""
    post = f"/posts/{site.flagged}"
    return {
        None: ["/login", "/no-such-page"],
        "lan": ["/queue", post, f"/posts/{site.media}", "/search?q=keo", "/notices",
                f"/notices/new?kind=takedown&post_id={site.confirmed}", f"/notices/{site.notice}",
                "/reports"],  # the last one answers 403: the error page
        "an": ["/search?q=keo", post, "/notices", f"/notices/{site.notice}", "/reports", "/queue"],
        "chief": ["/notices", "/notices?status=all", f"/notices/{site.notice}", "/reports", "/queue", post],
        "root": ["/admin/users", "/queue", "/reports?period=custom&from=2026-10-01"],  # a 400 with its message
    }


@pytest.fixture
def browse(app):
    """A test client signed in as `username` (None: signed out), the UI in `language` (None: the default)."""

    def client_for(username: str | None, language: str | None = None):
        client = app.test_client()
        if username:
            response = client.post("/login", data={"username": username, "password": SITE_PASSWORD})
            assert response.status_code == 302, username
        if language:
            client.set_cookie(LANGUAGE_COOKIE, language)
        return client

    return client_for
