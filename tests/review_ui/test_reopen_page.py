"""Reopening a decision from the post view: offered to supervisors only, with a reason, behind CSRF;
a reviewer can no longer change a confirmed decision through the decision form."""

import re
from dataclasses import replace

from tests.review_ui.test_notices_pages import PASSWORD, confirmed, people, signed_in  # noqa: F401  (fixture)


def reopened_events(repo) -> list[dict]:
    repo.refresh()
    hits = repo.client.search(index=repo.events, query={"term": {"action": "decision_reopened"}})["hits"]["hits"]
    return [h["_source"] for h in hits]


def test_only_a_supervisor_is_offered_and_allowed_to_reopen(app, people):  # noqa: F811
    post_id = confirmed(people, 1)
    lan = signed_in(app, "lan")
    assert "/reopen" not in lan.get(f"/posts/{post_id}").get_data(as_text=True)
    assert lan.post(f"/posts/{post_id}/reopen", data={"reason": "I disagree"}).status_code == 403
    # Nor through the decision form: the confirmed decision stands.
    response = signed_in(app, "minh").post(f"/posts/{post_id}/decision", data={"action": "dismiss"},
                                           follow_redirects=True)
    assert "chỉ lãnh đạo mới có thể mở lại quyết định" in response.get_data(as_text=True)
    assert people.get_post(post_id).source["status"] == "confirmed"

    chief = signed_in(app, "chief")
    page = chief.get(f"/posts/{post_id}").get_data(as_text=True)
    assert "/reopen" in page and "Mở lại quyết định" in page
    response = chief.post(f"/posts/{post_id}/reopen", data={"reason": " "}, follow_redirects=True)
    assert "Hãy nêu lý do mở lại quyết định." in response.get_data(as_text=True)
    assert people.get_post(post_id).source["status"] == "confirmed" and reopened_events(people) == []
    assert chief.post(f"/posts/{post_id}/reopen", data={"reason": "quảng cáo nhà thuốc"}).status_code == 302
    post = people.get_post(post_id).source
    assert post["status"] == "in_review" and post["claimed_by"] == "chief"
    assert [(e["actor"], e["reason"]) for e in reopened_events(people)] == [("chief", "quảng cáo nhà thuốc")]
    assert 'action="/posts/' + post_id + '/decision"' in chief.get(f"/posts/{post_id}").get_data(as_text=True)


def test_reopen_needs_the_csrf_token(config, people):  # noqa: F811
    from review_ui import create_app
    app = create_app(replace(config, index_prefix=people.prefix), {"TESTING": True})
    post_id = confirmed(people, 2)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "chief", "password": PASSWORD, "csrf_token": token})
    assert client.post(f"/posts/{post_id}/reopen", data={"reason": "xem lại"}).status_code == 400
    assert people.get_post(post_id).source["status"] == "confirmed"
    page = client.get(f"/posts/{post_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/posts/{post_id}/reopen", data={"reason": "xem lại", "csrf_token": token}).status_code == 302
    assert people.get_post(post_id).source["status"] == "in_review"
