"""The review UI through Flask's test client, against the real index."""

import re

import pytest

from index.casework.accounts import create_user
from safewatch.records import post_id_for

PASSWORD = "correct-horse-battery"
XSS = "<script>alert('x')</script><img src=x onerror=alert(1)> \" onmouseover=\"alert(2)"


@pytest.fixture
def users(repo):
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    create_user(repo, "an", PASSWORD, ["analyst"], actor="test")
    return repo


@pytest.fixture
def flagged(repo):
    url = "http://f.example/t/1#post-1"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": f"bán kẹo cho học sinh {XSS}",
                             "status": "flagged", "priority": 4.0, "labels": ["drugs"],
                             "scores": {"drugs": 0.91}, "source": "demo"}])
    repo.refresh()
    return post_id_for(url)


def login(client, username="lan", password=PASSWORD, next_url=None):
    return client.post("/login" + (f"?next={next_url}" if next_url else ""),
                       data={"username": username, "password": password})


PROTECTED = ["/", "/queue", "/search", "/posts/abc"]


@pytest.mark.parametrize("path", PROTECTED)
def test_every_page_needs_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/queue/next", "/posts/abc/claim", "/posts/abc/decision"])
def test_every_action_needs_a_login(client, path):
    response = client.post(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused_and_audited(client, users):
    assert login(client, password="wrong-password").status_code == 401
    assert client.get("/queue").status_code == 302
    users.refresh()
    found = users.client.search(index=users.events, query={"term": {"action": "login_failed"}})
    assert found["hits"]["total"]["value"] == 1


def test_roles_are_enforced(client, users):
    login(client, "an")
    assert client.get("/search").status_code == 200
    assert client.get("/queue").status_code == 403
    assert client.post("/queue/next").status_code == 403


def test_reviewer_claims_and_confirms_from_the_queue(client, users, flagged):
    login(client)
    page = client.get("/queue").get_data(as_text=True)
    assert "bán kẹo cho học sinh" in page
    response = client.post("/queue/next")
    assert response.headers["Location"].endswith(f"/posts/{flagged}")
    page = client.get(f"/posts/{flagged}").get_data(as_text=True)
    assert 'name="action" value="confirm"' in page
    response = client.post(f"/posts/{flagged}/decision", data={"action": "confirm", "categories": ["drugs"],
                                                               "note": "bán cho học sinh"})
    assert response.status_code == 302
    post = users.get_post(flagged).source
    assert post["status"] == "confirmed" and post["reviewer"] == "lan" and post["categories"] == ["drugs"]


def test_post_text_is_escaped_everywhere(client, users, flagged):
    login(client)
    client.post(f"/posts/{flagged}/claim")
    for path in ("/queue", f"/posts/{flagged}", "/search?q=k%E1%BA%B9o"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert" in html, path


def test_security_headers(client, users):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_no_open_redirect_after_login(client, users, target):
    response = login(client, next_url=target)
    assert response.headers["Location"] in ("/queue", "http://localhost/queue")


def test_search_finds_without_diacritics(client, users, flagged):
    login(client, "an")
    html = client.get("/search?q=ban+keo").get_data(as_text=True)
    assert "1 kết quả" in html and "<mark>" in html


def test_csrf_is_required(config, repo, users):
    from dataclasses import replace

    from review_ui import create_app
    app = create_app(replace(config, index_prefix=repo.prefix), {"TESTING": True})
    client = app.test_client()
    assert login(client).status_code == 400  # no token
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_search_filters_and_bad_parameters(client, users, flagged):
    login(client, "an")
    assert "1 kết quả" in client.get("/search?category=drugs&status=flagged").get_data(as_text=True)
    assert "0 kết quả" in client.get("/search?category=gambling").get_data(as_text=True)
    for unknown in ("sort=random", "status=deleted", "after=[1]"):  # dropped: the default, the first page
        assert client.get(f"/search?{unknown}").status_code == 200, unknown
    for bad in ("after=%7Bx", "from=yesterday", "after=[[1]]"):  # cannot be used: said so (tests/review_ui/
        assert client.get(f"/search?{bad}").status_code == 400, bad  # test_bad_requests.py)


def test_times_are_shown_in_vietnam_time():
    from review_ui.filters import vn_time
    assert vn_time("2026-11-20T00:30:00+00:00") == "20/11/2026 07:30"
    assert vn_time(None) == "—" and vn_time("not a date") == "not a date"


def test_a_new_password_replaces_the_old_one(client, users):
    from index.casework.accounts import AccountError, set_password
    set_password(users, "lan", "another-long-password", actor="test")
    assert login(client).status_code == 401
    assert login(client, password="another-long-password").status_code == 302
    with pytest.raises(AccountError, match="at least"):
        set_password(users, "lan", "short", actor="test")


def test_login_is_throttled_after_wrong_passwords(client, users):
    from index.casework.accounts import MAX_FAILED_LOGINS
    for _ in range(MAX_FAILED_LOGINS):
        assert client.post("/login", data={"username": "lan", "password": "not-the-password"}).status_code == 401
    refused = client.post("/login", data={"username": "lan", "password": "a-long-password"})
    assert refused.status_code == 429 and "thử lại sau 15 phút" in refused.get_data(as_text=True)


def test_post_view_shows_thread_author_copies_and_evidence(client, users, repo):
    def post(n, thread, author, text, evidence=None):
        url = f"http://f.example/t/{thread}#post-{n}"
        document = {"id": post_id_for(url), "url": url, "thread_url": f"http://f.example/t/{thread}", "text": text,
                    "author": author, "platform": "forum", "source": "demo", "status": "flagged",
                    "content_hash": f"hash-{text}", "labels": ["drugs"]}
        if evidence:
            document["evidence"] = evidence
        return document
    main = post(1, 1, "kiet9x", "bán pod giá học sinh", {"id": "c1", "sha256": "ab" * 32,
                                                          "captured_at": "2026-11-20T01:00:00+00:00", "url": "x"})
    repo.bulk_upsert_posts([main, post(2, 1, "lan", "ai mua không"), post(3, 7, "kiet9x", "hàng mới về <b>x</b>"),
                            post(4, 9, "minh", "bán pod giá học sinh")])
    repo.refresh()
    login(client)
    page = client.get(f"/posts/{main['id']}").get_data(as_text=True)
    assert "Cùng chủ đề" in page and "ai mua không" in page
    assert "Cùng người đăng" in page and "hàng mới về &lt;b&gt;x&lt;/b&gt;" in page
    assert "Cùng nội dung ở nơi khác" in page and f"/posts/{post(4, 9, 'minh', 'x')['id']}" in page
    assert "ab" * 32 in page and "Bản lưu chứng cứ" in page


def test_decision_form_takes_severity_and_leads_to_the_next_step(client, users, flagged, repo):
    login(client)
    client.post(f"/posts/{flagged}/claim")
    page = client.get(f"/posts/{flagged}").get_data(as_text=True)
    assert 'name="severity"' in page and 'value="investigation"' in page
    answer = client.post(f"/posts/{flagged}/decision", data={"action": "confirm", "categories": ["drugs"],
                                                             "severity": "3", "follow_up": "takedown"})
    assert answer.status_code == 302 and "/notices/new?kind=takedown" in answer.headers["Location"]
    stored = repo.get_post(flagged).source
    assert stored["severity"] == 3 and stored["follow_up"] == "takedown" and stored["status"] == "confirmed"


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, users):
    from index.casework.accounts import set_password
    first, second = app.test_client(), app.test_client()
    assert login(first).status_code == 302 and login(second).status_code == 302
    assert first.get("/queue").status_code == 200
    set_password(users, "lan", "another-long-password", actor="test")  # e.g. an admin's reset after a leak
    for client in (first, second):
        response = client.get("/queue")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(first, password="another-long-password").status_code == 302
    assert first.get("/queue").status_code == 200 and second.get("/queue").status_code == 302
