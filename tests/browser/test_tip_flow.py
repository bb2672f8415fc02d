"""Tips (#17) in the browser, end to end: a parent files a tip on the public page about a crawled post of the
demo forum, a partner files a second through the API; a reviewer triages both and links the post to the
first, claims and confirms the post with a removal request as its next step; a supervisor approves the
request, records it sent and the content removed; the reviewer resolves the tip "content removed" and the
second as its duplicate; the parent sees "handled" with the code; the period report counts both tips in
every figure they belong to, and its tips CSV lists them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from index.casework import partners
from index.casework.periods import period
from index.casework.reports import build_report
from tests.browser.test_main_flow import assert_quiet, path_of


def _post_to_report(site_repo) -> dict:
    """A flagged post of the crawled demo forum that no other test decides (third lowest priority)."""
    hits = site_repo.client.search(index=site_repo.posts, size=3, sort=[{"priority": "asc"}], query={"bool": {
        "filter": [{"term": {"status": "flagged"}}, {"term": {"source": "demo-forum"}}],
        "must_not": [{"term": {"url": "javascript:alert(3)"}}]}})["hits"]["hits"]
    return {"id": hits[-1]["_id"], **hits[-1]["_source"]}


def _act(page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f"form[action$='/{action}'] button[type=submit]").click()
    assert not page.locator(".flash-error").count(), page.locator(".flash-error").all_inner_texts()


def test_tips_from_the_public_page_and_the_api_to_handled_and_counted(page, live_server, login, site_repo,
                                                                      recorder, screenshot):
    base = live_server.url
    post = _post_to_report(site_repo)
    month = period("month", datetime.now(UTC).date())
    before = build_report(site_repo, month).tips

    # 1. A parent, without an account, on the public page.
    page.goto(f"{base}/bao-cao")
    assert page.locator("form.public-report input[name=csrf_token]").get_attribute("value")
    page.fill("#urls", post["url"])
    page.fill("#description", "Con tôi 12 tuổi thấy bài này trên diễn đàn, <b>xin xử lý</b>")
    page.locator("input[name=category][value=not_sure]").check()
    screenshot(page, "tip-01-public-form")
    with page.expect_navigation():
        page.locator("form.public-report button[type=submit]").click()
    reference = page.locator("#tip-reference").inner_text()
    code = page.locator("#tip-code").inner_text()
    assert reference.startswith("TB-") and len(code) == 14
    screenshot(page, "tip-02-public-thanks")

    # 2. A partner unit, through the API, about the same page.
    key = partners.add(site_repo, "Nền tảng thử nghiệm", actor="test")
    created = page.request.post(f"{base}/api/v1/tips", headers={"Authorization": f"Bearer {key}"},
                                data={"urls": [post["url"]], "description": "Người dùng báo cáo bài đăng",
                                      "category": "not_sure"})
    assert created.status == 201, created.text()
    api_reference = created.json()["reference"]
    site_repo.refresh()

    # 3. A reviewer triages both and links the crawled post to the first.
    page.context.clear_cookies()
    login(page, "khoa")
    page.goto(f"{base}/tips")
    assert page.locator(f"table.tips a:text-is('{reference}')").count() == 1
    assert page.locator(f"table.tips a:text-is('{api_reference}')").count() == 1
    with page.expect_navigation():
        page.locator(f"table.tips a:text-is('{api_reference}')").click()
    api_tip_path = path_of(page)
    _act(page, "triage")
    page.goto(f"{base}/tips")
    with page.expect_navigation():
        page.locator(f"table.tips a:text-is('{reference}')").click()
    tip_path = path_of(page)
    assert "<b>xin xử lý</b>" in page.locator("p.text").inner_text()  # the reporter's words, as text
    page.select_option("#triage-category", "drugs")
    _act(page, "triage")
    assert page.locator("#tip-status").inner_text() == "Đã phân loại"
    page.fill("#link-post", post["id"])
    _act(page, "link")
    assert page.locator(f"#tip-posts a[href='/posts/{post['id']}']").count() == 1
    screenshot(page, "tip-03-triaged-and-linked")

    # 3b. The crawled post and both tips go into one case (the tips named by the references people read).
    page.goto(f"{base}/posts/{post['id']}")
    page.fill("#add-to-case-title", "Kẹo lạ bán cho học sinh")
    with page.expect_navigation():
        page.locator("form#add-to-case button[type=submit]").click()
    page.goto(f"{base}/cases")
    with page.expect_navigation():
        page.get_by_role("link", name="Kẹo lạ bán cho học sinh").click()
    case_id = path_of(page).rsplit("/", 1)[1]
    for tip_reference in (reference, api_reference):
        page.select_option("#item-kind", "tip")
        page.fill("#item-id", tip_reference)
        with page.expect_navigation():
            page.locator("form.add-item button[type=submit]").click()
    assert page.locator("li.case-tip a").all_inner_texts() == [reference, api_reference]
    kinds = sorted(item["kind"] for item in site_repo.get_document("cases", case_id)["items"])
    assert kinds == ["post", "tip", "tip"]
    page.goto(f"{base}{tip_path}")

    # 4. It cannot be resolved while the post waits for a decision: the reviewer decides it first.
    page.select_option("#outcome", "content_removed")
    with page.expect_navigation():
        page.locator("form[action$='/resolve'] button[type=submit]").click()
    assert "quyết định" in page.locator(".flash-error").inner_text()
    with page.expect_navigation():
        page.locator(f"#tip-posts a[href='/posts/{post['id']}']").click()
    with page.expect_navigation():
        page.locator("form[action$='/claim'] button[type=submit]").click()
    if not page.locator(".decision input[name=categories]:checked").count():
        page.locator(".decision input[name=categories][value=drugs]").check()
    page.locator("input[name=follow_up][value=takedown]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận vi phạm").click()
    assert path_of(page) == "/notices/new"
    if not page.input_value("#recipient"):
        page.fill("#recipient", "Ban quản trị diễn đàn")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu dự thảo").click()
    notice_path = path_of(page)
    assert page.locator(".flash-error").count() == 0, page.locator(".flash-error").all_inner_texts()
    assert notice_path.startswith("/notices/") and notice_path != "/notices/new"
    assert site_repo.get_post(post["id"]).source["status"] == "confirmed"

    # 5. A supervisor approves the removal request, records it sent, then the content removed.
    page.context.clear_cookies()
    login(page, "son")
    page.goto(base + notice_path)
    with page.expect_navigation():
        page.get_by_role("button", name="Duyệt yêu cầu gỡ bỏ").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận", exact=False).first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận đã gỡ").click()
    assert site_repo.get_post(post["id"]).source["status"] == "removed"

    # 6. The reviewer resolves the tip "content removed", and the partner's as its duplicate.
    page.context.clear_cookies()
    login(page, "khoa")
    page.goto(base + tip_path)
    assert "Đã gỡ" in page.locator("#tip-posts").inner_text()
    page.select_option("#outcome", "content_removed")
    _act(page, "resolve")
    assert page.locator("#tip-status").inner_text() == "Đã giải quyết"
    assert page.locator("#tip-outcome").inner_text().startswith("Nội dung đã bị gỡ")
    screenshot(page, "tip-04-resolved")
    page.goto(base + api_tip_path)
    page.select_option("#outcome", "duplicate")
    page.fill("input[name=duplicate_of]", reference)
    _act(page, "resolve")
    assert reference in page.locator("#tip-outcome").inner_text()

    # 7. The parent checks the status with the reference and the code: handled, and nothing more.
    page.context.clear_cookies()
    page.goto(f"{base}/bao-cao/trang-thai")
    page.fill("#reference", reference)
    page.fill("#code", code)
    with page.expect_navigation():
        page.locator("form[action$='/trang-thai'] button[type=submit]").click()
    assert page.locator("#tip-status").get_attribute("data-status") == "handled"
    assert page.locator("#tip-status strong").inner_text() == "Đã xử lý xong"
    assert post["url"] not in page.content() and "khoa" not in page.locator("main").inner_text()
    screenshot(page, "tip-05-public-status")

    # 8. The period report counts both tips in every figure they belong to.
    login(page, "son")
    page.goto(f"{base}/reports")
    figures = {row: int(page.locator(f"#tips-{row} td").inner_text()) for row in
               ("received", "triaged-in-time", "resolved")}
    assert figures == {"received": before.received + 2, "triaged-in-time": before.triaged_in_time + 2,
                       "resolved": before.resolved + 2}
    after = build_report(site_repo, month).tips
    assert after.by_channel.get("web", 0) == before.by_channel.get("web", 0) + 1
    assert after.by_channel.get("api", 0) == before.by_channel.get("api", 0) + 1
    assert after.by_outcome.get("content_removed", 0) == before.by_outcome.get("content_removed", 0) + 1
    assert after.by_outcome.get("duplicate", 0) == before.by_outcome.get("duplicate", 0) + 1
    assert after.by_category.get("drugs", 0) == before.by_category.get("drugs", 0) + 1
    assert after.by_category.get("not_sure", 0) == before.by_category.get("not_sure", 0) + 1
    share = page.locator("#tips-resolution-rate td").inner_text()
    assert share.rstrip("%").replace(",", ".").strip()  # a share is shown
    screenshot(page, "tip-06-report")
    exported = page.request.get(f"{base}/reports/tips.csv")
    assert exported.status == 200
    rows = {row["Số tin báo"]: row for row in csv.DictReader(io.StringIO(exported.text().removeprefix("\ufeff")))}
    assert rows[reference]["Mã kết quả"] == "content_removed" and rows[reference]["Mã kênh"] == "web"
    assert rows[api_reference]["Mã kết quả"] == "duplicate" and rows[api_reference]["Mã kênh"] == "api"
    assert_quiet(recorder)
