"""Fixes to the review UI found by the browser tests, through Flask's test client against the real index:
each role lands on a page it may open and sees only what it may use, the query string survives the
login, error pages in the app's layout, a favicon, the shortcut script, media as text only, and the
break reminder."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from index.casework.accounts import create_user
from review_ui.language import COOKIE as LANGUAGE_COOKIE
from safewatch.records import post_id_for

PASSWORD = "correct-horse-battery"
USERS = {"lan": ["reviewer"], "an": ["analyst"], "chief": ["supervisor"], "root": ["admin"]}
MEDIA = ["https://cdn.example/a.jpg", "javascript:alert(1)//.png", '"><img src=x onerror=alert(7)>']


@pytest.fixture
def people(repo):
    for name, roles in USERS.items():
        create_user(repo, name, PASSWORD, roles, actor="test")
    return repo


@pytest.fixture
def flagged(repo):
    url = "http://f.example/t/9#post-9"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": "bán kẹo cho học sinh",
                             "status": "flagged", "priority": 4.0, "labels": ["drugs"], "media_urls": MEDIA,
                             "scores": {"drugs": 0.91}, "source": "demo"}])
    repo.refresh()
    return post_id_for(url)


def login(client, username, next_url=None):
    query = f"?next={next_url}" if next_url else ""
    return client.post(f"/login{query}", data={"username": username, "password": PASSWORD})


def location(response) -> str:
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def nav(html: str) -> str:
    return re.search(r"<nav aria-label=\"Điều hướng chính\">(.*?)</nav>", html, re.S).group(1)


# ---- 1a. Each role lands on a page it may open; the menu offers only those ----------------------

LANDING = {"lan": "/queue", "an": "/search", "chief": "/notices", "root": "/queue"}
NAV = {  # username -> (links shown, links hidden)
    "lan": ({"/queue", "/search", "/notices"}, {"/reports"}),
    "an": ({"/search", "/notices", "/reports"}, {"/queue"}),
    "chief": ({"/queue", "/search", "/notices", "/reports"}, set()),
    "root": ({"/queue", "/search", "/notices", "/reports"}, set()),
}


@pytest.mark.parametrize("username", sorted(USERS))
def test_each_role_lands_on_a_page_it_may_open(client, people, username):
    response = login(client, username)
    assert location(response) == LANDING[username]
    assert location(client.get("/")) == LANDING[username]
    assert client.get(LANDING[username]).status_code == 200


@pytest.mark.parametrize("username", sorted(USERS))
def test_the_menu_shows_only_pages_the_role_may_open(client, people, username):
    login(client, username)
    links = set(re.findall(r'href="([^"]+)"', nav(client.get("/search").get_data(as_text=True))))
    shown, hidden = NAV[username]
    assert shown <= links and not hidden & links
    for path in links:
        assert client.get(path).status_code == 200, path


# ---- 1b. Actions only for roles that may use them ------------------------------------------------

def test_an_analyst_is_not_offered_the_claim_button(client, people, flagged):
    login(client, "an")
    html = client.get(f"/posts/{flagged}").get_data(as_text=True)
    assert "Nhận rà soát" not in html and f"/posts/{flagged}/claim" not in html
    assert "/queue/next" not in html and 'class="decision"' not in html
    assert client.post(f"/posts/{flagged}/claim").status_code == 403


def test_a_reviewer_is_offered_claim_and_next(client, people, flagged):
    login(client, "lan")
    html = client.get(f"/posts/{flagged}").get_data(as_text=True)
    assert "Nhận rà soát" in html and f'action="/posts/{flagged}/claim"' in html
    assert 'action="/queue/next"' in html


# ---- 1c. The query string survives the login, still without open redirect ------------------------

def test_the_query_string_survives_the_login(client, people):
    response = client.get("/search?q=ma+tuy&status=flagged")
    assert urlsplit(response.headers["Location"]).path == "/login"
    target = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert target == "/search?q=ma+tuy&status=flagged"
    response = client.post("/login", query_string={"next": target},
                           data={"username": "an", "password": PASSWORD})
    assert location(response) == "/search?q=ma+tuy&status=flagged"


def test_a_path_without_query_has_no_question_mark(client):
    response = client.get("/queue")
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"next": ["/queue"]}


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", ""])
def test_no_open_redirect_and_the_landing_page_otherwise(client, people, target):
    response = client.post("/login", query_string={"next": target}, data={"username": "an", "password": PASSWORD})
    assert location(response) == "/search"


# ---- 1d. Error pages in the app's layout and the UI's language -----------------------------------

def test_forbidden_page_keeps_the_menu_and_sign_out(client, people):
    login(client, "an")
    response = client.get("/queue")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Không có quyền truy cập" in html and "Forbidden" not in html
    assert "Đăng xuất" in html and 'href="/search"' in nav(html)
    assert html.count("<h1") == 1 and '<html lang="vi">' in html
    client.set_cookie(LANGUAGE_COOKIE, "en")
    html = client.get("/queue").get_data(as_text=True)
    assert "Forbidden" in html and "Sign out" in html and '<html lang="en">' in html


def test_not_found_page(client, people):
    assert "Không tìm thấy" in client.get("/no-such-page").get_data(as_text=True)  # signed out: no menu
    login(client, "lan")
    response = client.get("/posts/no-such-post")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "Không tìm thấy" in html
    assert "Đăng xuất" in html and "Werkzeug" not in html
    client.set_cookie(LANGUAGE_COOKIE, "en")
    assert "Not found" in client.get("/posts/no-such-post").get_data(as_text=True)


def test_bad_request_page(client, people, flagged):
    login(client, "lan")
    response = client.post(f"/posts/{flagged}/decision", data={"action": "delete"})
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.get_data(as_text=True)


def test_csrf_failure_says_to_reload(config, repo, people):
    from review_ui import create_app
    client = create_app(replace(config, index_prefix=repo.prefix), {"TESTING": True}).test_client()
    response = client.post("/login", data={"username": "lan", "password": PASSWORD})
    assert response.status_code == 400
    assert "hãy tải lại trang" in response.get_data(as_text=True).lower()


def test_server_error_page_shows_the_request_id(config, repo, people):
    from review_ui import create_app
    app = create_app(replace(config, index_prefix=repo.prefix),
                     {"TESTING": True, "WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False})

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    client = app.test_client()
    login(client, "lan")
    response = client.get("/broken", headers={"X-Request-Id": "req-123"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Lỗi hệ thống" in html and "boom" not in html and "Đăng xuất" in html
    # The id shown is the server's (the one in the audit trail and logs), never the client's.
    import re
    assert "req-123" not in html
    assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", html)


# ---- 1e. A favicon ---------------------------------------------------------------------------------

def test_favicon_is_served_and_linked(client):
    with client.get("/static/favicon.svg") as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert b"<svg" in response.data and b"<script" not in response.data
    assert 'rel="icon" href="/favicon.svg"' in client.get("/login").get_data(as_text=True)
    for path in ("/favicon.svg", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.data.startswith(b"<svg")


# ---- 2. Keyboard shortcuts: a static script, hints next to the buttons, a skip link -------------------

def test_shortcut_script_is_static_and_hints_are_shown(client, people, flagged):
    login(client, "lan")
    client.post(f"/posts/{flagged}/claim")
    with client.get("/static/shortcuts.js") as script:
        assert script.status_code == 200 and b"keydown" in script.data
    for path in ("/queue", f"/posts/{flagged}"):
        html = client.get(path).get_data(as_text=True)
        assert '<script src="/static/shortcuts.js" defer></script>' in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path  # no inline script
        assert not re.search(r"<[^>]*\s(style|on\w+)=", html), path  # no inline style or handler
        assert 'href="#content"' in html and 'id="content"' in html
        assert 'id="shortcut-help"' in html and "Phím tắt" in html
    html = client.get(f"/posts/{flagged}").get_data(as_text=True)
    assert '<kbd class="hint">c</kbd>' in html and '<kbd class="hint">d</kbd>' in html
    assert '<kbd class="hint">1</kbd>' in html and '<kbd class="hint">9</kbd>' in html
    assert '<kbd class="hint">10</kbd>' not in html
    assert '<kbd class="hint" title="Phím tắt">n</kbd>' in client.get("/queue").get_data(as_text=True)


def test_signed_out_pages_load_no_script(client):
    assert "<script" not in client.get("/login").get_data(as_text=True)


# ---- 3. Well-being: media as text only, the break reminder -----------------------------------------

def test_media_is_listed_as_text_never_loaded(client, people, flagged):
    login(client, "an")
    html = client.get(f"/posts/{flagged}").get_data(as_text=True)
    media = re.search(r'<section class="media">(.*?)</section>', html, re.S).group(1)
    assert "<img" not in media and "<a " not in media and "<video" not in media
    assert "<code>https://cdn.example/a.jpg</code>" in media
    assert "&#34;&gt;&lt;img src=x onerror=alert(7)&gt;" in media
    assert media.count("chưa tải") == len(MEDIA)
    assert "<img" not in html
    client.set_cookie(LANGUAGE_COOKIE, "en")
    html = client.get(f"/posts/{flagged}").get_data(as_text=True)
    assert html.count("not loaded") == len(MEDIA) and "<img" not in html


def banner(html: str) -> str | None:
    found = re.search(r'<aside class="break-reminder".*?</aside>', html, re.S)
    return found.group(0) if found else None


def test_no_break_reminder_before_the_time(client, people, flagged):
    login(client, "lan")
    assert client.application.config["SAFEWATCH_BREAK_MINUTES"] == 50
    assert banner(client.get("/queue").get_data(as_text=True)) is None
    with client.session_transaction() as session:
        started = datetime.fromisoformat(session["review_started"])
    assert abs((datetime.now(UTC) - started).total_seconds()) < 60


def test_break_reminder_after_the_time_and_the_break_is_audited(client, people, flagged):
    login(client, "lan")
    client.get("/queue")  # starts the clock
    with client.session_transaction() as session:
        session["review_started"] = (datetime.now(UTC) - timedelta(minutes=61)).isoformat()
    for path in ("/queue", f"/posts/{flagged}"):
        shown = banner(client.get(path).get_data(as_text=True))
        assert shown and "Bạn đã xem xét 61 phút" in shown, path
        assert 'action="/break"' in shown and "Tôi nghỉ xong" in shown
    client.set_cookie(LANGUAGE_COOKIE, "en")
    shown = banner(client.get("/queue").get_data(as_text=True))
    assert "You have been reviewing for 61 minutes." in shown and "I took a break" in shown
    client.delete_cookie(LANGUAGE_COOKIE)
    assert banner(client.get("/search").get_data(as_text=True)) is None  # not on pages without posts

    response = client.post("/break", data={"next": f"/posts/{flagged}"})
    assert location(response) == f"/posts/{flagged}"
    with client.session_transaction() as session:
        assert "review_started" not in session
    assert banner(client.get(f"/posts/{flagged}").get_data(as_text=True)) is None  # the clock restarted
    people.refresh()
    found = people.client.search(index=people.events, query={"term": {"action": "break_taken"}})
    assert found["hits"]["total"]["value"] == 1
    event = found["hits"]["hits"][0]["_source"]
    assert event["actor"] == "lan" and event["details"]["minutes_reviewed"] == 61


def test_break_minutes_from_config(client, people):
    client.application.config["SAFEWATCH_BREAK_MINUTES"] = 0
    login(client, "lan")
    assert "Bạn đã xem xét 0 phút" in banner(client.get("/queue").get_data(as_text=True))
    response = client.post("/break", data={"next": "https://evil.example/"})
    assert location(response) == "/queue"


def test_break_minutes_from_the_environment(config, repo, monkeypatch):
    from review_ui import create_app
    monkeypatch.setenv("SAFEWATCH_BREAK_MINUTES", "25")
    assert create_app(replace(config, index_prefix=repo.prefix)).config["SAFEWATCH_BREAK_MINUTES"] == 25
    monkeypatch.setenv("SAFEWATCH_BREAK_MINUTES", "soon")
    with pytest.raises(ValueError, match="SAFEWATCH_BREAK_MINUTES"):
        create_app(replace(config, index_prefix=repo.prefix))


def test_break_needs_a_login_and_csrf(config, repo, people, client):
    assert urlsplit(client.post("/break").headers["Location"]).path == "/login"
    from review_ui import create_app
    client = create_app(replace(config, index_prefix=repo.prefix), {"TESTING": True}).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    assert client.post("/break").status_code == 400
    html = client.get("/queue").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/break", data={"csrf_token": token}).status_code == 302
