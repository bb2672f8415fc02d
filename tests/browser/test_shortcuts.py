"""Keyboard shortcuts, the break reminder and the role fixes in a real browser (see conftest.py)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.browser.test_main_flow import assert_quiet, path_of

pytestmark = pytest.mark.e2e

CHECKED = "() => [...document.querySelectorAll('form.decision input[name=categories]')].map(box => box.checked)"


def test_review_with_shortcuts_only(page, live_server, login, site_repo, recorder, screenshot):
    login(page, "tuan")
    assert path_of(page) == "/queue"
    assert page.locator("form.next-post kbd").inner_text() == "n"

    # n: claim the next post and open it; focus goes to the post text.
    with page.expect_navigation():
        page.keyboard.press("n")
    post_id = path_of(page).rsplit("/", 1)[1]
    assert path_of(page) == f"/posts/{post_id}"
    assert site_repo.get_post(post_id).source["claimed_by"] == "tuan"
    assert page.evaluate("document.activeElement.id") == "post-text"
    hints = page.locator("form.decision > fieldset:first-of-type label kbd").all_inner_texts()
    assert hints == [*[str(n) for n in range(1, 10)], "0", "⇧1", "⇧2", "⇧3", "⇧4"]

    # 1 toggles the first category, and again toggles it back.
    before = page.evaluate(CHECKED)
    page.keyboard.press("1")
    after = page.evaluate(CHECKED)
    assert after[0] != before[0] and after[1:] == before[1:]
    page.keyboard.press("1")
    assert page.evaluate(CHECKED) == before
    page.keyboard.press("3")
    assert page.evaluate(CHECKED)[2] != before[2]
    if not any(page.evaluate(CHECKED)):
        page.keyboard.press("1")

    # Typed into the note, the letters stay letters: no confirm, no dismiss, no next.
    page.click("#note")
    page.keyboard.type("cdn 12 /?")
    assert page.input_value("#note") == "cdn 12 /?"
    assert path_of(page) == f"/posts/{post_id}" and page.locator("#shortcut-help").is_hidden()
    chosen = [box.get_attribute("value") for box in page.locator("form.decision input[name=categories]:checked").all()]
    screenshot(page, "10-post-shortcuts")

    # c confirms (from outside the note) with the ticked categories, and opens the next post.
    page.locator("#post-text").focus()
    with page.expect_navigation():
        page.keyboard.press("c")
    assert path_of(page) != f"/posts/{post_id}" and "Đã lưu quyết định" in page.locator(".flash-success").inner_text()
    decided = site_repo.get_post(post_id).source
    assert decided["status"] == "confirmed" and decided["reviewer"] == "tuan"
    assert sorted(decided["categories"]) == sorted(chosen) and decided["decision_note"] == "cdn 12 /?"
    assert_quiet(recorder)


def test_every_category_severity_and_next_step_by_key_then_decide_and_next(page, live_server, login, site_repo,
                                                                          recorder):
    login(page, "tuan")
    with page.expect_navigation():
        page.keyboard.press("n")
    post_id = path_of(page).rsplit("/", 1)[1]
    boxes = page.locator("form.decision input[name=categories]")
    for box in boxes.all():
        if box.is_checked():
            box.uncheck()
    page.locator("#post-text").focus()
    for key in [*"1234567890", "Shift+Digit1", "Shift+Digit2", "Shift+Digit3", "Shift+Digit4"]:
        page.keyboard.press(key)
    assert page.evaluate(CHECKED) == [True] * 14  # all 14 categories reached by keyboard
    page.keyboard.press("Shift+Digit4")
    assert page.evaluate(CHECKED)[-1] is False
    page.keyboard.press("s")
    page.keyboard.press("2")
    assert page.input_value("#severity") == "2"
    assert page.evaluate(CHECKED)[1] is True  # the 2 after s set the severity, it ticked nothing
    page.keyboard.press("i")
    assert page.locator("input[name=follow_up][value=investigation]").is_checked()
    page.keyboard.press("o")
    assert page.locator("input[name=follow_up][value=none]").is_checked()
    # d: "Không vi phạm", and the next post opens in the same action.
    with page.expect_navigation():
        page.keyboard.press("d")
    next_id = path_of(page).rsplit("/", 1)[1]
    assert next_id != post_id and site_repo.get_post(post_id).source["status"] == "dismissed"
    assert site_repo.get_post(next_id).source["claimed_by"] == "tuan"
    assert page.locator("form.decision").count() == 1
    # r gives the post back to the queue.
    page.locator("#post-text").focus()
    with page.expect_navigation():
        page.keyboard.press("r")
    assert path_of(page) == "/queue" and site_repo.get_post(next_id).source["status"] == "flagged"
    assert_quiet(recorder)


def test_typing_in_the_search_box_is_not_a_shortcut(page, live_server, login, recorder):
    base = live_server.url
    login(page, "an")
    assert path_of(page) == "/search"  # an analyst lands on search, not on a 403
    page.fill("#q", "")
    page.focus("#q")
    page.keyboard.type("n c d 1 ?")
    assert page.input_value("#q") == "n c d 1 ?" and path_of(page) == "/search"
    assert page.locator("#shortcut-help").is_hidden()

    # "/" from elsewhere on the page puts focus in the search box; from another page, it goes there.
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.goto(f"{base}/notices")
    with page.expect_navigation():
        page.keyboard.press("/")
    assert path_of(page) == "/search"
    # autofocus is applied at the browser's next rendering step, after the load event: wait for it
    page.wait_for_function("document.activeElement && document.activeElement.id === 'q'", timeout=5000)

    # Modifiers are the browser's: Alt+n is not "next".
    page.locator("h1").click()
    page.keyboard.press("Alt+n")
    page.wait_for_timeout(200)
    assert path_of(page) == "/search"
    assert_quiet(recorder)


def test_question_mark_shows_the_help(page, live_server, login, recorder, screenshot):
    login(page, "hoa")
    help_panel = page.locator("#shortcut-help")
    toggle = page.locator("button.shortcut-toggle")
    assert help_panel.is_hidden()
    page.keyboard.press("?")
    assert help_panel.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    text = help_panel.inner_text()
    for words in ("Phím tắt", "Bài tiếp theo", "Xác nhận vi phạm", "Không vi phạm", "Tìm kiếm", "Hiện / ẩn bảng này"):
        assert words in text, words
    screenshot(page, "11-shortcut-help")
    page.keyboard.press("?")
    assert help_panel.is_hidden() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert help_panel.is_visible()
    page.keyboard.press("Escape")
    assert help_panel.is_hidden()
    assert_quiet(recorder)


def test_skip_link_and_favicon(page, live_server, login, recorder):
    login(page, "hoa")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    assert_quiet(recorder)


def test_the_query_string_survives_the_login(page, live_server, login):
    page.goto(f"{live_server.url}/search?q={quote('kẹo')}&sort=newest")
    assert path_of(page) == "/login"
    login(page, "an", open_form=False)
    assert path_of(page) == "/search" and urlsplit(page.url).query == f"q={quote('kẹo')}&sort=newest"
    assert page.input_value("#q") == "kẹo"
    assert page.locator("header nav a[href='/queue']").count() == 0  # an analyst has no queue


def test_break_reminder(page, live_server, login, site_repo, recorder, monkeypatch, screenshot):
    monkeypatch.setitem(live_server.app.config, "SAFEWATCH_BREAK_MINUTES", 0)
    login(page, "son")
    assert path_of(page) == "/notices"  # a supervisor lands on the notices board
    assert page.locator(".break-reminder").count() == 0  # only where posts are shown
    page.goto(f"{live_server.url}/queue")
    reminder = page.locator(".break-reminder")
    assert reminder.is_visible()
    assert reminder.inner_text().startswith("Bạn đã xem xét 0 phút. Hãy nghỉ giải lao vài phút.")
    assert page.get_by_role("button", name="Bài tiếp theo").is_enabled()  # it does not block the work
    screenshot(page, "12-break-reminder")
    with page.expect_navigation():
        reminder.get_by_role("button", name="Tôi nghỉ xong").click()
    assert path_of(page) == "/queue"
    assert "Đã ghi nhận giờ nghỉ" in page.locator(".flash-success").inner_text()
    site_repo.refresh()
    found = site_repo.client.search(index=site_repo.events,
                                    query={"bool": {"filter": [{"term": {"action": "break_taken"}},
                                                               {"term": {"actor": "son"}}]}})
    assert found["hits"]["total"]["value"] == 1
    assert_quiet(recorder)
