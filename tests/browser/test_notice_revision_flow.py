"""Notices without dead ends (#14) in the browser: a reviewer drafts a removal request, a supervisor
returns it with a comment, the drafter edits it, the supervisor approves it and records it sent 30
hours ago, the page shows it overdue at once (before any background job), and it is re-sent: the
first sending kept, the re-sending its own event."""

from datetime import UTC, datetime, timedelta

from index.casework import lifecycle
from review_ui.display import VIETNAM
from tests.browser.test_main_flow import assert_quiet, path_of


def _confirmed_post(site_repo) -> str:
    """A demo post nobody else uses (lowest priority of the crawled ones), confirmed by a reviewer of its
    own (other tests leave their reviewers holding a post, and a reviewer holds one at a time)."""
    hits = site_repo.client.search(index=site_repo.posts, size=1, sort=[{"priority": "asc"}], query={"bool": {
        "filter": [{"term": {"status": "flagged"}}, {"term": {"source": "demo-forum"}}],
        "must_not": [{"term": {"url": "javascript:alert(3)"}}]}})["hits"]["hits"]
    post_id = hits[0]["_id"]
    lifecycle.claim(site_repo, post_id, reviewer="notice-reviewer")
    lifecycle.decide(site_repo, post_id, reviewer="notice-reviewer", confirm=True, categories=["drugs"])
    return post_id


def test_draft_return_edit_approve_and_resend(page, live_server, login, site_repo, recorder, screenshot):
    base = live_server.url
    post_id = _confirmed_post(site_repo)
    login(page, "minh")
    page.goto(f"{base}/notices/new?kind=takedown&post_id={post_id}")
    # `crawl --url` stores platform "web", which is not in the registry: the page says so, a legal name is typed.
    assert "danh mục nền tảng" in page.locator(".registry-recipient").inner_text()
    page.fill("#recipient", "Ban quản trị Diễn đàn demo")
    page.fill("#contact_officer", "Đại úy Trần An, 0912 345 678")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu dự thảo").click()
    notice_path = path_of(page)
    assert notice_path != "/notices/new", page.locator(".flash, [role=alert]").all_inner_texts()
    notice_id = notice_path.rsplit("/", 1)[1]

    page.context.clear_cookies()
    login(page, "son")
    page.goto(base + notice_path)
    page.fill("#return_comment", "Bổ sung căn cứ pháp lý")
    with page.expect_navigation():
        page.get_by_role("button", name="Trả lại kèm ý kiến này").click()
    assert page.locator(".comment-return").inner_text().count("Bổ sung căn cứ pháp lý") == 1
    assert page.get_by_role("button", name="Duyệt yêu cầu gỡ bỏ").count() == 0  # waits for the drafter
    screenshot(page, "notice-returned")

    page.context.clear_cookies()
    login(page, "minh")
    page.goto(f"{base}/notices?view=mine")
    with page.expect_navigation():
        page.locator(f"a[href='{notice_path}']").click()
    with page.expect_navigation():
        page.locator("#edit-draft").click()
    assert "Bổ sung căn cứ pháp lý" in page.locator(".notice-returned").inner_text()
    page.fill("#legal_basis", page.input_value("#legal_basis") + "; Luật An ninh mạng 2018 Điều 29")
    page.fill("#comment", "Đã bổ sung Điều 29")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu dự thảo").click()
    assert path_of(page) == notice_path
    assert "Điều 29" in site_repo.get_notice(notice_id).source["legal_basis"]

    page.context.clear_cookies()
    login(page, "son")
    page.goto(f"{base}/notices?view=awaiting")
    assert page.locator(f"a[href='{notice_path}']").count() == 1
    page.goto(base + notice_path)
    with page.expect_navigation():
        page.get_by_role("button", name="Duyệt yêu cầu gỡ bỏ").click()
    first = (datetime.now(UTC) - timedelta(hours=30)).astimezone(VIETNAM)
    page.fill("#sent_at", first.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận", exact=True).click()
    assert page.locator("h1 .notice-status-overdue").count() == 1  # overdue at read time
    screenshot(page, "notice-overdue")
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận", exact=True).click()  # send again, now
    notice = site_repo.get_notice(notice_id).source
    assert len(notice["sendings"]) == 2 and notice["sent_at"] < notice["last_sent_at"]
    assert page.locator("ol.sendings li").count() == 2
    assert [c["kind"] for c in notice["comments"]] == ["return", "edit"]
    assert_quiet(recorder)
