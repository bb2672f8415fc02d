"""Issue #12 §3: the workflow rules live in the domain functions and hold whoever calls them, against
the real index, with real threads for the races."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from index.casework import lifecycle, notices, reports
from index.casework.lifecycle import ConcurrentChange, TransitionError
from index.casework.notices import NoticeDraft, NoticeError
from index.casework.periods import period
from index.casework.permissions import Actor, NoticeStateError, PermissionDenied
from safewatch.records import post_id_for
from tests.actors import CHIEF, HOA, LAN, RECHECK

NOW = datetime.now(UTC).replace(microsecond=0)
MINH = Actor("minh", frozenset({"reviewer"}))  # another reviewer


def confirmed_post(repo, n: int, *, when: datetime = NOW) -> str:
    url = f"http://f.example/rules/{n}"
    post_id = post_id_for(url)
    repo.bulk_upsert_posts([{"id": post_id, "url": url, "text": f"bài {n}", "status": "flagged", "priority": 4.0,
                             "labels": ["drugs"], "platform": "forum", "source": "demo"}])
    lifecycle.claim(repo, post_id, reviewer="lan", now=when)
    lifecycle.decide(repo, post_id, reviewer="lan", confirm=True, categories=["drugs"], now=when)
    return post_id


def draft(repo, post_ids, kind="takedown", actor=LAN, when=NOW):
    return notices.draft(repo, NoticeDraft(kind, "platform", "Forum", tuple(post_ids)), actor=actor, now=when)


def events(repo, action: str) -> list[dict]:
    repo.refresh()
    hits = repo.client.search(index=repo.events, query={"term": {"action": action}}, size=100)["hits"]["hits"]
    return [h["_source"] for h in hits]


# ---- a removal only on a sent notice, at a time between the sending and now ----------------------

def test_a_removal_on_an_unapproved_draft_is_refused_and_never_reaches_the_report(repo):
    post_id = confirmed_post(repo, 1, when=NOW - timedelta(days=3))
    notice = draft(repo, [post_id], when=NOW - timedelta(days=3))
    back_dated = NOW - timedelta(days=2)
    with pytest.raises(NoticeStateError, match="only on a notice that was sent"):
        notices.record_removal_on_notice(repo, notice["notice_id"], [post_id], actor=LAN, removed_at=back_dated)
    with pytest.raises(NoticeError, match="only on a notice that was sent"):  # the re-check's path too
        notices.record_removal(repo, post_id, actor=RECHECK, removed_at=back_dated)
    with pytest.raises(TransitionError):  # nor around the notices, straight through the lifecycle
        lifecycle.transition(repo, post_id, "removed", actor="lan")
    assert repo.get_post(post_id).source["status"] == "confirmed"
    assert reports.removed_items(repo, period("month", back_dated.date())) == []


def test_the_removal_time_lies_between_the_sending_and_now(repo):
    post_id = confirmed_post(repo, 2)
    notice = draft(repo, [post_id])
    sent_at = NOW - timedelta(hours=5)
    notices.approve(repo, notice["notice_id"], actor=CHIEF)
    notices.send(repo, notice["notice_id"], channel="letter", actor=LAN, sent_at=sent_at)
    for wrong, message in ((sent_at - timedelta(minutes=1), "before sending"),
                           (datetime.now(UTC) + timedelta(hours=1), "future")):
        with pytest.raises(NoticeError, match=message):
            notices.record_removal_on_notice(repo, notice["notice_id"], [post_id], actor=LAN, removed_at=wrong)
    assert repo.get_post(post_id).source["status"] == "takedown_requested"
    [closed] = notices.record_removal_on_notice(repo, notice["notice_id"], [post_id], actor=LAN,
                                                removed_at=datetime.now(UTC) + timedelta(minutes=2))  # clock skew
    assert closed["status"] == "removed" and closed["within_deadline"] is True


def test_only_a_supervisor_the_drafter_or_the_recheck_records_a_removal(repo):
    post_id = confirmed_post(repo, 3)
    notice = draft(repo, [post_id])
    notices.approve(repo, notice["notice_id"], actor=CHIEF)
    notices.send(repo, notice["notice_id"], channel="letter", actor=CHIEF, sent_at=NOW - timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        notices.record_removal_on_notice(repo, notice["notice_id"], [post_id], actor=MINH)
    with pytest.raises(PermissionDenied):  # a bare name holds no role
        notices.record_removal(repo, post_id, actor="recheck")
    assert notices.record_removal(repo, post_id, actor=RECHECK)[0]["status"] == "removed"


# ---- sending: all posts still confirmed, all or nothing -------------------------------------------

def test_a_notice_is_not_sent_when_one_of_its_posts_was_reopened(repo):
    first, second = confirmed_post(repo, 4), confirmed_post(repo, 5)
    notice = draft(repo, [first, second])
    notices.approve(repo, notice["notice_id"], actor=CHIEF)
    lifecycle.reopen(repo, second, actor=CHIEF, reason="not drugs: a pharmacy advert")
    with pytest.raises(NoticeError, match="no longer confirmed"):
        notices.send(repo, notice["notice_id"], channel="phone", actor=LAN)
    assert repo.get_notice(notice["notice_id"]).source["status"] == "approved"
    assert repo.get_post(first).source["status"] == "confirmed"  # nothing half-done
    assert events(repo, "notice_sent") == []


def test_a_failure_after_some_posts_were_written_puts_them_back(repo):
    first, second = confirmed_post(repo, 6), confirmed_post(repo, 7)
    changes = [lifecycle.Change(repo.get_post(post_id), "takedown_requested",
                                {"takedown_requested_at": NOW.isoformat()})
               for post_id in (first, second)]

    def notice_write_fails():
        raise RuntimeError("the notice could not be written")

    with pytest.raises(RuntimeError):
        lifecycle.transition_together(repo, changes, actor="lan", reason="test", then=notice_write_fails)
    # The second post changed after it was read: the first, already written, is put back.
    stale = [lifecycle.Change(repo.get_post(first), "takedown_requested", {}),
             lifecycle.Change(repo.get_post(second), "takedown_requested", {})]
    lifecycle.reopen(repo, second, actor=CHIEF, reason="changed meanwhile")
    with pytest.raises(ConcurrentChange):
        lifecycle.transition_together(repo, stale, actor="lan", reason="test")
    post = repo.get_post(first).source
    assert post["status"] == "confirmed" and "takedown_requested_at" not in post
    assert [e for e in events(repo, "status_change") if e["to_status"] == "takedown_requested"] == []


def test_send_and_reopen_at_once_never_leave_a_sent_notice_with_a_reopened_post(repo):
    for round_ in range(4):
        post_id = confirmed_post(repo, 10 + round_)
        notice = draft(repo, [post_id])
        notices.approve(repo, notice["notice_id"], actor=CHIEF)
        start = threading.Barrier(2)
        outcomes = []

        def act(name, call, start=start, outcomes=outcomes):
            start.wait()
            try:
                call()
                outcomes.append(name)
            except (NoticeError, TransitionError, ConcurrentChange):
                pass

        threads = [threading.Thread(target=act, args=("send", lambda n=notice: notices.send(
                       repo, n["notice_id"], channel="phone", actor=LAN))),
                   threading.Thread(target=act, args=("reopen", lambda p=post_id: lifecycle.reopen(
                       repo, p, actor=CHIEF, reason="second look")))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        status = repo.get_notice(notice["notice_id"]).source["status"]
        post_status = repo.get_post(post_id).source["status"]
        assert len(outcomes) == 1, outcomes
        assert (status, post_status) in {("sent", "takedown_requested"), ("approved", "in_review")}
        if post_status == "in_review":  # the supervisor holds the reopened post: one held post at a time
            lifecycle.release(repo, post_id, reviewer=CHIEF.name)


# ---- a decision is changed only by a supervisor's reopen ----------------------------------------

def test_a_reviewer_cannot_change_a_confirmed_decision(repo):
    post_id = confirmed_post(repo, 20)
    with pytest.raises(TransitionError, match="only a supervisor can reopen"):
        lifecycle.decide(repo, post_id, reviewer="minh", confirm=False, categories=[])
    assert repo.get_post(post_id).source["status"] == "confirmed"


def test_a_supervisor_reopens_with_a_reason_and_it_is_audited(repo):
    post_id = confirmed_post(repo, 21)
    with pytest.raises(PermissionDenied):
        lifecycle.reopen(repo, post_id, actor=MINH, reason="I disagree")
    with pytest.raises(TransitionError, match="reason"):
        lifecycle.reopen(repo, post_id, actor=CHIEF, reason="  ")
    reopened = lifecycle.reopen(repo, post_id, actor=CHIEF, reason="a pharmacy advert, not drugs")
    assert reopened["status"] == "in_review" and reopened["claimed_by"] == "chief"
    [event] = events(repo, "decision_reopened")
    assert event["actor"] == "chief" and event["reason"] == "a pharmacy advert, not drugs"
    assert event["from_status"] == "confirmed" and event["details"]["reviewer"] == "lan"
    dismissed = lifecycle.decide(repo, post_id, reviewer="chief", confirm=False, categories=[])
    assert dismissed["status"] == "dismissed"
    sent = _sent_post(repo, 23)
    with pytest.raises(TransitionError, match="Only a confirmed or dismissed post"):
        lifecycle.reopen(repo, sent, actor=CHIEF, reason="too late: the warning went out")


def _sent_post(repo, n: int) -> str:
    post_id = confirmed_post(repo, n)
    notice = draft(repo, [post_id], kind="warning")
    notices.send(repo, notice["notice_id"], channel="phone", actor=LAN)
    return post_id


# ---- a post in an open notice is not drafted into another ---------------------------------------

def test_a_second_draft_of_the_same_post_is_refused_until_the_first_is_cancelled(repo):
    post_id = confirmed_post(repo, 30)
    first = draft(repo, [post_id])
    with pytest.raises(NoticeError, match=f"already in the open notice {first['reference']}"):
        draft(repo, [post_id])
    warning = draft(repo, [post_id], kind="warning")  # another kind: a warning to the poster as well
    assert warning["reference"] != first["reference"]
    with pytest.raises(PermissionDenied):
        notices.cancel(repo, first["notice_id"], actor=MINH, reason="duplicate")
    notices.cancel(repo, first["notice_id"], actor=LAN, reason="wrong recipient")
    again = draft(repo, [post_id])
    assert repo.get_post(post_id).source["open_notices"]["takedown"]["notice_id"] == again["notice_id"]


def test_two_drafts_of_one_post_at_once_make_exactly_one_notice(repo):
    post_id = confirmed_post(repo, 31)
    start = threading.Barrier(2)
    made, refused = [], []

    def submit():
        start.wait()
        try:
            made.append(draft(repo, [post_id]))
        except NoticeError as error:
            refused.append(error)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len(refused) == 1
    assert [n["notice_id"] for n in repo.find_notices(post_id=post_id)] == [made[0]["notice_id"]]


# ---- who may approve, send, record a removal: one function --------------------------------------

def test_the_domain_asks_the_permission_function(repo):
    post_id = confirmed_post(repo, 40)
    notice = draft(repo, [post_id], actor=HOA)
    with pytest.raises(PermissionDenied, match="drafted"):
        notices.approve(repo, notice["notice_id"], actor=HOA)
    with pytest.raises(PermissionDenied):
        notices.approve(repo, notice["notice_id"], actor=LAN)
    with pytest.raises(NoticeStateError, match="approved by a supervisor"):
        notices.send(repo, notice["notice_id"], channel="phone", actor=HOA)
    notices.approve(repo, notice["notice_id"], actor=CHIEF)
    with pytest.raises(PermissionDenied):  # a reviewer who did not draft it
        notices.send(repo, notice["notice_id"], channel="phone", actor=LAN)
    with pytest.raises(PermissionDenied):
        notices.draft(repo, NoticeDraft("warning", "poster", "x", (post_id,)),
                      actor=Actor("an", frozenset({"analyst"})))
    assert notices.send(repo, notice["notice_id"], channel="phone", actor=HOA)["status"] == "sent"


def test_the_recheck_goes_through_the_same_rule(repo):
    """A re-check that finds a post gone records the removal only under a sent notice; otherwise it
    notes what it saw and carries on."""
    from crawlers.recheck import CheckResult, apply
    unsent, sent = confirmed_post(repo, 50), _sent_post(repo, 51)
    counts = apply(repo, [CheckResult(unsent, "removed", "HTTP 404"), CheckResult(sent, "removed", "HTTP 404")])
    assert counts["removed"] == 2
    assert repo.get_post(unsent).source["status"] == "confirmed"
    assert repo.get_post(sent).source["status"] == "removed"
    assert [e["post_id"] for e in events(repo, "removal_not_recorded")] == [unsent]
