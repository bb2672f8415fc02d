"""The cases pages through Flask's test client: who may do what, CSRF, escaping, "add to case" from
the queue, a post and search results, the case on the post view, and the report's open cases."""

import io
import re
from dataclasses import replace

from openpyxl import load_workbook

from index.casework import cases
from tests.review_ui.conftest import SITE_PASSWORD

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def case_events(repo, action: str) -> list[dict]:
    repo.refresh()
    hits = repo.client.search(index=repo.events, query={"term": {"action": action}}, size=50)["hits"]["hits"]
    return [h["_source"] for h in hits]


def test_add_to_case_from_search_and_the_case_on_the_post_view(repo, site, browse):
    an = browse("an")
    page = an.get("/search?q=keo").get_data(as_text=True)
    assert 'form="add-to-case" name="post_id"' in page and 'action="/cases/add"' in page
    response = an.post("/cases/add", data={"post_id": [site.flagged, site.confirmed], "case_id": "",
                                           "title": HOSTILE, "next": "/search?q=keo"})
    assert response.status_code == 302
    [case] = cases.search_cases(repo)
    assert case["item_keys"] == [f"post:{site.flagged}", f"post:{site.confirmed}"] and case["owner"] == "an"
    assert case["accounts"] == ["kiet9x"]
    shown = an.get(response.headers["Location"]).get_data(as_text=True)
    assert HOSTILE not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    post_page = browse("lan").get(f"/posts/{site.flagged}").get_data(as_text=True)
    assert f'/cases/{case["id"]}' in post_page and HOSTILE not in post_page
    assert "&lt;script&gt;" in browse("chief").get("/cases?q=alert").get_data(as_text=True)
    # An existing case from the queue (lan's held post is already in it: reported, not doubled).
    response = browse("lan").post("/cases/add", data={"post_id": [site.flagged, site.media], "case_id": case["id"]},
                                  follow_redirects=True)
    assert "1 bài đã được thêm vào vụ việc." in response.get_data(as_text=True)
    assert "1 bài đã có trong vụ việc." in response.get_data(as_text=True)
    assert len(cases.get_case(repo, case["id"])["items"]) == 3
    assert browse("lan").get("/queue").get_data(as_text=True).count('form="add-to-case"') >= 1


def test_roles_on_a_case(repo, site, browse):
    an = browse("an")
    an.post("/cases/new", data={"title": "Nhóm bán kẹo", "post_id": site.flagged})
    [case] = cases.search_cases(repo)
    path = f"/cases/{case['id']}"
    lan = browse("lan")
    assert lan.get(path).status_code == 200
    assert lan.post(f"{path}/notes", data={"text": "Ghi chú của Lan"}).status_code == 302
    assert lan.post(f"{path}/edit", data={"title": "Đổi tên"}).status_code == 403  # not the owner
    assert cases.get_case(repo, case["id"])["title"] == "Nhóm bán kẹo"
    assert an.post(f"{path}/decision", data={"action": "confirm", "categories": "drugs",
                                             "post_id": site.flagged}).status_code == 403  # analysts do not decide
    assert browse("chief").post(f"{path}/edit", data={"title": "Đổi tên", "owner": "lan", "status": "in_progress",
                                                      "accounts": "kiet9x\n@Other"}).status_code == 302
    stored = cases.get_case(repo, case["id"])
    assert (stored["title"], stored["owner"], stored["status"], stored["accounts"]) == (
        "Đổi tên", "lan", "in_progress", ["kiet9x", "other"])
    task = {"text": "Xác minh", "assignee": "an", "due": "2026-12-01"}
    assert lan.post(f"{path}/tasks", data=task).status_code == 302
    task_id = cases.get_case(repo, case["id"])["tasks"][0]["task_id"]
    assert browse("chief").get(path).status_code == 200
    assert an.post(f"{path}/tasks/{task_id}", data={"done": "1"}).status_code == 302
    assert cases.get_case(repo, case["id"])["tasks"][0]["done_by"] == "an"
    assert lan.post(f"{path}/edit", data={"status": "closed", "reason": "xong"}).status_code == 302
    response = an.post(f"{path}/notes", data={"text": "muộn"}, follow_redirects=True)
    assert "Vụ việc này đã đóng; lãnh đạo có thể mở lại." in response.get_data(as_text=True)
    assert lan.post(f"{path}/edit", data={"status": "open"}).status_code == 403
    assert browse("root").get("/cases").status_code == 200
    assert {e["actor"] for e in case_events(repo, "case_note_added")} == {"lan"}
    assert browse("an").get("/cases/nosuchcase").status_code == 404


def test_deciding_a_cases_posts_from_its_page(repo, site, browse):
    lan = browse("lan")
    lan.post("/cases/new", data={"title": "Bán kẹo", "post_id": [site.flagged, site.media, site.confirmed]})
    [case] = cases.search_cases(repo)
    response = lan.post(f"/cases/{case['id']}/decision", follow_redirects=True, data={
        "action": "confirm", "categories": "drugs", "post_id": [site.flagged, site.media, site.confirmed]})
    page = response.get_data(as_text=True)
    assert "2 bài đã được quyết định." in page and "1 bài được để nguyên" in page
    assert {repo.get_post(p).source["status"] for p in (site.flagged, site.media)} == {"confirmed"}
    assert 'data-action="case_posts_decided"' in page and page.count('data-action="status_change"') >= 4


def test_case_forms_need_the_csrf_token(config, repo, site):
    from review_ui import create_app
    app = create_app(replace(config, index_prefix=repo.prefix), {"TESTING": True})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "an", "password": SITE_PASSWORD, "csrf_token": token})
    assert client.post("/cases/new", data={"title": "Không token"}).status_code == 400
    assert cases.search_cases(repo) == []
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/cases").get_data(as_text=True)).group(1)
    assert client.post("/cases/new", data={"title": "Có token", "csrf_token": token}).status_code == 302
    assert [c["title"] for c in cases.search_cases(repo)] == ["Có token"]


def test_the_report_shows_open_cases_by_status(repo, site, browse):
    an = browse("an")
    an.post("/cases/new", data={"title": "Một"})
    an.post("/cases/new", data={"title": "Hai"})
    second = cases.search_cases(repo, "Hai")[0]
    an.post(f"/cases/{second['id']}/edit", data={"status": "in_progress"})
    page = an.get("/reports").get_data(as_text=True)
    assert 'data-case-figure="open">1<' in page and 'data-case-figure="in_progress">1<' in page
    assert 'data-case-figure="open_total">2<' in page and 'data-case-figure="opened">2<' in page
    book = load_workbook(io.BytesIO(an.get("/reports/report.xlsx").data))
    rows = list(book["Vụ việc"].iter_rows(values_only=True))
    assert rows[0] == ("Chỉ tiêu", "Indicator", "Kỳ này", "Kỳ trước")
    assert ("Tổng vụ việc chưa đóng (cuối kỳ)", "Cases not closed (end of period)", 2, 0) in rows
