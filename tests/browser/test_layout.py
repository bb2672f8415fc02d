"""Layout at 1366x768, the unit's most common screen: no page scrolls sideways, in either language,
even with the longest content the pages hold (unbroken URLs and words, long category names)."""

from __future__ import annotations

import pytest

from index.casework import lifecycle, notices
from index.casework.notices import NoticeDraft
from index.casework.permissions import Actor
from review_ui.language import COOKIE
from safewatch.records import post_id_for
from tests.browser.test_main_flow import assert_quiet

pytestmark = pytest.mark.e2e

OVERFLOW = """() => ({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  widest: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.scrollWidth > e.clientWidth + 1
                 && getComputedStyle(e).overflowX === 'visible' && e.clientWidth > 0)
    .slice(-5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))})"""
LONG_URL = "https://forum.example/threads/" + "x" * 240 + "?page=" + "9" * 40
ALL_CATEGORIES = ["child_sexual_abuse", "grooming", "trafficking", "self_harm", "drugs", "child_privacy"]


@pytest.fixture(scope="module")
def long_posts(site_repo):
    """Posts with the longest content a page can hold: one claimed by the admin (the decision form
    shows), one confirmed on a removal request that was sent (the countdown shows)."""
    claimed_url, confirmed_url = f"{LONG_URL}&a=1", f"{LONG_URL}&a=2"
    base = {"text": "bán kẹo cho học sinh " + "ư" * 300 + " " + "kẹo " * 200, "author": "a" * 120,
            "platform": "forum", "source": "demo-forum", "status": "flagged", "priority": 0.02,
            "labels": ALL_CATEGORIES, "scores": {code: 0.8 for code in ALL_CATEGORIES},
            "media_urls": [f"{LONG_URL}/{n}.jpg" for n in range(3)], "rule_hits": ["drugs:" + "k" * 200],
            "title": "t" * 300}
    site_repo.bulk_upsert_posts([{**base, "id": post_id_for(url), "url": url} for url in (claimed_url,
                                                                                           confirmed_url)])
    site_repo.refresh()
    claimed, confirmed = post_id_for(claimed_url), post_id_for(confirmed_url)
    lifecycle.claim(site_repo, confirmed, reviewer="quan")
    lifecycle.decide(site_repo, confirmed, reviewer="quan", confirm=True, categories=ALL_CATEGORIES)
    lifecycle.claim(site_repo, claimed, reviewer="quan")  # a reviewer holds one post at a time
    notice = notices.draft(site_repo, NoticeDraft("takedown", "platform", "R" * 200, (confirmed,)),
                           actor=Actor("quan", frozenset({"reviewer"})))
    supervisor = Actor("son", frozenset({"supervisor"}))
    notices.approve(site_repo, notice["notice_id"], actor=supervisor)
    notices.send(site_repo, notice["notice_id"], channel="electronic", actor=supervisor)
    site_repo.refresh()
    return {"claimed": claimed, "confirmed": confirmed, "notice": notice["notice_id"]}


def main_paths(posts: dict) -> list[str]:
    return ["/queue", f"/posts/{posts['claimed']}", f"/posts/{posts['confirmed']}", "/search?q=hoc+sinh",
            "/search?q=keo&status=in_review", "/notices", "/notices?status=all", f"/notices/{posts['notice']}",
            f"/notices/new?kind=takedown&post_id={posts['confirmed']}", "/reports", "/reports?period=year",
            "/admin/users", "/no-such-page"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_page_scrolls_sideways_at_1366(page, live_server, login, long_posts, recorder, screenshot, language):
    base = live_server.url
    assert page.viewport_size == {"width": 1366, "height": 768}
    page.context.add_cookies([{"name": COOKIE, "value": language, "url": base}])
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == language
    failures = []
    measured = page.evaluate(OVERFLOW)
    if measured["scrollWidth"] > measured["innerWidth"]:
        failures.append(("/login", measured))
    login(page, "quan")
    shots = {f"/posts/{long_posts['claimed']}": "post", f"/notices/{long_posts['notice']}": "notice",
             "/reports": "report"}
    for path in main_paths(long_posts):
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == language, path
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["innerWidth"]:
            failures.append((path, measured))
        if path in shots:
            screenshot(page, f"20-long-{shots[path]}-{language}")
    assert failures == []
    assert recorder.dialogs == [] and recorder.off_site() == []


def test_the_header_fits_with_many_roles(page, live_server, login, site_repo, recorder):
    """A user holding every role has the longest menu and name: the header wraps, the page does not."""
    from index.casework.accounts import create_user
    from tests.browser.site_data import PASSWORD
    if site_repo.get_user("nhieu") is None:
        create_user(site_repo, "nhieu", PASSWORD, ["reviewer", "analyst", "supervisor", "admin"],
                    display_name="Cán bộ Nguyễn Thị Phương Thảo Nhiều Vai Trò", actor="test")
    for language in ("vi", "en"):
        page.context.add_cookies([{"name": COOKIE, "value": language, "url": live_server.url}])
        login(page, "nhieu")
        page.goto(f"{live_server.url}/queue")
        measured = page.evaluate(OVERFLOW)
        assert measured["scrollWidth"] <= measured["innerWidth"], (language, measured)
        assert page.locator("header.top").bounding_box()["height"] < 200
        page.context.clear_cookies()
    assert_quiet(recorder)
