"""The supervisor writes the report's narrative in the browser (#14): saved through the real form with
its CSRF token, audited, kept when a second tab saved meanwhile, printed in the DOCX, and shown to an
analyst as text (escaped, paragraphs kept) without the form."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tests.browser.test_main_flow import path_of

pytestmark = pytest.mark.e2e

PERIOD = "period=half&date=2025-03-01"  # a past half-year no other browser test writes
ASSESSMENT = "Đơn vị đã xử lý hết tin báo.\n\n<script>alert('narrative')</script> vẫn là chữ."


def test_a_supervisor_writes_the_narrative_and_an_analyst_reads_it(page, live_server, login, site_repo, recorder):
    base = live_server.url
    login(page, "son")
    page.goto(f"{base}/reports?{PERIOD}")
    assert "Chưa có nội dung" in page.locator("#narrative .meta").inner_text()
    # a second tab of the same report, opened before the first saves
    other = page.context.new_page()
    other.goto(f"{base}/reports?{PERIOD}")

    page.fill("#narrative-assessment", ASSESSMENT)
    page.fill("#narrative-recommendations", "Tăng cường phối hợp với nhà trường.")
    with page.expect_navigation():
        page.locator(".narrative-form button[type=submit]").click()
    assert path_of(page) == "/reports" and "Đã lưu" in page.locator(".flash-success").inner_text()
    assert page.input_value("#narrative-assessment") == ASSESSMENT
    assert "son" in page.locator("#narrative .meta").inner_text()

    # the stale tab is refused, and what it wrote is still in its form, not lost
    other.fill("#narrative-difficulties", "Thiếu người trực ca đêm.")
    with other.expect_navigation():
        other.locator(".narrative-form button[type=submit]").click()
    assert "lưu" in other.locator(".flash-error").inner_text().lower()
    assert other.input_value("#narrative-difficulties") == "Thiếu người trực ca đêm."
    other.close()

    site_repo.refresh()
    saved = site_repo.client.search(index=site_repo.events, query={"bool": {"filter": [
        {"term": {"action": "report_narrative_saved"}}, {"term": {"actor": "son"}}]}})["hits"]["hits"]
    assert len(saved) == 1  # the refused save wrote nothing

    # the DOCX the committee receives carries the paragraphs as written
    answer = page.request.get(f"{base}/reports/report.docx?{PERIOD}")
    assert answer.ok
    paragraphs = [p.text for p in Document(io.BytesIO(answer.body())).paragraphs]
    assert "Đơn vị đã xử lý hết tin báo." in paragraphs
    assert "<script>alert('narrative')</script> vẫn là chữ." in paragraphs

    # an analyst reads it, escaped, two paragraphs, and has no form to change it
    page.context.clear_cookies()
    login(page, "an")
    page.goto(f"{base}/reports?{PERIOD}")
    assert page.locator(".narrative-form").count() == 0
    section = page.locator(".narrative-text[data-section=assessment] p")
    assert section.all_inner_texts() == ["Đơn vị đã xử lý hết tin báo.",
                                        "<script>alert('narrative')</script> vẫn là chữ."]
    assert page.locator(".narrative-text[data-section=difficulties] p.empty").count() == 1
    # and a post of the form without the supervisor role is refused, with nothing written
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")  # the analyst's own token
    refused = page.request.post(f"{base}/reports/narrative", form={
        "csrf_token": token, "revision": "1", "period": "half", "date": "2025-03-01",
        "assessment": "ghi đè"}, max_redirects=0)
    assert refused.status == 403
    page.reload()
    assert section.first.inner_text() == "Đơn vị đã xử lý hết tin báo."
    # the only console line: the refused save's own answer (400, the page again with the text kept)
    assert recorder.dialogs == [] and recorder.off_site() == []
    assert [line for line in recorder.console_errors if "400" not in line or "/reports/narrative" not in line] == []
    assert len(recorder.console_errors) == 1
