"""Warnings and removal requests in the review UI, through Flask's test client against the real index:
roles on every route, the whole flow from a confirmed post to a closed notice, the board's countdown
and overdue order, the four-eyes rule, CSRF, hostile text, and the letter as PDF."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle, notices
from index.casework.accounts import create_user
from index.casework.notices import NoticeDraft
from index.casework.permissions import PermissionDenied
from review_ui.language import COOKIE as LANGUAGE_COOKIE
from safewatch.records import post_id_for
from tests.actors import CHIEF, HOA, LAN

PASSWORD = "correct-horse-battery"
XSS = "<script>alert('x')</script><img src=x onerror=alert(1)> \" onmouseover=\"alert(2)"
USERS = {"lan": ["reviewer"], "minh": ["reviewer"], "an": ["analyst"], "chief": ["supervisor"],
         "root": ["admin"], "hoa": ["reviewer", "supervisor"]}


@pytest.fixture
def people(repo):
    for name, roles in USERS.items():
        create_user(repo, name, PASSWORD, roles, actor="test")
    return repo


def confirmed(repo, n, *, platform="facebook", url=None, text="bán thuốc lắc cho học sinh", evidence=True,
              categories=("drugs",)) -> str:
    url = url or f"https://facebook.example/posts/{n}"
    post_id = post_id_for(url)
    document = {"id": post_id, "url": url, "text": text, "status": "flagged", "priority": 4.0,
                "labels": list(categories), "platform": platform, "source": "demo", "content_hash": f"{n:064x}"}
    if evidence:
        document["evidence"] = {"id": f"ev-{n}", "sha256": f"{n:02x}" * 32, "captured_at": "2026-11-20T01:00:00+00:00",
                                "url": url}
    repo.bulk_upsert_posts([document])
    repo.refresh()
    lifecycle.claim(repo, post_id, reviewer="lan")
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=True, categories=list(categories))
    return post_id


def takedown(repo, post_ids, *, actor=LAN, recipient="Facebook", now=None):
    return notices.draft(repo, NoticeDraft("takedown", "platform", recipient, tuple(post_ids)), actor=actor,
                         now=now)


def signed_in(app, username):
    client = app.test_client()
    if username:
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


VIEW = {"lan", "minh", "an", "chief", "root", "hoa"}
ROUTES = [  # method, path (filled in with ids), data, who may
    ("get", "/notices", None, VIEW),
    ("get", "/notices?status=all", None, VIEW),
    ("get", "/notices/{notice}", None, VIEW),
    ("get", "/notices/{notice}/letter.pdf", None, VIEW),
    # Supervisors draft too (#14).
    ("get", "/notices/new?kind=takedown&post_id={post}", None, {"lan", "minh", "chief", "root", "hoa"}),
    ("post", "/notices/new", {"kind": "warning", "recipient_type": "poster", "recipient": "kiet9x",
                              "post_id": "{post}"}, {"lan", "minh", "chief", "root", "hoa"}),
    ("post", "/notices/{notice}/approve", {}, {"chief", "root", "hoa"}),
    ("post", "/notices/{notice}/send", {"channel": "electronic"}, {"lan", "chief", "root", "hoa"}),
    ("post", "/notices/{notice}/removal", {"post_ids": "{post}"}, {"lan", "chief", "root", "hoa"}),
]


@pytest.mark.parametrize(("method", "path", "data", "allowed"), ROUTES)
def test_every_route_and_every_role(app, people, method, path, data, allowed):
    post = confirmed(people, 1)
    notice = takedown(people, [post])
    fill = {"notice": notice["notice_id"], "post": post}
    path = path.format(**fill)
    data = {k: v.format(**fill) for k, v in data.items()} if data is not None else None
    for n, username in enumerate([None, *USERS]):
        client = signed_in(app, username)
        if method == "post" and path == "/notices/new":  # a post is in one open warning: a fresh one each
            data = {**data, "post_id": confirmed(people, 100 + n)}
        response = client.get(path) if method == "get" else client.post(path, data=data)
        if username is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], path
        elif username in allowed:
            assert response.status_code in (200, 302), (path, username, response.status_code)
        else:
            assert response.status_code == 403, (path, username, response.status_code)


def test_full_flow_from_a_confirmed_post_to_a_closed_notice(app, people):
    first, second = confirmed(people, 1), confirmed(people, 2)
    elsewhere = confirmed(people, 3, platform="tiktok", url="https://tiktok.example/v/3")
    lan, chief = signed_in(app, "lan"), signed_in(app, "chief")

    page = lan.get(f"/posts/{first}").get_data(as_text=True)
    assert f"/notices/new?kind=takedown&amp;post_id={first}" in page
    page = lan.get(f"/notices/new?kind=takedown&post_id={first}").get_data(as_text=True)
    assert second in page and elsewhere not in page  # same platform only
    assert "Luật Trẻ em 2016 Điều 6" in page and "147/2024" in page
    default = re.search(r'name="default_legal_basis" value="([^"]*)"', page).group(1)

    response = lan.post("/notices/new", data={"kind": "takedown", "recipient_type": "platform",
                                              "recipient": "Meta Platforms", "legal_basis": default,
                                              "default_legal_basis": default, "post_id": [first, second]})
    assert response.status_code == 302
    notice_id = response.headers["Location"].rsplit("/", 1)[1]
    notice = people.get_notice(notice_id).source
    assert notice["status"] == "draft" and notice["post_ids"] == [first, second]
    assert re.fullmatch(r"\d{4}/\d{4}/SW", notice["reference"])
    assert [e["sha256"] for e in notice["evidence"]] == ["01" * 32, "02" * 32]

    page = lan.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert notice["reference"] in page and "01" * 32 in page and "/approve" not in page
    assert lan.post(f"/notices/{notice_id}/approve").status_code == 403

    assert "/approve" in chief.get(f"/notices/{notice_id}").get_data(as_text=True)
    response = chief.post(f"/notices/{notice_id}/approve", headers={"X-Request-Id": "req-approve-1"})
    assert response.status_code == 302
    assert people.get_notice(notice_id).source["status"] == "approved"
    # The client's own request id is kept apart; the trail's request_id is the server's.
    events = people.client.search(index=people.events, query={"term": {"client_request_id": "req-approve-1"}})
    assert events["hits"]["total"]["value"] == 1
    assert events["hits"]["hits"][0]["_source"]["request_id"] != "req-approve-1"

    assert lan.post(f"/notices/{notice_id}/send", data={"channel": "letter"}).status_code == 302
    sent = people.get_notice(notice_id).source
    assert sent["status"] == "sent" and sent["channel"] == "letter"
    hours = (datetime.fromisoformat(sent["deadline"]) - datetime.fromisoformat(sent["sent_at"])).total_seconds() / 3600
    assert hours == app.config["SAFEWATCH"].takedown_deadline_hours == 24
    assert people.get_post(first).source["status"] == "takedown_requested"
    for path in ("/notices", f"/notices/{notice_id}"):
        assert re.search(r"còn 2[34] giờ \d+ phút", chief.get(path).get_data(as_text=True)), path
    chief.set_cookie(LANGUAGE_COOKIE, "en")
    for path in ("/notices", f"/notices/{notice_id}"):
        assert re.search(r"2[34] h \d+ min left", chief.get(path).get_data(as_text=True)), path
    chief.delete_cookie(LANGUAGE_COOKIE)

    pdf = lan.get(f"/notices/{notice_id}/letter.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert notice["reference"].encode() in pdf.data

    response = chief.post(f"/notices/{notice_id}/removal", data={"post_ids": [first, second], "removed_at": ""})
    assert response.status_code == 302
    closed = people.get_notice(notice_id).source
    assert closed["status"] == "removed" and closed["within_deadline"] is True
    assert people.get_post(second).source["status"] == "removed"
    assert notice["reference"] not in chief.get("/notices").get_data(as_text=True)  # no longer open
    assert notice["reference"] in chief.get("/notices?status=removed").get_data(as_text=True)


def test_overdue_notices_come_first_in_their_own_style(app, people):
    now = datetime.now(UTC)
    late = takedown(people, [confirmed(people, 1)], now=now - timedelta(hours=40))
    notices.approve(people, late["notice_id"], actor=CHIEF)
    notices.send(people, late["notice_id"], channel="phone", actor=LAN, sent_at=now - timedelta(hours=30))
    running = takedown(people, [confirmed(people, 2)])
    notices.approve(people, running["notice_id"], actor=CHIEF)
    notices.send(people, running["notice_id"], channel="phone", actor=LAN)
    draft = takedown(people, [confirmed(people, 3)])
    page = signed_in(app, "an").get("/notices").get_data(as_text=True)
    positions = [page.index(n["reference"]) for n in (late, running, draft)]
    assert positions == sorted(positions)
    row = page[page.rindex("<tr", 0, positions[0]):positions[0]]
    assert "notice-overdue" in row
    assert re.search(r"quá hạn 6 giờ \d+ phút", page)
    english = signed_in(app, "an")
    english.set_cookie(LANGUAGE_COOKIE, "en")
    assert re.search(r"6 h \d+ min overdue", english.get("/notices").get_data(as_text=True))
    page = signed_in(app, "an").get("/notices?status=overdue").get_data(as_text=True)  # not yet marked overdue
    assert late["reference"] in page and running["reference"] not in page and draft["reference"] not in page


def test_the_drafter_cannot_approve_their_own_request(app, people):
    mine = takedown(people, [confirmed(people, 1)], actor=HOA)  # hoa is reviewer and supervisor
    hoa = signed_in(app, "hoa")
    assert "/approve" not in hoa.get(f"/notices/{mine['notice_id']}").get_data(as_text=True)
    assert hoa.post(f"/notices/{mine['notice_id']}/approve").status_code == 403
    assert people.get_notice(mine["notice_id"]).source["status"] == "draft"
    with pytest.raises(PermissionDenied, match="cannot approve"):
        notices.approve(people, mine["notice_id"], actor=HOA)
    assert signed_in(app, "chief").post(f"/notices/{mine['notice_id']}/approve").status_code == 302
    assert people.get_notice(mine["notice_id"]).source["approved_by"] == "chief"


def test_another_reviewer_cannot_record_on_someone_elses_notice(app, people):
    notice = takedown(people, [confirmed(people, 1)])
    notices.approve(people, notice["notice_id"], actor=CHIEF)
    assert signed_in(app, "minh").post(f"/notices/{notice['notice_id']}/send",
                                       data={"channel": "phone"}).status_code == 403
    assert people.get_notice(notice["notice_id"]).source["status"] == "approved"


def test_one_notice_goes_to_one_platform_and_times_are_checked(app, people):
    first, other = confirmed(people, 1), confirmed(people, 2, platform="tiktok", url="https://tiktok.example/2")
    lan = signed_in(app, "lan")
    response = lan.post("/notices/new", data={"kind": "takedown", "recipient_type": "platform", "recipient": "X",
                                              "post_id": [first, other]})
    assert response.status_code == 400 and "Mỗi văn bản gửi một nền tảng" in response.get_data(as_text=True)
    notice = takedown(people, [first])
    notices.approve(people, notice["notice_id"], actor=CHIEF)
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    lan.post(f"/notices/{notice['notice_id']}/send", data={"channel": "phone", "sent_at": future})
    assert people.get_notice(notice["notice_id"]).source["status"] == "approved"
    lan.post(f"/notices/{notice['notice_id']}/send", data={"channel": "phone", "sent_at": "yesterday"})
    assert people.get_notice(notice["notice_id"]).source["status"] == "approved"
    lan.post(f"/notices/{notice['notice_id']}/send", data={"channel": "fax"})
    assert people.get_notice(notice["notice_id"]).source["status"] == "approved"


def test_a_warning_needs_no_approval_and_old_posts_without_evidence_work(app, people):
    post = confirmed(people, 1, evidence=False)
    lan = signed_in(app, "lan")
    page = lan.get(f"/notices/new?kind=warning&post_id={post}").get_data(as_text=True)
    assert "147/2024" not in page and "chưa có bản lưu" in page
    response = lan.post("/notices/new", data={"kind": "warning", "recipient_type": "poster", "recipient": "kiet9x",
                                              "post_id": post, "legal_basis": "Luật Trẻ em 2016 Điều 6 (sửa)",
                                              "default_legal_basis": "Luật Trẻ em 2016 Điều 6"})
    notice_id = response.headers["Location"].rsplit("/", 1)[1]
    assert people.get_notice(notice_id).source["legal_basis"] == "Luật Trẻ em 2016 Điều 6 (sửa)"  # edited: kept
    assert lan.post(f"/notices/{notice_id}/send", data={"channel": "phone"}).status_code == 302
    assert people.get_post(post).source["status"] == "warning_issued"
    pdf = lan.get(f"/notices/{notice_id}/letter.pdf").data
    assert pdf.startswith(b"%PDF") and b"LiberationSerif" in pdf


def test_hostile_post_text_and_urls_are_harmless(app, people):
    urls = ["javascript:alert(1)", 'https://evil.example/" onmouseover="alert(3)']
    posts = [confirmed(people, n, url=url, text=f"bài {XSS}") for n, url in enumerate(urls, 1)]
    notice = takedown(people, posts, recipient=XSS)
    lan = signed_in(app, "lan")
    for path in ("/notices", f"/notices/{notice['notice_id']}", f"/notices/new?post_id={posts[0]}",
                 f"/notices?status=all&post_id={posts[0]}", f"/posts/{posts[0]}", f"/posts/{posts[1]}"):
        html = lan.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert 'href="javascript:' not in html and '" onmouseover="alert' not in html, path
        assert ' style="' not in html, path  # the CSP forbids inline styles
    html = lan.get(f"/notices/{notice['notice_id']}").get_data(as_text=True)
    assert "&lt;script&gt;" in html and "<code>javascript:alert(1)</code>" in html
    assert 'rel="noopener noreferrer nofollow" target="_blank" referrerpolicy="no-referrer"' in html
    pdf = lan.get(f"/notices/{notice['notice_id']}/letter.pdf").data
    assert pdf.startswith(b"%PDF")
    for marker in (b"/JavaScript", b"/JS", b"/URI", b"/Launch", b"/SubmitForm", b"<script"):
        assert marker not in pdf


def test_a_post_without_token_is_refused(config, people):
    from review_ui import create_app
    app = create_app(replace(config, index_prefix=people.prefix), {"TESTING": True})
    notice = takedown(people, [confirmed(people, 1)])
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "chief", "password": PASSWORD, "csrf_token": token})
    assert client.post(f"/notices/{notice['notice_id']}/approve").status_code == 400
    assert people.get_notice(notice["notice_id"]).source["status"] == "draft"
    page = client.get(f"/notices/{notice['notice_id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/notices/{notice['notice_id']}/approve", data={"csrf_token": token}).status_code == 302
    assert people.get_notice(notice["notice_id"]).source["status"] == "approved"


def test_the_deadline_countdown_reads_in_words_in_both_languages(app):
    from review_ui.display import countdown, safe_href
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with app.test_request_context():  # Vietnamese, the default
        assert countdown((now + timedelta(hours=5, minutes=12)).isoformat(), now) == {
            "text": "còn 5 giờ 12 phút", "overdue": False}
        assert countdown((now - timedelta(hours=3, minutes=5)).isoformat(), now)["text"] == "quá hạn 3 giờ 5 phút"
        assert countdown((now - timedelta(days=3, hours=2)).isoformat(), now)["text"] == "quá hạn 3 ngày 2 giờ"
    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert countdown((now + timedelta(hours=5, minutes=12)).isoformat(), now)["text"] == "5 h 12 min left"
        assert countdown((now - timedelta(days=3, hours=2)).isoformat(), now) == {
            "text": "3 d 2 h overdue", "overdue": True}
    assert countdown(None, now) is None
    assert safe_href("https://a.example/x") == "https://a.example/x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "http://", "https://a.example/\nx"):
        assert safe_href(bad) is None, bad


def test_a_drafter_cannot_record_a_back_dated_removal_on_an_unapproved_draft(app, people):
    """Issue #12: the removal route used to accept any notice; now the domain refuses it unless sent."""
    post_id = confirmed(people, 1)
    notice = takedown(people, [post_id])
    lan = signed_in(app, "lan")
    page = lan.get(f"/notices/{notice['notice_id']}").get_data(as_text=True)
    assert "/removal" not in page  # the button is not offered…
    response = lan.post(f"/notices/{notice['notice_id']}/removal", data={"post_ids": post_id,
                                                                         "removed_at": "2026-11-01T08:00"},
                        follow_redirects=True)
    assert "Chỉ ghi nhận việc gỡ trên văn bản đã gửi" in response.get_data(as_text=True)  # …nor accepted
    assert people.get_post(post_id).source["status"] == "confirmed"


def test_removal_time_before_sending_is_refused_through_the_route(app, people):
    post_id = confirmed(people, 1)
    notice = takedown(people, [post_id])
    notices.approve(people, notice["notice_id"], actor=CHIEF)
    notices.send(people, notice["notice_id"], channel="phone", actor=LAN, sent_at=datetime.now(UTC))
    before = (datetime.now(UTC) + timedelta(hours=7) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")  # Vietnam time
    response = signed_in(app, "lan").post(f"/notices/{notice['notice_id']}/removal",
                                          data={"post_ids": post_id, "removed_at": before}, follow_redirects=True)
    assert "Thời điểm gỡ không thể trước thời điểm gửi." in response.get_data(as_text=True)
    assert people.get_post(post_id).source["status"] == "takedown_requested"


def test_cancel_a_notice_frees_its_posts(app, people):
    post_id = confirmed(people, 1)
    notice = takedown(people, [post_id])
    assert signed_in(app, "minh").post(f"/notices/{notice['notice_id']}/cancel",
                                       data={"reason": "x"}).status_code == 403
    lan = signed_in(app, "lan")
    assert "/cancel" in lan.get(f"/notices/{notice['notice_id']}").get_data(as_text=True)
    assert lan.post(f"/notices/{notice['notice_id']}/cancel", data={"reason": "sai nền tảng"}).status_code == 302
    assert people.get_notice(notice["notice_id"]).source["status"] == "cancelled"
    assert takedown(people, [post_id])["status"] == "draft"
