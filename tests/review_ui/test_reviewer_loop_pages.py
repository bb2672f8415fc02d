"""The reviewer's loop through the pages (Flask's test client, real index): one held post, release,
decide-and-next, a refused decision keeps what was entered, "Không vi phạm", the queue's filters, sorts,
ages and holders, related posts decided together."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle
from index.casework.accounts import create_user
from review_ui.language import COOKIE
from safewatch.records import post_id_for
from safewatch.taxonomy import CATEGORIES

PASSWORD = "correct-horse-battery"
NOW = datetime.now(UTC)


@pytest.fixture
def users(repo):
    create_user(repo, "lan", PASSWORD, ["reviewer"], actor="test")
    create_user(repo, "minh", PASSWORD, ["reviewer"], actor="test")
    return repo


def flag(repo, n, **fields):
    url = f"http://loop.example/t/{n}"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": f"bán kẹo cho học sinh số {n}",
                             "status": "flagged", "priority": 1.0 + n / 10, "labels": ["drugs"],
                             "scores": {"drugs": 0.9}, "platform": "forum", "source": "demo", "author": f"a{n}",
                             "collected_at": NOW.isoformat(), **fields}])
    repo.refresh()
    return post_id_for(url)


def signed_in(app, username="lan"):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_next_returns_the_held_post_a_second_claim_is_refused_and_release_frees_it(app, users):
    first, second = flag(users, 1), flag(users, 2)
    lan = signed_in(app)
    assert lan.post("/queue/next").headers["Location"].endswith(f"/posts/{second}")
    assert lan.post("/queue/next").headers["Location"].endswith(f"/posts/{second}")  # the same one
    refused = lan.post(f"/posts/{first}/claim", follow_redirects=True)
    assert refused.request.path == f"/posts/{second}"
    assert "Bạn đang giữ một bài khác" in refused.get_data(as_text=True)
    assert users.get_post(first).source["status"] == "flagged"
    page = lan.get("/queue").get_data(as_text=True)
    assert "Bạn đang giữ một bài đến" in page and f'href="/posts/{second}"' in page
    assert signed_in(app, "minh").post(f"/posts/{second}/release").status_code == 302  # not minh's: refused
    assert users.get_post(second).source["claimed_by"] == "lan"
    released = lan.post(f"/posts/{second}/release", follow_redirects=True)
    assert "Đã trả lại bài" in released.get_data(as_text=True) and released.request.path == "/queue"
    assert users.get_post(second).source["status"] == "flagged"
    assert lan.post(f"/posts/{first}/claim").headers["Location"].endswith(f"/posts/{first}")


def test_decide_and_next_is_one_action(app, users):
    first, second = flag(users, 1), flag(users, 2)
    lan = signed_in(app)
    lan.post("/queue/next")
    answer = lan.post(f"/posts/{second}/decision", data={"action": "dismiss", "note": "tin cảnh báo"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/posts/{first}")
    assert users.get_post(second).source["status"] == "dismissed"
    assert users.get_post(first).source["claimed_by"] == "lan"  # already held: the page opens on the form
    last = lan.post(f"/posts/{first}/decision", data={"action": "confirm", "categories": ["drugs"]},
                    follow_redirects=True)
    assert last.request.path == "/queue" and "Hàng đợi trống" in last.get_data(as_text=True)


@pytest.mark.parametrize("form, message", [
    ({"action": "confirm", "categories": [], "severity": "2", "follow_up": "investigation"}, "ít nhất một"),
    ({"action": "confirm", "categories": ["gambling", "scam"], "severity": "9", "follow_up": "warning"}, "1 đến 5"),
])
def test_a_refused_decision_keeps_what_was_entered(app, users, form, message):
    post_id = flag(users, 1)
    lan = signed_in(app)
    lan.post(f"/posts/{post_id}/claim")
    answer = lan.post(f"/posts/{post_id}/decision", data={**form, "note": "ghi chú <b>dài</b>"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in page
    assert ">ghi chú &lt;b&gt;dài&lt;/b&gt;</textarea>" in page
    checked = re.findall(r'name="categories" value="(\w+)" checked', page)
    assert checked == form["categories"]  # not the model's labels ("drugs")
    assert re.search(rf'value="{form["follow_up"]}" checked', page)
    if form["severity"] in "12345":
        assert f'<option value="{form["severity"]}" selected>' in page
    assert users.get_post(post_id).source["status"] == "in_review"


def test_the_form_reads_khong_vi_pham_and_has_a_key_for_every_category_severity_and_next_step(app, users):
    post_id = flag(users, 1)
    lan = signed_in(app)
    lan.post(f"/posts/{post_id}/claim")
    page = lan.get(f"/posts/{post_id}").get_data(as_text=True)
    assert 'value="dismiss" aria-keyshortcuts="d">Không vi phạm</button>' in page and "Bỏ qua</button>" not in page
    keys = re.findall(r'name="categories" value="\w+"\s+(?:checked\s+)?aria-keyshortcuts="([^"]+)"', page)
    assert len(keys) == len(CATEGORIES) == 14 and len(set(keys)) == 14
    assert keys[9:] == ["0", "Shift+1", "Shift+2", "Shift+3", "Shift+4"]
    assert re.findall(r'name="follow_up" value="(\w+)"\s+(?:checked\s+)?aria-keyshortcuts="(\w)"', page) == [
        ("none", "o"), ("warning", "w"), ("takedown", "t"), ("investigation", "i")]
    assert '<kbd class="hint">s</kbd>' in page
    help_panel = lan.get("/queue").get_data(as_text=True)
    assert "Chọn / bỏ chọn nhóm nội dung thứ 11…14" in help_panel and "Mức độ nghiêm trọng 1…5" in help_panel


def rows(page):
    return re.findall(r'<tr data-post-id="(\w+)">', page)


def test_queue_filters_sorts_and_shows_age_and_holder(app, users):
    old = flag(users, 1, labels=["superstition"], platform="facebook", source="fb-groups",
               collected_at=(NOW - timedelta(days=10)).isoformat())
    fresh = flag(users, 2, labels=["grooming"])
    held = flag(users, 3)
    lifecycle.claim(users, held, reviewer="minh")
    lan = signed_in(app)
    page = lan.get("/queue").get_data(as_text=True)
    assert set(rows(page)) == {old, fresh, held}
    assert "10 ngày" in page and re.search(r'class="holder">minh đến \d\d/\d\d/\d{4} \d\d:\d\d', page)
    assert rows(lan.get("/queue?category=superstition").get_data(as_text=True)) == [old]
    assert set(rows(lan.get("/queue?severity=5").get_data(as_text=True))) == {fresh}
    assert rows(lan.get("/queue?platform=facebook&source=fb-groups").get_data(as_text=True)) == [old]
    assert old not in rows(lan.get("/queue?age=day").get_data(as_text=True))
    assert rows(lan.get("/queue?sort=oldest").get_data(as_text=True))[0] == old
    assert rows(lan.get("/queue?sort=severity").get_data(as_text=True))[-1] == old
    filtered = lan.get("/queue?platform=facebook").get_data(as_text=True)
    assert '<option value="facebook" selected>' in filtered and "Bỏ lọc" in filtered
    bad = lan.get("/queue?age=year&sort=x")
    assert bad.status_code == 400 and "Độ cũ không hợp lệ" in bad.get_data(as_text=True)


def test_related_posts_are_decided_together_from_the_form(app, users):
    main, copy, held = (flag(users, n, content_hash="c" * 64) for n in (1, 2, 3))
    lifecycle.claim(users, held, reviewer="minh")
    lan = signed_in(app)
    lan.post(f"/posts/{main}/claim")
    page = lan.get(f"/posts/{main}").get_data(as_text=True)
    assert f'name="related" value="{copy}"' in page and f'name="related" value="{held}"' in page
    answer = lan.post(f"/posts/{main}/decision", data={"action": "confirm", "categories": ["drugs"],
                                                       "related": [copy, held]}, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "Cùng quyết định cho 1 bài liên quan" in text and "1 bài liên quan không được thay đổi" in text
    for post_id in (main, copy):
        post = users.get_post(post_id).source
        assert post["status"] == "confirmed" and post["reviewer"] == "lan"
    users.refresh()
    assert [e["to_status"] for e in users.events_for(copy)] == ["in_review", "confirmed"]
    assert users.get_post(held).source["claimed_by"] == "minh"


def test_queue_priorities_use_the_readers_decimal_mark(app, users):
    flag(users, 1, priority=1234.5)
    lan = signed_in(app)
    assert "1.234,50" in lan.get("/queue").get_data(as_text=True)  # Vietnamese: dot groups, comma decimals
    lan.set_cookie(COOKIE, "en")
    assert "1,234.50" in lan.get("/queue").get_data(as_text=True)
