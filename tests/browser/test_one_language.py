"""One language at a time (issue #14): a reviewer decides a post in the Vietnamese UI, then its history
and the admin's audit log say what happened in Vietnamese, with no English audit text and no code."""

from __future__ import annotations

import re

import pytest

from safewatch.statuses import STATUSES

pytestmark = pytest.mark.e2e

# What the trail used to show as it was stored, and codes that must never reach the page.
ENGLISH = ("claimed for review", "released", "status_change", "login", "Status changed", "Signed in")
CODES = tuple(status for status in STATUSES if "_" in status) + ("status_change", "claimed_for_review")


def assert_no_english_or_codes(text: str) -> None:
    for word in (*ENGLISH, *CODES):
        assert re.search(rf"(?<![\w/-]){re.escape(word)}(?![\w-])", text) is None, word


def test_history_and_audit_log_in_vietnamese(page, live_server, login, site_repo):
    base = live_server.url
    login(page, "vy")
    page.goto(f"{base}/queue")
    with page.expect_navigation():
        page.get_by_role("button", name="Bài tiếp theo").click()
    post_id = page.url.rsplit("/", 1)[1]
    with page.expect_navigation():
        page.get_by_role("button", name="Không vi phạm").click()
    assert site_repo.get_post(post_id).source["status"] == "dismissed"
    site_repo.refresh()
    claimed = [e for e in site_repo.events_for(post_id) if e.get("actor") == "vy"]
    assert claimed[0]["reason_code"] == "claimed_for_review"  # stored as a code…

    page.goto(f"{base}/posts/{post_id}")
    history = page.locator("ol.events").inner_text()
    assert "đã nhận để rà soát" in history and "Đang rà soát → Không vi phạm" in history  # …shown in Vietnamese
    assert_no_english_or_codes(history)

    page.context.clear_cookies()
    login(page, "quan")
    page.goto(f"{base}/admin/audit?actor=vy")
    table = page.locator("table.audit").inner_text()
    assert "Đổi trạng thái" in table and "đã nhận để rà soát" in table and "Đăng nhập" in table
    assert_no_english_or_codes(table)
    options = page.locator("select[name=action] option").all_inner_texts()
    assert "Đổi trạng thái" in options and "status_change" not in options
