"""A case in a real browser (#17): a reviewer finds two posts of one campaign in search results, ticks
both and opens a case with them, adds a note and a task, decides both posts together, reads the
timeline, and finds the case on each post's page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from index.casework import cases
from index.casework.accounts import create_user
from safewatch.records import post_id_for
from tests.browser.site_data import PASSWORD
from tests.browser.test_main_flow import assert_quiet, path_of


def campaign_posts(repo, word: str) -> list[str]:
    """Two flagged posts only this test's search finds (priority low: "Next" in other tests skips them)."""
    ids = []
    for n in (1, 2):
        url = f"https://forum.example/{word}/{n}"
        repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "author": "shop_keo_68",
                                 "text": f"{word} kẹo vui giá rẻ cho học sinh, ib zalo {n}", "status": "flagged",
                                 "priority": 0.02, "labels": ["drugs"], "scores": {"drugs": 0.9},
                                 "source": "demo-forum", "platform": "forum",
                                 "collected_at": datetime.now(UTC).isoformat()}])
        ids.append(post_id_for(url))
    repo.refresh()
    return ids


def test_a_case_from_search_results_decided_together(page, live_server, login, recorder, site_repo, screenshot):
    if site_repo.get_user("linh") is None:
        create_user(site_repo, "linh", PASSWORD, ["reviewer"], actor="test")
    word = f"zq{uuid.uuid4().hex[:8]}"
    first, second = campaign_posts(site_repo, word)
    login(page, "linh")
    page.goto(f"{live_server.url}/search?q={word}")
    assert page.locator("ol.results > li").count() == 2
    for post_id in (first, second):
        page.check(f'input[form="add-to-case"][value="{post_id}"]')
    page.select_option("#add-to-case-target", "")
    page.fill("#add-to-case-title", "Chiến dịch bán kẹo <b>shop_keo_68</b>")
    with page.expect_navigation():
        page.click("form#add-to-case button[type=submit]")
    assert path_of(page).startswith("/cases/")
    assert page.locator("h1 .case-title").inner_text() == "Chiến dịch bán kẹo <b>shop_keo_68</b>"  # as text
    assert page.locator(".case-posts tbody tr").count() == 2
    assert "shop_keo_68" in page.locator(".case-view .tag-context").first.inner_text()

    page.fill("#note-text", "Hai bài cùng một người bán, cùng số Zalo.")
    with page.expect_navigation():
        page.click(".case-notes button[type=submit]")
    assert page.locator("ol.notes .note-text").inner_text() == "Hai bài cùng một người bán, cùng số Zalo."
    page.fill("#task-text", "Xác minh chủ số Zalo")
    page.select_option("#task-assignee", "linh")
    page.fill("#task-due", "2026-12-31")
    with page.expect_navigation():
        page.click(".case-tasks form:has(#task-text) button[type=submit]")
    task = page.locator("li.task").first
    assert "Xác minh chủ số Zalo" in task.inner_text() and "31/12/2026" in task.inner_text()
    with page.expect_navigation():
        task.locator("button").click()
    assert page.locator("li.task.done").count() == 1

    # Both posts are ticked for the decision (they wait for review); confirm them together.
    assert page.locator('input[form="case-decision"]:checked').count() == 2
    page.check('form#case-decision input[name="categories"][value="drugs"]')
    screenshot(page, "30-case-before-decision")
    with page.expect_navigation():
        page.click('form#case-decision button[value="confirm"]')
    assert "2 bài đã được quyết định." in page.locator(".flash-success").first.inner_text()
    for post_id in (first, second):
        post = site_repo.get_post(post_id).source
        assert (post["status"], post["reviewer"], post["categories"]) == ("confirmed", "linh", ["drugs"])
        assert page.locator(f'tr[data-post-id="{post_id}"] .status').inner_text() == "Đã xác nhận"

    actions = page.locator("ol.timeline > li").evaluate_all("items => items.map(i => i.dataset.action)")
    assert actions.index("case_created") < actions.index("case_note_added") < actions.index("case_task_added") \
        < actions.index("case_task_done") < actions.index("case_posts_decided")
    assert actions.count("status_change") == 4  # each post: taken for review, then confirmed
    screenshot(page, "31-case-timeline")

    case_path = path_of(page)
    for post_id in (first, second):
        page.goto(f"{live_server.url}/posts/{post_id}")
        link = page.locator(f'section.post-cases a[href="{case_path}"]')
        assert link.count() == 1 and "Chiến dịch bán kẹo" in link.inner_text()
    [case] = [c for c in cases.search_cases(site_repo, "shop_keo_68") if c["id"] == case_path.rsplit("/", 1)[1]]
    assert case["accounts"] == ["shop_keo_68"]
    assert_quiet(recorder)
