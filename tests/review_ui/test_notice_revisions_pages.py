"""Notices without dead ends (#14) through the review UI's routes, against the real index: every new
route for every role; a supervisor drafts; return with a comment, edit by the drafter, approve; the
comment thread; overdue shown from the deadline and re-sent; the board's filters and progress; the
candidate list; the recipient from the platform registry; the letter's items and contact officer."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from index.casework import notices
from tests.actors import CHIEF, LAN
from tests.review_ui.test_notices_pages import confirmed, people, signed_in, takedown  # noqa: F401

ROUTES = [  # method, path, data, who may (others: 403)
    ("get", "/notices/{notice}/edit", None, {"lan"}),
    ("post", "/notices/{notice}/edit", {"recipient_type": "platform", "recipient": "", "post_id": "{post}"},
     {"lan"}),
    ("post", "/notices/{notice}/return", {"comment": "sửa lại"}, {"chief", "root", "hoa"}),
    ("post", "/notices/{notice}/comment", {"comment": "ý kiến"}, {"lan", "minh", "chief", "root", "hoa"}),
]
USERS = ("lan", "minh", "an", "chief", "root", "hoa")


@pytest.mark.parametrize(("method", "path", "data", "allowed"), ROUTES)
def test_every_new_route_and_every_role(app, people, method, path, data, allowed):  # noqa: F811
    post = confirmed(people, 1)
    for username in (None, *USERS):
        notice = takedown(people, [post])  # a fresh draft each time: a return or an edit changes it
        fill = {"notice": notice["notice_id"], "post": post}
        client = signed_in(app, username)
        url = path.format(**fill)
        body = {k: v.format(**fill) for k, v in data.items()} if data else None
        response = client.get(url) if method == "get" else client.post(url, data=body)
        if username is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif username in allowed:
            assert response.status_code in (200, 302), (url, username, response.status_code)
        else:
            assert response.status_code == 403, (url, username, response.status_code)
        notices.cancel(people, notice["notice_id"], actor=CHIEF, reason="next")


def test_a_supervisor_drafts_from_the_page(app, people):  # noqa: F811
    post = confirmed(people, 2)
    chief = signed_in(app, "chief")
    page = chief.get(f"/notices/new?kind=takedown&post_id={post}").get_data(as_text=True)
    assert "Meta Platforms, Inc." in page  # the registry's legal name, not "facebook"
    response = chief.post("/notices/new", data={"kind": "takedown", "recipient_type": "platform", "recipient": "",
                                                "post_id": post, "contact_officer": "Đại úy Trần An, 0912"})
    assert response.status_code == 302
    notice = people.get_notice(response.headers["Location"].rsplit("/", 1)[1]).source
    assert notice["created_by"] == "chief" and notice["recipient"] == "Meta Platforms, Inc."
    assert notice["recipient_details"]["contact_channel"] == "web_form"
    assert notice["contact_officer"] == "Đại úy Trần An, 0912"


def test_return_edit_approve_with_the_thread_on_the_notice(app, people):  # noqa: F811
    first, second = confirmed(people, 3), confirmed(people, 4)
    notice_id = takedown(people, [first])["notice_id"]
    lan, chief = signed_in(app, "lan"), signed_in(app, "chief")
    assert 'name="comment"' in chief.get(f"/notices/{notice_id}").get_data(as_text=True)
    chief.post(f"/notices/{notice_id}/return", data={"comment": "Thiếu bài số 4"})
    page = chief.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert "Thiếu bài số 4" in page and f"/notices/{notice_id}/approve" not in page  # waits for the drafter
    assert chief.post(f"/notices/{notice_id}/approve").status_code == 302
    assert people.get_notice(notice_id).source["status"] == "draft"
    page = lan.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert f"/notices/{notice_id}/edit" in page and "Thiếu bài số 4" in page
    form = lan.get(f"/notices/{notice_id}/edit").get_data(as_text=True)
    assert "Thiếu bài số 4" in form and second in form
    response = lan.post(f"/notices/{notice_id}/edit", data={"recipient_type": "platform", "recipient": "",
                                                            "post_id": [first, second], "comment": "Đã thêm"})
    assert response.status_code == 302
    assert people.get_notice(notice_id).source["post_ids"] == [first, second]
    assert chief.post(f"/notices/{notice_id}/approve").status_code == 302
    stored = people.get_notice(notice_id).source
    assert stored["status"] == "approved" and [c["kind"] for c in stored["comments"]] == ["return", "edit"]
    page = chief.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert "Thiếu bài số 4" in page and "Đã thêm" in page
    assert lan.get(f"/notices/{notice_id}/edit").status_code == 302  # no longer a draft: back with a message


def test_a_bad_edit_keeps_the_form_and_says_why(app, people):  # noqa: F811
    post = confirmed(people, 5)
    notice_id = takedown(people, [post])["notice_id"]
    response = signed_in(app, "lan").post(f"/notices/{notice_id}/edit", data={
        "recipient_type": "platform", "recipient": "", "note": "giữ lại ghi chú"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "giữ lại ghi chú" in page


def test_overdue_is_shown_from_the_deadline_and_resent(app, people):  # noqa: F811
    post = confirmed(people, 6)
    notice_id = takedown(people, [post])["notice_id"]
    notices.approve(people, notice_id, actor=CHIEF)
    first = datetime.now(UTC) - timedelta(hours=30)
    notices.send(people, notice_id, channel="letter", actor=LAN, sent_at=first)
    lan = signed_in(app, "lan")
    page = lan.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert "notice-status-overdue" in page and f"/notices/{notice_id}/send" in page  # before mark_overdue runs
    assert lan.post(f"/notices/{notice_id}/send", data={"channel": "phone"}).status_code == 302
    stored = people.get_notice(notice_id).source
    assert stored["sent_at"] == first.isoformat() and len(stored["sendings"]) == 2
    page = lan.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert page.count("<li>") >= 2 and f"/notices/{notice_id}/send" not in page  # a new deadline runs
    pdf = lan.get(f"/notices/{notice_id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_board_filters_mine_and_waiting_for_my_approval_and_shows_progress(app, people):  # noqa: F811
    mine = takedown(people, [confirmed(people, 7), confirmed(people, 8)])
    theirs = takedown(people, [confirmed(people, 9)], actor=CHIEF)
    chief = signed_in(app, "chief")
    page = chief.get("/notices?view=awaiting").get_data(as_text=True)
    assert mine["reference"] in page and theirs["reference"] not in page
    page = chief.get("/notices?view=mine").get_data(as_text=True)
    assert theirs["reference"] in page and mine["reference"] not in page
    lan_page = signed_in(app, "lan").get("/notices").get_data(as_text=True)
    assert "view=awaiting" not in lan_page and "view=mine" in lan_page
    assert re.search(r'class="progress">\D*0\D+2\D*</td>', lan_page)


def test_the_candidate_list_shows_the_posts_text_account_and_other_notices(app, people):  # noqa: F811
    held = confirmed(people, 10, text="bài viết riêng của tài khoản")
    other = confirmed(people, 11)
    warning = notices.draft(people, notices.NoticeDraft("warning", "poster", "kiet", (held,)), actor=LAN)
    page = signed_in(app, "lan").get(f"/notices/new?kind=takedown&post_id={other}").get_data(as_text=True)
    assert "bài viết riêng của tài khoản" in page and warning["reference"] in page and "held-warning" in page


def test_a_cancelled_notice_shows_why_in_the_readers_language(app, people):  # noqa: F811
    notice_id = takedown(people, [confirmed(people, 7)])["notice_id"]
    notices.cancel(people, notice_id, actor=CHIEF, reason="<b>trùng</b> với văn bản khác")
    page = signed_in(app, "chief").get(f"/notices/{notice_id}").get_data(as_text=True)
    assert "Lý do huỷ" in page and "&lt;b&gt;trùng&lt;/b&gt; với văn bản khác" in page
    assert "cancelled:" not in page and "đã huỷ" in page
