"""The issue's whole flow in the browser: a reviewer logs in, claims, confirms with "removal request"
as the next step and saves the draft; a supervisor approves it, records it sent and, later, the
removal; the post is found in search; the period report lists it; the report exports as PDF."""

from tests.browser.test_main_flow import assert_quiet, path_of


def test_from_claim_to_the_report_pdf(page, live_server, login, site_repo, recorder, screenshot):
    base = live_server.url
    login(page, "thu")
    with page.expect_navigation():
        page.get_by_role("button", name="Bài tiếp theo").click()
    post_id = path_of(page).rsplit("/", 1)[1]
    post = site_repo.get_post(post_id).source
    if not page.locator(".decision input[name=categories]:checked").count():
        page.locator(".decision input[name=categories]").first.check()
    page.locator("input[name=follow_up][value=takedown]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận vi phạm").click()
    assert path_of(page) == "/notices/new"  # the draft of the next step opens
    if not page.input_value("#recipient"):
        page.fill("#recipient", "Ban quản trị diễn đàn")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu dự thảo").click()
    notice_path = path_of(page)
    assert notice_path.startswith("/notices/") and site_repo.get_post(post_id).source["status"] == "confirmed"
    screenshot(page, "08-notice-draft")

    page.context.clear_cookies()
    login(page, "son")
    page.goto(base + notice_path)
    with page.expect_navigation():
        page.get_by_role("button", name="Duyệt yêu cầu gỡ bỏ").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận", exact=False).first.click()
    assert site_repo.get_post(post_id).source["status"] == "takedown_requested"
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận đã gỡ").click()
    assert site_repo.get_post(post_id).source["status"] == "removed"
    screenshot(page, "09-notice-removed")

    words = " ".join(post["text"].split()[:6])
    page.goto(f"{base}/search?q={words}")
    assert page.locator(f"a[href='/posts/{post_id}']").count() >= 1

    page.goto(f"{base}/reports")
    assert page.locator("h1").inner_text().startswith("Báo cáo")
    assert post["url"] in page.content()  # listed among the removed items of the period
    screenshot(page, "10-report")
    pdf = page.request.get(f"{base}/reports/report.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert_quiet(recorder)
