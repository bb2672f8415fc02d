"""Notices without dead ends (#14), against the real index: supervisors draft; a draft is edited and
cancelled by its drafter, returned with a comment by an approver, its thread kept; overdue read from
the deadline; an overdue notice re-sent as its own event, the first sending kept; the board's filters,
progress and candidates; the recipient from the platform registry."""

from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle, notices
from index.casework.notice_board import candidates, listing
from index.casework.notice_revisions import NoticeEdit, comment, edit_draft, return_draft
from index.casework.notices import NoticeDraft, NoticeError
from index.casework.permissions import Actor, PermissionDenied, allowed_actions
from safewatch.platforms import PlatformRegistry, parse
from safewatch.records import post_id_for
from tests.actors import CHIEF, LAN

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BOSS = Actor("boss", frozenset({"supervisor"}))
MINH = Actor("minh", frozenset({"reviewer"}))
PLATFORMS = PlatformRegistry(parse({"platforms": {"forum": {
    "legal_name": "Công ty TNHH Diễn Đàn", "address": "1 Phố Huế, Hà Nội",
    "contact": {"channel": "email", "value": "gobo@dien-dan.vn"}}}}))


def confirmed_post(repo, n: int, *, platform="forum", text=None) -> str:
    url = f"http://f.example/t/{n}#post-{n}"
    post_id = post_id_for(url)
    repo.bulk_upsert_posts([{"id": post_id, "url": url, "text": text or f"bài số {n} bán thuốc lắc",
                             "title": "Chủ đề chung của diễn đàn", "author": f"acc{n}", "status": "flagged",
                             "priority": 4.0, "labels": ["drugs"], "platform": platform, "source": "demo",
                             "content_hash": f"{n:064x}"}])
    lifecycle.claim(repo, post_id, reviewer="lan", now=T0)
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=True, categories=["drugs"], now=T0)
    return post_id


def takedown(repo, post_ids, *, actor=LAN, recipient="", now=T0):
    return notices.draft(repo, NoticeDraft("takedown", "platform", recipient, tuple(post_ids)), actor=actor,
                         now=now, platforms=PLATFORMS)


def events(repo, notice_id):
    response = repo.client.search(index=repo.events, size=100, sort=[{"at": "asc"}],
                                  query={"term": {"notice_id": notice_id}})
    return [hit["_source"] for hit in response["hits"]["hits"]]


def test_a_supervisor_drafts_and_another_supervisor_approves(repo):
    notice = takedown(repo, [confirmed_post(repo, 1)], actor=CHIEF)
    assert notice["created_by"] == "chief" and notice["status"] == "draft"
    with pytest.raises(PermissionDenied, match="cannot approve"):
        notices.approve(repo, notice["notice_id"], actor=CHIEF, now=T0)
    with pytest.raises(PermissionDenied, match="cannot return"):
        return_draft(repo, notice["notice_id"], "tự trả lại", actor=CHIEF, now=T0)
    assert notices.approve(repo, notice["notice_id"], actor=BOSS, now=T0)["status"] == "approved"


def test_the_recipient_comes_from_the_platform_registry(repo):
    notice = takedown(repo, [confirmed_post(repo, 2)], recipient="forum")
    assert notice["recipient"] == "Công ty TNHH Diễn Đàn"
    assert notice["recipient_details"] == {"platform": "forum", "legal_name": "Công ty TNHH Diễn Đàn",
                                           "address": "1 Phố Huế, Hà Nội", "contact_channel": "email",
                                           "contact": "gobo@dien-dan.vn"}
    elsewhere = confirmed_post(repo, 3, platform="tiktok")
    with pytest.raises(NoticeError, match="not in the platform registry"):
        takedown(repo, [elsewhere], recipient="tiktok")  # a code is not a recipient
    typed = takedown(repo, [elsewhere], recipient="TikTok Pte. Ltd.")
    assert typed["recipient"] == "TikTok Pte. Ltd." and typed["recipient_details"] is None


def test_each_item_carries_an_excerpt_the_account_and_the_hash_and_a_contact_officer_is_named(repo):
    post_id = confirmed_post(repo, 4, text="x" * 300)
    notice = notices.draft(repo, NoticeDraft("takedown", "platform", "", (post_id,),
                                             contact_officer="Đại úy Trần An, 0912 345 678"),
                           actor=LAN, now=T0, platforms=PLATFORMS)
    item = notice["evidence"][0]
    assert item["account"] == "acc4" and item["content_hash"] == f"{4:064x}"
    assert item["excerpt"].endswith("…") and len(item["excerpt"]) == notices.EXCERPT_CHARS
    assert notice["contact_officer"] == "Đại úy Trần An, 0912 345 678"
    assert takedown(repo, [confirmed_post(repo, 5)])["contact_officer"] == "lan"  # default: the drafter


def test_a_returned_draft_waits_for_its_drafter_then_is_approved(repo):
    first, second = confirmed_post(repo, 6), confirmed_post(repo, 7)
    notice = takedown(repo, [first])
    notice_id = notice["notice_id"]
    with pytest.raises(NoticeError, match="Say what should change"):
        return_draft(repo, notice_id, "  ", actor=CHIEF, now=T0)
    with pytest.raises(PermissionDenied):
        return_draft(repo, notice_id, "một người rà soát không trả lại", actor=MINH, now=T0)
    returned = return_draft(repo, notice_id, "Thêm bài số 7 cùng tài khoản", actor=CHIEF, now=T0)
    assert returned["status"] == "draft" and returned["needs_revision"] and returned["returned_by"] == "chief"
    with pytest.raises(NoticeError, match="returned to its drafter"):
        notices.approve(repo, notice_id, actor=CHIEF, now=T0)
    with pytest.raises(PermissionDenied, match="Only the person who drafted"):
        edit_draft(repo, notice_id, NoticeEdit("platform", "", (first, second)), actor=CHIEF, now=T0,
                   platforms=PLATFORMS)
    edited = edit_draft(repo, notice_id, NoticeEdit("platform", "", (first, second), note="đã thêm",
                                                    comment="Đã thêm bài số 7"),
                        actor=LAN, now=T0 + timedelta(minutes=5), platforms=PLATFORMS)
    assert edited["post_ids"] == [first, second] and not edited["needs_revision"]
    assert repo.get_post(second).source["open_notices"]["takedown"]["notice_id"] == notice_id
    assert [(c["by"], c["kind"], c["text"]) for c in edited["comments"]] == [
        ("chief", "return", "Thêm bài số 7 cùng tài khoản"), ("lan", "edit", "Đã thêm bài số 7")]
    comment(repo, notice_id, "Đồng ý", actor=CHIEF, now=T0 + timedelta(minutes=6))
    approved = notices.approve(repo, notice_id, actor=CHIEF, now=T0 + timedelta(minutes=7))
    assert approved["status"] == "approved" and len(approved["comments"]) == 3  # the thread stays
    actions = [e["action"] for e in events(repo, notice_id)]
    assert actions == ["notice_draft", "notice_returned", "notice_edited", "notice_commented", "notice_approved"]


def test_taking_a_post_out_of_a_draft_frees_it_and_the_drafter_cancels(repo):
    first, second = confirmed_post(repo, 8), confirmed_post(repo, 9)
    notice = takedown(repo, [first, second])
    edit_draft(repo, notice["notice_id"], NoticeEdit("platform", "", (first,)), actor=LAN, now=T0,
               platforms=PLATFORMS)
    assert "takedown" not in (repo.get_post(second).source.get("open_notices") or {})
    takedown(repo, [second])  # free for another notice
    with pytest.raises(NoticeError, match="already in the open notice"):
        edit_draft(repo, notice["notice_id"], NoticeEdit("platform", "", (first, second)), actor=LAN, now=T0,
                   platforms=PLATFORMS)
    with pytest.raises(PermissionDenied):
        notices.cancel(repo, notice["notice_id"], actor=MINH, reason="không phải của tôi", now=T0)
    cancelled = notices.cancel(repo, notice["notice_id"], actor=LAN, reason="trùng", now=T0)
    # The canceller's words in a field of their own, never an English line added to the notice's note.
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "trùng"
    assert "cancelled" not in (cancelled.get("note") or "")


def test_overdue_is_read_from_the_deadline_and_a_resend_keeps_the_first_sending(repo):
    post_id = confirmed_post(repo, 10)
    notice_id = takedown(repo, [post_id])["notice_id"]
    notices.approve(repo, notice_id, actor=CHIEF, now=T0)
    notices.send(repo, notice_id, channel="electronic", actor=LAN, now=T0)
    with pytest.raises(NoticeError, match="deadline has not passed"):
        notices.send(repo, notice_id, channel="phone", actor=LAN, now=T0 + timedelta(hours=1))
    later = T0 + timedelta(hours=30)  # mark_overdue has not run: still "sent" in the index
    stored = repo.get_notice(notice_id).source
    assert stored["status"] == "sent" and "send" in allowed_actions(LAN, stored, later)
    assert listing(repo, now=later)[0]["shown_status"] == "overdue"
    resent = notices.send(repo, notice_id, channel="phone", actor=CHIEF, now=later)
    assert resent["sent_at"] == T0.isoformat() and resent["last_sent_at"] == later.isoformat()
    assert resent["deadline"] == (later + timedelta(hours=24)).isoformat() and resent["resend_count"] == 1
    assert [(s["at"], s["channel"]) for s in resent["sendings"]] == [(T0.isoformat(), "electronic"),
                                                                      (later.isoformat(), "phone")]
    assert repo.get_post(post_id).source["takedown_requested_at"] == T0.isoformat()
    assert [e["action"] for e in events(repo, notice_id)][-2:] == ["notice_sent", "notice_resent"]
    closed = notices.record_removal(repo, post_id, actor=CHIEF, removed_at=later + timedelta(hours=1),
                                    now=later + timedelta(hours=2))[0]
    assert closed["removal_hours"] == 31.0 and closed["within_deadline"] is False  # from the first sending


def test_an_overdue_notice_marked_by_the_job_is_resent_too(repo):
    notice_id = takedown(repo, [confirmed_post(repo, 11)])["notice_id"]
    notices.approve(repo, notice_id, actor=CHIEF, now=T0)
    notices.send(repo, notice_id, channel="letter", actor=LAN, now=T0)
    notices.mark_overdue(repo, now=T0 + timedelta(hours=25))
    with pytest.raises(NoticeError, match="before the previous sending"):
        notices.send(repo, notice_id, channel="phone", actor=LAN, sent_at=T0 - timedelta(hours=1),
                     now=T0 + timedelta(hours=26))
    resent = notices.send(repo, notice_id, channel="phone", actor=LAN, now=T0 + timedelta(hours=26))
    assert resent["status"] == "sent" and len(resent["sendings"]) == 2


def test_filters_mine_and_waiting_for_my_approval_and_progress(repo):
    lans = takedown(repo, [confirmed_post(repo, 12), confirmed_post(repo, 13)])
    chiefs = takedown(repo, [confirmed_post(repo, 14)], actor=CHIEF)
    returned = takedown(repo, [confirmed_post(repo, 15)])
    return_draft(repo, returned["notice_id"], "sửa lại", actor=BOSS, now=T0)
    assert {n["reference"] for n in listing(repo, view="mine", actor=LAN, now=T0)} == {
        lans["reference"], returned["reference"]}
    assert [n["reference"] for n in listing(repo, view="awaiting", actor=CHIEF, now=T0)] == [lans["reference"]]
    assert {n["reference"] for n in listing(repo, view="awaiting", actor=BOSS, now=T0)} == {
        lans["reference"], chiefs["reference"]}
    assert listing(repo, view="awaiting", actor=LAN, now=T0) == []  # a reviewer approves nothing
    notices.approve(repo, lans["notice_id"], actor=CHIEF, now=T0)
    notices.send(repo, lans["notice_id"], channel="letter", actor=LAN, now=T0)
    notices.record_removal(repo, lans["post_ids"][0], actor=CHIEF, removed_at=T0 + timedelta(hours=1),
                           now=T0 + timedelta(hours=1))
    row = next(n for n in listing(repo, now=T0 + timedelta(hours=2)) if n["reference"] == lans["reference"])
    assert (row["removed_count"], row["post_count"]) == (1, 2)


def test_candidates_show_the_posts_own_text_account_and_other_open_notices(repo):
    held, free = confirmed_post(repo, 16), confirmed_post(repo, 17)
    warning = notices.draft(repo, NoticeDraft("warning", "poster", "acc16", (held,)), actor=LAN, now=T0)
    rows = {p["id"]: p for p in candidates(repo, "forum", now=T0)}
    assert rows[held]["text"] == "bài số 16 bán thuốc lắc" and rows[held]["author"] == "acc16"
    assert rows[held]["held_by"] == [{"kind": "warning", "notice_id": warning["notice_id"],
                                      "reference": warning["reference"], "status": "draft"}]
    assert rows[free]["held_by"] == []
