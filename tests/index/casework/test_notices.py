"""Warnings and removal requests against the real index: drafting, approval, sending with a
deadline, removal within or past it, overdue detection."""

from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle, notices
from index.casework.notices import NoticeDraft, NoticeError
from index.casework.permissions import Actor, PermissionDenied
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN, RECHECK

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def confirmed_post(repo, n: int, categories=("drugs",)) -> str:
    url = f"http://f.example/t/{n}#post-{n}"
    post_id = post_id_for(url)
    repo.bulk_upsert_posts([{"id": post_id, "url": url, "text": f"bài {n}", "status": "flagged", "priority": 4.0,
                             "labels": list(categories), "platform": "forum", "source": "demo"}])
    lifecycle.claim(repo, post_id, reviewer="lan", now=T0)
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=True, categories=list(categories), now=T0)
    return post_id


def takedown(repo, post_ids, **kwargs):
    return notices.draft(repo, NoticeDraft("takedown", "platform", "Forum Example", tuple(post_ids), **kwargs),
                         actor=LAN, now=T0)


def test_draft_numbers_references_and_cites_the_law(repo):
    first = takedown(repo, [confirmed_post(repo, 1)])
    second = takedown(repo, [confirmed_post(repo, 2, ("gambling",))])
    assert first["reference"] == "0001/2026/SW" and second["reference"] == "0002/2026/SW"
    assert "Luật Trẻ em 2016 Điều 6" in first["legal_basis"] and "147/2024" in first["legal_basis"]
    assert "Nghị định 15/2020 Điều 101" in second["legal_basis"]
    assert first["status"] == "draft" and first["post_urls"] == ["http://f.example/t/1#post-1"]


def test_only_confirmed_posts_and_known_choices(repo):
    url = "http://f.example/x"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": "x", "status": "flagged"}])
    with pytest.raises(NoticeError, match="Only confirmed posts"):
        takedown(repo, [post_id_for(url)])
    with pytest.raises(NoticeError, match="Unknown post"):
        takedown(repo, ["nope"])
    with pytest.raises(NoticeError, match="Unknown kind"):
        notices.draft(repo, NoticeDraft("fax", "platform", "X", (post_id_for(url),)), actor=LAN)


def test_removal_request_needs_approval_then_counts_time_to_removal(repo):
    post_id = confirmed_post(repo, 3)
    notice = takedown(repo, [post_id])
    with pytest.raises(NoticeError, match="approved by a supervisor"):
        notices.send(repo, notice["notice_id"], channel="electronic", actor=LAN, now=T0)
    notices.approve(repo, notice["notice_id"], actor=CHIEF, now=T0)
    sent = notices.send(repo, notice["notice_id"], channel="electronic", actor=LAN, now=T0)
    assert sent["deadline"] == (T0 + timedelta(hours=24)).isoformat()
    post = repo.get_post(post_id).source
    assert post["status"] == "takedown_requested" and post["takedown_deadline"] == sent["deadline"]

    closed = notices.record_removal(repo, post_id, actor=RECHECK,
                                    removed_at=T0 + timedelta(hours=6), now=T0 + timedelta(hours=6))
    assert [n["status"] for n in closed] == ["removed"]
    assert closed[0]["removal_hours"] == 6.0 and closed[0]["within_deadline"] is True
    assert repo.get_post(post_id).source["status"] == "removed"
    hits = repo.client.search(index=repo.events, query={"term": {"notice_id": notice["notice_id"]}},
                              sort=[{"at": "asc"}, {"action": "asc"}])["hits"]["hits"]
    assert sorted(h["_source"]["action"] for h in hits) == sorted(
        ["notice_draft", "notice_approved", "notice_sent", "notice_removed"])


def test_a_notice_closes_only_when_all_its_posts_are_gone(repo):
    first, second = confirmed_post(repo, 4), confirmed_post(repo, 5)
    notice = takedown(repo, [first, second])
    notices.approve(repo, notice["notice_id"], actor=CHIEF, now=T0)
    notices.send(repo, notice["notice_id"], channel="letter", actor=LAN, now=T0)
    assert notices.record_removal(repo, first, actor=RECHECK, now=T0 + timedelta(hours=2)) == []
    [closed] = notices.record_removal(repo, second, actor=RECHECK, removed_at=T0 + timedelta(hours=30),
                                      now=T0 + timedelta(hours=30))
    assert closed["removal_hours"] == 30.0 and closed["within_deadline"] is False


def test_overdue_after_the_deadline_and_listed_until_removed(repo):
    post_id = confirmed_post(repo, 6)
    warning = notices.draft(repo, NoticeDraft("warning", "poster", "kiet9x", (post_id,)), actor=LAN, now=T0)
    notices.send(repo, warning["notice_id"], channel="phone", actor=LAN, now=T0)  # no approval for warnings
    assert repo.get_post(post_id).source["status"] == "warning_issued"
    assert notices.overdue(repo, now=T0 + timedelta(hours=23)) == []
    assert notices.mark_overdue(repo, now=T0 + timedelta(hours=23)) == []
    later = T0 + timedelta(hours=25)
    assert [n["reference"] for n in notices.mark_overdue(repo, now=later)] == [warning["reference"]]
    assert notices.mark_overdue(repo, now=later) == []  # idempotent
    assert repo.get_post(post_id).source["status"] == "overdue"
    assert [n["status"] for n in notices.overdue(repo, now=later)] == ["overdue"]
    notices.record_removal(repo, post_id, actor=RECHECK, now=later)
    assert notices.overdue(repo, now=later) == []


def test_concurrent_reference_numbers_are_unique(repo):
    import threading
    numbers, threads = [], []
    for _ in range(8):
        thread = threading.Thread(target=lambda: numbers.append(repo.next_in_sequence("race")))
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 9))


def test_the_drafter_cannot_approve_and_one_notice_is_for_one_platform(repo):
    notice = takedown(repo, [confirmed_post(repo, 7)])
    with pytest.raises(PermissionDenied, match="cannot approve"):  # even when the drafter is a supervisor
        notices.approve(repo, notice["notice_id"], actor=Actor("lan", frozenset({"supervisor"})))
    url = "http://other.example/8"
    repo.bulk_upsert_posts([{"id": post_id_for(url), "url": url, "text": "x", "status": "flagged", "priority": 1.0,
                             "labels": ["drugs"], "platform": "tiktok"}])
    lifecycle.claim(repo, post_id_for(url), reviewer="lan", now=T0)
    lifecycle.decide(repo, post_id_for(url), reviewer="lan", confirm=True, categories=["drugs"], now=T0)
    with pytest.raises(NoticeError, match="one platform"):
        takedown(repo, [confirmed_post(repo, 9), post_id_for(url)])
    assert [p["id"] for p in notices.candidates(repo, "tiktok")] == [post_id_for(url)]
    assert post_id_for(url) not in {p["id"] for p in notices.candidates(repo, "forum")}


def test_a_notice_keeps_the_evidence_it_was_drafted_with(repo):
    post_id = confirmed_post(repo, 10)
    assert takedown(repo, [post_id])["evidence"] == [{"post_id": post_id, "url": "http://f.example/t/10#post-10",
                                                      "sha256": None, "captured_at": None, "evidence_id": None,
                                                      "content_hash": None, "excerpt": "bài 10", "account": None}]


def test_the_notice_board_puts_overdue_first(repo):
    late, running, draft = (takedown(repo, [confirmed_post(repo, n)]) for n in (11, 12, 13))
    for notice, sent_at in ((late, T0 - timedelta(hours=30)), (running, T0)):
        notices.approve(repo, notice["notice_id"], actor=CHIEF, now=T0)
        notices.send(repo, notice["notice_id"], channel="phone", actor=LAN, sent_at=sent_at, now=T0)
    board = notices.listing(repo, now=T0 + timedelta(hours=1))
    assert [n["reference"] for n in board] == [late["reference"], running["reference"], draft["reference"]]
    assert [n["is_overdue"] for n in board] == [True, False, False]
