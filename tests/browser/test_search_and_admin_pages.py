"""The search and administration pages in a real browser (#14): a facet is a link that filters and
takes its filter off again; page numbers and the previous page; the hits-per-day chart is drawn
with no script; a reversed range gets a message; an admin edits a user's roles and finds the change
in the audit log, filtered, with its CSV."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from index.casework.accounts import create_user
from tests.browser.site_data import PASSWORD
from tests.browser.test_main_flow import assert_quiet, path_of


def test_analyst_filters_with_facets_and_pages_through(page, live_server, login, recorder, screenshot):
    login(page, "an")
    page.goto(f"{live_server.url}/search")
    total = int(page.locator("p.count").inner_text().split()[0])
    assert total > 20  # more than a page: the demo forum
    assert page.locator("figure.hits-per-day rect.day").count() >= 1
    # A status facet: following it filters to its count, and it is marked as chosen.
    facet = page.locator('a.facet[data-facet="status"]').first
    count = int(facet.locator("small").inner_text())
    with page.expect_navigation():
        facet.click()
    assert "status" in parse_qs(urlsplit(page.url).query)
    assert int(page.locator("p.count").inner_text().split()[0]) == count
    chosen = page.locator('a.facet.chosen[data-facet="status"]')
    assert chosen.count() == 1
    with page.expect_navigation():
        chosen.click()
    assert "status" not in parse_qs(urlsplit(page.url).query)
    # Page 2 by its number, then back with "previous page".
    with page.expect_navigation():
        page.locator("a.page-number", has_text="2").first.click()
    assert parse_qs(urlsplit(page.url).query)["page"] == ["2"]
    assert page.locator('[aria-current="page"]').inner_text() == "2"
    screenshot(page, "17-search-facets-pages-chart")
    with page.expect_navigation():
        page.locator('a[rel="prev"]').click()
    assert "page" not in parse_qs(urlsplit(page.url).query) and path_of(page) == "/search"
    assert_quiet(recorder)
    # A reversed range is refused with a message, what was typed kept.
    page.fill('input[name="from"]', "2026-11-30")
    page.fill('input[name="to"]', "2026-11-01")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert "2026-11-30" in page.locator('[role="alert"]').inner_text()
    assert page.input_value('input[name="from"]') == "2026-11-30"
    assert [error for error in recorder.console_errors if "400 (BAD REQUEST)" not in error] == []


def test_admin_edits_roles_and_reads_the_audit_log(page, live_server, login, recorder, site_repo):
    if site_repo.get_user("ngoc") is None:
        create_user(site_repo, "ngoc", PASSWORD, ["reviewer"], actor="test")
    login(page, "quan")
    page.goto(f"{live_server.url}/admin/users")
    form = page.locator('form.roles[data-username="ngoc"]')
    form.locator('input[value="analyst"]').check()
    with page.expect_navigation():
        form.locator("button").click()
    assert site_repo.get_user("ngoc")["roles"] == ["reviewer", "analyst"]
    assert page.locator('form.roles[data-username="ngoc"] input[value="analyst"]').is_checked()
    with page.expect_navigation():
        page.locator('a[href="/admin/audit"]').click()
    page.fill('input[name="actor"]', "QUAN")
    page.select_option('select[name="action"]', "roles_changed")
    with page.expect_navigation():
        page.click("form.audit-filters button[type=submit]")
    assert page.locator("tr.event").count() >= 1
    assert page.locator("tr.event").first.inner_text().count("Đổi vai trò") == 1  # the action by its name, not its code
    assert "roles_changed" not in page.locator("tr.event").first.inner_text()
    csv_link = page.locator('a[href^="/admin/audit.csv"]')
    assert parse_qs(urlsplit(csv_link.get_attribute("href")).query)["action"] == ["roles_changed"]
    assert_quiet(recorder)
