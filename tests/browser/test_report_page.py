"""The report page in the browser: the committee's table for this period and the one before, and the
plan's indicators with their targets, readable at 1366x768 without scrolling the page sideways."""

from __future__ import annotations

import pytest

from index.casework import lifecycle, notices
from index.casework.notices import NoticeDraft
from index.casework.permissions import Actor
from tests.browser.test_layout import OVERFLOW
from tests.browser.test_main_flow import assert_quiet

pytestmark = pytest.mark.e2e


def test_committee_table_and_indicators(page, live_server, login, site_repo, recorder, screenshot):
    flagged = site_repo.scan_posts({"term": {"status": "flagged"}}, fields=["url"], sort=[], limit=1)[0]["id"]
    # A reviewer of its own: the layout tests leave "quan" holding a post (one held post at a time).
    lifecycle.claim(site_repo, flagged, reviewer="report-reviewer")
    lifecycle.decide(site_repo, flagged, reviewer="report-reviewer", confirm=True, categories=["drugs"])
    notice = notices.draft(site_repo, NoticeDraft("takedown", "platform", "Diễn đàn", (flagged,)),
                           actor=Actor("quan", frozenset({"reviewer"})))
    supervisor = Actor("son", frozenset({"supervisor"}))
    notices.approve(site_repo, notice["notice_id"], actor=supervisor)
    notices.send(site_repo, notice["notice_id"], channel="electronic", actor=supervisor)
    notices.record_removal(site_repo, flagged, actor=Actor.system("recheck"))
    site_repo.refresh()

    base = live_server.url
    login(page, "son")
    page.goto(f"{base}/reports?period=year")
    drugs = page.locator("table[data-table=categories][data-period='0'] tr[data-key=drugs]")
    assert drugs.locator("[data-column=confirmed]").inner_text() != "0"
    assert drugs.locator("[data-column=removed]").inner_text() != "0"
    assert page.locator("#table-platform h3").count() == 2  # this period and the previous one
    assert page.locator("table[data-table=platform][data-period='0'] tr[data-key]").count() >= 1
    assert page.locator("#indicator-resolution_rate td").nth(1).inner_text() == "> 96,0%"
    assert page.locator("#indicator-share_flagged_reviewed td").nth(1).inner_text() == "≥ 100,0%"
    measured = page.evaluate(OVERFLOW)
    assert measured["scrollWidth"] <= measured["innerWidth"], measured
    page.locator("#table-categories").scroll_into_view_if_needed()
    screenshot(page, "16-report-committee-table")
    assert_quiet(recorder)
