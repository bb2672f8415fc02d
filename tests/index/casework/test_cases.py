"""Cases against the real Elasticsearch node: items, notes, tasks, roles, status, search, deciding the
posts together (each decision its own audited event), the timeline and the report's figures."""

from datetime import UTC, datetime, timedelta

import pytest

from index.casework import case_work, cases, lifecycle, notices
from index.casework.accounts import create_user, set_disabled
from index.casework.cases import CaseError
from index.casework.notices import NoticeDraft
from index.casework.permissions import Actor, PermissionDenied
from safewatch.records import post_id_for

LAN = Actor("lan", frozenset({"reviewer"}))
MINH = Actor("minh", frozenset({"reviewer"}))
AN = Actor("an", frozenset({"analyst"}))
CHIEF = Actor("chief", frozenset({"supervisor"}))
ROOT = Actor("root", frozenset({"admin"}))


@pytest.fixture
def people(repo):
    for actor in (LAN, MINH, AN, CHIEF, ROOT):
        create_user(repo, actor.name, "correct-horse-battery", sorted(actor.roles), actor="test")
    create_user(repo, "ghost", "correct-horse-battery", ["reviewer"], actor="test")
    set_disabled(repo, "ghost", True, actor="test")
    return repo


def post(repo, n: int, *, author: str = "kiet9x", status: str = "flagged") -> str:
    url = f"https://forum.example/t/{n}"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": f"bán kẹo cho học sinh số {n}",
                             "author": author, "platform": "forum", "source": "demo", "status": status,
                             "labels": ["drugs"], "scores": {"drugs": 0.9}, "content_hash": f"{n:064x}",
                             "collected_at": datetime.now(UTC).isoformat()}])
    repo.refresh()
    return post_id_for(url)


def events(repo, action: str) -> list[dict]:
    repo.refresh()
    hits = repo.client.search(index=repo.events, query={"term": {"action": action}}, size=100)["hits"]["hits"]
    return [h["_source"] for h in hits]


def test_a_case_groups_posts_with_their_authors_and_is_audited(people):
    first, second = post(people, 1), post(people, 2, author="@Other_Acc")
    case = cases.create_case(people, title="  Bán ma túy   cho học sinh ", actor=AN, accounts=["@Kiet9x"],
                             items=[("post", first)], request_id="r1")
    assert case["title"] == "Bán ma túy cho học sinh" and case["status"] == "open" and case["owner"] == "an"
    assert case["reference"].startswith("VV-0001/") and case["accounts"] == ["kiet9x"]
    added, already = cases.add_items(people, case["id"], [("post", first), ("post", second)], actor=LAN)
    assert added == [("post", second)] and already == [("post", first)]
    stored = cases.get_case(people, case["id"])
    assert stored["item_keys"] == [f"post:{first}", f"post:{second}"] and stored["accounts"] == ["kiet9x", "other_acc"]
    assert [e["actor"] for e in events(people, "case_created")] == ["an"]
    assert events(people, "case_items_added")[0]["details"] == {"items": [["post", second]]}
    with pytest.raises(CaseError, match="Unknown item"):
        cases.add_items(people, case["id"], [("post", "nope"), ("post", first)], actor=LAN)
    with pytest.raises(CaseError, match="Unknown item"):
        cases.create_case(people, title="x", actor=AN, items=[("tip", "T-1")])  # no such tip (yet)
    with pytest.raises(CaseError, match="title"):
        cases.create_case(people, title="   ", actor=AN)
    assert [c["id"] for c in cases.cases_holding(people, "post", second)] == [case["id"]]


def test_notices_join_a_case_and_the_timeline_holds_everything_in_time_order(people):
    first, second = post(people, 3), post(people, 4)
    for post_id in (first, second):
        lifecycle.claim(people, post_id, reviewer="lan")
        lifecycle.decide(people, post_id, reviewer="lan", confirm=True, categories=["drugs"])
    unrelated = post(people, 5)
    lifecycle.claim(people, unrelated, reviewer="minh")
    notice = notices.draft(people, NoticeDraft("warning", "poster", "kiet9x", (first,)), actor=LAN)
    case = cases.create_case(people, title="Tài khoản kiet9x", actor=LAN,
                             items=[("post", first), ("notice", notice["notice_id"])])
    cases.add_note(people, case["id"], "Cùng một người bán", actor=AN)
    case = cases.get_case(people, case["id"])
    trail = case_work.timeline(people, case)
    actions = [(e["action"], e.get("post_id") or e.get("notice_id") or e.get("case_id")) for e in trail]
    assert ("status_change", first) in actions and ("notice_draft", notice["notice_id"]) in actions
    assert ("case_note_added", case["id"]) in actions and all(unrelated != key for _, key in actions)
    assert second not in {e.get("post_id") for e in trail}
    assert [e["at"] for e in trail] == sorted(e["at"] for e in trail)
    assert trail[-1]["action"] == "case_note_added"


def test_deciding_the_posts_together_leaves_held_and_decided_posts_alone(people):
    free, mine, held, decided, quiet = (post(people, n) for n in (6, 7, 8, 9, 10))
    lifecycle.claim(people, decided, reviewer="minh")
    lifecycle.decide(people, decided, reviewer="minh", confirm=False, categories=[])
    lifecycle.claim(people, held, reviewer="minh")
    lifecycle.claim(people, mine, reviewer="lan")
    case = cases.create_case(people, title="Chiến dịch", actor=CHIEF,
                             items=[("post", p) for p in (free, mine, held, decided)])
    with pytest.raises(PermissionDenied):
        case_work.decide_posts(people, case["id"], actor=AN, confirm=True, categories=["drugs"])
    with pytest.raises(CaseError, match="Not in this case"):
        case_work.decide_posts(people, case["id"], actor=LAN, confirm=True, categories=["drugs"], chosen=[quiet])
    done, left = case_work.decide_posts(people, case["id"], actor=LAN, confirm=True, categories=["drugs"],
                                        severity=4, note="cùng chiến dịch", request_id="req-9")
    assert done == [free, mine] and left == [held, decided]
    for post_id in (free, mine):
        source = people.get_post(post_id).source
        assert (source["status"], source["reviewer"], source["severity"]) == ("confirmed", "lan", 4)
    assert people.get_post(held).source["claimed_by"] == "minh"
    assert people.get_post(decided).source["status"] == "dismissed"
    decisions = [e for e in events(people, "status_change") if e.get("to_status") == "confirmed"]
    assert sorted(e["post_id"] for e in decisions) == sorted([free, mine])
    assert {e["request_id"] for e in decisions} == {"req-9"}
    summary = events(people, "case_posts_decided")[0]
    assert summary["details"]["decided"] == [free, mine] and summary["details"]["left_alone"] == [held, decided]


def test_roles_owner_tasks_and_closing(people):
    case = cases.create_case(people, title="Nhóm cờ bạc", actor=AN)
    with pytest.raises(PermissionDenied):
        cases.create_case(people, title="x", actor=Actor("nobody"))
    with pytest.raises(PermissionDenied):
        cases.update_case(people, case["id"], actor=LAN, title="Đổi tên")
    with pytest.raises(CaseError, match="active account"):
        cases.update_case(people, case["id"], actor=AN, owner="ghost")
    cases.update_case(people, case["id"], actor=AN, owner="lan", accounts=["@A", "b"], status="in_progress")
    case = cases.get_case(people, case["id"])
    assert (case["owner"], case["accounts"], case["status"]) == ("lan", ["a", "b"], "in_progress")
    task = cases.add_task(people, case["id"], "Xác minh chủ tài khoản", actor=AN, assignee="minh", due="2026-12-01")
    with pytest.raises(CaseError, match="YYYY-MM-DD"):
        cases.add_task(people, case["id"], "x", actor=AN, due="01/12/2026")
    with pytest.raises(PermissionDenied):
        cases.set_task_done(people, case["id"], task["task_id"], True, actor=AN)
    assert cases.set_task_done(people, case["id"], task["task_id"], True, actor=MINH)["done_by"] == "minh"
    cases.set_task_done(people, case["id"], task["task_id"], False, actor=CHIEF)
    assert [e["action"] for e in events(people, "case_task_done") + events(people, "case_task_reopened")] == [
        "case_task_done", "case_task_reopened"]
    cases.update_case(people, case["id"], actor=LAN, status="closed", reason="xong")
    with pytest.raises(CaseError, match="closed"):
        cases.add_note(people, case["id"], "thêm", actor=CHIEF)
    with pytest.raises(PermissionDenied):
        cases.update_case(people, case["id"], actor=LAN, status="open")
    cases.update_case(people, case["id"], actor=CHIEF, status="open", reason="có bài mới")
    assert cases.get_case(people, case["id"])["closed_at"] is None
    changes = [(e["from_status"], e["to_status"]) for e in sorted(events(people, "case_status_changed"),
                                                                   key=lambda e: e["at"])]
    assert changes == [("in_progress", "closed"), ("closed", "open")]


def test_cases_are_found_by_title_notes_account_and_reference(people):
    first = cases.create_case(people, title="Lừa đảo tuyển cộng tác viên", actor=AN, accounts=["@ViecLamOnline"])
    second = cases.create_case(people, title="Thử thách nguy hiểm", actor=AN)
    cases.add_note(people, second["id"], "Nhóm Zalo rủ học sinh nhịn ăn", actor=LAN)
    cases.update_case(people, second["id"], actor=AN, status="closed")

    def found(text, **kw):
        return [c["id"] for c in cases.search_cases(people, text, **kw)]

    assert found("lua dao") == [first["id"]]  # without diacritics
    assert found("nhin an") == [second["id"]]
    assert found("@vieclamonline") == [first["id"]]
    assert found(second["reference"].lower()) == [second["id"]]
    assert found("", statuses=["open"]) == [first["id"]]
    assert [c["id"] for c in cases.open_cases(people)] == [first["id"]]


def test_open_cases_by_status_for_a_period(people):
    now = datetime.now(UTC)
    old = cases.create_case(people, title="Cũ", actor=AN, now=now - timedelta(days=40))
    cases.update_case(people, old["id"], actor=AN, status="in_progress", now=now - timedelta(days=35))
    cases.update_case(people, old["id"], actor=AN, status="closed", now=now - timedelta(days=2))
    cases.create_case(people, title="Mới", actor=AN, now=now - timedelta(days=1))
    cases.create_case(people, title="Chưa có", actor=AN, now=now + timedelta(days=1))  # after the cutoff
    month_ago = cases.figures(people, now - timedelta(days=60), now - timedelta(days=30), now=now)
    assert month_ago == {"open": 0, "in_progress": 1, "open_total": 1, "opened": 1, "closed": 0}
    this_week = cases.figures(people, now - timedelta(days=7), now + timedelta(days=30), now=now)
    assert this_week == {"open": 1, "in_progress": 0, "open_total": 1, "opened": 1, "closed": 1}
