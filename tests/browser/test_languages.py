"""The language switcher in a real browser: Vietnamese first (the browser asks for English, and is not
listened to), English on request from any page, the login page included, and back."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from review_ui.language import COOKIE
from tests.browser.test_main_flow import assert_quiet, path_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def english_browser_page(browser, recorder):
    """A browser installed in English (Accept-Language en-US, as headless Chromium sends by default)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US",
                                  timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    context.on("page", recorder.attach)
    tab = context.new_page()
    yield tab
    context.close()


def switch(page, to: str) -> None:
    with page.expect_navigation():
        page.locator("form.language button").click()
    assert page.locator("html").get_attribute("lang") == to


def test_switch_to_english_and_back(english_browser_page, live_server, login, site_repo, recorder, screenshot):
    page, base = english_browser_page, live_server.url
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "vi"  # whatever the browser prefers
    assert page.locator("h1").inner_text() == "Đăng nhập"
    switcher = page.locator("form.language button")
    assert switcher.inner_text() == "English" and switcher.get_attribute("lang") == "en"

    switch(page, "en")  # signed out, on the login page
    assert path_of(page) == "/login" and page.locator("h1").inner_text() == "Sign in"
    assert page.get_by_label("Username").is_visible() and page.get_by_label("Password").is_visible()
    screenshot(page, "13-login-english")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    assert cookie["value"] == "en" and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert cookie["expires"] > 0  # long-lived, not a session cookie

    login(page, "an", open_form=False)
    assert path_of(page) == "/search" and page.locator("h1").inner_text() == "Search"
    assert page.locator("header nav a").all_inner_texts() == ["Search", "Tips", "Notices", "Cases", "Reports"]
    page.fill("#q", "hoc sinh")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    count = page.locator("p.count").inner_text().split()
    assert count[1] in ("result", "results") and (count[1] == "result") == (count[0] == "1")
    status = page.locator("ol.results li .status").first.inner_text()
    assert status in {"Collected", "Flagged", "In review", "Dismissed", "Confirmed", "Warning issued",
                      "Removal requested", "Removed", "Overdue", "Reappeared"}
    screenshot(page, "14-search-english")

    page.goto(f"{base}/reports")
    assert page.locator("h1").inner_text().startswith("Report ")
    assert page.locator("table.figures thead th").first.inner_text() == "Indicator"
    screenshot(page, "15-report-english")

    # Back to Vietnamese from a page with a query string: the same page, query kept.
    page.goto(f"{base}/search?q={quote('kẹo')}&sort=newest")
    assert page.locator("form.language button").inner_text() == "Tiếng Việt"
    switch(page, "vi")
    assert path_of(page) == "/search" and urlsplit(page.url).query == f"q={quote('kẹo')}&sort=newest"
    assert page.locator("h1").inner_text() == "Tìm kiếm"
    assert page.locator("header nav a").all_inner_texts() == ["Tìm kiếm", "Tin báo", "Văn bản", "Vụ việc", "Báo cáo"]
    screenshot(page, "16-search-vietnamese-again")

    site_repo.refresh()
    changes = site_repo.client.search(index=site_repo.events, query={"bool": {"filter": [
        {"term": {"action": "language_changed"}}, {"term": {"actor": "an"}}]}})["hits"]["hits"]
    assert [hit["_source"]["details"]["language"] for hit in changes] == ["vi"]  # signed in: audited
    assert_quiet(recorder)


def test_the_switcher_works_from_the_keyboard(page, live_server, login, recorder):
    login(page, "son")
    page.locator("form.language button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page) == "/notices" and page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Warnings and removal requests")
    assert_quiet(recorder)
